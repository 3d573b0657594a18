"""Why an event recorded trouble, in words each reader reads in their language.

An event that records why something did not happen (a mail or a notice not sent, a
state change refused, a mail or a chat post refused) keeps why in English under one
key of its detail, for ``--json``, the log and scripts, and, when why is a Msg, the
Msg dumped as ``said`` beside it (:func:`said`). The ticket page and ``tickets show``
say it in their reader's language (:func:`why`); an event recorded before ``said``
was kept is said as its English text, as it was stored.

A limit's event and a stranger's mail keep counts and ids, no text (:data:`TOLD`):
what they mean is said from those, so every such event is said alike, however old.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gateway.core.i18n import N_, Msg, dump, kept

# event kind → the key of its detail that keeps why in English
WHY_KEYS: Mapping[str, str] = {
    "security": "reason",  # a member's commands not carried out: their mail was not proven theirs
    "command-refused": "reason",  # one command line refused (not allowed, not understood)
    "no-auto-answer": "reason",  # an automatic mail not sent (gateway.pipeline.unanswered)
    "no-ops-notice": "reason",  # the team not told: one sender caused too many notices
    "action": "error",  # an attempt of a catalog action failed, or will be tried again
    "action-held": "reason",  # a completed sheet started no action (an imported archive)
    "action-state-refused": "reason",  # the state machine refused an action's on_success
    "action-reply-failed": "error",  # the team's reply template (the template's error)
    "action-reply-withheld": "reason",  # the ticket was closed as spam, a duplicate, merged
    "delivery-failed": "error",  # the relay refused the mail, or gave up (outbound.failures)
    "chat-failed": "error",  # Slack or a webhook refused the post, or gave up (chat.failures)
}


def _left_out(detail: Mapping[str, Any], count: str, first: str) -> tuple[int, str] | None:
    """How many a limit left out, and the first of them (those the event keeps, and
    "…" for the rest); None when the detail does not say."""
    left = detail.get(count)
    if not isinstance(left, int) or not isinstance(detail.get("limit"), int):
        return None
    shown = [str(a) for a in detail.get(first) or []]
    return left, ", ".join(shown + (["…"] if left > len(shown) else []))


def _relay_limited(detail: Mapping[str, Any]) -> Msg | str:
    """A member's answer went to the first ``[limits] max_relay`` of the ticket's
    people (gateway.tickets.relay): the others were never mailed."""
    left = _left_out(detail, "not_sent", "first_not_sent")
    if left is None:
        return ""
    return N_(
        "answer not sent to {count} of the ticket's people ({addresses}): it goes to at "
        "most {limit}, the requester first ([limits] max_relay)",
        count=left[0],
        addresses=left[1],
        limit=detail["limit"],
    )


def _participants_limited(detail: Mapping[str, Any]) -> Msg | str:
    """A request's Cc beyond ``[limits] max_participants`` did not join the ticket
    (gateway.runner.new_request): the message keeps them, no answer goes to them."""
    left = _left_out(detail, "not_added", "first_not_added")
    if left is None:
        return ""
    return N_(
        "{count} of the request's Cc addresses not added to the ticket ({addresses}): it "
        "takes at most {limit} ([limits] max_participants); they get no answers",
        count=left[0],
        addresses=left[1],
        limit=detail["limit"],
    )


# how a stranger's mail found the ticket (gateway.pipeline.thread.ThreadVia) → what it was
_OUTSIDER_VIA: Mapping[str, Msg] = {
    "headers": N_(  # its In-Reply-To or References named one of the ticket's messages
        "it answered one of the ticket's mails, which proves nothing about who wrote it: "
        "kept on the ticket; nothing in it is carried out or relayed until a member adds "
        "the sender (ticket-gateway tickets add-participant)"
    ),
    "token": N_(  # sent to a reply address we issued to someone else on the ticket
        "it was sent to the reply address of someone on the ticket, which proves nothing "
        "about who wrote it: kept on the ticket; nothing in it is carried out or relayed "
        "until a member adds the sender (ticket-gateway tickets add-participant)"
    ),
}
_OUTSIDER = N_(
    "kept on the ticket; nothing in it is carried out or relayed until a member adds the "
    "sender (ticket-gateway tickets add-participant)"
)


_LEAVERS = N_(
    "its sender worked the ticket as a member and is no longer in the team: kept on the "
    "ticket; nothing in it is carried out or relayed"
)


def _outsider(detail: Mapping[str, Any]) -> Msg | str:
    """A mail from someone not on the ticket, found by what proves nothing about its
    sender (gateway.runner.replies): attached, and nothing more; one who left the team
    is said to be that, not a stranger to let in (``add-participant``)."""
    if detail.get("left_team"):
        return _LEAVERS
    return _OUTSIDER_VIA.get(str(detail.get("via", "")), _OUTSIDER)


_UNVERIFIED = N_(
    "it named the ticket only in its subject, was not sent to the reply address issued "
    "to its sender, and no trusted server confirmed (DKIM or DMARC) where it came from: "
    "kept on the ticket, marked unverified; it changed nothing and nothing was sent to "
    "its sender"
)
# how an unproven mail under the From of someone on the ticket found it
# (gateway.pipeline.thread.ThreadVia) → what it was; the tag's is _UNVERIFIED
_UNVERIFIED_VIA: Mapping[str, Msg] = {
    "headers": N_(  # its In-Reply-To or References named one of the ticket's messages
        "it answered one of the ticket's mails, which anyone who saw that mail can do, was "
        "not sent to the reply address issued to its sender, and no trusted server "
        "confirmed (DKIM or DMARC) where it came from: kept on the ticket, marked "
        "unverified; it changed nothing and nothing was sent to its sender"
    ),
    "token": N_(  # sent to the reply address we issued to someone else on the ticket
        "it was sent to the reply address of someone else on the ticket, not to the one "
        "issued to its sender, and no trusted server confirmed (DKIM or DMARC) where it "
        "came from: kept on the ticket, marked unverified; it changed nothing and nothing "
        "was sent to its sender"
    ),
}


_UNVERIFIED_FORWARD = N_(
    "a forward under a member's address that nothing proves the member sent (no trusted "
    "DKIM or DMARC pass): the ticket is the forwarded sender's, as their own mail would "
    "open it; the member was not added to it and their commands were not carried out"
)


def _unverified(detail: Mapping[str, Any]) -> Msg | str:
    """A mail that proves nothing about its sender: a reply under a participant's From
    found by its tag, a Message-ID or another's reply address (gateway.runner.replies),
    kept and nothing more, or a forward under a member's From
    (gateway.runner.new_request), filed with no member standing."""
    via = str(detail.get("via", ""))
    if via == "forward":
        return _UNVERIFIED_FORWARD
    return _UNVERIFIED_VIA.get(via, _UNVERIFIED)


# event kind → what it did, said from the counts and ids its detail keeps
TOLD: Mapping[str, Callable[[Mapping[str, Any]], Msg | str]] = {
    "relay-limited": _relay_limited,  # an answer not relayed to everyone: [limits] max_relay
    "participants-limited": _participants_limited,  # a Cc not added: max_participants
    "outsider": _outsider,  # a stranger's mail kept, nothing it says carried out
    "unverified": _unverified,  # a reply not proven its sender's: kept, nothing more
}

# the kinds whose events say why, or what they did (the ticket page, ``tickets show``)
SAID_KINDS = frozenset(WHY_KEYS) | frozenset(TOLD)


def said(why: Msg | str) -> dict[str, Any]:
    """What an event's detail keeps of ``why`` beside its English text: the Msg, to be
    said again in each reader's language; nothing for a plain text (data)."""
    return {"said": dump(why)} if isinstance(why, Msg) else {}


def why(kind: str, detail: Mapping[str, Any] | None) -> Msg | str:
    """Why the event of ``kind`` was recorded, to be said in the reader's language: the
    Msg it kept, else its English text (an older event), "" when it keeps none; for a
    kind of :data:`TOLD`, what it did, from its details."""
    if kind in TOLD:
        return TOLD[kind](detail or {})
    key = WHY_KEYS.get(kind)
    if key is None or not detail:
        return ""
    return kept(detail.get("said"), str(detail.get(key, "")))
