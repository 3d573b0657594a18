"""What one SMTP/LMTP session may cost us: every cap of the listener, one row each.

A peer is anyone on the network, so each way a session can hold memory, a socket or
our time has a bound here, with the reply it gets when it meets it. The rows that
aiosmtpd enforces are handed to it as keyword arguments (:func:`session_limits`);
the rest are enforced by :mod:`.protocol` (DATA lines, the drain past the size, the
whole session's time) and :mod:`.listener` (sessions, per client).
"""

from __future__ import annotations

from typing import Any

from gateway.config.settings import SmtpSettings

# Per session: a few AUTH tries (each can cost an scrypt), and a ceiling on
# everything else that a busy MTA reusing one connection stays far below.
CALL_LIMITS = {"AUTH": 4, "*": 100_000}
# Across sessions: failed AUTH tries from one client (an IPv4 address or an IPv6 /64) in a
# clock hour; past them AUTH is refused at once, the right password too, with a temporary
# 454 4.7.0 until the hour ends (auth_brake): four a session bound nothing, a guesser
# opened the next session, and each try cost an scrypt on the event loop. An MTA whose
# password is wrong fails far fewer times an hour, and its mail waits, never refused.
AUTH_FAILURES_PER_HOUR = 20
# RFC 5321 4.5.3.1.6: a line of text is 1000 octets, CRLF included; aiosmtpd's bound
# (this) keeps one octet of slack, and so do we. Longer in DATA: 500 5.5.2 when the
# data ends, and nothing of it is kept meanwhile (protocol._read_data).
DATA_LINE = 1001


def session_limits(cfg: SmtpSettings) -> dict[str, Any]:
    """The caps of one session, by the name aiosmtpd (or our protocol) takes them."""
    return {
        # the largest message, advertised as SIZE (RFC 1870): more gets 552 5.3.4 and is
        # dropped as it comes; past twice it (or 10 MB more) we answer and hang up
        "data_size_limit": cfg.max_message_size,
        # a line of DATA longer than RFC 5321 allows: 500 5.5.2, never buffered
        "line_length_limit": DATA_LINE,
        # idle time: no command, no block of DATA for this long, and the session ends
        # (421 4.4.2 said first: protocol.IDLE); a message still arriving is not idle
        "timeout": cfg.session_timeout.total_seconds(),
        # the whole session, however busy: a NOOP or one byte of DATA just inside the
        # idle timer held a session for ever; 421 4.4.2, a message in flight not stored
        "session_time": cfg.max_session_time.total_seconds(),
        # commands per session (AUTH tries apart): 421 4.7.0 past them (aiosmtpd's)
        "command_call_limit": CALL_LIMITS,
    }


# The caps across sessions, enforced by the listener when a connection arrives:
#   max_sessions             every session at once: more are greeted 421 4.3.2
#   max_sessions_per_client  from one IPv4 address or IPv6 /64 (hosts.client_of; not
#                            on a unix socket): 421 4.7.0
#   max_recipients           RCPTs per message (RFC 5321 asks for 100): 452 4.5.3
