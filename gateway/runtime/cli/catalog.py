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
from typing import TYPE_CHECKING

from gateway.core.i18n import N_, Msg
from gateway.core.os_errors import os_error
from gateway.runtime.cli import refile
from gateway.runtime.cli.common import (
    EX_CONFIG,
    EX_DATAERR,
    EX_NOINPUT,
    EX_OK,
    Speaker,
    print_json,
)
from gateway.runtime.cli.help_language import h
from gateway.runtime.cli.stats_text import cmd_stats

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
        # the configured one (no FILE) that cannot be read: [catalog] path's ConfigError
        catalog = load_for(settings, Path(args.path) if args.path else None)
    except CatalogError as exc:
        for p in exc.problems:  # the check's report: on stdout, each with its line
            print(f"{path}:{p.line}: {Speaker(settings)(p.message)}")
        # the packaged example, a member the catalog names and the config no longer has:
        # what to do about all of them
        hint = exc.hint or members_hint(exc.problems, settings.source)
        if hint is not None:
            Speaker(settings).say(hint)
        return _check_failed(named=args.path is not None, unreadable=exc.unreadable is not None)
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
    for note in [*notes(catalog), *team]:  # worth knowing, not wrong: the status stays
        Speaker(settings).say(note)
    # the catalog is fine; a team template that does not compile is configuration to fix
    return EX_CONFIG if templates else EX_OK


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
