"""What the MIME walk (:mod:`.mime`) collects, and what its branches share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from gateway.core.model import Attachment
from gateway.pipeline.parse.part_spans import Slices
from gateway.pipeline.parse.shown_pictures import Shown
from gateway.pipeline.parse.slim import BigPart

__all__ = ["Body"]


class Body:
    """What the tree walk collects: body texts, HTML, attachments and notes."""

    def __init__(self, keep_data: bool = False, big: Mapping[bytes, BigPart] | None = None) -> None:
        self.keep_data = keep_data  # a download wants the bytes; parsing only their hash
        self.big = big or {}  # a slim copy's sentinels, by their decoded bytes (see .slim)
        self.matched: Counter[bytes] = Counter()  # sentinels found as attachments, how often
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.data: list[bytes] = []  # with keep_data: each attachment's bytes, same order
        self.notes: list[str] = []
        self.counter = [0]  # shared across alternatives so names stay unique
        self.hint: str | None = None  # the message's text charset: raw 8-bit names' guess
        self.as_before = False  # an attached mail as stored before (.attached_mail)
        self.slices = Slices()  # attached mails' bytes in the raw message
        self.cids = Shown()  # Content-IDs the HTML shows (cid:), read when first asked
        self.carried = 0  # attached mails this walk is inside (its files are theirs)
        self.reported = 0  # inside a multipart/report: an attached mail is a returned one
        # winmail.dat's streams: their words are the text when no part has any (read
        # then only: mime.rich_words)
        self.rich: list[bytes] = []

    def branch(self) -> Body:
        """A walk of part of this one (an alternative, an attached mail): its own texts
        and files, the numbering, the limit and the attached mails' bytes shared."""
        branch = Body(self.keep_data, big=self.big)
        branch.slices, branch.counter, branch.matched = self.slices, self.counter, self.matched
        branch.hint, branch.as_before, branch.cids = self.hint, self.as_before, self.cids
        branch.carried, branch.reported = self.carried, self.reported
        return branch
