"""The team's saved answers: ``<dir>/<name>.<locale>.txt.j2``, rendered for one ticket.

A saved answer is text the team wrote once (the password-reset steps, the VPN
client's download page) and sends with ``/answer <name>`` or ``tickets answer``.
It is a Jinja2 template rendered in a sandbox with autoescape off (it is plain
text) and ``StrictUndefined``, from a string, with an empty loader: it sees the ticket's
view (:class:`AnswerView`, plain values) and nothing else — no include, no
settings, no database, no attribute starting with ``_``.

Which language: the requester's (the ticket's locale), else the team's
``[gateway] locale``, else the first of ``ja``, ``en`` that exists; the caller
is told which one was used. The folder is ``[answers] dir``
(:mod:`gateway.config.work`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from jinja2 import DictLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy.orm import Session

from gateway.catalog.model import Catalog
from gateway.config.settings import Settings
from gateway.core.i18n import LOCALES, N_, Msg, translate
from gateway.core.os_errors import os_error
from gateway.core.text import visible
from gateway.core.title import title
from gateway.core.utf8 import bad_line, decoded
from gateway.notify import labels
from gateway.notify.queue import tag
from gateway.pipeline.answer_names import is_safe
from store.fields import field_values
from store.models import Ticket

SUFFIX = ".txt.j2"
MAX_BYTES = 64_000  # a saved answer is a few paragraphs; a bigger file is a mistake


class AnswerError(Exception):
    """A saved answer that cannot be sent, and why (in the reader's language)."""

    def __init__(self, why: Msg) -> None:
        super().__init__(str(why))
        self.why = why


@dataclass(frozen=True, slots=True)
class AnswerView:
    """All a saved answer may show: ``{{ ticket.subject }}``, ``{{ fields.os }}``…"""

    id: int
    ref: str  # the subject tag, e.g. [#42]
    subject: str
    requester: str
    requester_name: str
    state: str  # the state's name in the answer's language (受付, "in progress") …
    priority: str  # … and the priority's (通常, "high"), as the team's mails say them
    entry: str  # the catalog entry's name in the answer's language ("" when none)
    entry_id: str
    assignee: str
    state_id: str = ""  # the stored values (new, pending, high …), for an {% if %}
    priority_id: str = ""


def available(folder: Path) -> dict[str, tuple[str, ...]]:
    """Every saved answer's name and its languages, sorted; files that are not
    ``<safe name>.<ja|en>.txt.j2`` are not answers and are left out."""
    found: dict[str, list[str]] = {}
    if not folder.is_dir():
        return {}
    for path in folder.iterdir():
        stem = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else ""
        name, _, locale = stem.rpartition(".")
        if is_safe(name) and locale in LOCALES and path.is_file():
            found.setdefault(name, []).append(locale)
    return {n: tuple(sorted(found[n])) for n in sorted(found)}


def language(have: tuple[str, ...], wanted: str | None, team: str) -> str | None:
    """The requester's language, else the team's, else the first we have (ja, en)."""
    for locale in (wanted, team, *LOCALES):
        if locale in have:
            return locale
    return None


def render(
    folder: Path,
    name: str,
    view: AnswerView,
    fields: Mapping[str, str],
    *,
    wanted: str | None,
    team: str,
) -> tuple[str, str]:
    """The saved answer ``name`` for this ticket, and the language it is in."""
    have = available(folder).get(name) if is_safe(name) else None
    locale = language(have or (), wanted, team)
    if locale is None:
        raise AnswerError(no_such(name))
    path = folder / f"{name}.{locale}{SUFFIX}"
    try:
        if path.resolve().parent != folder.resolve():  # a link out of the folder
            raise AnswerError(unusable(name, N_("it lies outside the folder of saved answers")))
        if (size := path.stat().st_size) > MAX_BYTES:  # the member is told what to fix
            too_big = N_(
                "{file} holds {size} bytes, more than the {limit} a saved answer may",
                file=path.name,
                size=size,
                limit=MAX_BYTES,
            )
            raise AnswerError(unusable(name, too_big))
        source = decoded(path.read_bytes())
        env = SandboxedEnvironment(
            loader=DictLoader({}),  # an include or import finds nothing (TemplateNotFound)
            autoescape=False,
            undefined=StrictUndefined,
            keep_trailing_newline=False,
        )
        text = env.from_string(source).render(ticket=asdict(view), fields=dict(fields))
    except UnicodeDecodeError as exc:  # saved as Shift_JIS: the line, and what to do
        problem = N_(
            "line {line} is not UTF-8 text: save {name} as UTF-8",
            line=bad_line(exc),
            name=path.name,
        )
        raise AnswerError(unusable(name, problem)) from None
    except OSError as exc:
        raise AnswerError(unusable(name, os_error(exc))) from None
    except TemplateError as exc:
        raise AnswerError(unusable(name, str(exc))) from None
    return text.strip(), locale


def no_such(name: str) -> Msg:
    """Why a name that is not (or no longer) in the folder cannot be sent."""
    return N_("no saved answer '{name}'", name=visible(name))


def unusable(name: str, problem: str | Msg) -> Msg:
    """Why a saved answer's file cannot be sent: outside the folder, too big, unreadable,
    or a template error (``problem``: Jinja's own words)."""
    return N_(
        "saved answer '{name}' cannot be used: {problem}", name=visible(name), problem=problem
    )


def for_ticket(
    session: Session, settings: Settings, catalog: Catalog, ticket: Ticket, name: str
) -> tuple[str, str]:
    """The saved answer ``name`` for ``ticket`` in the requester's language (see
    :func:`language`), and that language."""
    have = available(settings.answers.dir).get(name, ()) if is_safe(name) else ()
    locale = language(have, ticket.locale, settings.gateway.locale) or settings.gateway.locale
    view = AnswerView(
        id=ticket.id,
        ref=tag(settings, ticket.id),
        subject=title(ticket.subject),
        requester=ticket.requester,
        requester_name=ticket.requester_name,
        state=translate(labels.customer_state(ticket.state), locale),  # to the requester
        priority=translate(labels.priority(ticket.priority), locale),
        entry=catalog.shown_name(ticket.catalog, locale),
        entry_id=ticket.catalog or "",
        assignee=ticket.assignee or "",
        state_id=ticket.state,
        priority_id=ticket.priority,
    )
    return render(
        settings.answers.dir,
        name,
        view,
        field_values(session, ticket.id),
        wanted=ticket.locale,
        team=settings.gateway.locale,
    )
