"""Did the team's own mail server judge this mail spam? (SpamAssassin, rspamd)

A mail so marked is filed like any other (a filter can be wrong, and a member may
want to see it), but never answered automatically: an acknowledgement to a forged
sender is backscatter, and a spammer learns the address is read. No trust check is
needed: a sender who forges a "yes" only keeps their own answer from coming; so every
occurrence of a header counts (a forged "No" above the server's "Yes" hides nothing).
Only the verdicts count, never a score alone: the team's threshold is not ours to
guess. Pure: the parser's squeezed values (:func:`gateway.pipeline.parse.headers.
read_marks`) in, a verdict out, in time linear in their length.
"""

from __future__ import annotations

from collections.abc import Callable

from gateway.core.model import LoopHeaders

# rspamd's actions that mean "this is spam" (its docs, "Rspamd actions and scores"); the
# others are not a verdict on the mail: "no action", "greylist" and "soft reject" (a delay:
# greylisting, a rate limit), and a site's own actions, whose meaning we cannot know
SPAM_ACTIONS = frozenset(
    {
        "add header",  # marked: the usual outcome above the spam threshold
        "rewrite subject",  # marked in its subject
        "reject",  # refused, yet delivered by an MTA that only marks (LDA mode)
        "quarantine",  # held, and released to us by someone
        "discard",  # dropped, yet delivered here
    }
)


def _says_yes(value: str) -> bool:
    """SpamAssassin's and rspamd's yes/no headers: the first word is the verdict
    ("yes, score=7.3 required=5.0 …", "yes,score=9", "yes")."""
    return value.replace(",", " ", 1).split(" ", 1)[0] == "yes"


def _spam_action(value: str) -> bool:
    return value in SPAM_ACTIONS


_Mark = tuple[Callable[[LoopHeaders], tuple[str, ...]], Callable[[str], bool]]

# The headers a mail server writes its verdict in, and how each says "spam"
MARKS: tuple[_Mark, ...] = (
    # X-Spam-Flag (SpamAssassin): YES on spam only
    (lambda h: h.x_spam_flag, _says_yes),
    # X-Spam-Status (SpamAssassin; rspamd's x-spam-status routine): "Yes, …" or "No, …"
    (lambda h: h.x_spam_status, _says_yes),
    # X-Spam (rspamd's spam-header routine): Yes on spam
    (lambda h: h.x_spam, _says_yes),
    # X-Rspamd-Action (rspamd): the action it advised, which the MTA may not have taken
    (lambda h: h.x_rspamd_action, _spam_action),
)


def marked_spam(h: LoopHeaders) -> bool:
    """Whether any verdict header on the mail says spam."""
    return any(says(value) for values, says in MARKS for value in values(h))
