"""How a relayed file travels: base64, except an attached mail, which RFC 2046 5.2.1
lets travel only as it is.

A message/rfc822 part (and the other composite message types: message/news,
message/partial, message/external-body) may have no encoding but 7bit, 8bit or
binary: base64 on one is wrong, and clients that follow the letter (Thunderbird,
Apple Mail, Gmail) show the requester base64 text instead of the mail. Such a file
goes as 7bit, its lines ending in CRLF, when it is ASCII in lines of at most 998
octets (RFC 5322 2.1.1), as any mail that crossed the internet without 8BITMIME is.
One that is not (raw UTF-8 or Shift_JIS inside, a line too long for SMTP) would need
8bit or binary, which a relay without 8BITMIME refuses or mangles; it goes base64 as
application/octet-stream under its ``.eml`` name instead, which every mail client
opens as the mail it is (Outlook, Thunderbird, Apple Mail and Gmail open ``.eml``
files as messages) and every relay carries byte for byte. message/global (RFC 6532
3.5) may be base64-encoded, so it goes as any file.

Either way the requester gets the bytes the member attached (the parser stores them as
they came, :mod:`gateway.pipeline.parse.attached_mail`); a 7bit one only has its line
ends made CRLF, as SMTP carries every mail (DKIM signs that canonical form).
"""

from __future__ import annotations

import re
from email import encoders
from email.mime.base import MIMEBase

# the composite types RFC 2046 5.2 keeps to 7bit, 8bit and binary
AS_IS_ONLY = frozenset({"rfc822", "news", "partial", "external-body"})
MAX_LINE = 998  # octets in a line of mail, CRLF aside (RFC 5322 2.1.1)
_LINE_END = re.compile(rb"\r\n|\r|\n")


def file_part(maintype: str, subtype: str, data: bytes, boundary: str) -> MIMEBase:
    """The MIME part that carries ``data`` (its type may change, see above); the name
    and disposition are the caller's. ``boundary``: the multipart's, which a mail
    carried as it is must not hold."""
    if maintype == "message" and subtype in AS_IS_ONLY:
        text = _seven_bit(data, boundary)
        if text is not None:
            part = MIMEBase(maintype, subtype)
            del part["MIME-Version"]
            part.set_payload(text)
            part["Content-Transfer-Encoding"] = "7bit"
            return part
        maintype, subtype = "application", "octet-stream"
    part = MIMEBase(maintype, subtype)
    del part["MIME-Version"]
    part.set_payload(data)
    encoders.encode_base64(part)
    return part


def _seven_bit(data: bytes, boundary: str) -> str | None:
    """The mail as 7bit text with CRLF line ends, or None when it cannot be that."""
    if not data.isascii() or b"\x00" in data or boundary.encode("ascii") in data:
        return None
    lines = _LINE_END.split(data)
    if any(len(line) > MAX_LINE for line in lines):
        return None
    # no CRLF added at the end: the one before the delimiter is the delimiter's
    # (RFC 2046 5.1.1), so the requester reads the mail's last line as it was attached
    return b"\r\n".join(lines).decode("ascii")
