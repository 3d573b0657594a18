"""A member's thread reply sent on with *Send to requester* that holds files (a
screenshot pasted beside the words): the words go by mail, the files cannot (the app
reads no Slack files), and the member is told so by the files' names, in their
language, instead of a plain "sent" that lets them believe the requester has the
screenshot. A reply of files alone sends nothing and says why, not that there was
nobody to send it to."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.runtime.app import App
from tests.support import chat as c
from tests.support.pipeline import all_tickets, outbox
from tests.support.slack_fake import FakeSlack

OPS_JA = "U0OPSJA01"  # a member whose Slack speaks Japanese


def _ticket(app: App, fake: FakeSlack) -> str:
    """A ticket from the form; its thread's ts."""
    fake.envelope("slash_commands", c.command())
    [opened] = fake.wait_for("views.open")
    step2 = fake.envelope("interactive", c.submission(opened["view"], c.chosen("vpn")))["view"]
    payload = c.submission(step2, c.typed("VPN がつながりません", "昨日から", os="windows"))
    assert fake.envelope("interactive", payload) == {}
    app.runner.process_pending()
    assert len(all_tickets(app)) == 1
    c.poster(app).drain()
    [thread] = c.threads(app)
    return thread.thread_ts


def _file(name: str) -> dict[str, Any]:
    return {"id": f"F0{name[:6].upper()}", "name": name, "title": name, "mimetype": "image/png"}


def _send(fake: FakeSlack, user: str, thread_ts: str, text: str, files: list[Any]) -> str:
    ts = "1772413900.000900"
    message = {"ts": ts, "thread_ts": thread_ts, "user": user, "text": text, "files": files}
    fake.envelope("interactive", c.shortcut("send_to_requester", user, message, f"trigger-{ts}"))
    return str(fake.wait_for("chat.postEphemeral")[-1]["text"])


@pytest.mark.parametrize(
    ("user", "sent", "not_sent"),
    [
        (c.OPS, "Sent to the requester", "not sent"),
        (OPS_JA, "依頼者にメールで送信しました", "送信していません"),
    ],
)
def test_the_words_go_and_the_member_hears_the_files_did_not(
    chat_app: App, fake: FakeSlack, user: str, sent: str, not_sent: str
) -> None:
    fake.add_user(OPS_JA, "ops2@example.test", "運用 二郎", "ja-JP")
    thread_ts = _ticket(chat_app, fake)
    files = [_file("screenshot.png"), _file("vpn.log")]
    told = _send(fake, user, thread_ts, "設定をご確認ください", files)
    assert len(outbox(chat_app, "ops_reply")) == 1  # the words went
    assert sent in told and not_sent in told, told
    assert "screenshot.png" in told and "vpn.log" in told


def test_files_alone_send_nothing_and_say_why(chat_app: App, fake: FakeSlack) -> None:
    thread_ts = _ticket(chat_app, fake)
    told = _send(fake, c.OPS, thread_ts, "", [_file("screenshot.png")])
    assert outbox(chat_app, "ops_reply") == []
    assert "screenshot.png" in told and "nobody to send it to" not in told, told


def test_a_file_slack_hides_is_counted_without_a_name(chat_app: App, fake: FakeSlack) -> None:
    """A file past a free workspace's limit comes as an id and ``hidden_by_limit``."""
    thread_ts = _ticket(chat_app, fake)
    told = _send(
        fake, c.OPS, thread_ts, "ログです", [{"id": "F0HIDDEN1", "mode": "hidden_by_limit"}]
    )
    assert len(outbox(chat_app, "ops_reply")) == 1
    assert "not sent" in told and "F0HIDDEN1" not in told, told
