"""A member's answer from Slack, as the requester gets it.

It is text, not Slack's message markup: a link Slack stored as
``<https://…|こちら>`` reads "こちら (https://…)", a mention reads "@name", and
the entities Slack escapes (``&lt;``) are characters again. Mail readers have no
idea what ``<@U0OPS0001>`` means. And it goes to the requester of the ticket whose
thread it is in, even when someone made another ticket from a message of that
thread: a thread belongs to one ticket."""

from __future__ import annotations

import pytest

from gateway.chat.slack.text import mentioned, plain
from gateway.runtime.app import App
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


def _submit(fake: FakeSlack, user: str, view_id: str, opened: int) -> None:
    """Both steps of the form views.open showed last, as ``user``."""
    step1 = dict(fake.wait_for("views.open", opened)[-1]["view"])
    step2 = fake.envelope("interactive", c.submission(step1, c.chosen("vpn"), user))["view"]
    payload = c.submission(step2, c.typed("VPN", "昨日から", os="windows"), user)
    payload["view"]["id"] = view_id
    fake.envelope("interactive", payload)


def _send_to_requester(fake: FakeSlack, thread_ts: str, text: str, ts: str) -> None:
    """A member's reply in the thread, sent on with the shortcut."""
    message = {"ts": ts, "thread_ts": thread_ts, "user": c.OPS, "text": text}
    fake.envelope("interactive", c.shortcut("send_to_requester", c.OPS, message, f"trigger-{ts}"))


def test_a_members_reply_with_a_link_reaches_the_requester_as_text(
    chat_app: App, fake: FakeSlack
) -> None:
    fake.envelope("slash_commands", c.command())
    _submit(fake, c.REQUESTER, "V0VIEW001", 1)
    chat_app.runner.process_pending()
    [ticket] = all_tickets(chat_app)
    c.poster(chat_app).drain()
    [thread] = c.threads(chat_app)
    words = "手順は <https://wiki.example.test/vpn|こちら> です。<@U0OPS0001> より &lt;VPN&gt;"
    _send_to_requester(fake, thread.thread_ts, words, "1772413900.000900")
    fake.wait_for("chat.postEphemeral")
    [sent] = outbox(chat_app, "ops_reply")
    text = show(chat_app, int(ticket["id"]))["messages"][-1]["text"]
    assert "手順は こちら (https://wiki.example.test/vpn) です。@" in text, text
    assert "<https://" not in text and "<@U0" not in text and "&lt;" not in text
    assert "<VPN>" in text and sent.recipients == ["ito@customer.test"]
    assert sent.author == "ops@example.test"  # told too if it never reaches them


def test_a_ticket_made_from_a_message_in_a_tickets_thread_gets_a_thread_of_its_own(
    chat_app: App, fake: FakeSlack
) -> None:
    fake.envelope("slash_commands", c.command())
    _submit(fake, c.REQUESTER, "V0VIEW001", 1)
    chat_app.runner.process_pending()
    c.poster(chat_app).drain()
    [first] = c.threads(chat_app)
    # someone else makes a ticket of a message inside the first ticket's thread
    message = {
        "ts": "1772413000.000500",
        "thread_ts": first.thread_ts,
        "text": "私も同じです",
        "user": c.STRANGER,
    }
    fake.envelope("interactive", c.shortcut("create_ticket", c.STRANGER, message))
    _submit(fake, c.STRANGER, "V0VIEW002", 2)
    chat_app.runner.process_pending()
    c.poster(chat_app).drain()
    assert len(all_tickets(chat_app)) == 2
    second = next(t for t in c.threads(chat_app) if t.ticket_id != first.ticket_id)
    assert second.thread_ts != first.thread_ts  # its card started a thread of its own
    for n in range(3):  # whichever row the database would find first
        _send_to_requester(fake, first.thread_ts, f"回答 {n}", f"1772414000.00010{n}")
        fake.wait_for("chat.postEphemeral", n + 1)
    sent = outbox(chat_app, "ops_reply")
    assert [m.recipients for m in sent] == [["ito@customer.test"]] * 3
    assert {m.ticket_id for m in sent} == {first.ticket_id}


def test_a_reply_corrected_in_slack_and_sent_again_reaches_the_requester(
    chat_app: App, fake: FakeSlack
) -> None:
    # a member sends their thread reply, sees a typo, edits it in Slack and sends it
    # again: the corrected words go out; the same words pressed twice go out once
    fake.envelope("slash_commands", c.command())
    _submit(fake, c.REQUESTER, "V0VIEW001", 1)
    chat_app.runner.process_pending()
    c.poster(chat_app).drain()
    [thread] = c.threads(chat_app)
    ts = "1772413900.000901"
    _send_to_requester(fake, thread.thread_ts, "再起動してくだしあ", ts)
    _send_to_requester(fake, thread.thread_ts, "再起動してください", ts)  # edited
    _send_to_requester(fake, thread.thread_ts, "再起動してください", ts)  # pressed again
    told = [t["text"] for t in fake.wait_for("chat.postEphemeral", 3)]
    sent = outbox(chat_app, "ops_reply")
    assert len(sent) == 2
    assert "再起動してください" in show(chat_app, sent[-1].ticket_id or 0)["messages"][-1]["text"]
    assert told[0] == told[1] != told[2]
    assert "already" in told[2]  # OPS reads English: not "Sent" for what was not sent
