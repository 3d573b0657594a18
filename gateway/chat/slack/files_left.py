"""What a member is told of the files in a reply they sent on to the requester. Pure.

*Send to requester* relays a thread reply's words as an answer mail; the files beside
them (a screenshot pasted in, a log) stay in Slack: the app reads no Slack files (its
manifest asks for no ``files:read`` scope). A plain "sent" would let the member
believe the requester has the screenshot, so the answer names what did not go and how
to send it; a reply of files alone sends nothing and says why, not that there was
nobody to send it to.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.chat.markup import literal_slack
from gateway.core import slack_length
from gateway.core.i18n import N_, NP_, Msg, translate

MAX_NAMES = 10  # files named in the answer; more are counted
NAMES_MAX = 1000  # characters of the names together (the answer is one Slack text)


def told(said: Msg, count: int | None, text: str, files: object, locale: str) -> str:
    """The answer to *Send to requester*: ``said`` (the relay's outcome; ``count``: how
    many it went to, None when refused before anything was sent) and, when the message
    held files, that they did not go."""
    found = _files(files)
    if not found or count is None:
        return translate(said, locale)
    names = _names(found, locale)
    if count == 0 and not text.strip():  # files alone: nothing to send but them
        only = NP_(
            "Nothing was sent: your message holds only a file ({names}), and files in "
            "Slack do not reach the requester. Attach it to a reply to the ticket's mail.",
            "Nothing was sent: your message holds only files ({names}), and files in "
            "Slack do not reach the requester. Attach them to a reply to the ticket's mail.",
            len(found),
            names=names,
        )
        return translate(only, locale)
    if count == 0:
        return translate(said, locale)
    left = NP_(
        "The file of your message was not sent ({names}): files in Slack do not reach the "
        "requester. Attach it to a reply to the ticket's mail.",
        "The {count} files of your message were not sent ({names}): files in Slack do not "
        "reach the requester. Attach them to a reply to the ticket's mail.",
        len(found),
        count=len(found),
        names=names,
    )
    return f"{translate(said, locale)}\n{translate(left, locale)}"


def _files(files: object) -> list[dict[str, object]]:
    """The message's files as Slack's payload lists them ([] when none, or not a list)."""
    if not isinstance(files, list):
        return []
    return [f for f in files if isinstance(f, dict)]


def _names(files: Sequence[dict[str, object]], locale: str) -> str:
    """The files' names as the member reads them in mrkdwn (a name is the member's or
    Slack's text: no ping, link or bold of ours); one Slack does not show (past a free
    workspace's limit: ``hidden_by_limit``) said so; past MAX_NAMES, counted."""
    hidden = translate(N_("a file Slack does not show"), locale)
    shown = [
        literal_slack(str(f.get("name") or f.get("title") or "").strip()) or hidden
        for f in files[:MAX_NAMES]
    ]
    if len(files) > MAX_NAMES:
        more = len(files) - MAX_NAMES
        shown.append(translate(NP_("{count} more", "{count} more", more, count=more), locale))
    return slack_length.fit(translate(N_(", "), locale).join(shown), NAMES_MAX)
