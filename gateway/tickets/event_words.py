"""Why an event recorded trouble, in words each reader reads in their language.

An event that records why something did not happen (a mail or a notice not sent, a
state change refused, a mail or a chat post refused) keeps why in English under one
key of its detail, for ``--json``, the log and scripts, and, when why is a Msg, the
Msg dumped as ``said`` beside it (:func:`said`). The ticket page and ``tickets show``
say it in their reader's language (:func:`why`); an event recorded before ``said``
was kept is said as its English text, as it was stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.core.i18n import Msg, dump, kept

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
    "delivery-failed": "error",  # the relay refused the mail, or gave up (outbound.failures)
    "chat-failed": "error",  # Slack or a webhook refused the post, or gave up (chat.failures)
}


def said(why: Msg | str) -> dict[str, Any]:
    """What an event's detail keeps of ``why`` beside its English text: the Msg, to be
    said again in each reader's language; nothing for a plain text (data)."""
    return {"said": dump(why)} if isinstance(why, Msg) else {}


def why(kind: str, detail: Mapping[str, Any] | None) -> Msg | str:
    """Why the event of ``kind`` was recorded, to be said in the reader's language: the
    Msg it kept, else its English text (an older event), "" when it keeps none."""
    key = WHY_KEYS.get(kind)
    if key is None or not detail:
        return ""
    return kept(detail.get("said"), str(detail.get(key, "")))
