"""What a member hears of a requester's files: the notice of a reply (and of a thanks)
names each file it carried, with its size, so "the screenshot is attached" is not a
sentence about nothing; the files themselves are on the ticket's page."""

from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, parsed, text_of

ALICE = "alice@customer.test"
SHOT = "エラー画面のスクリーンショット.png"


def _reply_with_files(app: App, tid: int) -> None:
    msg = EmailMessage()
    msg["From"] = f"Alice <{ALICE}>"
    msg["To"] = reply_address(app, tid, ALICE)
    msg["Subject"] = f"Re: [#{tid}] VPN down"
    msg["Message-ID"] = "<a-files@customer.test>"
    msg.set_content("まだつながりません。エラー画面を添付します。\n")
    msg.add_attachment(b"\x89PNG" + b"0" * 5116, maintype="image", subtype="png", filename=SHOT)
    msg.add_attachment(b"x" * 100, maintype="text", subtype="plain", filename="vpn.log")
    deliver(app, bytes(msg))


def test_a_members_notice_names_the_files_of_the_requesters_reply(team: App) -> None:
    out = deliver(team, mail(subject="VPN down", message_id="<r-1@customer.test>"))
    assert out.ticket_id is not None
    _reply_with_files(team, out.ticket_id)
    [notice] = outbox(team, "ticket_notice")  # to the boss, in Japanese
    text = text_of(notice)
    assert "エラー画面を添付します。" in text
    assert f"  - {SHOT}（5 KB）" in text and "  - vpn.log（100 バイト）" in text
    assert "添付ファイル" in text
    html = parsed(notice).get_body(preferencelist=("html",))
    assert html is not None and SHOT in str(html.get_content())


def test_the_new_ticket_notice_names_the_files_of_the_request(
    settings: Settings, clock: FakeClock
) -> None:
    app = build(replace(settings, members=MEMBERS), clock)
    try:
        msg = EmailMessage()
        msg["From"] = f"Alice <{ALICE}>"
        msg["To"] = "support@example.test"
        msg["Subject"] = "VPN down"
        msg["Message-ID"] = "<r-files@customer.test>"
        msg.set_content("接続できません。画面を添付します。\n")
        msg.add_attachment(b"\x89PNG" + b"0" * 2044, maintype="image", subtype="png", filename=SHOT)
        deliver(app, bytes(msg))
        [notice] = [r for r in outbox(app) if r.kind == "new_ticket"]
        text = text_of(notice)
        assert "画面を添付します。\n\n添付ファイル" in text and f"  - {SHOT}（2 KB）\n---" in text
    finally:
        app.close()
