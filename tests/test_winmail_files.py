"""The files a customer's Outlook put inside winmail.dat (a rich-text mail, TNEF) are
the ticket's files: listed beside winmail.dat under their own names (the long name,
Japanese too), saved byte for byte by ``tickets attachment`` and the ticket page, from
a small mail and from one whose files make it big (parsed whole, not hashed ahead).
Before, the ticket listed only ``winmail.dat``: a member without Outlook never saw the
quote the customer sent, and nothing said it was there."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.pipeline import deliver, show
from tests.support.scheduling import make_app
from tests.support.tnef import TnefFile, winmail

QUOTE = "見積書（2026年12月）.pdf"


def _mail(files: list[TnefFile], *, label: str = "ms-tnef") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Yamada <yamada@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "お見積りの件"
    msg["Message-ID"] = "<rich-1@customer.test>"
    msg["Date"] = "Mon, 02 Mar 2026 09:00:00 +0900"
    msg.set_content("お見積書を添付いたします。\n")
    msg.add_attachment(
        winmail(files), maintype="application", subtype=label, filename="winmail.dat"
    )
    return bytes(msg)


def _files(pdf: bytes) -> list[TnefFile]:
    return [
        TnefFile("MITSUM~1.PDF", pdf, long_name=QUOTE),
        TnefFile("ログ.txt", "エラーの記録\r\n".encode("cp932")),  # a title alone, CP932
        TnefFile("empty.txt", b""),
        TnefFile("予定.msg", b"\x78\x9f\x3e\x22", long_name="予定.msg", embedded=True),
    ]


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> Path:
    return write_config(tmp_path, url=db_url, secret_file=True)


@pytest.fixture
def app(config: Path) -> Iterator[App]:
    application = make_app(load_settings(config), FakeClock(datetime(2026, 3, 2, 1, tzinfo=UTC)))
    yield application
    application.close()


@pytest.mark.parametrize(
    ("pdf_size", "label"),
    [(4_000, "ms-tnef"), (1_500_000, "ms-tnef"), (4_000, "octet-stream")],
    ids=["small", "big", "relabelled"],
)
def test_the_files_inside_winmail_dat_are_the_tickets_files(
    app: App,
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    pdf_size: int,
    label: str,
) -> None:
    pdf = b"%PDF-1.7\n" + os.urandom(pdf_size)
    tid = deliver(app, _mail(_files(pdf), label=label)).ticket_id
    assert tid is not None
    [message] = show(app, tid)["messages"][:1]
    listed = [(a["filename"], a["size"]) for a in message["attachments"]]
    assert listed[1:] == [(QUOTE, len(pdf)), ("ログ.txt", 14), ("empty.txt", 0)]
    assert listed[0][0] == "winmail.dat"  # kept too: an Outlook reader opens it whole
    shown = run(config, "tickets", "show", str(tid), capsys=capsys).out
    assert f"[attachment 2] {QUOTE} (application/pdf" in shown
    saved = tmp_path / "saved"
    saved.mkdir()
    monkeypatch.chdir(saved)
    for n in (2, 3, 4):
        ran = run(config, "tickets", "attachment", str(tid), str(n), capsys=capsys)
        assert ran.code == 0, ran.err
    assert (saved / QUOTE).read_bytes() == pdf
    assert (saved / "ログ.txt").read_bytes() == "エラーの記録\r\n".encode("cp932")
    assert (saved / "empty.txt").read_bytes() == b""


def test_a_parse_says_the_files_came_out_of_winmail_dat() -> None:
    parsed = parse_message(_mail(_files(b"%PDF")))
    assert "mime: 3 files read out of winmail.dat (TNEF)" in parsed.defects


def test_winmail_dat_that_is_no_tnef_stays_one_file() -> None:
    msg = EmailMessage()
    msg["From"] = "a@customer.test"
    msg["Subject"] = "x"
    msg.set_content("see\n")
    msg.add_attachment(
        b"not tnef at all", maintype="application", subtype="ms-tnef", filename="winmail.dat"
    )
    parsed = parse_message(bytes(msg))
    assert [a.filename for a in parsed.attachments] == ["winmail.dat"]


def test_a_members_rich_text_answer_sends_the_files_not_winmail_dat(team: App) -> None:
    """A member answering from Outlook in rich text: the requester gets the files the
    member attached, under their names, not the winmail.dat only Outlook opens."""
    from tests.support.app import reply_address
    from tests.support.mails import mail
    from tests.support.pipeline import outbox, parsed

    tid = deliver(team, mail(subject="VPN down", message_id="<r-1@customer.test>")).ticket_id
    assert tid is not None
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 20
    msg = EmailMessage()
    msg["From"] = "Ops One <ops@example.test>"
    msg["To"] = reply_address(team, tid, "ops@example.test")
    msg["Subject"] = f"RE: [#{tid}] VPN down"
    msg["Message-ID"] = "<ops-rich@example.test>"
    msg.set_content("The guide is attached.\n")
    msg.add_attachment(
        winmail([TnefFile("GUIDE~1.PDF", pdf, long_name="接続手順書.pdf")]),
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    deliver(team, bytes(msg))
    [answer] = outbox(team, "ops_reply")
    sent = [
        (p.get_filename(), p.get_payload(decode=True)) for p in parsed(answer).iter_attachments()
    ]
    assert sent == [("接続手順書.pdf", pdf)]
