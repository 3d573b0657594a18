"""A member's answer to the requester: the one relay path, whichever door it came by.

A member's reply mail (``gateway/runner/ops.py``) and a member's Slack thread
reply sent on purpose (the "send to requester" shortcut, ``/reply``) both end
here: the member's words, as written, go to the requester (a member too, when the
request is their own) and every other participant on it as themselves (a Cc, a watcher;
never a former member, who joined it as a member: at most ``[limits] max_relay``
of them; the rest are recorded in an event, never mailed; never an address no
automatic mail goes to either: ours, a no-reply or mail-system address, one we cannot
write), one answer mail each from
the team address, threaded; the first-response SLA stops. The mails are queued when
the transaction commits (:mod:`gateway.tickets.conversation`), so a state change made
in the same transaction — ``/close`` in the same reply — rides in the same mail.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.config.settings import Member, Settings
from gateway.core import tokens
from gateway.core.text import blank_lines_stripped, nul_replaced
from gateway.notify.compose import Enclosure
from gateway.pipeline import loops
from gateway.tickets import changes, conversation, undelivered
from store import tickets
from store.installation import reply_keys
from store.models import Ticket


def relay_answer(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    member: Member,
    text: str,
    *,
    key: str,
    now: datetime,
    channel: str,
    files: tuple[Enclosure, ...] = (),
    audience: Collection[str] | None = None,
) -> int:
    """Queue ``text`` to the ticket's people; how many it goes to. ``key`` names the
    cause (an inbox row, a Slack message), so doing it again queues nothing new.
    ``files``: what the member attached to their words (a reply mail's files), which
    go with them: the requester has no other way to get them. ``audience``: only these
    of the ticket's people (the ones the member wrote to, when it is not their ticket's
    own conversation any more: gateway.runner.ops after ``/merge``). A NUL in the words
    (``/reply``'s argument, a Slack message sent on) is U+FFFD, as every database keeps it."""
    text = without_member_addresses(session, settings, blank_lines_stripped(nul_replaced(text)))
    if not text:
        return 0
    files = tuple(f for f in files if not names_a_member_address(session, settings, f.data))
    requester = ticket.requester.lower()
    # on it as themselves: one who joined as a member and left the team reads no more
    people = [requester, *tickets.customer_emails(session, ticket.id)]
    everyone = [
        p
        for p in dict.fromkeys(people)
        # members hear of it in their notices; but a member's own request is answered to
        # them as to any requester (their notice then leaves it out), unless the answer is theirs
        if (settings.member(p) is None or (p == requester and p != member.email))
        # never one we never write to (as no acknowledgement goes there): ours, a no-reply
        # or mail-system address, or 田中@例え.jp, which never stops the others' answer
        and not loops.never_answered(p, settings.own_addresses, settings.team)
        and (audience is None or p in audience)
    ]
    _unwritable(session, settings, ticket, member, people, audience, key=key, now=now)
    limit = settings.limits.max_relay  # the requester first, then in the order they joined
    recipients, left_out = tuple(everyone[:limit]), everyone[limit:]
    if left_out:
        changes.record(
            session,
            ticket,
            "relay-limited",
            now,
            actor=member.email,
            channel=channel,
            detail={"limit": limit, "not_sent": len(left_out), "first_not_sent": left_out[:20]},
        )
    if recipients:
        conversation.relayed(
            session, ticket, member.email, text, recipients, now, key=key, files=files
        )
    # the first-response SLA stops once the answer goes out, or when no mail could ever
    # carry it (an alert from a no-reply sender: the answer is the team's response all the same)
    if recipients or loops.never_answered(ticket.requester, settings.own_addresses, settings.team):
        changes.record_first_response(session, ticket, now, actor=member.email, channel=channel)
    return len(recipients)


def _unwritable(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    member: Member,
    people: list[str],
    audience: Collection[str] | None,
    *,
    key: str,
    now: datetime,
) -> None:
    """Those of ``people`` the answer was for whom no mail of ours can reach
    (``田中@例え.jp``: SMTPUTF8, which we never send): a ``delivery-failed`` event, and
    the member who has the ticket and the answer's author are told, as of a mail the
    relay refused; the author believed it went. A no-reply or mail-system address is
    no one waiting for it: not told. Once per ``key`` (a button pressed twice)."""
    missed = tuple(
        p
        for p in dict.fromkeys(people)
        if settings.member(p) is None
        and loops.never_answered(p, settings.own_addresses) == loops.UNWRITABLE
        and (audience is None or p in audience)
    )
    last = tickets.last_event(session, ticket.id, "delivery-failed")
    if not missed or (last is not None and (last.detail or {}).get("key") == key):
        return
    undelivered.failed(
        session,
        ticket,
        now,
        outbox_id=None,
        kind="ops_reply",
        message_id="",
        recipients=missed,
        code=0,
        error=loops.UNWRITABLE,
        author=member.email,
        key=key,
    )


def _reply_address_pattern(settings: Settings) -> re.Pattern[str]:
    """Any reply-token address of ours (``support+42-<token>@example.test``)."""
    local, domain = settings.gateway.address.rsplit("@", 1)
    return re.compile(
        rf"{re.escape(local)}\+\d{{1,18}}-[0-9a-f]{{{tokens.TOKEN_LENGTH}}}@{re.escape(domain)}",
        re.IGNORECASE,
    )


def names_a_member_address(session: Session, settings: Settings, data: bytes) -> bool:
    """Whether a file holds a reply address issued to a member: our notice to them,
    which their client attached to their answer (Outlook's "attach the original
    message" on reply, a notice dragged in). Its bytes cannot be masked as words are,
    and it is no file for the requester (the member's address acts in their name, the
    notice's words are the team's), so it is not relayed; the ticket keeps it in the
    member's mail. Read as Latin-1: every byte one character, so an address in ASCII
    is found in any file."""
    text = data.decode("latin-1")
    pattern = _reply_address_pattern(settings)
    if not pattern.search(text):
        return False
    keys = reply_keys(session, settings.gateway.reply_key())
    members = [m.email for m in settings.members]
    for found in pattern.finditer(text):
        token = tokens.parse_reply_address(found.group(), settings.gateway.address)
        if token is not None and tokens.token_issued_to(keys, token, members) is not None:
            return True
    return False


def without_member_addresses(session: Session, settings: Settings, text: str) -> str:
    """``text`` with every reply address issued to a member masked
    (``support+42-…@example.test``). Such an address is what proves a mail comes from
    that member: a requester who had it could close, assign or merge in their name.
    It reaches a member's words when their client quotes our notice in a way the
    quote finder does not know (a phone's "…のメール:" without ``>``); the requester's
    own address, or anyone else's, stays as written."""
    pattern = _reply_address_pattern(settings)
    if not pattern.search(text):
        return text
    keys = reply_keys(session, settings.gateway.reply_key())
    members = [m.email for m in settings.members]

    def masked(found: re.Match[str]) -> str:
        token = tokens.parse_reply_address(found.group(), settings.gateway.address)
        if token is None or tokens.token_issued_to(keys, token, members) is None:
            return found.group()
        return tokens.mask_tokens(found.group())

    return pattern.sub(masked, text)
