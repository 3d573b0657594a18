"""A ticket's card that Slack would not take where it was asked for: which refusals move
it to the team's channel for the ticket's entry, and what the person who asked is told.

Why it matters to them: a channel the app is not in (``not_in_channel``, or
``channel_not_found`` for a private one) takes cards once the app is invited, so they are
told to ``/invite`` it; a channel archived since, read-only, or a locked thread
(``is_archived``, ``restricted_action_…``) is Slack's rule, not the app's, and
``/invite`` would change nothing, so they are told only that Slack does not let the app
post there. A refusal of the card itself (too long, invalid blocks) would be the same in
any channel: it does not move. Slack mrkdwn: ``<#C…>`` names a channel.
"""

from __future__ import annotations

from typing import Final

from gateway.chat.markup import escape
from gateway.chat.transport import RESTRICTED
from gateway.core.i18n import N_, Msg, translate

MEMBER = "member"  # the app is not a member of the channel: /invite brings cards there
BARRED = "barred"  # Slack's rule keeps the app from posting there: nothing to invite

# Slack's refusal of a card in its own channel → why the card moves to the team's channel
MOVES: Final[dict[str, str]] = {
    "not_in_channel": MEMBER,  # the app was never invited to the channel
    "channel_not_found": MEMBER,  # a private channel or a direct message it is not in
    "is_archived": BARRED,  # archived since the person asked: nobody reads it now
    "restricted_action": BARRED,  # the workspace lets only some post there
    "restricted_action_read_only_channel": BARRED,  # an announcement channel
    "restricted_action_thread_locked": BARRED,  # the thread the card would answer is locked
}


def moves(error: str) -> str | None:
    """Why a card Slack refused with ``error`` goes to the team's channel (:data:`MOVES`;
    a ``restricted_action_…`` Slack adds later is its rule too); None: it does not."""
    if error.startswith(RESTRICTED):
        return MOVES.get(error, BARRED)
    return MOVES.get(error)


def card_elsewhere(tag: str, channel: str, locale: str, why: str = MEMBER) -> str:
    """What the person who asked is told when their channel would not take the ticket's
    card (``why``: :data:`MEMBER`, :data:`BARRED`) and the team's ``channel`` did: where
    the card is, and how to have cards where they asked, when they can."""
    if why == BARRED:
        msg = N_(
            "Ticket {tag} has been filed. Slack does not let this app post here, so its "
            "card was posted in {channel}.",
            tag=escape(tag),
            channel="<#" + channel + ">",
        )
    else:
        msg = N_(
            "Ticket {tag} has been filed. This app is not in this channel, so its card was "
            "posted in {channel}. To get ticket cards here, add the app to this channel "
            "with /invite.",
            tag=escape(tag),
            channel="<#" + channel + ">",
        )
    return translate(msg, locale)


def card_nowhere(tag: str, tried: str, locale: str, why: str = MEMBER) -> str:
    """What the person who asked is told when the ticket's card could not be posted at
    all: not in their channel (``why`` as above), and not in the team's channel
    ``tried`` either (``""``: there is none to try)."""
    if why == BARRED:
        return translate(_nowhere_barred(tag, tried), locale)
    if tried:
        msg = N_(
            "Ticket {tag} has been filed. This app is not in this channel, and its card "
            "could not be posted in {channel} either. To get ticket cards here, add the "
            "app to this channel with /invite.",
            tag=escape(tag),
            channel="<#" + tried + ">",
        )
    else:
        msg = N_(
            "Ticket {tag} has been filed. This app is not in this channel, so its card could "
            "not be posted. To get ticket cards here, add the app to this channel with /invite.",
            tag=escape(tag),
        )
    return translate(msg, locale)


def _nowhere_barred(tag: str, tried: str) -> Msg:
    if tried:
        return N_(
            "Ticket {tag} has been filed. Slack does not let this app post here, and its "
            "card could not be posted in {channel} either. The team has the ticket all the "
            "same.",
            tag=escape(tag),
            channel="<#" + tried + ">",
        )
    return N_(
        "Ticket {tag} has been filed. Slack does not let this app post here, so its card "
        "could not be posted. The team has the ticket all the same.",
        tag=escape(tag),
    )


def told_directly(note: str, tag: str, channel: str, locale: str, why: str = MEMBER) -> str:
    """What the person who asked for a card is told in a direct message from the app,
    when the command's ``response_url`` (where they asked) no longer takes it. Away
    from the channel where they asked, so that channel is "where you asked", never
    "this channel". ``note``: ``elsewhere`` (the card is in the team's ``channel``),
    ``nowhere`` (not there either; ``channel`` "": none to try) or ``gave-up`` (Slack
    never took it in ``channel``, its own); ``why`` as for :func:`card_elsewhere`."""
    if why == BARRED and note in ("elsewhere", "nowhere"):
        return translate(_directly_barred(note, tag, channel), locale)
    if note == "elsewhere":
        msg = N_(
            "Ticket {tag} has been filed. This app is not in the channel where you asked "
            "for it, so its card was posted in {channel}. To get ticket cards there, add "
            "the app to that channel with /invite.",
            tag=escape(tag),
            channel="<#" + channel + ">",
        )
    elif note == "nowhere" and channel:
        msg = N_(
            "Ticket {tag} has been filed. This app is not in the channel where you asked "
            "for it, and its card could not be posted in {channel} either. To get ticket "
            "cards there, add the app to that channel with /invite.",
            tag=escape(tag),
            channel="<#" + channel + ">",
        )
    elif note == "nowhere":
        msg = N_(
            "Ticket {tag} has been filed. This app is not in the channel where you asked "
            "for it, so its card could not be posted. To get ticket cards there, add the "
            "app to that channel with /invite.",
            tag=escape(tag),
        )
    else:
        msg = card_given_up(tag, channel)
    return translate(msg, locale)


def _directly_barred(note: str, tag: str, channel: str) -> Msg:
    if note == "elsewhere":
        return N_(
            "Ticket {tag} has been filed. Slack does not let this app post where you asked "
            "for it, so its card was posted in {channel}.",
            tag=escape(tag),
            channel="<#" + channel + ">",
        )
    if channel:
        return N_(
            "Ticket {tag} has been filed. Slack does not let this app post where you asked "
            "for it, and its card could not be posted in {channel} either. The team has the "
            "ticket all the same.",
            tag=escape(tag),
            channel="<#" + channel + ">",
        )
    return N_(
        "Ticket {tag} has been filed. Slack does not let this app post where you asked for "
        "it, so its card could not be posted. The team has the ticket all the same.",
        tag=escape(tag),
    )


def card_given_up(tag: str, channel: str) -> Msg:
    """The card was never taken in ``channel`` (Slack down there until the post gave up):
    said where the person asked, or in a direct message, so the channel is named."""
    return N_(
        "Ticket {tag} has been filed, but its card could not be posted in {channel}: "
        "Slack did not take it before the gateway gave up. The team has the ticket all "
        "the same.",
        tag=escape(tag),
        channel="<#" + channel + ">",
    )
