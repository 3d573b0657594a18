"""A reply to a mail of ours about no ticket (the weekly digest, the managers' summary,
the stale lists, alerts, a sign-in link) opens no ticket when a member writes it. QA
found a member's "Thanks" to the digest opened "Weekly digest …", acknowledged and
assigned to the manager. RT, Zammad and osTicket admins expect what follows: the
threading headers name a Message-ID of ours that belongs to no ticket, so the mail is
kept (the inbox row says why) and nothing is opened; a member whose reply looks like a
request (files, commands, a subject of their own) is told in their language to write a
new mail to the support address. An outsider who answers a forwarded digest writes to
the support address like anyone: a new request. Without the headers nothing says it is
such a reply (a subject alone proves nothing): it is mail like any other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.core.model import InboxState
from gateway.runtime.app import App
from store.models import OutboxRow
from tests.support import dsn
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, inbox_rows, outbox, subject_of, words_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, tick_and_send

# kind → (recipient, its language): members and a manager of tests.support.app.MEMBERS
SENT = {
    "weekly_digest": ("ops@example.test", "en"),
    "weekly_summary": ("boss@example.test", "ja"),
    "stale_reminder": ("ops2@example.test", "ja"),
    "sla_overdue_list": ("ops@example.test", "en"),
}
NAMED = {  # how the row's said reason names each, in en and ja
    "weekly_digest": ("the weekly digest", "週次ダイジェスト"),
    "weekly_summary": ("the weekly summary", "週次サマリー"),
    "stale_reminder": ("a stale reminder", "放置チケットのお知らせ"),
    "sla_overdue_list": ("a list of overdue tickets", "期限超過チケットの一覧"),
}
TOLD = {  # a sentence of the notice that says where a request goes
    "en": "write a new mail to support@example.test",
    "ja": "support@example.test 宛てに新しいメールを",
}


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path), clock)  # digest "mon 09:00"
    open_ticket(app, "VPN down in Osaka", key="vpn")
    open_ticket(app, "Purchase a laptop", key="buy")
    clock.advance(timedelta(days=7))  # Monday 10:00 JST: digests and summary are due,
    # and the lists of stale tickets (3 days) and of overdue ones (vpn's 4h and 2d)
    tick_and_send(app)
    yield app
    app.close()


def _ours(app: App, kind: str) -> OutboxRow:
    who, _ = SENT[kind]
    [row] = [m for m in outbox(app, kind) if m.recipients == [who]]
    return row


def _reply(
    app: App,
    kind: str,
    body: str = "Thanks!\n",
    *,
    sender: str = "",
    subject: str = "",
    headers: bool = True,
    extra: dict[str, str] | None = None,
) -> bytes:
    ours = _ours(app, kind)
    mid = f"<{ours.message_id}>"
    return mail(
        subject=subject or f"Re: {subject_of(ours)}",
        body=body,
        sender=sender or SENT[kind][0],
        in_reply_to=mid if headers else None,
        references=mid if headers else None,
        headers=extra,
    )


def _notices(app: App) -> list[OutboxRow]:
    return outbox(app, "ticketless_reply")


@pytest.mark.parametrize("kind", sorted(SENT))
def test_a_members_thanks_to_a_mail_about_no_ticket_opens_nothing(gw: App, kind: str) -> None:
    before = len(all_tickets(gw))
    out = deliver(gw, _reply(gw, kind))
    assert out.state == InboxState.IGNORED
    assert out.ticket_id is None
    assert len(all_tickets(gw)) == before
    assert not outbox(gw, "acknowledgement")[2:]  # the two tickets' own, nothing more
    row = inbox_rows(gw)[-1]
    assert kind.replace("_", " ") in row.reason and "no ticket" in row.reason
    assert out.said is not None  # what `ingest` says of it, in the reader's language
    en, ja = NAMED[kind]
    assert translate(out.said, "en").startswith(f"a member's reply to {en}, a mail about no")
    assert f"チケットに属さないメール（{ja}）" in translate(out.said, "ja")
    assert _notices(gw) == []  # a thank-you needs no answer


@pytest.mark.parametrize("kind", sorted(SENT))
def test_an_auto_reply_to_it_is_ignored(gw: App, kind: str) -> None:
    away = _reply(gw, kind, "I am away.\n", extra={"Auto-Submitted": "auto-replied"})
    out = deliver(gw, away)
    assert (out.state, out.ticket_id) == (InboxState.IGNORED, None)
    assert _notices(gw) == []


@pytest.mark.parametrize("kind", sorted(SENT))
@pytest.mark.parametrize("shape", ["subject", "files", "commands"])
def test_a_member_whose_reply_looks_like_a_request_is_told_how_to_open_one(
    gw: App, kind: str, shape: str
) -> None:
    before = len(all_tickets(gw))
    if shape == "subject":
        raw = _reply(gw, kind, "The printer on floor 3 is jammed.\n", subject="Printer jammed")
    elif shape == "commands":
        raw = _reply(gw, kind, "/close\n")
    else:
        msg = mail_with_file(_reply(gw, kind, "See the log.\n"))
        raw = bytes(msg)
    out = deliver(gw, raw)
    assert (out.state, out.ticket_id) == (InboxState.IGNORED, None)
    assert len(all_tickets(gw)) == before
    who, locale = SENT[kind]
    [notice] = _notices(gw)
    assert notice.recipients == [who]
    assert TOLD[locale] in words_of(notice)
    if locale == "en":  # each sentence starts as one (it read "your mail answered …")
        said = " ".join(words_of(notice).split())
        assert f"Your mail answered {NAMED[kind][0]}, a mail about no single ticket" in said
    deliver(gw, raw.replace(b"Message-ID: <", b"Message-ID: <again"))  # the same, again
    assert len(_notices(gw)) == 2  # each mail is answered; the hourly brake stops a loop


def test_a_member_busy_by_reply_is_still_told(gw: App) -> None:
    """The hourly brake counted the member's own transcripts: after five commands by
    reply in an hour, their request written as a reply to the digest was kept, opened
    nothing and they were never told. Their transcripts are no answer to such a mail."""
    who, locale = SENT["weekly_digest"]
    [vpn] = [t for t in all_tickets(gw) if t["subject"] == "VPN down in Osaka"]
    address = reply_address(gw, vpn["id"], who)
    for i in range(6):
        command = "/pending" if i % 2 == 0 else "/open"
        deliver(gw, mail(subject="Re: VPN", body=f"{command}\n", sender=who, to=address))
    assert len([m for m in outbox(gw, "command_result") if m.recipients == [who]]) == 6
    raw = _reply(gw, "weekly_digest", "The printer on floor 3 is jammed.\n", subject="Printer")
    assert deliver(gw, raw).state == InboxState.IGNORED
    [notice] = _notices(gw)
    assert notice.recipients == [who] and TOLD[locale] in words_of(notice)


def mail_with_file(raw: bytes) -> EmailMessage:
    import email
    import email.policy

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    msg.add_attachment(b"error 42\n", maintype="text", subtype="plain", filename="vpn.log")
    return msg


def test_an_outsider_answering_a_forwarded_digest_opens_a_request(gw: App) -> None:
    out = deliver(gw, _reply(gw, "weekly_digest", sender="Carol <carol@customer.test>"))
    assert out.state == InboxState.DONE and out.ticket_id is not None
    assert _notices(gw) == []


def test_without_the_headers_a_subject_alone_proves_nothing(gw: App) -> None:
    out = deliver(gw, _reply(gw, "weekly_digest", headers=False))
    assert out.state == InboxState.DONE and out.ticket_id is not None


def test_a_windows_client_keeping_the_japanese_subject_is_no_subject_of_its_own(gw: App) -> None:
    """The Japanese digest's subject carries 〜 (JIS 1-33), which Outlook reads, and
    answers, as ～ (U+FF5E): the same subject, so a thank-you from it is told nothing."""
    [ours] = [m for m in outbox(gw, "weekly_digest") if m.recipients == ["ops2@example.test"]]
    subject = subject_of(ours)
    assert "〜" in subject
    mid = f"<{ours.message_id}>"
    raw = mail(
        subject="RE: " + subject.replace("〜", "～"),
        body="ありがとうございます。\n",
        sender="ops2@example.test",
        in_reply_to=mid,
        references=mid,
    )
    out = deliver(gw, raw)
    assert (out.state, out.ticket_id) == (InboxState.IGNORED, None)
    assert _notices(gw) == []


@pytest.mark.parametrize("kind", sorted(SENT))
def test_a_bounce_of_it_says_which_mail_came_back_and_to_whom(gw: App, kind: str) -> None:
    """The member's mailbox is gone behind a relay that took the mail: the row said only
    "a bounce that belongs to no ticket", as of a stranger's. It names the mail of ours
    that came back and its member, so `inbox list` shows whose mail does not arrive."""
    ours = _ours(gw, kind)
    who, _ = SENT[kind]
    out = deliver(gw, dsn.postfix(ours.message_id, who))
    assert (out.state, out.ticket_id) == (InboxState.IGNORED, None)
    row = inbox_rows(gw)[-1]
    assert f"our {kind.replace('_', ' ')} to {who} came back" in row.reason
    assert out.said is not None
    en, ja = NAMED[kind]
    assert translate(out.said, "en").startswith(f"a bounce: {en} to {who} came back")
    assert f"チケットに属さないメール（{ja}）が {who} に届かず戻ってきました" in translate(
        out.said, "ja"
    )
