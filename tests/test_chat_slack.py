"""The Slack door end to end, against a local fake of Slack: Socket Mode envelopes in,
Web API calls out. ``/ticket`` → form → inbox row → runner → ticket → card in the thread;
a redelivery is the same row; the card's buttons work for members only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support import chat as c
from tests.support.pipeline import (
    all_tickets,
    inbox_raw,
    inbox_rows,
    outbox,
    show,
    subject_of,
    text_of,
)
from tests.support.slack_fake import TRIGGER_LIFE, FakeSlack
from tests.support.waiting import eventually


@pytest.fixture
def chat_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    application = build(c.chat_settings(settings, fake), clock)
    yield application
    application.close()


@pytest.fixture
def slack(chat_app: App, fake: FakeSlack) -> Iterator[None]:
    with c.slack_app(chat_app, fake):
        yield


def _form(fake: FakeSlack, opened: int = 1) -> dict[str, Any]:
    """The view that the last views.open showed."""
    return dict(fake.wait_for("views.open", opened)[-1]["view"])


def _fill_in(fake: FakeSlack, subject: str, text: str, **fields: str) -> tuple[dict[str, Any], Any]:
    """Through both steps of the open form; (the submitted payload, Slack's ack)."""
    step1 = _form(fake)
    answer = fake.envelope("interactive", c.submission(step1, c.chosen("vpn")))
    assert answer["response_action"] == "update"
    step2 = answer["view"]
    payload = c.submission(step2, c.typed(subject, text, **fields))
    return payload, fake.envelope("interactive", payload)


def _in(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [p for p in fake.of("chat.postMessage") if p["channel"] == channel]


def _ticket_from_slack(chat_app: App, fake: FakeSlack) -> int:
    fake.envelope("slash_commands", c.command())
    _, ack = _fill_in(fake, "VPN がつながりません", "昨日から", os="windows")
    assert ack == {}
    chat_app.runner.process_pending()
    [t] = all_tickets(chat_app)
    c.poster(chat_app).drain()  # the card goes out
    return int(t["id"])


@pytest.mark.usefixtures("slack")
def test_the_whole_ticket_flow_makes_one_filed_ticket_with_its_thread(
    chat_app: App, fake: FakeSlack
) -> None:
    ack = fake.envelope("slash_commands", c.command())
    assert ack == {}  # acknowledged first, the form opened after
    step1 = _form(fake)
    assert step1["callback_id"] == "ticket_entry"
    assert step1["title"]["text"] == "新しいチケット"  # the requester's Slack is in Japanese
    names = [o["text"]["text"] for o in step1["blocks"][0]["element"]["options"]]
    assert "VPN・リモートアクセス" in names  # entry names from the catalog, in ja
    payload, ack = _fill_in(
        fake,
        "在宅勤務で VPN がつながりません",
        "昨日から接続できません。",
        os="windows",
        client_version="5.1",
    )
    assert ack == {}  # stored, so Slack may close the form
    [row] = [r for r in inbox_rows(chat_app) if r.source == "slack"]
    chat_app.runner.process_pending()
    [t] = all_tickets(chat_app)
    detail = show(chat_app, t["id"])
    assert t["catalog"] == "vpn" and t["requester"] == "ito@customer.test"
    assert detail["fields"] == {"os": "windows", "client_version": "5.1"}
    created = next(e for e in detail["events"] if e["kind"] == "created")
    assert created["channel"] == "slack" and created["detail"]["source"] == "slack"
    assert created["detail"]["chat"]["channel"] == c.HELP
    [thread] = c.threads(chat_app)
    assert (thread.ticket_id, thread.channel, thread.user_id) == (t["id"], c.HELP, c.REQUESTER)
    assert [m.kind for m in outbox(chat_app, "acknowledgement")] == ["acknowledgement"]
    report = c.poster(chat_app).drain()
    [card] = _in(fake, c.HELP)
    assert "thread_ts" not in card  # /ticket: the card starts it
    assert f"[#{t['id']}]" in card["text"]
    actions = next(b for b in card["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        "ticket_assign_me",
        "ticket_pending",
        "ticket_close",
    ]
    [thread] = c.threads(chat_app)
    assert thread.card_ts and thread.thread_ts == thread.card_ts  # found again by its ts
    assert report.sent and not report.retried
    [notice] = _in(fake, c.NOTICES)  # and the team's notice channel hears of it
    assert notice["text"].startswith(f"新しいチケット [#{t['id']}]")
    # the same delivery again (Slack retried, or the person's client did): the same row
    assert fake.envelope("interactive", payload) == {}
    chat_app.runner.process_pending()
    assert [r.id for r in inbox_rows(chat_app) if r.source == "slack"] == [row.id]
    assert len(all_tickets(chat_app)) == 1


@pytest.mark.usefixtures("slack")
def test_a_wrong_value_is_shown_under_its_own_field(chat_app: App, fake: FakeSlack) -> None:
    fake.envelope("slash_commands", c.command())
    _, ack = _fill_in(fake, "VPN", "", os="amiga")
    assert ack["response_action"] == "errors"
    assert set(ack["errors"]) == {"field:os"}
    assert ack["errors"]["field:os"].startswith("次のいずれかで書いてください")  # the sheet's words
    assert [r for r in inbox_rows(chat_app) if r.source == "slack"] == []  # nothing stored


@pytest.mark.usefixtures("slack")
def test_a_japanese_form_is_answered_in_japanese_whatever_the_subject_says(
    chat_app: App, fake: FakeSlack
) -> None:
    # the requester's Slack is in Japanese and the form spoke Japanese; "VPN" is the
    # subject many Japanese people write, and it holds no Japanese character
    fake.envelope("slash_commands", c.command())
    _fill_in(fake, "VPN", "", os="windows")
    chat_app.runner.process_pending()
    [ack] = outbox(chat_app, "acknowledgement")
    assert "受け付けました" in subject_of(ack) and "received" not in text_of(ack)


@pytest.mark.usefixtures("slack")
def test_japanese_text_round_trips_byte_for_byte(chat_app: App, fake: FakeSlack) -> None:
    subject = "在宅勤務で ＶＰＮ が「つながらない」①"
    text = '昨日から接続できません。\n　全角スペース、半角ｶﾅ、絵文字🙂、<タグ> & "引用"\r\n終わり'
    fake.envelope("slash_commands", c.command())
    _fill_in(fake, subject, text, os="macos")
    [row] = [r for r in inbox_rows(chat_app) if r.source == "slack"]
    raw = inbox_raw(chat_app, row.id)
    assert text.encode() in raw or json.dumps(text, ensure_ascii=False).encode() in raw
    assert json.loads(raw)["text"] == text
    chat_app.runner.process_pending()
    [t] = all_tickets(chat_app)
    [message] = show(chat_app, t["id"])["messages"][:1]
    assert t["subject"] == subject
    assert message["text"].encode("utf-8") == text.encode("utf-8")


@pytest.mark.usefixtures("slack")
def test_the_message_shortcut_prefills_the_form_and_the_card_goes_to_its_thread(
    chat_app: App, fake: FakeSlack
) -> None:
    said = "会議室のプリンタが紙詰まりです"
    message = {"ts": "1772400000.000100", "text": said, "user": "U0X"}
    fake.envelope("interactive", c.shortcut("create_ticket", c.REQUESTER, message))
    step1 = _form(fake)
    meta = json.loads(step1["private_metadata"])
    assert meta["thread_ts"] == "1772400000.000100" and meta["permalink"].endswith(
        "p1772400000000100"
    )
    answer = fake.envelope("interactive", c.submission(step1, c.chosen("vpn")))
    text_block = next(b for b in answer["view"]["blocks"] if b.get("block_id") == "text")
    assert text_block["element"]["initial_value"] == said
    fake.envelope(
        "interactive", c.submission(answer["view"], c.typed("プリンタ", said, os="linux"))
    )
    chat_app.runner.process_pending()
    c.poster(chat_app).drain()
    [card] = _in(fake, c.HELP)
    assert card["thread_ts"] == "1772400000.000100"
    [thread] = c.threads(chat_app)
    assert thread.permalink.endswith("p1772400000000100")


def test_the_form_opens_in_time_when_slack_is_slow_to_say_who_asked(
    settings: Settings, clock: FakeClock, fake: FakeSlack
) -> None:
    # Slack's trigger lives 3 seconds; a users.info that takes longer (Slack under load,
    # the [chat] timeout of 10s) must not use it up: the form opens in the team's language
    cfg = c.chat_settings(settings, fake)
    application = build(replace(cfg, chat=replace(cfg.chat, timeout=timedelta(seconds=10))), clock)
    fake.slow = {"users.info"}
    fake.trigger_life = TRIGGER_LIFE  # the window this test is about
    try:
        with c.slack_app(application, fake):
            fake.envelope("slash_commands", c.command())
            fake.wait_for("views.open", timeout=15)
            shortcut = {"ts": "1772400000.000300", "text": "<@U0OPS0001> VPN", "user": "U0X"}
            fake.envelope("interactive", c.shortcut("create_ticket", c.REQUESTER, shortcut))
            fake.wait_for("views.open", 2, timeout=15)
    finally:
        application.close()
    assert fake.of("views.open!expired") == []


@pytest.mark.usefixtures("slack")
def test_a_non_member_pressing_close_is_refused_and_told_why(
    chat_app: App, fake: FakeSlack
) -> None:
    ticket_id = _ticket_from_slack(chat_app, fake)
    before = show(chat_app, ticket_id)
    fake.envelope("interactive", c.press("ticket_close", ticket_id, c.STRANGER))
    [told] = fake.wait_for("chat.postEphemeral")
    assert told["user"] == c.STRANGER and "メンバー" in told["text"]  # in their language
    after = show(chat_app, ticket_id)
    assert after["state"] == before["state"] == "new"
    assert after["events"] == before["events"]
    assert fake.of("chat.update") == []


@pytest.mark.usefixtures("slack")
def test_a_member_closes_from_the_card_and_the_card_follows(chat_app: App, fake: FakeSlack) -> None:
    ticket_id = _ticket_from_slack(chat_app, fake)
    [thread] = c.threads(chat_app)
    fake.envelope("interactive", c.press("ticket_close", ticket_id, c.OPS))
    assert eventually(lambda: show(chat_app, ticket_id)["state"] == "closed")
    closed = [e for e in show(chat_app, ticket_id)["events"] if e["kind"] == "state"][-1]
    assert (closed["actor"], closed["channel"], closed["new"]) == (
        "ops@example.test",
        "slack",
        "closed",
    )
    c.poster(chat_app).drain()
    [update] = fake.of("chat.update")
    assert update["ts"] == thread.card_ts and update["channel"] == c.HELP
    assert "完了" in json.dumps(update["blocks"], ensure_ascii=False)  # the channel speaks ja
    line = _in(fake, c.HELP)[-1]
    assert line["thread_ts"] == thread.card_ts and "ops@example.test" in line["text"]


@pytest.mark.usefixtures("slack")
def test_a_member_close_from_slack_mails_the_requester(chat_app: App, fake: FakeSlack) -> None:
    ticket_id = _ticket_from_slack(chat_app, fake)
    fake.envelope("interactive", c.press("ticket_close", ticket_id, c.OPS))
    assert eventually(lambda: show(chat_app, ticket_id)["state"] == "closed")
    assert [m.recipients for m in outbox(chat_app, "status_change")] == [["ito@customer.test"]]


@pytest.mark.usefixtures("slack")
def test_a_member_assigns_and_sets_pending(chat_app: App, fake: FakeSlack) -> None:
    ticket_id = _ticket_from_slack(chat_app, fake)
    fake.envelope("interactive", c.press("ticket_pending", ticket_id, c.OPS))
    assert eventually(lambda: show(chat_app, ticket_id)["state"] == "pending")
    fake.envelope("interactive", c.press("ticket_assign_me", ticket_id, c.OPS))
    [told] = fake.wait_for("chat.postEphemeral")  # the example catalog gave it to ops already
    assert "already yours" in told["text"]


@pytest.mark.usefixtures("slack")
def test_a_members_thread_reply_reaches_the_requester_only_when_sent(
    chat_app: App, fake: FakeSlack
) -> None:
    ticket_id = _ticket_from_slack(chat_app, fake)
    [thread] = c.threads(chat_app)
    before = len(outbox(chat_app, "ops_reply"))
    reply = {
        "type": "message",
        "ts": "1772413900.000200",
        "thread_ts": thread.thread_ts,
        "user": c.OPS,
    }
    shortcut = c.shortcut(
        "send_to_requester", c.OPS, {**reply, "text": "再起動してください &lt;VPN&gt;"}, "trigger-3"
    )
    assert before == 0  # a thread reply alone sends nothing
    fake.envelope("interactive", shortcut)
    [told] = fake.wait_for("chat.postEphemeral")
    assert "Sent to the requester" in told["text"]
    [mail] = outbox(chat_app, "ops_reply")
    assert mail.recipients == ["ito@customer.test"] and mail.ticket_id == ticket_id
    assert (
        "再起動してください <VPN>".encode() in mail.raw
        or "再起動" in show(chat_app, ticket_id)["messages"][-1]["text"]
    )
    fake.envelope("interactive", shortcut)  # pressed twice: still one mail
    fake.wait_for("chat.postEphemeral", 2)
    assert len(outbox(chat_app, "ops_reply")) == 1


@pytest.mark.usefixtures("slack")
def test_the_requesters_mail_reply_is_a_line_in_the_thread(chat_app: App, fake: FakeSlack) -> None:
    from tests.support.mails import mail
    from tests.support.pipeline import deliver

    ticket_id = _ticket_from_slack(chat_app, fake)
    [thread] = c.threads(chat_app)
    from tests.support.app import reply_address

    to = reply_address(chat_app, ticket_id, "ito@customer.test")  # a reply, not a tag alone
    reply = mail(
        f"Re: [#{ticket_id}] VPN がつながりません",
        "再起動しても同じです。\n",
        sender="伊藤 花子 <ito@customer.test>",
        to=to,
    )
    assert deliver(chat_app, reply, envelope_to=(to,)).ticket_id == ticket_id
    c.poster(chat_app).drain()
    line = _in(fake, c.HELP)[-1]
    assert line["thread_ts"] == thread.card_ts
    assert "ito@customer.test" in line["text"] and "> 再起動しても同じです。" in line["text"]
    [update] = fake.of("chat.update")
    assert update["ts"] == thread.card_ts


def _reply(fake: FakeSlack, text: str, user: str, trigger: str) -> dict[str, Any]:
    """``/reply``, answered through a response_url of the fake's named by its trigger."""
    command = c.command(text, user=user, trigger=trigger)
    return {**command, "command": "/reply", "response_url": fake.response_url(trigger)}


@pytest.mark.usefixtures("slack")
def test_the_reply_command_relays_a_members_answer_once(chat_app: App, fake: FakeSlack) -> None:
    ticket_id = _ticket_from_slack(chat_app, fake)
    fake.envelope("slash_commands", _reply(fake, f"{ticket_id} 再起動してください", c.OPS, "t-r1"))
    [told] = fake.answered("t-r1")
    assert told["response_type"] == "ephemeral" and "Sent to the requester" in told["text"]
    [sent] = outbox(chat_app, "ops_reply")
    assert sent.recipients == ["ito@customer.test"] and sent.ticket_id == ticket_id
    assert "再起動してください" in show(chat_app, ticket_id)["messages"][-1]["text"]
    # Slack retries a slash command it thinks was lost: the same trigger is one mail
    fake.envelope("slash_commands", _reply(fake, f"{ticket_id} 再起動してください", c.OPS, "t-r1"))
    fake.answered("t-r1", 2)
    assert len(outbox(chat_app, "ops_reply")) == 1


@pytest.mark.usefixtures("slack")
def test_the_reply_command_is_refused_to_others_and_explains_its_form(
    chat_app: App, fake: FakeSlack
) -> None:
    ticket_id = _ticket_from_slack(chat_app, fake)
    fake.envelope("slash_commands", _reply(fake, f"{ticket_id} 閉じてください", c.STRANGER, "t-r2"))
    fake.envelope("slash_commands", _reply(fake, f"{ticket_id} text", c.REQUESTER, "t-r3"))
    fake.envelope("slash_commands", _reply(fake, "no number here", c.OPS, "t-r4"))
    fake.envelope("slash_commands", _reply(fake, "99999 hello", c.OPS, "t-r5"))
    # past what an id column holds: on PostgreSQL the lookup itself failed
    fake.envelope("slash_commands", _reply(fake, "999999999999 hello", c.OPS, "t-r6"))
    told = [fake.answered(f"t-r{n}")[0]["text"] for n in range(2, 7)]
    assert "/reply 42" in told[2]  # the usage, in the member's language (en)
    assert "There is no ticket #99999." in told[3]
    assert "There is no ticket #999999999999." in told[4]
    assert "メンバー" in told[0] and "メンバー" in told[1]  # told in Japanese
    assert outbox(chat_app, "ops_reply") == []
    assert fake.of("chat.postEphemeral") == []  # each said once, where it was asked


@pytest.mark.usefixtures("slack")
@pytest.mark.parametrize("written", ["＃{id}　{text}", "#{id}\u3000{text}", "{id}　{text}"])
def test_the_reply_command_takes_a_number_typed_in_full_width(
    chat_app: App, fake: FakeSlack, written: str
) -> None:
    """A Japanese input method writes ``＃４２`` and an ideographic space: the same
    ticket and the same words as ``#42 text``."""
    ticket_id = _ticket_from_slack(chat_app, fake)
    wide = str(ticket_id).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    typed = written.format(id=wide if written.startswith("＃") else ticket_id, text="再起動を")
    fake.envelope("slash_commands", _reply(fake, typed, c.OPS, "t-w1"))
    [told] = fake.answered("t-w1")
    assert "Sent to the requester" in told["text"], told
    [sent] = outbox(chat_app, "ops_reply")
    assert sent.ticket_id == ticket_id
    assert show(chat_app, ticket_id)["messages"][-1]["text"].splitlines()[0] == "再起動を"
