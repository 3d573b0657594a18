"""``ticket-gateway catalog check|match`` and ``stats``: the catalog and how it serves.

``match`` explains the verdict the runner would reach for a message (the same
:func:`gateway.catalog.triage.triage`); ``stats`` shows per entry, assignee and
week, and the fallback report that suggests new entries.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from gateway.runtime.cli.common import (
    EX_CONFIG,
    EX_DATAERR,
    EX_OK,
    EX_UNAVAILABLE,
    opened,
    print_json,
)

if TYPE_CHECKING:
    from gateway.catalog.triage import Triage
    from gateway.config.settings import Settings


def cmd_catalog_check(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from gateway.catalog.load import catalog_path, check_catalog, load_catalog

    path = Path(args.path) if args.path else catalog_path(settings)
    problems = check_catalog(path, settings.members)
    if problems:
        for p in problems:
            print(f"{path}:{p.line}: {p.message}")
        return EX_DATAERR
    catalog = load_catalog(path, settings.members)
    print(f"{path}: ok, {len(catalog.entries)} entries, fallback {catalog.fallback.id!r}")
    return EX_OK


def cmd_catalog_match(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from gateway.catalog.load import catalog_path, load_catalog
    from gateway.catalog.triage import triage
    from gateway.core.errors import CatalogError
    from gateway.pipeline.parse.message import parse_message

    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"ticket-gateway: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EX_UNAVAILABLE
    try:
        catalog = load_catalog(catalog_path(settings), settings.members)
    except CatalogError as exc:
        print(f"ticket-gateway: {exc}", file=sys.stderr)
        return EX_CONFIG
    msg = parse_message(raw)
    if not msg.is_mail:
        print(f"ticket-gateway: {args.file}: not an e-mail message", file=sys.stderr)
        return EX_DATAERR
    locale = args.locale or settings.gateway.locale
    verdict = triage(catalog, msg, locale)
    sheet, name = verdict.sheet, verdict.entry.name(locale)
    if args.json:
        print_json(
            {
                **verdict.classification.as_detail(),
                "name": name,
                "fields": sheet.values,
                "rejected": [
                    {"field": r.field, "value": r.value, "reason": r.reason} for r in sheet.rejected
                ],
                "missing": [{"name": n, "label": label} for n, label in verdict.missing],
            }
        )
        return EX_OK
    _print_match(verdict, name)
    return EX_OK


def _print_match(verdict: Triage, name: str) -> None:
    result, sheet = verdict.classification, verdict.sheet
    why = " (fallback: no keyword matched)" if result.fallback else ""
    print(f"entry: {result.entry_id} ({name}){why}")
    print(f"score: {result.score:g}")
    for h in result.matched:
        print(f"  {h.keyword!r} in {h.where}: weight {h.weight:g} -> {h.points:g}")
    for entry_id, score in result.scores[1:]:
        print(f"  runner-up: {entry_id} {score:g}")
    for entry_id, keyword in result.vetoed:
        print(f"  vetoed: {entry_id} by negative keyword {keyword!r}")
    for field, value in sheet.values.items():
        print(f"field {field}: {value}")
    for r in sheet.rejected:
        print(f"field {r.field}: rejected {r.value!r} ({r.reason})")
    for field, label in verdict.missing:
        print(f"missing: {field} ({label})")


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from gateway.catalog.load import catalog_path, load_catalog
    from gateway.core.errors import CatalogError
    from store import stats
    from store.db import transaction

    try:
        catalog = load_catalog(catalog_path(settings), settings.members)
    except CatalogError as exc:
        print(f"ticket-gateway: {exc}", file=sys.stderr)
        return EX_CONFIG
    with opened(settings) as app, transaction(app.sessions) as s:
        data = stats.compute(
            s,
            entry_ids=[e.id for e in catalog.entries],
            fallback_id=catalog.fallback.id,
            tz=ZoneInfo(settings.gateway.timezone),
            now=app.clock.now(),
            stale_after={e.id: e.stale_after for e in catalog.entries if e.stale_after},
        )
    if args.json:
        print_json(data)
        return EX_OK
    _print_stats(data)
    return EX_OK


def _print_stats(data: dict[str, Any]) -> None:
    print("entry                open closed  median close")
    for e in data["entries"]:
        median = e["median_close_seconds"]
        shown = f"{median / 3600:.1f}h" if median is not None else "-"
        print(f"{e['entry'] or '(none)':<20} {e['open']:>4} {e['closed']:>6}  {shown:>12}")
    print("\nassignee                          open  oldest")
    for a in data["assignees"]:
        print(
            f"{a['assignee'] or '(nobody)':<32} {a['open']:>5}  #{a['oldest_ticket']} "
            f"since {a['oldest_created_at']}"
        )
    print("\nweek       opened closed")
    for w in data["weeks"]:
        print(f"{w['week']:<10} {w['opened']:>6} {w['closed']:>6}")
    fb = data["fallback"]
    print(
        f"\nterms recurring in {fb['tickets']} {fb['entry']!r} tickets (candidates for "
        "new entries):"
    )
    for t in fb["terms"]:
        print(f"  {t['term']:<20} {t['kind']:<6} {t['tickets']} tickets")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    c = sub.add_parser("catalog", help="check the service catalog, explain a match").add_subparsers(
        required=True, metavar="ACTION"
    )
    cc = c.add_parser("check", help="validate the catalog; every problem with its line")
    cc.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="catalog file (default: [catalog] path, else the example)",
    )
    cc.set_defaults(handler=cmd_catalog_check)
    cm = c.add_parser("match", help="classify a message file and explain the score")
    cm.add_argument("file", metavar="FILE")
    cm.add_argument("--locale", choices=("ja", "en"), help="language of names and labels")
    cm.add_argument("--json", action="store_true")
    cm.set_defaults(handler=cmd_catalog_match)

    st = sub.add_parser("stats", help="per entry, assignee and week; the fallback report")
    st.add_argument("--json", action="store_true")
    st.set_defaults(handler=cmd_stats)
