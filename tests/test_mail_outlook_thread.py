"""Outlook shows a ticket's mails as one conversation: each carries ``Thread-Topic`` (the
ticket's title) and ``Thread-Index`` (MS-OXOMSG 2.2.1.3: a 22-byte header block of a
time and a GUID, then 5-byte child blocks), the header block the same on every mail of
the ticket. Outlook and Exchange group by that index and topic, not by References, and
the subjects of one ticket differ ("[#1] お問い合わせを受け付けました: …", "[#1] Re: …",
"[#1] 更新: …"): without them every kind of mail was a conversation of its own."""

from __future__ import annotations

import base64
import email
import email.policy
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.core.clock import FakeClock
from gateway.notify import compose
from gateway.notify.render import Rendered
from gateway.notify.views import Person
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, header_of, outbox

ALICE = "alice@customer.test"
EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


def _index(value: str) -> bytes:
    data = base64.b64decode("".join(value.split()), validate=True)
    assert len(data) >= 27 and (len(data) - 22) % 5 == 0, value
    return data


def _filetime(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1) * 10


def test_a_tickets_mails_are_one_outlook_conversation(team: App, clock: FakeClock) -> None:
    opened = clock.now()
    first = deliver(team, mail(subject="Re: VPN に接続できません", body="接続できません。\n"))
    other = deliver(team, mail(subject="Printer jam", sender="Bob <bob@customer.test>"))
    tid = first.ticket_id
    assert tid is not None and other.ticket_id is not None
    clock.advance(timedelta(hours=2))
    ops = "ops@example.test"
    deliver(
        team,
        mail(
            subject=f"RE: [#{tid}] VPN",
            body="/pending\nPlease restart it.\n",
            sender=f"Ops One <{ops}>",
            to=reply_address(team, tid, ops),
        ),
    )
    rows = [r for r in outbox(team) if r.ticket_id == tid]
    assert {r.kind for r in rows} >= {"acknowledgement", "new_ticket", "ops_reply"}
    heads = set()
    for row in rows:
        assert header_of(row, "Thread-Topic") == "VPN に接続できません", row.kind
        index = _index(header_of(row, "Thread-Index"))
        heads.add(index[:22])
        assert index[0] == 1  # the reserved byte
        # the child block: the time since the header block's, to 2^18 x 100 ns (26 ms)
        code_and_delta = int.from_bytes(index[22:26], "big")
        assert code_and_delta >> 31 == 0
        start = int.from_bytes(index[:6], "big") << 16
        sent = start + ((code_and_delta & 0x7FFFFFFF) << 18)
        assert abs(sent - _filetime(row.created_at.replace(tzinfo=UTC))) < 2**18 + 2**16
    assert len(heads) == 1
    [head] = heads
    assert abs((int.from_bytes(head[:6], "big") << 16) - _filetime(opened)) < 2**16
    others = [r for r in outbox(team) if r.ticket_id == other.ticket_id]
    assert others and all(_index(header_of(r, "Thread-Index"))[6:22] != head[6:] for r in others)


@pytest.mark.parametrize(
    "topic",
    ["10時～12時の会議室予約", "①番の複合機が故障", "VPN down 🙁", "x" * 600, "長い件名" * 40],
)
def test_the_topic_goes_in_any_mail_whatever_its_characters(topic: str) -> None:
    """An ISO-2022-JP mail whose subject does not hold the title (a reply from an outsider
    names the sender instead) still names a title with ～, ① or an emoji."""
    env = compose.Envelope(
        kind="outsider_reply",
        sender=Person("support@example.test", "サポート窓口"),
        to=Person("ops@example.test", "運用 一郎"),
        message_id="t1.abc@example.test",
        date=datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")),
        subject_tag="[#1]",
        ticket_id=1,
        charset="iso-2022-jp",
        opened=datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
        topic=topic,
    )
    parts = Rendered("[#1] 関係者以外の方からの返信", "本文です。\n", "<p>本文です。</p>")
    raw = compose.compose(env, parts)
    head = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
    assert [line for line in head if len(line) > 78] == []  # an encoded word after the name
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(msg["Thread-Topic"]).replace("〜", "～") == topic
    assert msg.get_body(("plain",)).get_content_charset() == "iso-2022-jp"
