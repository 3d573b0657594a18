"""``ticket-gateway stats``: per entry, assignee and week, and the fallback report.

Its lines keep to 78 columns (:data:`WIDTH`) in either language, so a terminal or a
mail they are pasted into keeps every row whole and the columns under their headers:
the assignee's address cut to ``tickets list``'s column, the oldest ticket by its day,
the inventory's force-closes listed under their note, and the notes wrapped.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from gateway.core.domains import readable_address
from gateway.core.i18n import N_, Msg
from gateway.core.spans import span
from gateway.runtime.cli.common import EX_OK, Speaker, local_time, opened, pad, print_json
from gateway.runtime.cli.left_mark import legend, marked_cell

if TYPE_CHECKING:
    from gateway.config.settings import Settings

WIDTH = 78  # RFC 5322's line, as a terminal of 80 shows it whole
WHO = 24  # the assignee's column, as tickets list gives it


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
    _note(
        said,
        N_(
            "median close: of the tickets closed as resolved (not spam, duplicate,"
            " no-response or inventory closes)"
        ),
    )
    # stale beside open, as on the board's members panel: where the work piles up
    head = _row(said, (N_("assignee"), WHO), (N_("open"), -5), (N_("stale"), -5), *sla)
    head += "  " + said(N_("oldest"))  # over its cells, which start there
    # no heading over no rows: a table with nothing under it reads as cut off
    print("\n" + (head if data["assignees"] else said(N_("nobody has an open ticket"))))
    nobody = said(N_("(nobody)"))

    def who(a: dict[str, Any]) -> str:
        # xn--…: as people write it (--json: as kept), as `tickets list` shows it
        shown = readable_address(a["assignee"]) if a["assignee"] else nobody
        return marked_cell(shown, WHO, a["assignee"] in left)

    for a in data["assignees"]:
        since = "—"  # nothing open: a member listed for this quarter's force-closes
        if a["oldest_ticket"] is not None:  # its day in the team's zone, as `tickets show`'s
            at = local_time(a["oldest_created_at"], timezone)[:10]
            since = f"#{a['oldest_ticket']} {at}"
        print(f"{who(a)} {a['open']:>5} {a.get('stale', 0):>5} {_sla(a)}  {since}".rstrip())
    if (words := legend(a["assignee"] in left for a in data["assignees"])) is not None:
        said.say(words)  # a footnote, right under the rows
    # this quarter's inventory force-closes, as the board's members panel shows them:
    # under their note, one line each, not a column of a table nearly always 0
    forced = [a for a in data["assignees"] if a.get("force_closed_quarter")]
    if forced:
        since = local_time(data["quarter_since"], timezone)
        _note(
            said,
            N_(
                "force-closed: closed by the inventory as stale since {since} (this quarter),"
                " counted for whoever held them then",
                since=since,
            ),
        )
    for a in forced:
        print(f"  {who(a)} {a['force_closed_quarter']:>5}")
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
    print()
    _note(said, terms)
    for t in fb["terms"]:
        count = said(N_("{count} tickets", count=t["tickets"]))
        line = f"  {pad(t['term'], 20)} {t['kind']:<6} {count}"  # a kanji takes two columns
        if t.get("keyword_of"):  # no candidate: an entry has it (a ticket left behind)
            has = N_("(a keyword of {entries} already)", entries=", ".join(t["keyword_of"]))
            line += "  " + said(has)
        print(line)
    if fb.get("groups"):  # as the board offers them: one ready-to-paste entry per group
        print()
        _note(said, N_("words that come together in the same tickets (one new entry each):"))
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


def _note(said: Speaker, message: Msg) -> None:
    """A sentence under or over a table, wrapped (:meth:`Speaker.note`)."""
    said.note(message)
