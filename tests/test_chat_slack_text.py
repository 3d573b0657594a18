"""What a member writes in Slack reaches the requester's mail as text, not as Slack's
message markup: a link Slack stored as ``<https://…|こちら>`` reads "こちら
(https://…)", a mention reads "@name", and the entities Slack escapes (``&lt;``)
are characters again. Mail readers have no idea what ``<@U0OPS0001>`` means."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.chat.slack.text import mentioned, plain
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support import chat as c
from tests.support.pipeline import all_tickets, outbox, show
from tests.support.slack_fake import FakeSlack

CASES = [
    (
        "手順は <https://wiki.example.test/vpn|こちら> です",
        "手順は こちら (https://wiki.example.test/vpn) です",
    ),
    ("see <https://wiki.example.test/a?b=1&amp;c=2>", "see https://wiki.example.test/a?b=1&c=2"),
    ("<mailto:help@example.test|help@example.test> まで", "help@example.test まで"),
    ("<mailto:help@example.test|窓口> まで", "窓口 (help@example.test) まで"),
    ("<@U0OPS0001> が対応します", "@Ops One が対応します"),
    ("<@U0NOBODY> と <@U0NOBODY|tanaka>", "@U0NOBODY と @tanaka"),
    ("<#C0HELP001|help> で <!here>", "#help で @here"),
    ("<!subteam^S0123|@ops-team> 宛", "@ops-team 宛"),
    ("a &lt;b&gt; &amp; c", "a <b> & c"),
    ("a < b | c > d", "a < b | c > d"),
]


@pytest.mark.parametrize(("slack", "mail"), CASES)
def test_slack_markup_becomes_plain_text(slack: str, mail: str) -> None:
    assert plain(slack, {"U0OPS0001": "Ops One"}) == mail


def test_the_mentioned_users_are_found() -> None:
    assert mentioned("<@U1> and <@U2|x> and <#C1> <@U1>") == ["U1", "U2"]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack()
    c.people(server)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def chat_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    application = build(c.chat_settings(settings, fake), clock)
    with c.slack_app(application, fake):
        yield application
    application.close()


def test_a_members_reply_with_a_link_reaches_the_requester_as_text(
    chat_app: App, fake: FakeSlack
) -> None:
    fake.envelope("slash_commands", c.command())
    step1 = dict(fake.wait_for("views.open")[-1]["view"])
    step2 = fake.envelope("interactive", c.submission(step1, c.chosen("vpn")))["view"]
    fake.envelope("interactive", c.submission(step2, c.typed("VPN", "昨日から", os="windows")))
    chat_app.runner.process_pending()
    [ticket] = all_tickets(chat_app)
    c.poster(chat_app).drain()
    [thread] = c.threads(chat_app)
    words = "手順は <https://wiki.example.test/vpn|こちら> です。<@U0OPS0001> より &lt;VPN&gt;"
    fake.envelope(
        "interactive",
        {
            "type": "message_action",
            "callback_id": "send_to_requester",
            "trigger_id": "trigger-9",
            "team": {"id": c.TEAM},
            "channel": {"id": c.HELP},
            "user": {"id": c.OPS},
            "message": {
                "type": "message",
                "ts": "1772413900.000900",
                "thread_ts": thread.thread_ts,
                "user": c.OPS,
                "text": words,
            },
        },
    )
    fake.wait_for("chat.postEphemeral")
    [sent] = outbox(chat_app, "ops_reply")
    text = show(chat_app, int(ticket["id"]))["messages"][-1]["text"]
    assert "手順は こちら (https://wiki.example.test/vpn) です。@" in text, text
    assert "<https://" not in text and "<@U0" not in text and "&lt;" not in text
    assert "<VPN>" in text and sent.recipients == ["ito@customer.test"]
