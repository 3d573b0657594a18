"""The files a member attached to their answer, as the requester will get them.

A customer cannot open the ticket's pages: when a member writes "the guide is
attached", the file has to travel with the words, or it is lost to the one person it
was for. The bytes are read back from the raw mail the inbox kept (the parse keeps
only each file's name, type, size and SHA-256), all of them in one walk.
"""

from __future__ import annotations

from gateway.core.model import Attachment
from gateway.notify.compose import Enclosure
from gateway.pipeline.files_sent import PASTED_PICTURE_BYTES, is_wrapper
from gateway.pipeline.parse import submission
from gateway.pipeline.parse.attachment_data import attachments_data
from gateway.pipeline.parse.charsets.sniff import guess
from gateway.pipeline.parse.tnef import is_stream
from gateway.runner.arrival import Arrival


def member_files(a: Arrival) -> tuple[Enclosure, ...]:
    """Each file of the mail in hand, in the order the sender attached them; one whose
    bytes cannot be found again (a broken part) is left out rather than sent empty."""
    # a small picture the HTML shows in its place is how the mail looks (the signature's
    # logo, Outlook's image001.png, sent with every reply): the text answer cannot show
    # it there, and as a file it would come with every answer; a big one is a pasted
    # screenshot, which goes (where gateway.pipeline.files_sent draws the line)
    # the files inside an attached mail go with that mail, not a second time beside it
    listed = [
        x
        for x in a.msg.attachments
        if (not x.inline or x.size >= PASTED_PICTURE_BYTES) and not x.carried
    ]
    if not listed or a.row.source in submission.SOURCES:  # a form's files are no answer
        return ()
    data = attachments_data(a.row.raw, {x.sha256 for x in listed})
    return tuple(
        Enclosure(
            x.filename, x.content_type, data[x.sha256], _charset(x.content_type, data[x.sha256])
        )
        for x in listed
        if x.sha256 in data and not _files_read_out(x, data[x.sha256])
    )


def _files_read_out(x: Attachment, data: bytes) -> bool:
    """A member's winmail.dat (:mod:`gateway.pipeline.files_sent`): the requester gets
    the files listed out of it and the words, not the container only Outlook opens.
    One whose stream could not be read at all (no TNEF) goes as the file it is."""
    return is_wrapper(x) and is_stream(data)


def _charset(content_type: str, data: bytes) -> str:
    """The charset of a text file, named in the type it is relayed with: the parse keeps
    a file's type without its ``charset``, and a CSV Excel wrote in Shift_JIS went out as
    ``text/csv`` alone, which a client showing it in the mail read as US-ASCII. Read as
    the parser reads unlabelled text; "" for ASCII and for files that are not text."""
    if not content_type.startswith("text/"):
        return ""
    if data.isascii():  # 7-bit: ISO-2022-JP when it escapes into JIS, else nothing to name
        return "iso-2022-jp" if b"\x1b$B" in data or b"\x1b$@" in data else ""
    return _MIME_NAMES.get(guess(data)[1], "")


# the codec the parser's guess used → the name mail clients know it by
_MIME_NAMES = {
    "utf-8": "utf-8",
    "cp932": "shift_jis",  # what Japanese clients and Outlook read as Windows' CP932
    "euc_jp": "euc-jp",
    "gb2312": "gb2312",
    "cp1252": "windows-1252",  # the guess's last resort: decodes anything
}
