"""Drain the chat outbox: claim due rows, render them, post them, record the answer.

The mail sender's twin (``gateway/outbound/sender.py``): rows are claimed
(leased) in one transaction, posted outside any, and the answer recorded in
another, so a Slack or Teams outage never holds a database lock and never
touches mail. The answers:

* posted → ``sent`` (a card's ts is kept on the ticket's thread, to update it);
* down (5xx, timeout, 429, a revoked token) → retried with the outbox's
  doubling backoff on the injected clock until ``give_up_after``; the other
  rows for that service wait too (not for an error of the row's own), the others go on;
* refused (blocks too long, a link-local host) → ``failed``, a ``chat-failed`` event;
  but a card its own channel refuses (the app not in it, the channel archived or
  read-only: :mod:`gateway.chat.told`) goes to the team's channel for the ticket's
  entry, once, and the person who asked is told where it is, or that it is nowhere
  (:meth:`ChatPoster._card_elsewhere`; given up in its own: :mod:`gateway.chat.asker`).

Not tried yet, without counting an attempt: a notice over the channel's hourly
limit (it waits for the window), a card update or a line whose card is not out
yet (it waits for the card), and a second post to one Slack channel within
``pace`` seconds (Slack's one message per second and channel).

A crash between Slack's answer and ``sent`` lets the lease expire and the row is
posted again: at-least-once, like mail, in a window of one call. A slow batch renews
its lease as it goes, or another instance's poster would post its rest again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from gateway.catalog.load import CatalogHolder
from gateway.catalog.model import Catalog
from gateway.chat import asker, failures, refresh, render, thread_lines, ticket_facts, told
from gateway.chat.transport import NO_THREAD, ChatDown, ChatRefused, SlackApi, Webhook
from gateway.config.settings import Settings
from gateway.core.backoff import doubling
from gateway.core.clock import Clock
from gateway.core.i18n import Msg
from gateway.tickets import changes
from store import chat, tickets
from store.chat import DuePost
from store.db import transaction
from store.leases import Lease
from store.models import ChatOutboxRow, Ticket

log = logging.getLogger("gateway.chat.poster")

BATCH = 20
NOTICE_WINDOW = timedelta(hours=1)
WAIT_FOR_CARD = timedelta(seconds=30)
WAIT_FOR_WINDOW = timedelta(minutes=5)
COVERED = "card"  # a row's result: a new-ticket notice said by the card in its channel


@dataclass(slots=True)
class PostReport:
    sent: list[int] = field(default_factory=list)  # chat outbox ids
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)  # not tried: limit, card not out


class _Wait(Exception):
    """Not now, and not an attempt (a limit, a card not out yet)."""

    def __init__(self, why: Msg, until: timedelta) -> None:
        super().__init__(str(why))
        self.said = why
        self.until = until


@dataclass
class ChatPoster:
    settings: Settings
    clock: Clock
    sessions: sessionmaker[Session]
    catalog: CatalogHolder
    slack: SlackApi | None = None
    hooks: Mapping[str, Webhook] = field(default_factory=dict)  # "teams", "webhook"
    pace: float = 1.0  # seconds between two posts to one Slack channel
    _last_post: dict[str, float] = field(default_factory=dict)
    _looked_at: Catalog | None = None  # the catalog the cards were last checked against

    def drain(self, should_stop: Callable[[], bool] = lambda: False) -> PostReport:
        """Post everything due now; what happened (for logs and tests). First, for a
        catalog not checked yet (reloaded, or the first pass), :mod:`refresh`."""
        report = PostReport()
        if self.catalog.current is not self._looked_at and self.slack is not None:
            self._looked_at = refresh.checked(self.sessions, self.catalog.current, self.clock)
        while not should_stop():
            with transaction(self.sessions) as s:
                due = chat.claim_due(s, now := self.clock.now(), BATCH)
            if not due:
                break
            lease = Lease.claimed(now, chat.LEASE, (p.id for p in due))  # see store.leases
            down: dict[str, datetime] = {}  # service → when to try it again
            for i, post in enumerate(due):
                if lease.half_spent(now := self.clock.now()):  # a slow service: keep the rest
                    with transaction(self.sessions) as s:
                        lease.renew(s, ChatOutboxRow, [p.id for p in due[i:]], now)
                if post.id not in lease.held:
                    continue  # its lease ran out, and another instance's poster has it
                if post.target in down:
                    self._postpone(post, failures.service_down(), down[post.target], report)
                    continue
                self._one(post, down, report)
        return report

    def _one(self, post: DuePost, down: dict[str, datetime], report: PostReport) -> None:
        try:
            result = self._post(post)
        except _Wait as wait:
            self._postpone(post, wait.said, self.clock.now() + wait.until, report)
        except ChatRefused as exc:
            self._failed(post, exc.said, report)
        except ChatDown as exc:
            when = self._retry(post, exc, report)
            if exc.whole:  # the service: the rest of the batch waits with it
                down[post.target] = when
        else:
            with transaction(self.sessions) as s:
                chat.mark_sent(s, post.id, self.clock.now(), result)
                if post.kind == "card" and post.ticket_id is not None:
                    chat.card_posted(s, post.ticket_id, result)
            report.sent.append(post.id)
            log.info(
                "chat %s id=%s ticket=%s %s %s",
                "said by the card" if result == COVERED else "posted",
                post.id,
                post.ticket_id,
                post.target,
                post.kind,
            )

    def _post(self, post: DuePost) -> str:
        """Render with what the ticket is now, then post; the message ts (Slack) or ""."""
        with transaction(self.sessions) as s:
            ticket = tickets.get(s, post.ticket_id) if post.ticket_id is not None else None
            if ticket is None:
                raise ChatRefused(failures.ticket_gone())
            place = chat.thread_of(s, ticket.id)
            if post.kind in ("card-update", "line") and not (place and place.card_ts):
                self._card_or_give_up(s, ticket.id)
            locale = ticket_facts.locale_of(self.settings, post)
            if post.kind == asker.DM:  # the person's language, not a channel's
                locale = ticket.locale or self.settings.gateway.locale
            facts = self._facts(s, ticket, place, locale)
            card_here = (  # news._notice's rule, again now: the card may have moved here
                place is not None
                and place.channel == post.channel
                and chat.state_of(s, f"card:{ticket.id}") != chat.FAILED
            )
        if post.target == "slack":
            if post.kind == "notice" and post.payload.get("notice") == "new" and card_here:
                return COVERED
            return self._post_slack(post, facts, place, locale)
        hook = self.hooks.get(post.target)
        if hook is None:
            raise ChatRefused(failures.not_configured(post.target))
        self._within_limit(post)
        if post.target == "teams":
            body = render.teams_message(post.payload, facts, locale)
        else:  # a Slack-format webhook, read as Markdown or (into Slack) as mrkdwn
            cfg = self.settings.chat.webhook
            markup = cfg.markup if cfg is not None else "markdown"
            body = render.webhook_message(post.payload, facts, locale, markup)
        hook.post(body)
        return ""

    def _post_slack(
        self, post: DuePost, facts: render.TicketFacts, place: chat.Place | None, locale: str
    ) -> str:
        if self.slack is None:
            raise ChatRefused(failures.not_configured("Slack"))
        if post.kind == "notice":
            self._within_limit(post)
            self._keep_pace(post.channel)
            return self.slack.post(post.channel, render.notice(post.payload, facts, locale))
        if post.kind == asker.DM:  # to the person who asked, in their language
            note, about = str(post.payload.get("note", "")), str(post.payload.get("channel", ""))
            said = render.told_directly(
                note, facts.tag, about, locale, str(post.payload.get("why", told.MEMBER))
            )
            return self.slack.direct(post.channel, said)
        self._keep_pace(post.channel)
        if post.kind == "card":
            if place is not None and place.channel != post.channel:
                return self._moved_card(post, place.channel)  # again, after an outage there
            channel, thread = (place.channel, place.thread_ts) if place else (post.channel, "")
            try:
                return self.slack.post(channel, render.card(facts, locale), thread)
            except ChatRefused as exc:
                if thread and exc.error in NO_THREAD and place is not None:
                    return self._card_unthreaded(place, facts, locale, exc)
                if told.moves(exc.error) is None or place is None:
                    raise  # the card itself: refused in any channel
                return self._card_elsewhere(post, place, exc)
        assert place is not None  # _card_or_give_up made sure
        if post.kind == "card-update":
            self.slack.update(place.channel, place.card_ts, render.card(facts, locale))
            return place.card_ts
        if post.kind == "line":
            thread = place.thread_ts or place.card_ts
            return self.slack.post(
                place.channel, thread_lines.line(post.payload, facts, locale), thread
            )
        raise ChatRefused(failures.unknown_kind(post.kind))

    def _card_unthreaded(
        self,
        place: chat.Place,
        facts: render.TicketFacts,
        locale: str,
        refused: ChatRefused,
    ) -> str:
        """The message the ticket came from is gone (deleted: ``thread_not_found``) or
        takes no replies: Slack will refuse the card in its thread again and again, not
        in its channel. The card goes there as a new message, whose thread is then the
        ticket's (recorded first: a retry after an outage posts it there too)."""
        assert self.slack is not None
        with transaction(self.sessions) as s:
            chat.move_thread(s, place.ticket_id, place.channel)
        log.warning(
            "ticket=%s: the card goes into %s, not a thread: %s",
            place.ticket_id,
            place.channel,
            refused,
        )
        return self.slack.post(place.channel, render.card(facts, locale), "")

    def _card_elsewhere(self, post: DuePost, place: chat.Place, refused: ChatRefused) -> str:
        """The card's channel would not take it (why: :func:`told.moves`). The card
        goes to the team's channel for the ticket's entry as a new message, whose thread
        is then the ticket's (recorded first, with why: a retry after an outage posts it
        there, and only there: :meth:`_moved_card`). With no other channel the refusal
        stands (a ``chat-failed`` event), and the person who asked is told that."""
        slack, why = self.settings.chat.slack, told.moves(refused.error) or told.MEMBER
        assert slack is not None
        with transaction(self.sessions) as s:
            ticket = tickets.get(s, place.ticket_id)
            if ticket is None:
                raise refused
            team = slack.channel_for(ticket.catalog)
            team = team if team != place.channel else ""
            if team:
                chat.move_thread(s, ticket.id, team)
                chat.note_on_post(s, post.id, "moved", why)
            asked_in = ticket.locale or self.settings.gateway.locale  # the person's language
        if not team:
            here = render.card_nowhere(self._tag(ticket.id), "", asked_in, why)
            self._tell(post, here, "nowhere", "", why)
            raise refused
        log.warning("ticket=%s: the card goes to %s: %s", place.ticket_id, team, refused)
        return self._moved_card(post, team, why)

    def _moved_card(self, post: DuePost, team: str, why: str = "") -> str:
        """The card in the team's channel, where it moved (``why``: :data:`told.MOVES`);
        then the person who asked is told where it is, or that it is nowhere, never
        before: while Slack is down they are told nothing (the retry tells them, or the
        post giving up: :func:`gateway.chat.asker.given_up`)."""
        slack = self.settings.chat.slack
        assert self.slack is not None and slack is not None
        locale = slack.locale_of(team, self.settings.gateway.locale)
        with transaction(self.sessions) as s:
            ticket = tickets.get(s, post.ticket_id) if post.ticket_id is not None else None
            if ticket is None:
                raise ChatRefused(failures.ticket_gone())
            moved = chat.thread_of(s, ticket.id)
            facts = self._facts(s, ticket, moved, locale)
            asked_in = ticket.locale or self.settings.gateway.locale  # the person's language
        self._keep_pace(team)
        why = why or str(post.payload.get("moved", told.MEMBER))  # said at the move
        try:
            ts = self.slack.post(team, render.card(facts, locale), "")
        except ChatRefused:
            here = render.card_nowhere(facts.tag, team, asked_in, why)
            self._tell(post, here, "nowhere", team, why)
            raise
        here = render.card_elsewhere(facts.tag, team, asked_in, why)
        self._tell(post, here, "elsewhere", team, why)
        return ts

    def _tell(self, post: DuePost, here: str, note: str, channel: str, why: str) -> None:
        """The person who asked is told (:func:`gateway.chat.asker.tell`)."""
        asker.tell(self.slack, self.sessions, self.clock.now(), post, here, note, channel, why)

    def _card_or_give_up(self, s: Session, ticket_id: int) -> None:
        """A card update or a line waits for its card; without a card ever, it fails."""
        if chat.state_of(s, f"card:{ticket_id}") == chat.PENDING:
            raise _Wait(failures.waiting_for_card(), WAIT_FOR_CARD)
        raise ChatRefused(failures.no_card())

    def _within_limit(self, post: DuePost) -> None:
        hook = {"slack": self.settings.chat.slack, "teams": self.settings.chat.teams}.get(
            post.target, self.settings.chat.webhook
        )
        limit = hook.notice_limit if hook is not None else 30
        with transaction(self.sessions) as s:
            recent = chat.sent_since(
                s, post.target, post.channel, "notice", self.clock.now() - NOTICE_WINDOW
            )
        if recent >= limit:
            raise _Wait(failures.notice_limit(recent), WAIT_FOR_WINDOW)

    def _keep_pace(self, channel: str) -> None:
        last = self._last_post.get(channel)
        gap = self.pace - (time.monotonic() - last) if last is not None else 0.0
        if gap > 0:
            self.clock.sleep(gap)
        self._last_post[channel] = time.monotonic()

    def _facts(
        self, s: Session, ticket: Ticket, place: chat.Place | None, locale: str
    ) -> render.TicketFacts:
        """The ticket as the card says it now, with its action's approval."""
        catalog = self.catalog.current
        stands = ticket_facts.approval_of(s, self.settings, catalog, ticket)
        return ticket_facts.of(self.settings, catalog, ticket, place, locale, stands)

    def _tag(self, ticket_id: int) -> str:
        return ticket_facts.tag(self.settings, ticket_id)

    def _postpone(self, post: DuePost, why: Msg, until: datetime, report: PostReport) -> None:
        with transaction(self.sessions) as s:
            chat.postpone(s, post.id, why, until)
        report.waiting.append(post.id)

    def _retry(self, post: DuePost, exc: ChatDown, report: PostReport) -> datetime:
        now, cfg = self.clock.now(), self.settings.chat
        if now - post.created_at >= cfg.give_up_after:
            self._failed(post, failures.gave_up(cfg.give_up_after, exc.said), report)
            asker.given_up(  # recorded first: told once, never twice
                self.slack, self.sessions, now, post, self._tag(post.ticket_id or 0),
                self.settings.gateway.locale,
            )  # fmt: skip
            return now + cfg.retry_initial
        wait = doubling(post.attempts + 1, cfg.retry_initial, cfg.retry_max)
        if exc.retry_after is not None:
            wait = max(wait, timedelta(seconds=exc.retry_after))
        with transaction(self.sessions) as s:
            chat.mark_retry(s, post.id, exc.said, now + wait)
        report.retried.append(post.id)
        log.warning(
            "chat %s unavailable, id=%s retries at %s: %s", post.target, post.id, now + wait, exc
        )
        return now + wait

    def _failed(self, post: DuePost, error: Msg | str, report: PostReport) -> None:
        now = self.clock.now()
        with transaction(self.sessions) as s:
            chat.mark_failed(s, post.id, error)
            ticket = tickets.get(s, post.ticket_id) if post.ticket_id is not None else None
            if ticket is not None:
                changes.record(
                    s,
                    ticket,
                    "chat-failed",
                    now,
                    actor="gateway",
                    channel="system",
                    new=post.kind,
                    detail=failures.detail(post, error),
                )
        report.failed.append(post.id)
        log.error("chat post id=%s ticket=%s not posted: %s", post.id, post.ticket_id, error)
        if post.kind == asker.DM:
            asker.not_told(post)


def build_poster(
    settings: Settings, clock: Clock, sessions: sessionmaker[Session], catalog: CatalogHolder
) -> ChatPoster:
    """The poster with a client per configured service."""
    cfg = settings.chat
    slack = SlackApi(cfg.slack.bot_token, cfg.slack.api_url, cfg.timeout) if cfg.slack else None
    hooks = {
        name: Webhook(hook.url, cfg.timeout)
        for name, hook in (("teams", cfg.teams), ("webhook", cfg.webhook))
        if hook is not None
    }
    return ChatPoster(settings, clock, sessions, catalog, slack, hooks)
