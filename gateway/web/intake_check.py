"""What a person typed into an entry's form, checked before anything is stored.

The fields go through :func:`gateway.catalog.sheet.field_problems`, the
same rules the runner applies again when it files the submission (and that
read ``key: value`` lines from mail), so the form and the runner never
disagree. Errors are :class:`~gateway.core.i18n.Msg` values keyed by the
input's name, said in the page's language next to the input. Pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from gateway.catalog.model import Entry, Field
from gateway.catalog.sheet import field_problems, validate
from gateway.core.domains import BadDomain, ascii_domain
from gateway.core.i18n import N_, Msg
from gateway.core.text import bare
from gateway.core.title import one_line
from gateway.pipeline import unanswered
from gateway.pipeline.loops import never_answered

MAX_NAME = 200
MAX_SUBJECT = 200
MAX_TEXT = 20_000
MAX_VALUE = 2_000
MAX_FILES = 10
FIELD_PREFIX = "f_"  # inputs of the parameter sheet are named f_<field name>

_EMAIL_FIELD = Field("email", {}, "email")
# RFC 5321's dot-atom local part, in ASCII (no comments, quotes or spaces: they would
# reach the envelope), and host names of letters, digits and inner hyphens
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
NOT_AN_ADDRESS = N_("not an e-mail address")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# "Name <address>" as a mail client copies an address (the name may be quoted): one
# pair of angle brackets at the end, nothing after it; a bare name with an @ in it is
# another address, and which one is meant nobody knows
_NAMED = re.compile(r'\s*(?:"([^"]*)"|([^"<>@]*?))\s*<([^<>]*)>\s*')
_FULL_WIDTH = str.maketrans("＜＞＂", '<>"')  # the brackets as typed with the IME on


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
    name: str = ""  # as typed, or the display name that came with the address

    @property
    def ok(self) -> bool:
        return not self.errors


def entered_from(form: Mapping[str, str], entry: Entry) -> Entered:
    """The inputs this entry's form has, each cut to a sane length; a one-line input
    without what nobody sees at its ends (a zero-width space or a BOM a paste brings:
    a title of only those is no title, an address with one is the address)."""
    return Entered(
        name=bare(one_line(form.get("name", "")))[:MAX_NAME],
        email=bare(form.get("email", ""))[:320],
        subject=bare(one_line(form.get("subject", "")))[:MAX_SUBJECT],
        text=typed_lines(form.get("text", ""))[:MAX_TEXT],
        # one-line inputs on the page: a CR/LF a client posts would start a line of its
        # own under the sheet's heading in the member's notice
        fields={
            f.name: one_line(form.get(FIELD_PREFIX + f.name, ""))[:MAX_VALUE] for f in entry.fields
        },
    )


def left_over(form: Mapping[str, str], entry: Entry) -> list[str]:
    """The values typed into sheet inputs ``entry`` does not have (any more): a catalog
    reload renamed or removed the field while the form was open. Read by no field, they
    would be filed as if never typed; the form comes back showing them instead."""
    ours = {FIELD_PREFIX + f.name for f in entry.fields}
    return [
        one_line(value)[:MAX_VALUE]
        for name, value in form.items()
        if name.startswith(FIELD_PREFIX) and name not in ours and value.strip()
    ]


def to_fix(entry: Entry, errors: Collection[str]) -> list[str]:
    """The inputs of ``entry``'s form that ``errors`` are about, in the page's order:
    the form's error summary links to each, in the order a reader meets them."""
    order = ["name", "email", "subject", *(FIELD_PREFIX + f.name for f in entry.fields)]
    return [name for name in [*order, "text", "files"] if name in errors]


def first_to_fix(entry: Entry, errors: Collection[str]) -> str:
    """The input of ``entry``'s form, in the page's order, that the first of ``errors``
    is about (``""``: none): the page puts the focus there when the form comes back."""
    return next(iter(to_fix(entry, errors)), "")


def typed_lines(text: str) -> str:
    """Text typed in a box (a form's details, a member's note) as lines: CR LF and a
    lone CR are a line break, as the box's ``maxlength`` counted them; a NUL, an escape
    or another control character (no keyboard types one) is left out, tabs stay."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def check(
    entry: Entry,
    entered: Entered,
    files: int = 0,
    own: Collection[str] = (),
    today: date | None = None,
) -> Checked:
    """``own``: the gateway's addresses, which a requester cannot be; ``today``: the day
    the form is sent in the team's zone, which a date without its year (``4/1``) is the
    next such day from (the values are stored as read, so the runner reads that day's)."""
    errors: dict[str, Msg] = {}
    said_name, typed_email = named_address(entered.email)
    email, problem = validate(_EMAIL_FIELD, typed_email)
    if problem is None:  # the address as typed, width folded but not case folded:
        # casefold() makes faß.de fass.de and ς σ, other domains under IDNA2008
        email, problem = reachable(unicodedata.normalize("NFKC", typed_email).strip(), own)
    if not entered.email.strip():
        errors["email"] = N_("Please enter your e-mail address: the answer goes there.")
    elif problem is not None:
        errors["email"] = problem
    if not entered.subject.strip():
        errors["subject"] = N_("Please give your request a short title.")
    if files > MAX_FILES:
        errors["files"] = N_("At most {n} files, please.", n=MAX_FILES)
    sheet, problems = field_problems(entry, entered.fields, today)
    errors.update({FIELD_PREFIX + name: why for name, why in problems.items()})
    name = entered.name or one_line(said_name)[:MAX_NAME]
    return Checked(errors, sheet.values, email.lower(), name)


def named_address(typed: str) -> tuple[str, str]:
    """``(display name, address)`` of ``Name <address>`` (brackets typed full-width
    too), else ``("", typed)``: pasted from a mail client, the address is plain and
    was refused as "not an e-mail address" for the name around it."""
    named = _NAMED.fullmatch(typed.translate(_FULL_WIDTH))
    if named is None:
        return "", typed
    quoted, bare, address = named.groups()
    return (quoted if quoted is not None else bare).strip(), address


def address_as_kept(typed: str) -> str:
    """An address as people paste or type it (``Name <addr>`` from a mail client, full
    width with the input method on, a zero-width space from a chat) as the gateway keeps
    addresses: lower case, the domain as its A-label. Anything else comes back lowered,
    to match what it matches (the list's requester filter)."""
    _, address = named_address(unicodedata.normalize("NFKC", bare(typed)))
    kept, problem = reachable(bare(address), ())
    return kept if problem is None else bare(address).lower()


def reachable(email: str, own: Collection[str]) -> tuple[str, Msg | None]:
    """``email`` as our mail is sent to it (the domain in its IDNA2008 ASCII form,
    :func:`gateway.core.domains.ascii_domain`), or why no
    answer could reach it. The runner would file a submission from any of these and
    answer none (the rules of :func:`gateway.pipeline.loops.never_answered`: SMTPUTF8
    is not sent, our own address is our own mail, a no-reply address reads nothing),
    so the requester is told at the form instead of waiting for an answer."""
    local, at, domain = email.rpartition("@")
    if not at:
        return "", NOT_AN_ADDRESS
    try:
        wire_domain = ascii_domain(domain)
    except BadDomain as exc:
        why = exc.message
        return "", N_("The part after @ is not a domain name mail can reach: {why}", why=why)
    address = f"{local}@{wire_domain}".lower()
    never = never_answered(address, own)
    if never == unanswered.UNWRITABLE:
        return "", N_(
            "We cannot send mail to an address with non-Latin characters before the @. "
            "Please give another address."
        )
    if never == unanswered.OWN_ADDRESS:
        return "", N_("This is our own address. Please give your e-mail address.")
    if never == unanswered.NEVER_READS:
        return "", N_(
            "Mail to this address is not read (no-reply), so our answer would not reach "
            "you. Please give your own address."
        )
    labels = wire_domain.split(".")
    if never or not _LOCAL.fullmatch(local) or len(labels) < 2:
        return "", NOT_AN_ADDRESS
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "", NOT_AN_ADDRESS
    return address, None
