"""``/ticket`` (or *Create ticket*) used in a channel the app is not in: Slack refuses
the card there (``not_in_channel``; ``channel_not_found`` in a private channel or a
direct message). The ticket is never lost and its card is posted once: in the team's
channel for the ticket's entry, as a new message whose thread is then the ticket's, and
the person who asked is told, where they asked and seen by them alone, where the card is
and how to have cards in their channel."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from gateway.chat import render
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support import chat as c
from tests.support.pipeline import all_tickets, show
from tests.support.slack_fake import FakeSlack


def _in(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [p for p in fake.of("chat.postMessage") if p["channel"] == channel]


def _is_card(params: dict[str, Any]) -> bool:
    return any(b["type"] == "actions" for b in params.get("blocks") or ())


def _cards(fake: FakeSlack) -> list[dict[str, Any]]:
    return [p for p in fake.of("chat.postMessage") if _is_card(p)]


def _submit(
    fake: FakeSlack,
    opened: dict[str, Any],
    typed: tuple[str, str] = ("VPN がつながりません", "昨日から"),
) -> None:
    step1 = opened["view"]
    answer = fake.envelope("interactive", c.submission(step1, c.chosen("vpn")))
    payload = c.submission(answer["view"], c.typed(*typed, os="macos"))
    assert fake.envelope("interactive", payload) == {}


def _ticket_typed_in_help(
    app: App, fake: FakeSlack, typed: tuple[str, str] = ("VPN がつながりません", "昨日から")
) -> int:
    command = {**c.command(), "response_url": fake.response_url("ticket")}
    fake.envelope("slash_commands", command)
    [opened] = fake.wait_for("views.open")
    _submit(fake, opened, typed)
    app.runner.process_pending()
    [t] = all_tickets(app)
    return int(t["id"])


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
def test_a_ticket_typed_where_the_app_is_not_gets_its_card_in_the_team_channel(
    chat_app: App, fake: FakeSlack, error: str
) -> None:
    fake.refuse_in[c.HELP] = error
    ticket_id = _ticket_typed_in_help(chat_app, fake)
    report = c.poster(chat_app).drain()
    assert not report.failed
    [card] = _cards(fake)  # one card, in the team's channel, starting its own thread
    assert card["channel"] == c.NOTICES and "thread_ts" not in card
    assert f"[#{ticket_id}]" in card["text"]
    assert _in(fake, c.NOTICES) == [card]  # the card says "new ticket" there: no notice too
    [thread] = c.threads(chat_app)
    assert (thread.channel, thread.thread_ts) == (c.NOTICES, thread.card_ts) and thread.card_ts
    kinds = [e["kind"] for e in show(chat_app, ticket_id)["events"]]
    assert "chat-failed" not in kinds
    [told] = fake.answered("ticket")  # the person, where they typed it, alone
    assert told["response_type"] == "ephemeral"
    assert f"<#{c.NOTICES}>" in told["text"] and "/invite" in told["text"]
    assert f"[#{ticket_id}]" in told["text"] and "チケット" in told["text"]  # their language
    order = [(x.method, x.params.get("channel")) for x in fake.calls]
    assert order.index(("chat.postMessage", c.NOTICES)) < order.index(("response_url:ticket", None))
    # the created event keeps where it came from, not the command's short-lived URL
    created = next(e for e in show(chat_app, ticket_id)["events"] if e["kind"] == "created")
    assert "response_url" not in created["detail"]["chat"]
    # nothing is posted again: not on the next pass, not after the ticket changes
    assert c.poster(chat_app).drain().sent == []
    assert len(_cards(fake)) == 1 and len(fake.answered("ticket")) == 1


def test_the_message_shortcut_in_a_private_channel_moves_the_card_with_its_link(
    chat_app: App, fake: FakeSlack
) -> None:
    fake.refuse_in[c.HELP] = "channel_not_found"
    message = {"ts": "1772400000.000300", "text": "VPN が落ちます", "user": "U0X"}
    payload = {**c.shortcut("create_ticket", c.REQUESTER, message)}
    payload["response_url"] = fake.response_url("shortcut")
    fake.envelope("interactive", payload)
    [opened] = fake.wait_for("views.open")
    _submit(fake, opened)
    chat_app.runner.process_pending()
    c.poster(chat_app).drain()
    [card] = _cards(fake)
    assert card["channel"] == c.NOTICES and "thread_ts" not in card  # not a foreign thread
    links = [e["text"] for b in card["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert any("p1772400000000300" in link for link in links)  # the message it came from
    [told] = fake.answered("shortcut")
    assert f"<#{c.NOTICES}>" in told["text"]


def test_without_another_channel_the_card_fails_once_and_the_person_is_told(
    settings: Settings, clock: FakeClock, fake: FakeSlack
) -> None:
    cfg = c.chat_settings(settings, fake)
    assert cfg.chat.slack is not None
    only_help = replace(cfg.chat.slack, channel=c.HELP)  # the team works where people ask
    application = build(replace(cfg, chat=replace(cfg.chat, slack=only_help)), clock)
    fake.refuse_in[c.HELP] = "not_in_channel"
    try:
        with c.slack_app(application, fake):
            ticket_id = _ticket_typed_in_help(application, fake)
            report = c.poster(application).drain()
            again = c.poster(application).drain()
        events = show(application, ticket_id)["events"]  # before close: no connection left
    finally:
        application.close()
    assert len(report.failed) == 1 and not again.sent and not again.failed
    assert _cards(fake) == []
    [failed] = [e for e in events if e["kind"] == "chat-failed"]
    assert "not_in_channel" in failed["detail"]["error"]
    [told] = fake.answered("ticket")
    assert "/invite" in told["text"] and f"[#{ticket_id}]" in told["text"]


def test_an_outage_in_the_team_channel_delays_the_moved_card_and_posts_it_once(
    chat_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    fake.refuse_in[c.HELP] = "not_in_channel"
    fake.refuse_in[c.NOTICES] = "ratelimited"  # Slack's 'try later', in the team's channel
    _ticket_typed_in_help(chat_app, fake)
    first = c.poster(chat_app).drain()
    assert first.retried and not first.failed and _cards(fake) == []
    assert "ticket" not in fake.responses  # not told of a card that is not out yet
    del fake.refuse_in[c.NOTICES]
    clock.advance(timedelta(hours=1))
    c.poster(chat_app).drain()
    [card] = _cards(fake)
    assert card["channel"] == c.NOTICES
    refused = [p["channel"] for p in fake.of("chat.postMessage!refused")]
    assert refused.count(c.HELP) == 1  # its own channel was tried once, not at every retry
    assert len(fake.answered("ticket")) == 1  # and the person told once
    assert _in(fake, c.NOTICES) == [card]


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
def test_where_the_team_channel_refuses_the_card_too_the_person_is_told_it_is_nowhere(
    chat_app: App, fake: FakeSlack, error: str
) -> None:
    """The app is in neither channel (or the team's is archived): the card fails once, and
    the person is told so — not that it is in the team's channel — and what to do."""
    fake.refuse_in[c.HELP] = "not_in_channel"
    fake.refuse_in[c.NOTICES] = error
    ticket_id = _ticket_typed_in_help(chat_app, fake)
    report = c.poster(chat_app).drain()  # the card, and the new-ticket notice, fail
    assert report.failed and not report.sent and _cards(fake) == []
    assert c.poster(chat_app).drain().sent == []  # not tried again
    calls = [(x.method, x.params.get("channel"), _is_card(x.params)) for x in fake.calls]
    assert [(method, channel) for method, channel, card in calls if card] == [
        ("chat.postMessage!refused", c.HELP),
        ("chat.postMessage!refused", c.NOTICES),
    ]
    events = show(chat_app, ticket_id)["events"]
    [failed] = [e for e in events if e["kind"] == "chat-failed" and e["new"] == "card"]
    assert error in failed["detail"]["error"]
    [told] = fake.answered("ticket")  # once, after the card's post in the team's channel
    told_at = [method for method, _, _ in calls].index("response_url:ticket")
    assert calls.index(("chat.postMessage!refused", c.NOTICES, True)) < told_at
    tag = f"[#{ticket_id}]"
    assert told["text"] == render.card_nowhere(tag, c.NOTICES, "ja")  # their language
    assert told["text"] != render.card_elsewhere(tag, c.NOTICES, "ja")  # not "it is in …"
    assert "/invite" in told["text"] and f"<#{c.NOTICES}>" in told["text"]
    assert "チケット" in told["text"]


def test_after_an_outage_a_refusal_in_the_team_channel_is_what_the_person_hears(
    chat_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    """Slack is down in the team's channel when the card moves there (nothing is said
    yet), then refuses it: the person is told, in their own language, that it is nowhere."""
    fake.add_user(c.REQUESTER, "ito@customer.test", "Ito Hanako", "en-US")
    fake.refuse_in[c.HELP] = "not_in_channel"
    fake.refuse_in[c.NOTICES] = "ratelimited"
    ticket_id = _ticket_typed_in_help(chat_app, fake, ("VPN is down", "since yesterday"))
    assert c.poster(chat_app).drain().retried
    assert "ticket" not in fake.responses
    fake.refuse_in[c.NOTICES] = "not_in_channel"
    clock.advance(timedelta(hours=1))
    assert c.poster(chat_app).drain().failed
    [told] = fake.answered("ticket")
    assert told["text"] == render.card_nowhere(f"[#{ticket_id}]", c.NOTICES, "en")
    assert "could not be posted" in told["text"]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_moved_card_that_slack_never_takes_is_told_when_its_post_gives_up(
    settings: Settings, clock: FakeClock, fake: FakeSlack, locale: str
) -> None:
    """Slack stays down in the team's channel: while the card is tried again the person is
    told nothing; when its post gives up ([chat] give_up_after, here within the command's
    30 minutes), they are told, once and in their language, that it could not be posted."""
    cfg = c.chat_settings(settings, fake)
    application = build(
        replace(cfg, chat=replace(cfg.chat, give_up_after=timedelta(minutes=20))), clock
    )
    typed = ("VPN がつながりません", "昨日から")
    if locale == "en":
        fake.add_user(c.REQUESTER, "ito@customer.test", "Ito Hanako", "en-US")
        typed = ("VPN is down", "since yesterday")
    fake.refuse_in[c.HELP] = "not_in_channel"
    fake.refuse_in[c.NOTICES] = "ratelimited"
    try:
        with c.slack_app(application, fake):
            ticket_id = _ticket_typed_in_help(application, fake, typed)
            assert c.poster(application).drain().retried
            clock.advance(timedelta(minutes=10))
            assert c.poster(application).drain().retried  # tried again: still nothing said
            assert "ticket" not in fake.responses
            clock.advance(timedelta(minutes=11))
            gave_up = c.poster(application).drain()
            clock.advance(timedelta(hours=1))
            after = c.poster(application).drain()
        events = show(application, ticket_id)["events"]
    finally:
        application.close()
    assert gave_up.failed and not gave_up.sent and not after.sent and not after.retried
    assert _cards(fake) == []
    assert any(e["kind"] == "chat-failed" and e["new"] == "card" for e in events)
    [told] = fake.answered("ticket")  # once: the notice that gave up too says nothing
    assert told["text"] == render.card_nowhere(f"[#{ticket_id}]", c.NOTICES, locale)
    assert told["response_type"] == "ephemeral"


def _direct(fake: FakeSlack, user: str = c.REQUESTER) -> list[dict[str, Any]]:
    """The messages posted in the app's direct conversation with ``user``."""
    opened = [p for p in fake.of("conversations.open") if p.get("users") == user]
    return [p for p in fake.of("chat.postMessage") if opened and p["channel"] == "D" + user]


def test_a_moved_card_given_up_after_its_command_expired_is_told_in_a_direct_message(
    chat_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    """The default give_up_after (2 days) is long past the command's response_url (30
    minutes): Slack answers 404 there, so the person is told in a direct message from
    the app, once, in their language, and naming the channel that did not take it."""
    fake.refuse_in[c.HELP] = "not_in_channel"
    fake.refuse_in[c.NOTICES] = "ratelimited"
    fake.expired.add("ticket")
    ticket_id = _ticket_typed_in_help(chat_app, fake)
    assert c.poster(chat_app).drain().retried
    clock.advance(chat_app.settings.chat.give_up_after + timedelta(minutes=1))
    assert c.poster(chat_app).drain().failed
    assert len(fake.responses.get("ticket!expired", [])) == 1  # it was tried, once
    [told] = _direct(fake)
    tag = f"[#{ticket_id}]"
    assert told["text"] == render.told_directly("nowhere", tag, c.NOTICES, "ja")
    assert f"<#{c.NOTICES}>" in told["text"] and "/invite" in told["text"]
    clock.advance(timedelta(days=3))
    c.poster(chat_app).drain()
    assert len(_direct(fake)) == 1  # once


def test_a_card_given_up_in_its_own_channel_tells_the_person_who_asked(
    chat_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    """Slack never takes the card in the channel /ticket was typed in (the app is there,
    Slack says "later" for two days): when its post gives up, the person is told the
    card could not be posted there — a direct message, the command's URL having expired."""
    fake.add_user(c.REQUESTER, "ito@customer.test", "Ito Hanako", "en-US")
    fake.refuse_in[c.HELP] = "ratelimited"
    fake.expired.add("ticket")
    ticket_id = _ticket_typed_in_help(chat_app, fake, ("VPN is down", "since yesterday"))
    assert c.poster(chat_app).drain().retried
    assert _direct(fake) == []  # nothing said while it is tried
    clock.advance(chat_app.settings.chat.give_up_after + timedelta(minutes=1))
    assert c.poster(chat_app).drain().failed
    [told] = _direct(fake)
    assert told["text"] == render.told_directly("gave-up", f"[#{ticket_id}]", c.HELP, "en")
    assert f"<#{c.HELP}>" in told["text"] and "could not be posted" in told["text"]


def test_a_card_given_up_within_the_commands_half_hour_is_told_where_it_was_asked(
    settings: Settings, clock: FakeClock, fake: FakeSlack
) -> None:
    cfg = c.chat_settings(settings, fake)
    application = build(
        replace(cfg, chat=replace(cfg.chat, give_up_after=timedelta(minutes=20))), clock
    )
    fake.refuse_in[c.HELP] = "ratelimited"
    try:
        with c.slack_app(application, fake):
            ticket_id = _ticket_typed_in_help(application, fake)
            assert c.poster(application).drain().retried
            clock.advance(timedelta(minutes=21))
            assert c.poster(application).drain().failed
    finally:
        application.close()
    [told] = fake.answered("ticket")
    assert told["text"] == render.told_directly("gave-up", f"[#{ticket_id}]", c.HELP, "ja")
    assert _direct(fake) == []  # said once, where they asked


def test_the_direct_message_waits_for_slack_and_is_sent_once(
    chat_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    """Slack is down altogether when the card gives up: the direct message is a post of
    the chat outbox like any other, tried again until Slack takes it."""
    fake.refuse_in[c.HELP] = "ratelimited"
    fake.expired.add("ticket")
    ticket_id = _ticket_typed_in_help(chat_app, fake)
    assert c.poster(chat_app).drain().retried
    clock.advance(chat_app.settings.chat.give_up_after + timedelta(minutes=1))
    fake.down = "500"
    c.poster(chat_app).drain()
    c.poster(chat_app).drain()
    assert _direct(fake) == []
    fake.down = ""
    clock.advance(timedelta(hours=1))
    c.poster(chat_app).drain()
    clock.advance(timedelta(hours=1))
    c.poster(chat_app).drain()
    [told] = _direct(fake)
    assert f"[#{ticket_id}]" in told["text"]


def test_without_a_way_to_the_person_the_log_says_they_were_not_told(
    chat_app: App, fake: FakeSlack, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack will not open the direct conversation (the app was installed before it asked
    for im:write): the message is tried again as long as any post (the operator may
    reinstall the app), then it fails like one, and the log says the person was not told."""
    fake.refuse_in[c.HELP] = "ratelimited"
    fake.refuse["conversations.open"] = "missing_scope"
    fake.expired.add("ticket")
    ticket_id = _ticket_typed_in_help(chat_app, fake)
    assert c.poster(chat_app).drain().retried
    clock.advance(chat_app.settings.chat.give_up_after + timedelta(minutes=1))
    c.poster(chat_app).drain()
    assert fake.of("conversations.open!refused") and _direct(fake) == []
    clock.advance(chat_app.settings.chat.give_up_after + timedelta(minutes=1))
    with caplog.at_level("WARNING", logger="gateway.chat.poster"):
        assert c.poster(chat_app).drain().failed
    assert _direct(fake) == []
    events = show(chat_app, ticket_id)["events"]
    assert any(e["kind"] == "chat-failed" and e["new"] == "dm" for e in events)
    assert any(
        f"ticket={ticket_id}" in r.getMessage() and "was not told" in r.getMessage()
        for r in caplog.records
    ), caplog.text


def test_a_form_sent_after_the_commands_half_hour_is_told_in_a_direct_message(
    chat_app: App, fake: FakeSlack
) -> None:
    """The form stayed open past the command's 30 minutes: the card moves at once, and
    where it went is said in a direct message, naming the team's channel."""
    fake.refuse_in[c.HELP] = "not_in_channel"
    fake.expired.add("ticket")
    ticket_id = _ticket_typed_in_help(chat_app, fake)
    assert not c.poster(chat_app).drain().failed
    [card] = _cards(fake)
    assert card["channel"] == c.NOTICES
    [told] = _direct(fake)
    assert told["text"] == render.told_directly("elsewhere", f"[#{ticket_id}]", c.NOTICES, "ja")
    assert "このチャンネル" not in told["text"]  # a direct message is not where they asked
