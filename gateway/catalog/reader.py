"""Catalog YAML → entries, collecting every problem with its line.

The file is read with ``yaml.compose`` (nodes, not Python objects) because
every node keeps its position; constructing Python objects first would lose
the line numbers ``catalog check`` must print. Nothing here raises on a bad
catalog: problems are collected and handed back together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from gateway.catalog.action_reader import Where, read_action
from gateway.catalog.field_reader import read_fields
from gateway.catalog.keyword_reader import read_keywords
from gateway.catalog.model import LOCALES, Entry
from gateway.catalog.nodes import complex_keys, flag, merged, shown, text
from gateway.catalog.nodes import scalar as _scalar
from gateway.catalog.sla_reader import read_calendar, read_priority, read_sla
from gateway.catalog.yaml_errors import yaml_problem
from gateway.config.settings import Member
from gateway.config.units import needs_calendar, parse_wait
from gateway.core.business_hours import Wait, WorkingDays
from gateway.core.domains import ascii_address
from gateway.core.errors import ConfigError, Problem
from gateway.core.i18n import N_, Msg
from gateway.core.spelling import meant
from gateway.core.switches import SWITCHABLE

_ENTRY_KEYS = frozenset(
    {
        "id",
        "name",
        "description",
        "keywords",
        "negative",
        "assignee",
        "manager",
        "sla",
        "stale_after",
        "auto_close_after",
        "fields",
        "fallback",
        "action",
        "mails_off",
        "priority",
        "calendar",
    }
)
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def read(
    text: str, members: Sequence[Member] = (), where: Where | None = None
) -> tuple[list[Entry], list[Problem]]:
    """Entries and every problem; members are checked only when some are configured,
    and what actions refer to outside the file (programs, secrets, templates) only
    when ``where`` says where that is."""
    try:
        root = _compose(text)
        odd = complex_keys(root)  # before merging: every key left is a text
        root = merged(root)
    except yaml.YAMLError as exc:  # the line, in the reader's words
        return [], [yaml_problem(exc, text)]
    except RecursionError:  # the composer recurses once per level: no catalog is that deep
        return [], [Problem(1, N_("not valid YAML: nested too deeply to be read"))]
    reader = _Reader(members, where)
    for key in odd:
        reader.bad(key, N_("a key must be a text, not {value!r}", value=shown(key)))
    entries = reader.catalog(root)
    return entries, reader.problems


def _compose(text: str) -> yaml.Node | None:
    """libyaml's parser when PyYAML was built with it: the pure-Python one took 40 ms
    of every ``ingest -`` and CLI start (issue #18). A document it refuses is read
    again by the pure one, so a problem is reported in the same words and lines."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


@dataclass
class _Reader:
    """Walks the composed node tree, building entries and collecting problems."""

    members: Sequence[Member]
    where: Where | None = None
    problems: list[Problem] = field(default_factory=list)
    current: str = "?"  # the id of the entry being read: its problems name it
    span: tuple[int, int] = (0, 0)  # where that entry is written (offsets in the text)
    calendar: str | None = None  # the calendar that entry names: its waits' working days

    def bad(self, node: Any, message: str | Msg) -> None:
        self.problems.append(Problem(node.start_mark.line + 1, message))

    def catalog(self, root: Any) -> list[Entry]:
        if root is None:
            self.problems.append(Problem(1, N_("the catalog is empty: it needs an 'entries' list")))
            return []
        top = self.mapping(root, N_("the catalog"))
        entries_node = top.get("entries")
        if entries_node is None or not isinstance(entries_node[1], yaml.SequenceNode):
            self.bad(root, N_("the catalog needs an 'entries' list"))
            return []
        for key_node, _ in top.values():
            # x-…: a place for what entries share (an anchor their merge keys name)
            if key_node.value != "entries" and not str(key_node.value).startswith("x-"):
                self.bad(key_node, N_("unknown key {key!r}", key=key_node.value))
        entries = [e for n in entries_node[1].value if (e := self.entry(n)) is not None]
        self.whole(entries_node[0], entries_node[1].value, entries)
        return entries

    def whole(self, key: Any, nodes: list[Any], entries: list[Entry]) -> None:
        """Rules across entries: unique ids, exactly one fallback."""
        self.unique_ids(nodes)
        if not any(e.fallback for e in entries):
            self.bad(
                key,
                N_(
                    "no fallback entry: mark exactly one entry (usually 'other') with "
                    "'fallback: true'"
                ),
            )
        first: str | None = None
        for node in nodes:
            marked = self.mapping(node, "", quiet=True).get("fallback")
            if marked is None or flag(marked[1]) is not True:
                continue
            if first is not None:
                self.bad(
                    marked[1], N_("a second fallback entry (the first is {first!r})", first=first)
                )
            first = first or _id(node) or "?"

    def unique_ids(self, nodes: list[Any]) -> None:
        seen: dict[str, int] = {}
        for node in nodes:
            pair = self.mapping(node, "", quiet=True).get("id")
            if pair is None or not isinstance(pair[1], yaml.ScalarNode):
                continue
            value, line = str(pair[1].value), pair[1].start_mark.line + 1
            if value in seen:
                self.bad(
                    pair[1],
                    N_("duplicate id {id!r} (first at line {line})", id=value, line=seen[value]),
                )
            seen.setdefault(value, line)

    def unknown(self, key: Any, known: frozenset[str]) -> None:
        """A key of an entry not in ``known``, named with the key most likely meant
        (``keyword``: ``keywords``), as the config file's keys and the reply commands are."""
        likely = meant(str(key.value).lower(), sorted(known))
        if likely is None:
            self.bad(key, N_("unknown key {key!r} in an entry", key=key.value))
        else:
            self.bad(
                key,
                N_(
                    "unknown key {key!r} in an entry; did you mean {known!r}?",
                    key=key.value,
                    known=likely,
                ),
            )

    def mapping(self, node: Any, what: str | Msg, *, quiet: bool = False) -> dict[str, Any]:
        """``node``'s keys and (key, value) nodes; ``what`` names it in a problem (a
        YAML key as written, or a Msg such as "an entry")."""
        if not isinstance(node, yaml.MappingNode):
            if not quiet:
                self.bad(node, N_("{what} must be a mapping", what=what))
            return {}
        out: dict[str, Any] = {}
        for k, v in node.value:
            if not quiet and k.value in out:
                self.bad(k, N_("duplicate key {key!r}", key=k.value))
            out[str(k.value)] = (k, v)
        return out

    def entry(self, node: Any) -> Entry | None:
        m = self.mapping(node, N_("an entry"))
        if not m:
            return None
        for key_node, _ in m.values():
            if key_node.value not in _ENTRY_KEYS:
                self.unknown(key_node, _ENTRY_KEYS)
        entry_id = self.current = self.entry_id(node, m)
        self.span = (node.start_mark.index, node.end_mark.index)
        known = self.where.calendars if self.where is not None else None
        self.calendar = read_calendar(self, m.get("calendar"), known)  # before its waits
        fallback = "fallback" in m and self.boolean(m["fallback"][1], "fallback")
        manager = self.member_ref(m["manager"][1], "manager") if "manager" in m else None
        if fallback and manager is None:
            self.bad(node, N_("the fallback entry {id!r} must name a 'manager'", id=entry_id))
        (first_response, resolve), per_level = read_sla(self, m.get("sla"))
        fields = read_fields(self, m.get("fields"))
        action = read_action(self, m["action"][1], manager, self.where) if "action" in m else None
        return Entry(
            id=entry_id,
            names=self.names(m.get("name"), node, "name"),
            descriptions=self.names(m["description"], node, "description")
            if "description" in m
            else {},
            keywords=read_keywords(self, m.get("keywords")),
            negative=read_keywords(self, m.get("negative")),
            assignees=self.assignees(m.get("assignee")),
            manager=manager,
            first_response=first_response,
            resolve=resolve,
            stale_after=self.wait(m.get("stale_after")),
            auto_close_after=self.wait(m.get("auto_close_after")),
            fields=fields,
            fallback=fallback,
            action=action,
            mails_off=self.mails_off(m.get("mails_off")),
            priority=read_priority(self, m.get("priority")),
            sla_by_priority=per_level,
            calendar=self.calendar,
        )

    def mails_off(self, pair: Any) -> tuple[str, ...]:
        """Mail kinds turned off for this entry's tickets; only those that can be."""
        if pair is None:
            return ()
        if not isinstance(pair[1], yaml.SequenceNode):
            self.bad(pair[1], N_("mails_off must be a list of mail kinds"))
            return ()
        kinds = []
        for node in pair[1].value:
            kind = str(_scalar(node))
            if kind in SWITCHABLE:
                kinds.append(kind)
            else:
                self.bad(
                    node,
                    N_(
                        "mails_off: {kind!r} cannot be turned off ({kinds})",
                        kind=kind,
                        kinds=", ".join(SWITCHABLE),
                    ),
                )
        return tuple(kinds)

    def entry_id(self, node: Any, m: dict[str, Any]) -> str:
        if "id" not in m:
            self.bad(node, N_("an entry needs an 'id'"))
            return "?"
        value = text(self, m["id"][1], "id")  # as written: `id: yes` is no True
        if not _ID.fullmatch(value):
            self.bad(
                m["id"][1], N_("id {id!r}: use lower-case letters, digits, '-' or '_'", id=value)
            )
        return value

    def names(self, pair: Any, owner: Any, what: str) -> dict[str, str]:
        if pair is None:
            self.bad(owner, N_("needs a {what!r} (a string, or one per locale: ja, en)", what=what))
            return {}
        node = pair[1]
        if isinstance(node, yaml.ScalarNode):
            return dict.fromkeys(LOCALES, str(node.value))
        out: dict[str, str] = {}
        for loc, (k, v) in self.mapping(node, what).items():
            if loc not in LOCALES:
                self.bad(
                    k, N_("unknown locale {locale!r} in {what} (ja, en)", locale=loc, what=what)
                )
            out[loc] = text(self, v, loc)
        return out

    def assignees(self, pair: Any) -> tuple[str, ...]:
        if pair is None:
            return ()
        nodes = pair[1].value if isinstance(pair[1], yaml.SequenceNode) else [pair[1]]
        found = (self.member_ref(n, "assignee") for n in nodes)
        return tuple(e for e in found if e)

    def member_ref(self, node: Any, key: str) -> str | None:
        """The member ``key`` (``assignee``, ``manager``) of the entry names. One not in
        ``[[members]]`` names the entry and the key: it is most often someone who left
        the team, taken out of the config and not yet out of the catalog
        (:func:`gateway.catalog.load.members_hint` says where the members are read)."""
        if not isinstance(node, yaml.ScalarNode) or "@" not in str(node.value):
            self.bad(
                node, N_("expected a member's e-mail address, not {value!r}", value=shown(node))
            )
            return None
        email = ascii_address(str(node.value).strip())  # the form a member is kept in
        if email.count("@") != 1 or any(c in email for c in ", ;\t\n"):
            # one YAML string holding several (``a@x, b@x``) is no address anybody has
            self.bad(
                node,
                N_(
                    "expected one member's e-mail address, not {value!r}"
                    " (several are a list: [a@example.test, b@example.test])",
                    value=str(node.value),
                ),
            )
            return None
        if self.members:
            member = next((m for m in self.members if m.email == email), None)
            if member is None:
                self.bad(node, unknown_member(self.current, key, email))
            elif key == "manager" and member.role != "manager":  # one who stepped down
                role = N_(
                    "{email!r} is not a manager (role = {role!r})", email=email, role=member.role
                )
                self.bad(
                    node,
                    N_("entry {id!r}: {key}: {problem}", id=self.current, key=key, problem=role),
                )
        return email

    def wait(self, pair: Any, within: str = "") -> Wait | None:
        """An entry's wait (an SLA target, stale_after, auto_close_after; ``within``:
        the block it is in, ``sla.urgent``), read as the config's ``[schedule]`` waits
        are (:func:`gateway.config.units.parse_wait`): ``"4h"`` or working days,
        ``"2bd"``, which need a calendar: the one the entry names, else the team's
        ``[business_hours]`` (``where.working_days``; not checked without a ``where``).
        Zero is refused: it is never what was meant ("0" for "none" would make every
        ticket overdue at once, or close every pending ticket at the next sweep);
        leaving the key out is how an entry has none. A problem names the entry and the
        key; the file and the line come with it."""
        if pair is None:
            return None
        key = f"{within}.{pair[0].value}" if within else str(pair[0].value)
        value = _scalar(pair[1])
        try:
            found = parse_wait(value)
        except ConfigError as exc:
            self.bad_in_entry(pair[1], key, exc.message)
            return None
        if isinstance(found, WorkingDays):
            if self.where is not None and not self.where.working_days and self.calendar is None:
                self.bad_in_entry(pair[1], key, needs_calendar(value))
                return None
            return found
        if not found:
            self.bad_in_entry(pair[1], key, N_("must be longer than 0 (leave it out for none)"))
            return None
        return found

    def bad_in_entry(self, node: Any, key: str, problem: str | Msg) -> None:
        """A wait's problem, naming the entry when the value is written in it; one an
        entry takes from a shared block (``<<: *common``) is said where it is written,
        once for all the entries that take it (:func:`parse_catalog`), without a name."""
        if self.span[0] <= node.start_mark.index < self.span[1]:
            self.bad(
                node,
                N_("entry {id!r}: {key}: {problem}", id=self.current, key=key, problem=problem),
            )
        else:
            self.bad(node, N_("{key}: {problem}", key=key, problem=problem))

    def boolean(self, node: Any, what: str) -> bool:
        """A flag of the catalog (:func:`gateway.catalog.nodes.flag`: yes/no, on/off in
        any case, quoted or not, are true and false too), else a problem on its line."""
        value = flag(node)
        if value is None:
            self.bad(
                node,
                N_(
                    "{what} must be true or false (or yes/no, on/off), not {value!r}",
                    what=what,
                    value=shown(node),
                ),
            )
            return False
        return value


def _id(node: Any) -> str | None:
    for k, v in node.value if isinstance(node, yaml.MappingNode) else ():
        if k.value == "id":
            return str(v.value)
    return None


def unknown_member(entry_id: str, key: str, email: str) -> Msg:
    """An entry's ``key`` names an address ``[[members]]`` does not list."""
    return N_(
        "entry {id!r}: {key}: unknown member {email!r} (not in [[members]])",
        id=entry_id,
        key=key,
        email=email,
    )


UNKNOWN_MEMBER = unknown_member("", "", "").msgid
