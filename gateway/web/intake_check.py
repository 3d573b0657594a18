"""What a person typed into an entry's form, checked before anything is stored.

The fields go through :func:`gateway.catalog.sheet.field_problems`, the
same rules the runner applies again when it files the submission (and that
read ``key: value`` lines from mail), so the form and the runner never
disagree. Errors are :class:`~gateway.core.i18n.Msg` values keyed by the
input's name, said in the page's language next to the input. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from gateway.catalog.model import Entry, Field
from gateway.catalog.sheet import field_problems, validate
from gateway.core.i18n import N_, Msg
from gateway.core.title import one_line

MAX_NAME = 200
MAX_SUBJECT = 200
MAX_TEXT = 20_000
MAX_VALUE = 2_000
MAX_FILES = 10
FIELD_PREFIX = "f_"  # inputs of the parameter sheet are named f_<field name>

_EMAIL_FIELD = Field("email", {}, "email")


@dataclass(frozen=True, slots=True)
class Entered:
    """The form as posted: every value as typed (kept for the page if it comes back)."""

    name: str = ""
    email: str = ""
    subject: str = ""
    text: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)  # field name → as typed

    def value(self, input_name: str) -> str:
        if input_name.startswith(FIELD_PREFIX):
            return self.fields.get(input_name.removeprefix(FIELD_PREFIX), "")
        return str(getattr(self, input_name, ""))


@dataclass(frozen=True, slots=True)
class Checked:
    errors: dict[str, Msg]  # input name → what is wrong with it
    values: dict[str, str]  # the sheet's canonical values (when there are no errors)
    email: str  # lower-cased

    @property
    def ok(self) -> bool:
        return not self.errors


def entered_from(form: Mapping[str, str], entry: Entry) -> Entered:
    """The inputs this entry's form has, each cut to a sane length."""
    return Entered(
        name=one_line(form.get("name", ""))[:MAX_NAME],
        email=form.get("email", "").strip()[:320],
        subject=one_line(form.get("subject", ""))[:MAX_SUBJECT],
        text=form.get("text", "")[:MAX_TEXT],
        fields={f.name: form.get(FIELD_PREFIX + f.name, "")[:MAX_VALUE] for f in entry.fields},
    )


def check(entry: Entry, entered: Entered, files: int = 0) -> Checked:
    errors: dict[str, Msg] = {}
    email, problem = validate(_EMAIL_FIELD, entered.email)
    if not entered.email.strip():
        errors["email"] = N_("Please enter your e-mail address: the answer goes there.")
    elif problem is not None:
        errors["email"] = problem
    if not entered.subject.strip():
        errors["subject"] = N_("Please give your request a short title.")
    if files > MAX_FILES:
        errors["files"] = N_("At most {n} files, please.", n=MAX_FILES)
    sheet, problems = field_problems(entry, entered.fields)
    errors.update({FIELD_PREFIX + name: why for name, why in problems.items()})
    return Checked(errors, sheet.values, email.lower())
