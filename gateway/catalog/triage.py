"""What the catalog says about a new request, in one pure call.

Filing a new ticket and ``ticket-gateway catalog match FILE`` must reach the
same verdict for the same message, so the steps are written once: classify
the subject and ``new_text``, take the winning entry (the fallback when the
winner has left the catalog), read that entry's parameter sheet from the text
and list the required fields that are still missing, labelled in ``locale``.
Nothing is stored here; the runner writes the verdict, the CLI prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gateway.catalog.match import Classification, classify
from gateway.catalog.model import Catalog, Entry
from gateway.catalog.sheet import Sheet, missing_required, parse_sheet, sheet_from_values
from gateway.core.model import ParsedMessage, Submission


@dataclass(frozen=True, slots=True)
class Triage:
    entry: Entry
    classification: Classification  # the score and its evidence, for the category event
    sheet: Sheet  # field values read from new_text, and the ones rejected
    missing: list[tuple[str, str]]  # (field name, label in the locale asked for)


def triage(
    catalog: Catalog,
    msg: ParsedMessage,
    words: str,
    locale: str,
    known: tuple[Classification, Sheet] | None = None,
    today: date | None = None,
) -> Triage:
    """Entry, classification, parameter sheet and missing fields of a new request.
    ``words``: what the keywords are looked for in, ``new_text`` without the signature
    block under it (:func:`gateway.pipeline.request_words.request_words`: the parser's
    layer); ``known``: :func:`read_request` of this message under this catalog, worked
    out ahead (:mod:`gateway.runner.foresight`); ``today``: the day the mail came in the
    team's zone, which a date without its year counts from."""
    return triage_read(catalog, known or read_request(catalog, msg, words, today), locale)


def triage_read(catalog: Catalog, read: tuple[Classification, Sheet], locale: str) -> Triage:
    """:func:`triage` of what :func:`read_request` gave, worked out ahead: the caller
    need not find the words the keywords are looked for in (a signature block's
    reading, a few hundred microseconds of the processing child's; issue #18)."""
    result, sheet = read
    entry = catalog.entry(result.entry_id) or catalog.fallback
    return Triage(entry, result, sheet, missing_required(entry, sheet.values, locale))


def read_request(
    catalog: Catalog, msg: ParsedMessage, words: str, today: date | None = None
) -> tuple[Classification, Sheet]:
    """The classification of the subject and ``words`` and the winning entry's sheet, read
    from the whole ``new_text`` (the fallback's when the winner has left the catalog):
    the part of :func:`triage` that needs no locale."""
    result = classify(catalog, msg.subject, words)
    entry = catalog.entry(result.entry_id) or catalog.fallback
    return result, parse_sheet(entry, msg.new_text, today)


def triage_submission(
    catalog: Catalog,
    msg: ParsedMessage,
    words: str,
    chosen: Submission,
    locale: str,
    today: date | None = None,
) -> Triage:
    """A form or chat submission: the person chose the entry (keywords are not asked,
    unless that entry has left the catalog since) and typed the sheet field by field.
    ``today``: the day it came in the team's zone, as for :func:`triage` (a chat modal's
    values are stored as typed: ``4/1`` is read here, as the modal read it)."""
    entry = catalog.entry(chosen.entry_id)
    if entry is None:
        return triage(catalog, msg, words, locale, today=today)
    sheet = sheet_from_values(entry, chosen.fields, today)
    verdict = Classification(entry.id, 0.0, (), entry.fallback, chosen=chosen.source)
    return Triage(entry, verdict, sheet, missing_required(entry, sheet.values, locale))
