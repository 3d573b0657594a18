"""A line in the log for every mail the listener refuses for good.

A customer whose mail to the support address bounced forwards the bounce; the
administrator searches the journal for their address. Only a ``451`` was logged,
so a ``550 5.1.1`` (an address the gateway does not take), a ``552 5.3.4`` (over
``max_message_size``) or a ``530`` (no login on a listener that wants one) left no
trace. Each is now one INFO line with the peer, its HELO name, the envelope sender
and the recipients (reply tokens in them are masked by the log's formatter). The
replies to commands a scanner garbles (``500``-``504``) are left out: they say
nothing about anybody's mail, and a scan would fill the journal with them.
"""

from __future__ import annotations

import logging

from aiosmtpd.smtp import Envelope, Session

log = logging.getLogger("gateway.receive.smtp")

# Policy: the permanent replies (by basic code) that refuse someone's mail, logged.
LOGGED = frozenset(
    {
        "530",  # authentication (or STARTTLS) required first: MAIL refused
        "535",  # a login refused (aiosmtpd's; the password is never logged)
        "550",  # a recipient that is not ours (RCPT), or a mailbox refused
        "552",  # the message over [smtp] max_message_size (SIZE= on MAIL, or at DATA)
        "553",  # an address refused: not in ASCII without SMTPUTF8
        "554",  # refused outright (a failed TLS handshake, a transaction refused)
    }
)


# Of those, the ones aiosmtpd answers itself (logged where every reply is pushed,
# :mod:`.protocol`); the handler logs its own (550, 530, 553) where it knows the address.
FROM_THE_LIBRARY = frozenset({"535", "552", "554"})


def log_refusal(
    reply: str,
    session: Session | None,
    envelope: Envelope | None,
    recipient: str | None = None,
    sender: str | None = None,
) -> None:
    """Log ``reply`` when its basic code is one of :data:`LOGGED`; ``recipient``: the
    address a RCPT was refused for (not in the envelope's recipients); ``sender``: the
    one a MAIL was refused for (not in the envelope yet)."""
    if reply[:3] not in LOGGED or not log.isEnabledFor(logging.INFO):
        return
    peer = getattr(session, "peer", None)
    if isinstance(peer, tuple) and len(peer) >= 2:
        where = f"[{peer[0]}]:{peer[1]}" if ":" in str(peer[0]) else f"{peer[0]}:{peer[1]}"
    else:
        where = "local"  # a unix socket
    helo = getattr(session, "host_name", None) or "-"
    sender = getattr(envelope, "mail_from", None) or sender or "-"
    to = [recipient] if recipient is not None else list(getattr(envelope, "rcpt_tos", []) or [])
    log.info(
        "refused %s: from=%s to=%s peer=%s helo=%s",
        reply.split("\r\n", 1)[0],
        sender,
        ",".join(to) or "-",
        where,
        helo,
    )
