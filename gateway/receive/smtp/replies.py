"""Enhanced status codes (RFC 2034, RFC 3463) on every reply the listener sends.

We advertise ``ENHANCEDSTATUSCODES``, so every reply of class 2, 4 or 5 carries an
``X.Y.Z`` code (RFC 2034 3: all but the greeting and the answer to EHLO/LHLO, which
:mod:`.protocol` leaves alone). Our handler's replies have theirs; aiosmtpd gives
some of its own one (``530 5.7.0``) and not others (``250 OK``, ``221 Bye``,
``503 Error: need MAIL command``): those get it here, from their basic code, and
a reply that has one is never given a second.
"""

from __future__ import annotations

import re

# aiosmtpd's replies whose words we change as well (ours are RFC 3463's). Post-DATA
# ones are repeated per LMTP recipient (protocol._AFTER_DATA).
REWORDED = {
    "552 Error: Too much mail data": "552 5.3.4 Message too big for this system",
    "552 Error: message size exceeds fixed maximum message size": (
        "552 5.3.4 Message size exceeds fixed maximum message size"
    ),
    "500 Line too long (see RFC5321 4.5.3.1.6)": "500 5.5.2 Line too long (RFC 5321 4.5.3.1.6)",
}

# The code a reply without one gets, by its basic code (RFC 3463's meanings).
BY_REPLY_CODE = {
    "421": "4.3.0",  # closing the channel: a transient system condition
    "450": "4.2.0",  # mailbox unavailable for now
    "451": "4.3.0",  # local error in processing: try again
    "452": "4.3.1",  # insufficient system storage
    "454": "4.7.0",  # TLS not available now (as Postfix says)
    "500": "5.5.2",  # syntax error, command unrecognised, line too long
    "501": "5.5.4",  # invalid arguments: SIZE=abc, BODY=BINARYMIME, SMTPUTF8=yes
    "502": "5.5.1",  # command not implemented (EXPN)
    "503": "5.5.1",  # bad sequence: DATA before RCPT, MAIL twice, MAIL before EHLO
    "504": "5.5.4",  # parameter not implemented
    "530": "5.7.0",  # STARTTLS (or AUTH) first
    "550": "5.0.0",  # mailbox unavailable, otherwise unexplained
    "552": "5.3.4",  # too big
    "553": "5.1.3",  # mailbox name not allowed
    "554": "5.7.0",  # refused: the TLS handshake failed
    "555": "5.5.4",  # MAIL/RCPT parameters not recognised (NOTIFY=, XFOO=)
}
# Any other reply of its class: the class's "other or undefined status".
BY_CLASS = {"2": "2.0.0", "4": "4.0.0", "5": "5.0.0"}

_HAS_CODE = re.compile(r"\d{3}[ -][245]\.\d{1,3}\.\d{1,3}( |$)")
_REPLY = re.compile(r"(\d{3})([ -]?)(.*)", re.DOTALL)


def with_enhanced_code(status: str) -> str:
    """``status`` (one reply, or LMTP's several joined by CRLF) with a code on each line
    of class 2, 4 or 5 that has none; 3xx (354, 334) have none to have."""
    return "\r\n".join(_line(line) for line in status.split("\r\n"))


def _line(line: str) -> str:
    line = REWORDED.get(line, line)
    found = _REPLY.fullmatch(line)
    if found is None or _HAS_CODE.match(line):
        return line
    code, separator, text = found.groups()
    enhanced = BY_REPLY_CODE.get(code) or BY_CLASS.get(code[0])
    if enhanced is None:
        return line
    return f"{code}{separator or ' '}{enhanced} {text}".rstrip()
