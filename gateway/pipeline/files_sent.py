"""Which of a mail's attachments are files its writer sent, rather than how the mail looks.

Two kinds of part are listed as attachments but carry no file of the writer's: a
picture the HTML body shows in its place (a signature's logo: :attr:`Attachment.inline`)
and Outlook's ``winmail.dat`` (rich text, :mod:`.parse.tnef`), whose files are listed
on their own after it and whose formatting holds the words the text part already has.
Counting either as a file sent made an Outlook user's 「ありがとうございました」 in rich
text reopen a closed ticket, and a member's rich-text answer carry winmail.dat to the
requester. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.core.model import Attachment
from gateway.pipeline.parse.tnef import is_tnef

__all__ = ["PASTED_PICTURE_BYTES", "is_told", "is_wrapper", "sent_files", "told_files"]

# Policy: a picture the HTML body shows in its place is part of how the words look (a
# signature's logo: a few kB, 50 at most for a banner) until it is this big; then it is
# a pasted screenshot ("thanks, but it still shows this"), which is news, as a file is.
PASTED_PICTURE_BYTES = 64 * 1024


def is_wrapper(f: Attachment) -> bool:
    """Outlook's winmail.dat: the mail's rich text, its files listed on their own."""
    return is_tnef(f.content_type, f.original_filename)


def sent_files(files: Iterable[Attachment]) -> list[Attachment]:
    """The files among ``files`` that their writer sent (see the module's doc)."""
    return [f for f in files if not f.inline and not is_wrapper(f)]


def is_told(f: Attachment) -> bool:
    """Whether a notice to members names ``f`` among the mail's files: a file sent, or a
    picture pasted into the words (a screenshot), never a logo or winmail.dat itself
    (its files are named on their own). Zammad and RT list only real attachments: an
    Outlook user's every reply named image001.png and winmail.dat as files."""
    return not is_wrapper(f) and (not f.inline or f.size >= PASTED_PICTURE_BYTES)


def told_files(files: Iterable[Attachment]) -> list[Attachment]:
    """The files among ``files`` a notice names (:func:`is_told`), in their order."""
    return [f for f in files if is_told(f)]
