"""Is this message automated, and of which kind? (RFC 3834, RFC 3464)

A pure verdict on the parsed headers. The consequences live elsewhere: the
runner attaches automated mail to the ticket it concerns without changing its
state, ignores bounces and auto-replies that concern no ticket, and never
answers any of them.
"""

from __future__ import annotations

import enum
import re

from gateway.model import ParsedMessage


class LoopVerdict(enum.StrEnum):
    HUMAN = "human"  # a person wrote this: may be answered
    OWN = "own"  # our own mail came back
    BOUNCE = "bounce"  # a delivery status notification
    AUTO_REPLY = "auto-reply"  # vacation, out-of-office, auto-responder
    LIST = "list"  # mailing-list or bulk mail: may open a ticket, never answered
    AUTOMATED = "automated"  # other machine mail (alerts): may open a ticket, never answered


_DAEMON_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|mail-daemon|mailer_daemon|mdaemon|noreply-dmarc-support)"
    r"(@|$)",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"^(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheitsnotiz|"
    r"自動応答|自動返信|不在)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery (status notification|failure|has failed)|returned mail|"
    r"mail delivery failed|failure notice|non[- ]?delivery|配信不能|配送失敗)",
    re.IGNORECASE,
)


def verdict(msg: ParsedMessage, own_address: str) -> LoopVerdict:
    """Order matters: our own mail first, then bounces, then auto-replies, then lists."""
    h = msg.loop
    sender = msg.from_.email if msg.from_ else ""
    if h.x_ticket_gateway or (sender == own_address.lower() and h.auto_submitted):
        return LoopVerdict.OWN
    if _is_bounce(msg, sender):
        return LoopVerdict.BOUNCE
    if _is_auto_reply(msg):
        return LoopVerdict.AUTO_REPLY
    if h.list_id or h.list_unsubscribe or h.precedence in ("list", "bulk", "junk"):
        return LoopVerdict.LIST
    if h.auto_submitted not in ("", "no") or h.return_path == "":
        return LoopVerdict.AUTOMATED
    return LoopVerdict.HUMAN


def _is_bounce(msg: ParsedMessage, sender: str) -> bool:
    h = msg.loop
    if h.content_type == "multipart/report" and h.report_type in ("delivery-status", ""):
        return True
    daemon = bool(_DAEMON_SENDERS.match(sender)) or h.return_path == ""
    return daemon and bool(_BOUNCE_SUBJECT.search(msg.subject))


def _is_auto_reply(msg: ParsedMessage) -> bool:
    h = msg.loop
    if h.auto_submitted.startswith("auto-replied"):
        return True
    if h.x_autoreply or h.x_autorespond:
        return True
    if h.x_auto_response_suppress and _AUTO_SUBJECT.search(msg.subject):
        return True
    return bool(_AUTO_SUBJECT.search(msg.subject)) and h.auto_submitted not in ("", "no")


_MID = re.compile(rb"^message-id:[ \t]*<?([^>\s]+)>?", re.IGNORECASE | re.MULTILINE)


def returned_message_ids(raw: bytes) -> list[str]:
    """Message-IDs quoted inside a bounce or auto-reply (the mail it is about).

    The first Message-ID header is the bounce's own; the rest come from the
    returned headers (message/rfc822 or text/rfc822-headers parts).
    """
    found = [m.decode("ascii", "replace") for m in _MID.findall(raw)]
    return found[1:]
