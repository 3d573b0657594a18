"""What the pure stages will decide about a message, worked out ahead in a parse worker.

A bulk ingest's main process is the one the whole run waits for; its parse
worker has time to spare (issue #18). Matching a request against the catalog,
reading its parameter sheet and judging whether a reply only says thanks are
pure functions of the parsed message (and the catalog), so the worker works
them out right after parsing, for every message, and the stages use the answer
instead of working it out again, but only when it is an answer to their own
question: the same catalog (by its digest) and the same subject and text (a
member's forward files the original instead, for one). Otherwise they decide as
they always do, so a foresight can make processing faster and never different;
``tests/test_foresight.py`` holds the two ways to the same tickets.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.catalog.match import Classification
from gateway.catalog.model import Catalog
from gateway.catalog.sheet import Sheet
from gateway.catalog.triage import read_request
from gateway.core.model import ParsedMessage
from gateway.pipeline.request_words import request_words
from gateway.pipeline.thanks import ThanksVerdict, judge


@dataclass(frozen=True, slots=True)
class Foresight:
    catalog_digest: str  # the catalog the classification and sheet are for
    subject: str  # what they were worked out from
    new_text: str
    classification: Classification
    sheet: Sheet  # the winning entry's sheet (the fallback's when the winner is gone)
    thanks: ThanksVerdict  # judge(new_text): needs no catalog

    def triage_for(
        self, catalog: Catalog, msg: ParsedMessage
    ) -> tuple[Classification, Sheet] | None:
        """The classification and sheet, if they answer ``msg`` under ``catalog``."""
        if not catalog.digest or catalog.digest != self.catalog_digest:
            return None
        if msg.subject != self.subject or msg.new_text != self.new_text:
            return None
        return self.classification, self.sheet

    def thanks_for(self, new_text: str) -> ThanksVerdict | None:
        return self.thanks if new_text == self.new_text else None


def foresee(catalog: Catalog, msg: ParsedMessage) -> Foresight:
    """The answers :func:`gateway.catalog.triage.triage` and the thanks judge would give."""
    classification, sheet = read_request(catalog, msg, request_words(msg))
    return Foresight(
        catalog.digest, msg.subject, msg.new_text, classification, sheet, judge(msg.new_text)
    )
