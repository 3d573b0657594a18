"""``ticket-gateway catalog check|match`` and ``stats``: the catalog and how it serves.

``match`` explains the verdict the runner would reach for a message (the same
:func:`gateway.catalog.triage.triage`); ``stats`` shows per entry, assignee and
week, and the fallback report that suggests new entries. The words are said in
the CLI's language (a catalog's problems too, each with its line); entry names
and field labels are in ``--locale`` (default: the command line's language; the
team's for ``--json``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from gateway.core.domains import readable_address
from gateway.core.i18n import N_, Msg
from gateway.core.os_errors import os_error
from gateway.core.spans import span
from gateway.runtime.cli import refile
from gateway.runtime.cli.common import (
    EX_CONFIG,
    EX_DATAERR,
    EX_NOINPUT,
    EX_OK,
    Speaker,
    local_time,
    opened,
    pad,
    print_json,
)
from gateway.runtime.cli.help_language import h
from gateway.runtime.cli.left_mark import legend, marked_cell

if TYPE_CHECKING:
    from gateway.catalog.triage import Triage
    from gateway.config.settings import Settings


def cmd_catalog_check(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from gateway.catalog.load import catalog_path, load_for, members_hint
    from gateway.catalog.overlaps import notes
    from gateway.core.errors import CatalogError
    from gateway.notify.template_check import template_notes

    path = Path(args.path) if args.path else catalog_path(settings)
    templates = _template_mistakes(settings)
    try:
        catalog = load_for(settings, path)
    except CatalogError as exc:
        for p in exc.problems:  # the check's report: on stdout, each with its line
            print(f"{path}:{p.line}: {Speaker(settings)(p.message)}")
        # the packaged example, a member the catalog names and the config no longer has:
        # what to do about all of them
        hint = exc.hint or members_hint(exc.problems, settings.source)
        if hint is not None:
            Speaker(settings).say(hint)
        return _check_failed(named=args.path is not None, unreadable=exc.unreadable)
    if templates:  # the catalog is fine; the team's templates are configuration to fix
        return EX_CONFIG
    Speaker(settings).say(
        N_(
            "{path}: ok, {count} entries, fallback {fallback!r}",
            path=str(path),
            count=len(catalog.entries),
            fallback=catalog.fallback.id,
        )
    )
    replies = {e.action.success_reply for e in catalog.entries if e.action is not None}
    team = template_notes(settings.gateway.templates_dir, {r for r in replies if r})
    for note in [*notes(catalog), *team]:  # worth knowing, not wrong: the status stays 0
        Speaker(settings).say(note)
    return EX_OK


def _template_mistakes(settings: Settings) -> bool:
    """Print each file of ``[gateway] templates_dir`` that would not compile, as the
    catalog's problems are printed (``path:line: …``); whether there was one. Such a
    mail would go out from the built-in templates: better known before it does."""
    from gateway.notify.template_check import template_mistakes

    mistakes = template_mistakes(settings.gateway.templates_dir)
    for mistake in mistakes:
        print(Speaker(settings)(mistake.said()))
    return bool(mistakes)


def _check_failed(*, named: bool, unreadable: bool) -> int:
    """The exit status of a catalog with problems, by sysexits' meanings: the configured
    one is the configuration (78, as every other command starting with it says); a file
    named on the command line is data given to check (65), or an input that cannot be
    read (66, as ``ingest`` and ``catalog match`` say of a missing file)."""
    if not named:
        return EX_CONFIG
    return EX_NOINPUT if unreadable else EX_DATAERR


def cmd_catalog_match(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from gateway.catalog.load import load_for
    from gateway.catalog.triage import triage
    from gateway.pipeline.parse.message import parse_message
    from gateway.pipeline.request_words import request_words

    said = Speaker(settings)
    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        said.warn(N_("cannot read {path}: {error}", path=args.file, error=os_error(exc)))
        return EX_NOINPUT  # as ingest says of an input it cannot read
    # a broken catalog: CatalogError, said with every problem by main (exit 78)
    catalog = load_for(settings)
    msg = parse_message(raw)
    if not msg.is_mail:
        said.warn(N_("{path}: not an e-mail message", path=args.file))
        return EX_DATAERR
    # the names and labels: --locale, else the reader's language (a line under LANG=C
    # named them in Japanese); --json keeps the team's, as scripts have always read them
    locale = args.locale or (settings.gateway.locale if args.json else said.locale)
    verdict = triage(catalog, msg, request_words(msg), locale)
    sheet, name = verdict.sheet, verdict.entry.name(locale)
    if args.json:
        print_json(
            {
                **verdict.classification.as_detail(),
                "name": name,
                # the entries that scored as much: the one listed first in the catalog wins
                "tied_with": _tied(verdict),
                "fields": sheet.values,
                "rejected": [
                    {"field": r.field, "value": r.value, "reason": r.reason} for r in sheet.rejected
                ],
                "missing": [{"name": n, "label": label} for n, label in verdict.missing],
            }
        )
        return EX_OK
    _print_match(said, verdict, name)
    return EX_OK


def _tied(verdict: Triage) -> list[str]:
    """The runners-up that scored as much as the entry chosen (a tie, which the order of
    the catalog settles: ``classify`` keeps the first listed)."""
    result = verdict.classification
    if result.fallback:
        return []
    return [entry_id for entry_id, score in result.scores[1:] if score == result.score]


# The places a keyword is looked for (:class:`gateway.catalog.match.Hit`'s ``where``, the
# event's key), as the reader of the explanation names them
_PLACES = {
    "subject": N_("subject"),  # the mail's subject: a hit there weighs three times
    "body": N_("body"),  # the new text of the body, without quotes and signature
}


def _print_match(said: Speaker, verdict: Triage, name: str) -> None:
    result, sheet = verdict.classification, verdict.sheet
    why: Msg | str = ""
    if result.fallback and result.vetoed:  # keywords did match: a negative one said no
        why = N_(" (fallback: every entry that matched was vetoed)")
    elif result.fallback:
        why = N_(" (fallback: no keyword matched)")
    if name == result.entry_id:  # no name in this language: the id, said once
        said.say(N_("entry: {id}{why}", id=result.entry_id, why=why))
    else:
        said.say(N_("entry: {id} ({name}){why}", id=result.entry_id, name=name, why=why))
    said.say(N_("score: {score}", score=format(result.score, "g")))
    for matched in result.matched:
        hit = N_(
            "{keyword!r} in {where}: weight {weight} -> {points}",
            keyword=matched.keyword,
            where=_PLACES.get(matched.where, matched.where),
            weight=format(matched.weight, "g"),
            points=format(matched.points, "g"),
        )
        print(f"  {said(hit)}")
    for entry_id, score in result.scores[1:]:
        runner_up = N_("runner-up: {id} {score}", id=entry_id, score=format(score, "g"))
        if not result.fallback and score == result.score:  # why this one and not that
            runner_up = N_(
                "{runner_up} (a tie: {id} is listed first in the catalog)",
                runner_up=runner_up,
                id=result.entry_id,
            )
        print("  " + said(runner_up))
    for entry_id, keyword in result.vetoed:
        vetoed = N_("vetoed: {id} by negative keyword {keyword!r}", id=entry_id, keyword=keyword)
        print(f"  {said(vetoed)}")
    for field, value in sheet.values.items():
        said.say(N_("field {name}: {value}", name=field, value=value))
    for r in sheet.rejected:
        said.say(
            N_(
                "field {name}: rejected {value!r} ({reason})",
                name=r.field,
                value=r.value,
                reason=r.why,
            )
        )
    for field, label in verdict.missing:
        said.say(N_("missing: {name} ({label})", name=field, label=label))


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.catalog.load import load_for
    from gateway.scheduling import workload
    from store.db import transaction

    # a broken catalog: CatalogError, said with every problem by main (exit 78)
    catalog = load_for(settings)
    with opened(settings) as app, transaction(app.sessions) as s:
        data = workload.stats_figures(s, catalog, settings, app.clock.now())
    if args.json:
        print_json(data)
        return EX_OK
    # the tickets filed under no entry (None) are "(none)", not an entry removed since
    gone = {e["entry"] for e in data["entries"] if e["entry"]} - {e.id for e in catalog.entries}
    # one taken out of [[members]] keeps a row for this quarter's force-closes: marked
    held = {a["assignee"] for a in data["assignees"] if a["assignee"]}
    left = {who for who in held if not settings.on_team(who)}
    _print_stats(Speaker(settings), data, settings.gateway.timezone, gone, left)
    return EX_OK


def _print_stats(
    said: Speaker,
    data: dict[str, Any],
    timezone: str,
    gone: set[str] | frozenset[str] = frozenset(),
    left: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Three tables and the fallback report; headers in the CLI's language. ``gone``: the
    entries of tickets that the catalog no longer has, marked as the board marks them;
    ``left``: the assignees no longer in ``[[members]]``, marked as the pages mark them."""
    from gateway.catalog.model import not_in_the_catalog
    from store.stats import FALLBACK_DAYS

    # the open tickets past an SLA deadline and due soon, as the board's badges count them
    sla = ((N_("overdue"), -8), (N_("due soon"), -8))
    print(
        _row(
            said,
            (N_("entry"), 20),
            (N_("open"), -4),
            (N_("closed"), -6),
            *sla,
            (N_("median close"), -13),
        )
    )
    none = said(N_("(none)"))
    for e in data["entries"]:
        median = e["median_close_seconds"]
        shown = said(span(median))
        entry = e["entry"] or none
        if e["entry"] in gone:  # removed or renamed since: `catalog refile --from` is for them
            entry = said(not_in_the_catalog(entry))
        print(f"{pad(entry, 20)} {e['open']:>4} {e['closed']:>6} {_sla(e)}  {shown:>12}")
    # the median is of resolutions (store.stats.RESOLVED); the closed counts keep every close
    said.say(
        N_(
            "median close: of the tickets closed as resolved (not spam, duplicate,"
            " no-response or inventory closes)"
        )
    )
    # stale beside open, as on the board's members panel: where the work piles up
    # this quarter's inventory force-closes, as the board's members panel shows them: a
    # row with nothing open is there for them, and said nothing of why
    forced = (N_("force-closed"), -12)
    head = _row(
        said,
        (N_("assignee"), 32),
        (N_("open"), -5),
        (N_("stale"), -5),
        *sla,
        forced,
        (N_("oldest"), -8),
    )
    # no heading over no rows: a table with nothing under it reads as cut off
    print("\n" + (head if data["assignees"] else said(N_("nobody has an open ticket"))))
    nobody = said(N_("(nobody)"))
    for a in data["assignees"]:
        since = "—"  # nothing open: a member listed for this quarter's force-closes
        if a["oldest_ticket"] is not None:
            at = local_time(a["oldest_created_at"], timezone)  # as `tickets show` says a time
            since = said(N_("#{id} since {at}", id=a["oldest_ticket"], at=at))
        # xn--…: as people write it (--json: as kept), as `tickets list` shows it
        shown = readable_address(a["assignee"]) if a["assignee"] else nobody
        who = marked_cell(shown, 32, a["assignee"] in left)
        closes = a.get("force_closed_quarter", 0)
        print(f"{who} {a['open']:>5} {a.get('stale', 0):>5} {_sla(a)} {closes:>12}  {since}")
    if (words := legend(a["assignee"] in left for a in data["assignees"])) is not None:
        said.say(words)  # a footnote, right under the rows
    if any(a.get("force_closed_quarter") for a in data["assignees"]):
        since = local_time(data["quarter_since"], timezone)
        said.say(
            N_(
                "force-closed: closed by the inventory as stale since {since} (this quarter),"
                " counted for whoever held them then",
                since=since,
            )
        )
    head = _row(said, (N_("week"), 10), (N_("opened"), -6), (N_("closed"), -6))
    print("\n" + (head if data["weeks"] else said(N_("no ticket opened or closed by week yet"))))
    for w in data["weeks"]:
        print(f"{w['week']:<10} {w['opened']:>6} {w['closed']:>6}")
    fb = data["fallback"]
    # the report reads the last days alone (store.stats): its count says so, or "no
    # tickets under 'other'" would sit under an entries table listing older ones open
    said_of = {"count": fb["tickets"], "entry": fb["entry"], "days": FALLBACK_DAYS}
    terms = N_(
        "terms recurring in {count} {entry!r} tickets of the last {days} days"
        " (candidates for new entries):",
        **said_of,
    )
    if fb["terms"] and all(t.get("keyword_of") for t in fb["terms"]):
        terms = N_(
            "terms recurring in {count} {entry!r} tickets of the last {days} days, each a"
            " keyword of an entry already (no new candidates):",
            **said_of,
        )
    if not fb["terms"]:
        terms = (
            N_(
                "no tickets under {entry!r} in the last {days} days: no candidates for new entries",
                **said_of,
            )
            if not fb["tickets"]
            else N_(
                "no term recurs in the {count} {entry!r} tickets of the last {days} days yet",
                **said_of,
            )
        )
    print("\n" + said(terms))
    for t in fb["terms"]:
        count = said(N_("{count} tickets", count=t["tickets"]))
        line = f"  {pad(t['term'], 20)} {t['kind']:<6} {count}"  # a kanji takes two columns
        if t.get("keyword_of"):  # no candidate: an entry has it (a ticket left behind)
            has = N_("(a keyword of {entries} already)", entries=", ".join(t["keyword_of"]))
            line += "  " + said(has)
        print(line)
    if fb.get("groups"):  # as the board offers them: one ready-to-paste entry per group
        print("\n" + said(N_("words that come together in the same tickets (one new entry each):")))
    for g in fb.get("groups", ()):
        count = said(N_("{count} tickets", count=g["tickets"]))
        print(f"  {' · '.join(g['terms'])}  {count}")


def _sla(row: dict[str, Any]) -> str:
    """The overdue and due-soon cells of a row (``stats --json``'s keys)."""
    return f"{row.get('overdue', 0):>8} {row.get('due_soon', 0):>8}"


def _row(said: Speaker, *cells: tuple[Msg, int]) -> str:
    """A header line: each cell's words padded to its width in terminal columns (a
    kanji takes two), so Japanese headers stand over their columns; negative: right."""
    return " ".join(pad(said(words), width) for words, width in cells).rstrip()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    c = sub.add_parser(
        "catalog", help=h(N_("check the service catalog, explain a match"))
    ).add_subparsers(required=True, metavar="ACTION")
    cc = c.add_parser("check", help=h(N_("validate the catalog; every problem with its line")))
    cc.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help=h(N_("catalog file (default: [catalog] path, else the example)")),
    )
    cc.set_defaults(handler=cmd_catalog_check)
    cm = c.add_parser("match", help=h(N_("classify a message file and explain the score")))
    cm.add_argument("file", metavar="FILE")
    cm.add_argument("--locale", choices=("ja", "en"), help=h(N_("language of names and labels")))
    cm.add_argument("--json", action="store_true")
    cm.set_defaults(handler=cmd_catalog_match)
    refile.register(c)

    st = sub.add_parser("stats", help=h(N_("per entry, assignee and week; the fallback report")))
    st.add_argument("--json", action="store_true")
    st.set_defaults(handler=cmd_stats)
