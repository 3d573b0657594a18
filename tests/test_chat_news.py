"""Ticket news through the chat outbox: HTTP mode's signature check, a Slack outage that
delays and loses nothing while mail flows, rate limits, and the Teams and webhook
notices (the Teams card checked against the Adaptive Card schema)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gateway.config.settings import ChatSettings, Settings, WebhookSettings
from gateway.core.clock import FakeClock
from gateway.outbound.sender import Sender
from gateway.outbound.transport import transport_for
from gateway.runtime.app import App, build
from store import tickets
from store.db import transaction
from tests.support import chat as c
from tests.support.hooks import MOVED, TRICKLE, HookServer
from tests.support.mails import mail
from tests.support.paths import DATA
from tests.support.pipeline import all_tickets, deliver, outbox, show
from tests.support.slack_fake import FakeSlack
from tests.support.waiting import PATIENCE

SCHEMA = DATA / "adaptive-card" / "adaptive-card-1.5.json"


def _app(settings: Settings, clock: FakeClock, **chat: Any) -> App:
    return build(replace(settings, chat=replace(settings.chat, **chat)), clock)


@pytest.fixture
def news_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    application = build(c.chat_settings(settings, fake), clock)
    yield application
    application.close()


def _mail_ticket(app: App, subject: str = "VPN does not connect") -> int:
    outcome = deliver(app, mail(subject, "since this morning"))
    assert outcome.ticket_id is not None
    return outcome.ticket_id


# ----------------------------------------------------------------- HTTP mode


@pytest.fixture
def http_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    cfg = c.chat_settings(settings, fake, mode="http", signing_secret=c.SIGNING, http_port=0)
    application = build(cfg, clock)
    yield application
    application.close()


@pytest.mark.parametrize(
    ("age", "good", "status"),
    [(0, True, 200), (0, False, 401), (6 * 60, True, 401)],
    ids=["signed", "bad-signature", "stale-timestamp"],
)
def test_http_mode_checks_slacks_signature(
    http_app: App, fake: FakeSlack, age: float, good: bool, status: int
) -> None:
    with c.slack_app(http_app, fake) as listener:
        body = c.form(c.command())
        assert (
            c.signed_post(
                listener.port,
                "/slack/events",
                body,
                c.SIGNING,
                now=http_app.clock.now(),
                age=age,
                good=good,
            )
            == status
        )
        if status == 200:
            fake.wait_for("views.open")
        else:
            assert fake.of("views.open") == []


def test_http_mode_takes_the_whole_form(http_app: App, fake: FakeSlack) -> None:
    with c.slack_app(http_app, fake) as listener:
        c.signed_post(
            listener.port, "/slack/events", c.form(c.command()), c.SIGNING,
            now=http_app.clock.now(),
        )  # fmt: skip
        [opened] = fake.wait_for("views.open")
        view = opened["view"]
        step1 = c.submission(view, c.chosen("vpn"))
        body = c.form({"payload": json.dumps(step1, ensure_ascii=False)})
        assert c.signed_post(
            listener.port, "/slack/events", body, c.SIGNING, now=http_app.clock.now()
        ) == 200  # fmt: skip
    assert all_tickets(http_app) == []  # step one stores nothing


# ----------------------------------------------------------------- outages


@pytest.fixture
def impatient_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    """A 1 s ``[chat] timeout``: the fake's "timeout" outage answers 3 s late, past it."""
    application = build(c.chat_settings(settings, fake, timeout=1.0), clock)
    yield application
    application.close()


def test_a_slack_outage_delays_chat_and_loses_nothing_while_mail_flows(
    impatient_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    news_app = impatient_app
    poster = c.poster(news_app)
    fake.down = "500"
    first = _mail_ticket(news_app)
    report = poster.drain()
    assert report.retried and not report.sent and fake.of("chat.postMessage") == []
    fake.down = "timeout"
    second = _mail_ticket(news_app)
    clock.advance(timedelta(minutes=5))
    report = poster.drain()
    assert report.retried and not report.sent
    # mail is not held up: the acknowledgements go out meanwhile
    sender = Sender(
        news_app.settings.outbound,
        news_app.clock,
        news_app.sessions,
        lambda: transport_for(news_app.settings.outbound),
    )
    assert len(sender.drain().sent) == len(outbox(news_app)) >= 2
    fake.down = ""
    clock.advance(timedelta(hours=1))
    report = poster.drain()
    notices = fake.of("chat.postMessage")
    assert len(notices) == 2 and {n["channel"] for n in notices} == {c.NOTICES}
    assert {f"[#{first}]" in n["text"] or f"[#{second}]" in n["text"] for n in notices} == {True}
    assert all(p.state == "sent" for p in c.posts(news_app))
    assert poster.drain().sent == []  # nothing twice


def test_slack_rate_limit_is_honoured(news_app: App, fake: FakeSlack, clock: FakeClock) -> None:
    fake.down = "ratelimited"
    _mail_ticket(news_app)
    c.poster(news_app).drain()
    [post] = c.posts(news_app)
    assert post.state == "pending" and post.next_attempt_at is not None
    assert post.next_attempt_at - clock.now() >= timedelta(seconds=30)  # ≥ Retry-After (7 s)


def test_notices_over_the_hourly_limit_wait_for_the_window(
    settings: Settings, clock: FakeClock, fake: FakeSlack
) -> None:
    base = c.chat_settings(settings, fake)
    assert base.chat.slack is not None
    limited = replace(base.chat, slack=replace(base.chat.slack, notice_limit=2))
    app = build(replace(base, chat=limited), clock)
    try:
        for _ in range(3):
            _mail_ticket(app)
        report = c.poster(app).drain()
        assert len(report.sent) == 2 and len(report.waiting) == 1
        clock.advance(timedelta(hours=1, minutes=5))
        assert len(c.poster(app).drain().sent) == 1
    finally:
        app.close()


def test_a_permanent_refusal_fails_the_post_and_says_so_on_the_ticket(
    news_app: App, fake: FakeSlack
) -> None:
    ticket_id = _mail_ticket(news_app)
    fake.refuse["chat.postMessage"] = "not_in_channel"
    report = c.poster(news_app).drain()
    assert report.failed and not report.retried
    from tests.support.pipeline import show

    [event] = [e for e in show(news_app, ticket_id)["events"] if e["kind"] == "chat-failed"]
    assert "not_in_channel" in event["detail"]["error"]


def test_a_notice_of_a_mail_with_a_huge_display_name_still_fits_slack(
    news_app: App, fake: FakeSlack
) -> None:
    # anyone may send mail, with a From name of any length, and a database from before
    # names were kept short (SQLite kept them whole) still holds such names; Slack
    # refuses a text over 3 000 characters for good, and the team would never hear of it
    ticket_id = _mail_ticket(news_app)
    with transaction(news_app.sessions) as s:
        ticket = tickets.get(s, ticket_id)
        assert ticket is not None
        ticket.requester_name = (
            "迷惑" * 2500 if news_app.settings.database.url.startswith("sqlite") else "迷惑" * 256
        )  # what PostgreSQL's column holds at most
    report = c.poster(news_app).drain()
    assert report.sent and not report.failed
    [notice] = fake.of("chat.postMessage")
    assert "alice@customer.test" in notice["blocks"][1]["elements"][0]["text"]


def test_chat_off_queues_nothing(app: App) -> None:
    _mail_ticket(app)
    assert c.posts(app) == []


# ----------------------------------------------------------------- Teams and webhooks


def _teams_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(Path(SCHEMA).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)  # type: ignore[no-any-return]


def test_the_teams_notice_is_an_adaptive_card(
    settings: Settings, clock: FakeClock, fake: FakeSlack
) -> None:
    hooks = ChatSettings(teams=WebhookSettings(url=fake.hook_url("teams"), locale="ja"))
    app = build(replace(settings, chat=hooks), clock)
    try:
        ticket_id = _mail_ticket(app)
        assert c.poster(app).drain().sent
    finally:
        app.close()
    [body] = fake.hooks["teams"]
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    errors = [e.message for e in _teams_validator().iter_errors(card)]
    assert errors == []
    assert card["body"][0]["text"].startswith(f"新しいチケット [#{ticket_id}]")
    assert {"title": "優先度", "value": "通常"} in card["body"][1]["facts"]


def test_the_schema_check_bites() -> None:
    bad = {"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlok", "text": "x"}]}
    assert list(_teams_validator().iter_errors(bad))


def test_a_slack_format_webhook_gets_plain_text(
    settings: Settings, clock: FakeClock, fake: FakeSlack
) -> None:
    hooks = ChatSettings(webhook=WebhookSettings(url=fake.hook_url("webhook"), locale="en"))
    app = build(replace(settings, chat=hooks), clock)
    try:
        ticket_id = _mail_ticket(app, "【至急】VPN does not connect")
        c.poster(app).drain()
    finally:
        app.close()
    [body] = fake.hooks["webhook"]
    assert set(body) == {"text"} and body["text"].startswith(f"New ticket [#{ticket_id}]")
    assert " / Priority: urgent / " in body["text"]  # 【至急】 in the subject


@pytest.mark.parametrize("target", ["teams", "webhook"])
def test_a_webhook_that_redirects_is_not_counted_as_posted(
    settings: Settings, clock: FakeClock, target: str
) -> None:
    # a sign-in page in front of the chat server: the POST is sent to /login, whose GET
    # answers 200; followed, every notice would be 'sent' and none would ever arrive
    server = HookServer([MOVED]).start()
    hooks = ChatSettings(**{target: WebhookSettings(url=server.url("/hooks/x"))})
    app = build(replace(settings, chat=hooks), clock)
    try:
        ticket_id = _mail_ticket(app)
        report = c.poster(app).drain()
        [event] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "chat-failed"]
    finally:
        app.close()
        server.stop()
    assert (report.sent, len(report.failed)) == ([], 1)
    assert server.fetched == [] and len(server.deliveries) == 1
    assert "HTTP 302" in event["detail"]["error"] and "not followed" in event["detail"]["error"]


def test_a_trickling_webhook_is_cut_at_the_timeout(settings: Settings, clock: FakeClock) -> None:
    # a byte now and then keeps every read under the timeout; the chat poster (Slack's
    # cards and lines wait behind it) must still get its thread back at the timeout
    server = HookServer([TRICKLE]).start()
    hooks = ChatSettings(teams=WebhookSettings(url=server.url()), timeout=timedelta(seconds=1))
    app = build(replace(settings, chat=hooks), clock)
    try:
        _mail_ticket(app)
        started = time.monotonic()
        report = c.poster(app).drain()
        took = time.monotonic() - started
    finally:
        app.close()
        server.stop()
    assert report.retried and not report.sent  # tried again later, not lost
    # a trickle never ends by itself: any bound tells the timeout from none, and this one
    # leaves a loaded machine its seconds
    assert took < PATIENCE, f"the poster was held {took:.1f}s"


def test_a_webhook_goes_through_the_proxy_of_the_environment(
    settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # many offices reach Teams only through their HTTP proxy ($https_proxy, $http_proxy)
    proxy = HookServer().start()  # a proxy answers for the far end: it gets the whole URL
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    # a name only the proxy knows: this machine itself is never reached through a proxy
    hooks = ChatSettings(teams=WebhookSettings(url="http://teams.example.test/hooks/teams"))
    app = build(replace(settings, chat=hooks), clock)
    try:
        _mail_ticket(app)
        report = c.poster(app).drain()
    finally:
        app.close()
        proxy.stop()
    assert report.sent
    [delivery] = proxy.deliveries
    assert delivery.path == "http://teams.example.test/hooks/teams"


def test_sla_breaches_and_stale_tickets_are_noticed_once(
    news_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    from gateway.scheduling import scheduler

    ticket_id = _mail_ticket(news_app)  # vpn: first response within 4h, stale after 3d
    poster = c.poster(news_app)
    poster.drain()
    clock.advance(timedelta(hours=5))
    scheduler.tick(news_app)
    scheduler.tick(news_app)  # a second pass finds the claim taken
    poster.drain()
    texts = [p["text"] for p in fake.of("chat.postMessage")]
    assert [t for t in texts if t.startswith("SLA 超過（初回応答）")] == [
        f"SLA 超過（初回応答）: [#{ticket_id}] VPN does not connect"
    ]
    clock.advance(timedelta(days=4))
    scheduler.tick(news_app)
    poster.drain()
    texts = [p["text"] for p in fake.of("chat.postMessage")]
    assert sum("しばらく更新されていません" in t for t in texts) == 1


VPN_CHANNEL = "C0VPN0001"  # the vpn entry's channel ([chat.slack.channels])


@pytest.fixture
def two_channels_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    application = build(c.chat_settings(settings, fake, channels={"vpn": VPN_CHANNEL}), clock)
    yield application
    application.close()


@pytest.mark.parametrize(
    "error",
    [
        "restricted_action_read_only_channel",  # an announcement channel: admins post only
        "restricted_action_thread_locked",  # a thread an admin locked
        "msg_blocks_too_long",
        "some_error_slack_adds_later",  # not known here: this post is tried again
    ],
)
def test_one_channel_refusing_a_post_holds_up_no_other(
    two_channels_app: App, fake: FakeSlack, clock: FakeClock, error: str
) -> None:
    """An error Slack gives for one post (its channel, its thread, its blocks) is that
    post's: the others, in other channels, go out in the same pass, not two days later
    behind it. An error known to be for good fails the post (a ``chat-failed`` event);
    one not known is tried again, alone."""
    vpn = _mail_ticket(two_channels_app, "VPN does not connect")
    printer = _mail_ticket(two_channels_app, "Printer jam on the 3rd floor")
    with transaction(two_channels_app.sessions) as s:
        entries = {t: (tickets.get(s, t) or pytest.fail()).catalog for t in (vpn, printer)}
    assert entries[vpn] == "vpn" and entries[printer] != "vpn"
    fake.refuse_in[VPN_CHANNEL] = error
    report = c.poster(two_channels_app).drain()
    [posted] = fake.of("chat.postMessage")
    assert posted["channel"] == c.NOTICES and f"[#{printer}]" in posted["text"]
    assert len(report.sent) == 1
    if error.startswith("some_"):
        assert len(report.retried) == 1 and not report.failed
    else:
        assert len(report.failed) == 1 and not report.retried
        [event] = [e for e in show(two_channels_app, vpn)["events"] if e["kind"] == "chat-failed"]
        assert error in event["detail"]["error"]
