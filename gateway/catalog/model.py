"""The service catalog as values: entries, keywords, fields.

Frozen dataclasses built by :mod:`gateway.catalog.reader` from the YAML; every
decision about a request (matching, assignment, the parameter sheet) reads
these and nothing else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from gateway.catalog.linear import KeywordPattern
from gateway.core.business_hours import Wait
from gateway.core.domains import readable_address
from gateway.core.i18n import N_, Msg, own_words, translate
from gateway.core.tokens import mask_url_passwords

FIELD_TYPES = ("text", "date", "email", "number", "choice")
LOCALES = ("ja", "en")
ACTION_TYPES = ("webhook", "command")
ACTION_WHEN = ("fields_complete", "approved")  # approved: a manager's /approve after that
SUCCESS_STATES = ("open", "pending", "closed")
NOTIFY = ("assignee", "manager")
# the PATH a command runs with (its environment is scrubbed), and where a bare argv[0]
# is looked up by ``catalog check``
COMMAND_PATH = "/usr/local/bin:/usr/bin:/bin"


def written_in(texts: Mapping[str, str], locale: str) -> str:
    """The language of the words :meth:`Entry.name` or :meth:`Field.label` picks from
    ``texts`` for a reader of ``locale`` (its own, else English); "" when neither is
    given and the id stands in (a key, in no language). A page marks words not in its
    own language, so a screen reader reads an English-only name with an English voice."""
    return locale if texts.get(locale) else "en" if texts.get("en") else ""


@dataclass(frozen=True, slots=True)
class Keyword:
    """One term as written (``source``) and as matched (normalised ``text`` or ``regex``)."""

    source: str
    text: str
    weight: float = 1.0
    regex: KeywordPattern | None = None  # RE2 (gateway.catalog.linear)
    cjk: bool = False  # CJK terms match as substrings, Latin ones on word boundaries
    same_script: bool = False  # a short kana word: hiragana is not katakana for it


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    labels: Mapping[str, str]
    type: str = "text"
    choices: tuple[str, ...] = ()
    required: bool = False
    example: str = ""  # shown in the "missing fields" mail; derived from the type if empty
    # a choice's name per locale ({"opex": {"ja": "運用費", "en": "Operating expense"}});
    # the value is what is stored, matched and sent to an action, the label what people read
    choice_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # a number field's bounds (``min``/``max``), inclusive; None: unbounded that way
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    # a number field's ``step``: the values taken are the minimum (or 0) plus a whole
    # number of steps, as HTML's step counts them (``step: 1``: whole numbers); None: any
    step: Decimal | None = None

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels.get("en") or self.name

    def label_lang(self, locale: str) -> str:
        """The language :meth:`label` is in (:func:`written_in`)."""
        return written_in(self.labels, locale)

    @property
    def step_base(self) -> Decimal:
        """Where a number field's steps are counted from: its minimum, else 0 (HTML's
        rule for an input with ``min``, and without a ``value`` attribute)."""
        return self.minimum if self.minimum is not None else Decimal(0)

    @property
    def whole(self) -> bool:
        """Only whole numbers are taken (a step of 1 from a whole minimum, or of any whole
        number of units): the Slack modal allows no decimal point then."""
        return (
            self.step is not None
            and self.step == self.step.to_integral_value()
            and self.step_base == self.step_base.to_integral_value()
        )

    def shown(self, value: str, locale: str) -> str:
        """A stored value as a person reads it in ``locale``: a choice by its label, an
        address with its domain as people write it (kept as its A-label, as the config
        and the web form keep it: ``a@xn--fa-hia.de`` is ``a@faß.de``), else as stored."""
        if self.type == "email":
            return readable_address(value)
        return self.choice_label(value, locale)

    def choice_label(self, value: str, locale: str) -> str:
        """The choice ``value`` as a reader of ``locale`` reads it (the value itself
        when the catalog gives it no label)."""
        names = self.choice_labels.get(value, {})
        return names.get(locale) or names.get("en") or value

    def choice_lang(self, value: str, locale: str) -> str:
        """The language :meth:`choice_label` is in (:func:`written_in`)."""
        return written_in(self.choice_labels.get(value, {}), locale)


@dataclass(frozen=True, slots=True)
class Action:
    """What runs when an entry's parameter sheet is complete (:mod:`gateway.actions`)."""

    type: str  # webhook | command
    when: str = "fields_complete"  # or "approved": then it waits for a manager's /approve
    url: str = ""  # webhook: https, or http to a loopback address
    secret_file: Path | None = None  # webhook: the HMAC key, read at each delivery
    ca_file: Path | None = None  # webhook: a private CA; None: the system's CAs
    argv: tuple[str, ...] = ()  # command: run as written, no shell
    workdir: Path | None = None  # command: its working directory (the catalog's folder)
    timeout: timedelta = timedelta(seconds=30)
    retries: int = 3  # further tries after a temporary failure, with backoff
    success_state: str | None = None  # on_success.state
    success_reply: str | None = None  # on_success.reply: a template kind of the team's
    failure_notify: str | None = None  # on_failure.notify: assignee | manager

    @property
    def target(self) -> str:
        """What it calls, for events, mails and lists: the URL (its secrets masked: a
        signed URL's ``sig``, an ``api_key``, :func:`gateway.core.tokens.mask_url_passwords`)
        or the program. The worker calls ``url`` itself."""
        if self.type == "webhook":
            return mask_url_passwords(self.url)
        return self.argv[0] if self.argv else ""


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    names: Mapping[str, str]
    keywords: tuple[Keyword, ...] = ()
    negative: tuple[Keyword, ...] = ()
    assignees: tuple[str, ...] = ()  # one: always them; several: served in turn
    manager: str | None = None
    # waits: real time ("4h") or the team's working days ("2bd", with [business_hours])
    first_response: Wait | None = None
    resolve: Wait | None = None
    stale_after: Wait | None = None
    auto_close_after: Wait | None = None
    fields: tuple[Field, ...] = ()
    fallback: bool = False
    action: Action | None = None
    descriptions: Mapping[str, str] = field(default_factory=dict)  # the web form's intro
    mails_off: tuple[str, ...] = ()  # mail kinds its tickets do not send (core.switches)
    priority: str | None = None  # its tickets' level when the mail marks none (issue #19)
    # priority → (first_response, resolve) for that level; a None keeps the entry's own
    sla_by_priority: Mapping[str, tuple[Wait | None, Wait | None]] = field(default_factory=dict)
    # the calendar its waits and deadlines count in (gateway.core.calendars): a name of
    # [[business_hours.calendars]] or "always"; None: the default, [business_hours]
    calendar: str | None = None

    def sla_for(self, priority: str | None) -> tuple[Wait | None, Wait | None]:
        """The SLA targets of a ticket at ``priority``: the level's own, else the entry's."""
        first, resolve = self.sla_by_priority.get(priority or "", (None, None))
        return (
            first if first is not None else self.first_response,
            resolve if resolve is not None else self.resolve,
        )

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names.get("en") or self.id

    def name_lang(self, locale: str) -> str:
        """The language :meth:`name` is in (:func:`written_in`)."""
        return written_in(self.names, locale)

    def said(self) -> Mapping[str, str]:
        """Its name in each language: a parameter of a :class:`~gateway.core.i18n.Msg`
        that each reader reads in theirs (アカウント, Accounts), never its id."""
        return {loc: self.name(loc) for loc in LOCALES}

    def said_with_id(self) -> Msg | str:
        """Its name with the id a person types to name it (``/category account``):
        アカウント（account）, Accounts (account); the id alone when it has no name."""
        if all(name == self.id for name in self.said().values()):
            return self.id
        # a language the catalog gives no name in reads the id: said once, not "vpn (vpn)"
        return own_words(
            {
                loc: self.id
                if self.name(loc) == self.id
                else translate(N_("{name} ({id})", name=self.name(loc), id=self.id), loc)
                for loc in LOCALES
            }
        )

    def description(self, locale: str) -> str:
        return self.descriptions.get(locale) or self.descriptions.get("en") or ""

    def description_lang(self, locale: str) -> str:
        """The language :meth:`description` is in (:func:`written_in`)."""
        return written_in(self.descriptions, locale)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class Catalog:
    entries: tuple[Entry, ...]
    source: str = ""
    # SHA-256 of the YAML text it was read from ("": not read from text): a parse worker
    # that read the same file can tell that its classification stands for ours
    digest: str = ""

    @property
    def fallback(self) -> Entry:
        return next(e for e in self.entries if e.fallback)

    @property
    def team_manager(self) -> str | None:
        """The fallback entry's manager: who hears of a ticket nobody else on the team
        answers for (nobody has it, or its assignee left, and its entry names no
        manager). None only for a catalog without a fallback (``catalog check`` refuses
        one)."""
        fallback = next((e for e in self.entries if e.fallback), None)
        return fallback.manager if fallback is not None else None

    def entry(self, entry_id: str | None) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def secret_files(self) -> Iterator[tuple[str, Path]]:
        """(where it is written, the file) of each webhook action's ``secret_file``: who
        reads it signs what the team's automation trusts, so ``status`` warns of one other
        users may read (:mod:`gateway.config.credential_files`)."""
        where = Path(self.source).name or "catalog"
        for e in self.entries:
            if e.action is not None and e.action.secret_file is not None:
                yield f"{where}: {e.id}.action.secret_file", e.action.secret_file

    def rules_for(self, entry_id: str | None) -> Entry | None:
        """The entry whose rules (stale time, SLA, closes, manager, mails off) a ticket
        filed under ``entry_id`` follows: that entry, else the fallback. A ticket of an
        entry removed from the catalog is one the catalog cannot place, which is what
        the fallback is for; leaving it without rules would silently drop its
        reminders and deadlines until someone refiles it (``catalog refile --from``).
        None only for a catalog without a fallback (``catalog check`` refuses one)."""
        found = self.entry(entry_id)
        return found or next((e for e in self.entries if e.fallback), None)

    def shown_name(self, entry_id: str | None, locale: str) -> str:
        """The ticket's entry as people read it: its name in ``locale``; "" when not
        filed. An entry no longer in the catalog is shown by its id with the board's
        mark, not by the fallback's name: the ticket follows the fallback's rules
        (:meth:`rules_for`) but was not filed there, and the mark says it waits for a
        refile."""
        if not entry_id:
            return ""
        found = self.entry(entry_id)
        if found is not None:
            return found.name(locale)
        return translate(not_in_the_catalog(entry_id), locale)

    def row_names(self, entry_ids: Iterable[str], locale: str) -> dict[str, str]:
        """Each of ``entry_ids`` as :meth:`shown_name` says it, followed by its id where
        two entries read the same in ``locale`` (two floors' printers both named
        "Printer"): a count per entry keyed by what it reads would add the two up, or
        keep one and drop the other."""
        ids = set(entry_ids)
        every = ids | {e.id for e in self.entries}
        shown = {i: self.shown_name(i, locale) for i in every}
        twice = {name for name, n in Counter(shown.values()).items() if n > 1 and name}
        return {i: f"{shown[i]} ({i})" if shown[i] in twice else shown[i] for i in ids}

    def said_name(self, entry_id: str | None) -> Msg | str:
        """The ticket's entry as :meth:`shown_name` says it, in each reader's language:
        what a template prints as ``ticket.entry`` ("" when not filed)."""
        if not entry_id:
            return ""
        return own_words({loc: self.shown_name(entry_id, loc) for loc in LOCALES})


def not_in_the_catalog(entry_id: str) -> Msg:
    """An entry id the catalog no longer has, with the board's mark: one message, so
    each language sets its own space (``retired (not in the catalog)``, but
    ``retired（カタログにない項目）``: no space before a full-width bracket)."""
    return N_("{entry} (not in the catalog)", entry=entry_id)
