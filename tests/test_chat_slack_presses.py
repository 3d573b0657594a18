"""The ticket card's buttons when the ticket moved on meanwhile: pressed twice (a double
click, a second member), on a ticket merged into another since its card was posted.
One change at most, and one clear answer in the presser's language; nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App, build
from gateway.tickets import changes
from gateway.tickets.merge import merge
from store import tickets
from store.db import transaction
from tests.support import chat as c
from tests.support.pipeline import all_tickets, outbox, show
from tests.support.slack_fake import FakeSlack
from tests.support.waiting import eventually

OPS_JA = "U0OPSJA01"  # a member whose Slack speaks Japanese


@pytest.fixture
def chat_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    fake.add_user(OPS_JA, "ops2@example.test", "運用 二郎", "ja-JP")
    application = build(c.chat_settings(settings, fake), clock)
    with c.slack_app(application, fake):
        yield application
    application.close()


def _ticket(app: App, fake: FakeSlack, view_id: str, opened: int) -> int:
    """A ticket from the ``/ticket`` form; its id."""
    fake.envelope("slash_commands", c.command(trigger=f"trigger-{view_id}"))
    step1 = dict(fake.wait_for("views.open", opened)[-1]["view"])
    step2 = fake.envelope("interactive", c.submission(step1, c.chosen("vpn")))["view"]
    payload = c.submission(step2, c.typed(f"VPN {view_id}", "昨日から", os="windows"))
    payload["view"]["id"] = view_id
    assert fake.envelope("interactive", payload) == {}
    app.runner.process_pending()
    return max(int(t["id"]) for t in all_tickets(app))


def _told(fake: FakeSlack, count: int) -> str:
    return str(fake.wait_for("chat.postEphemeral", count)[-1]["text"])


@pytest.mark.parametrize(
    ("user", "action", "state", "already"),
    [
        (c.OPS, "ticket_close", "closed", "already closed"),
        (OPS_JA, "ticket_close", "closed", "すでに「完了」"),
        (OPS_JA, "ticket_pending", "pending", "すでに「返信待ち」"),
    ],
)
def test_a_button_pressed_twice_changes_once_and_says_so_plainly(
    chat_app: App, fake: FakeSlack, user: str, action: str, state: str, already: str
) -> None:
    ticket_id = _ticket(chat_app, fake, "V0TWICE01", 1)
    fake.envelope("interactive", c.press(action, ticket_id, user))
    assert eventually(lambda: show(chat_app, ticket_id)["state"] == state)
    events = show(chat_app, ticket_id)["events"]
    fake.envelope("interactive", c.press(action, ticket_id, user))
    told = _told(fake, 1)
    assert already in told
    assert "cannot" not in told and "できません" not in told  # not a refusal of a mistake
    assert show(chat_app, ticket_id)["events"] == events  # nothing more written


@pytest.mark.parametrize("action", ["ticket_assign_me", "ticket_close", "ticket_pending"])
def test_a_button_on_a_ticket_merged_meanwhile_changes_nothing_and_names_the_target(
    chat_app: App, fake: FakeSlack, action: str
) -> None:
    target = _ticket(chat_app, fake, "V0TARGET1", 1)
    source = _ticket(chat_app, fake, "V0SOURCE1", 2)
    with transaction(chat_app.sessions) as s:
        ticket = tickets.get_to_change(s, source)
        assert ticket is not None
        merge(
            s, ticket, target, chat_app.clock.now(),
            actor="ops@example.test", channel="cli", tag=f"[#{target}]", max_watchers=20,
        )  # fmt: skip
    before = show(chat_app, source)
    fake.envelope("interactive", c.press(action, source, OPS_JA))
    told = _told(fake, 1)
    assert f"#{target}" in told and "統合" in told  # where to work on it, in Japanese
    after = show(chat_app, source)
    assert after["events"] == before["events"] and after["assignee"] == before["assignee"]


def test_a_member_slack_cannot_describe_just_now_is_asked_to_retry_not_refused(
    chat_app: App, fake: FakeSlack
) -> None:
    """users.info rate-limited (or down): the presser may well be a member (by the address
    Slack would show), so "you are not a member" would be false; nothing changes."""
    ticket_id = _ticket(chat_app, fake, "V0LIMIT01", 1)
    before = show(chat_app, ticket_id)
    fake.refuse["users.info"] = "ratelimited"
    fake.envelope("interactive", c.press("ticket_close", ticket_id, c.OPS))
    told = _told(fake, 1)
    assert "メンバー" not in told and "もう一度" in told  # the team's language: ja
    assert show(chat_app, ticket_id)["events"] == before["events"]
    del fake.refuse["users.info"]  # Slack answers again
    fake.envelope("interactive", c.press("ticket_close", ticket_id, c.OPS))
    assert eventually(lambda: show(chat_app, ticket_id)["state"] == "closed")


def test_a_press_slack_sends_again_in_socket_mode_acts_once(chat_app: App, fake: FakeSlack) -> None:
    """Socket Mode, the default: Slack sends an envelope it saw no ack for again (the
    connection dropped, a reconnect), the same press in a new envelope. It is answered
    and acts once, as in HTTP mode: a "Set pending" pressed once does not set the
    ticket pending again after a colleague took it back to open."""
    ticket_id = _ticket(chat_app, fake, "V0RETRY01", 1)
    pending = c.press("ticket_pending", ticket_id, c.OPS)
    fake.envelope("interactive", pending)
    assert eventually(lambda: show(chat_app, ticket_id)["state"] == "pending")
    with transaction(chat_app.sessions) as s:
        ticket = tickets.get_to_change(s, ticket_id)
        assert ticket is not None
        changes.change_state(s, ticket, TicketState.OPEN, chat_app.clock.now(),
                             actor="ops2@example.test", channel="web")  # fmt: skip
    events = show(chat_app, ticket_id)["events"]
    assert fake.envelope("interactive", pending, retry=1) == {}  # answered all the same
    again = c.press("ticket_close", ticket_id, c.OPS)  # the next press is acted on
    fake.envelope("interactive", again)
    assert eventually(lambda: show(chat_app, ticket_id)["state"] == "closed")
    states = [e["new"] for e in show(chat_app, ticket_id)["events"] if e["kind"] == "state"]
    assert states[-3:] == ["pending", "open", "closed"]  # not pending again in between
    assert show(chat_app, ticket_id)["events"][: len(events)] == events
    assert fake.of("chat.postEphemeral") == []  # nothing to say to a press Slack repeated


@pytest.mark.parametrize("error", ["user_not_found", "user_not_visible"])
def test_a_user_slack_will_never_describe_is_refused_not_asked_to_retry(
    chat_app: App, fake: FakeSlack, error: str
) -> None:
    """A person from another workspace in a shared channel (Slack Connect), whom the app
    cannot see: users.info answers ``user_not_found`` or ``user_not_visible``, and will
    answer so again. Not a member (the map does not name them): told so, once and
    plainly, not "try again in a moment" forever; nothing changes."""
    ticket_id = _ticket(chat_app, fake, "V0GUEST01", 1)
    before = show(chat_app, ticket_id)
    fake.refuse["users.info"] = error
    fake.envelope("interactive", c.press("ticket_close", ticket_id, "U0GUEST01"))
    told = _told(fake, 1)
    assert "メンバー" in told and "もう一度" not in told, told  # the team's language: ja
    assert show(chat_app, ticket_id)["events"] == before["events"]


@pytest.mark.parametrize("door", ["reply", "shortcut"])
def test_an_answer_to_a_merged_tickets_requester_is_refused_and_names_the_target(
    chat_app: App, fake: FakeSlack, door: str
) -> None:
    """As a press, ``tickets answer`` and a state change: a merged ticket's requester and
    conversation are the target's now, so an answer sent on the merged one (``/reply``
    with its number, or *Send to requester* in its old thread) would go out under a
    closed ticket's number, where the requester's reply would land. Nothing is sent and
    the member is told where to answer."""
    target = _ticket(chat_app, fake, "V0TARGET1", 1)
    source = _ticket(chat_app, fake, "V0SOURCE1", 2)
    with transaction(chat_app.sessions) as s:
        ticket = tickets.get_to_change(s, source)
        assert ticket is not None
        merge(
            s, ticket, target, chat_app.clock.now(),
            actor="ops@example.test", channel="cli", tag=f"[#{target}]", max_watchers=20,
        )  # fmt: skip
    before = show(chat_app, source)
    if door == "reply":
        command = c.command(f"＃{source}　再起動してください", user=OPS_JA, trigger="t-m1")
        fake.envelope("slash_commands", {**command, "command": "/reply", "response_url": ""})
    else:
        c.poster(chat_app).drain()  # the merged ticket's card, and so its thread
        [thread] = [t for t in c.threads(chat_app) if t.ticket_id == source]
        said = {"ts": "1772413900.000900", "thread_ts": thread.thread_ts, "user": OPS_JA}
        message = {**said, "text": "再起動してください"}
        fake.envelope("interactive", c.shortcut("send_to_requester", OPS_JA, message, "t-m2"))
    told = _told(fake, 1)
    assert f"#{target}" in told and "統合" in told  # where to answer, in Japanese
    assert outbox(chat_app, "ops_reply") == []
    assert show(chat_app, source)["messages"] == before["messages"]


def test_a_button_this_release_does_not_know_is_answered_and_changes_nothing(
    chat_app: App, fake: FakeSlack
) -> None:
    """A card posted by another release may carry a button this one has not (renamed,
    taken out): Slack waits for every press to be answered, and without one shows the
    person an error and sends the press again. It is answered, and nothing changes."""
    ticket_id = _ticket(chat_app, fake, "V0OLDCARD", 1)
    before = show(chat_app, ticket_id)
    assert fake.envelope("interactive", c.press("ticket_reopen", ticket_id, c.OPS)) == {}
    assert show(chat_app, ticket_id)["events"] == before["events"]
