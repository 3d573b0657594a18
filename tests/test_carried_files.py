"""The files inside a mail a customer forwards as an attachment (message/rfc822, an
``.eml``) are files of the ticket: listed after that mail, each downloadable from the
ticket page and by ``tickets attachment`` byte for byte, under a safe name, within the
same limits as any file. They were only named in the ticket's text, and getting one
meant downloading the .eml and opening it in a mail client."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.core.model import Attachment
from gateway.pipeline.parse.attachment_data import attachment_data
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.mime import MAX_ATTACHMENTS
from gateway.runtime.app import App
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.pipeline import deliver, show
from tests.support.scheduling import make_app
from tests.support.tnef import TnefFile, winmail

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4
XLS = b"PK\x03\x04 spreadsheet"
LOG = b"2026-12-05 error: disk full\n"


def _vendor(subject: str = "Quote") -> EmailMessage:
    inner = EmailMessage()
    inner["From"] = "Sales <sales@vendor.test>"
    inner["To"] = "yamada@customer.test"
    inner["Subject"] = subject
    inner.set_content("The quote is attached.\n")
    inner.add_alternative("<p>The quote is attached.</p><img src='cid:logo@v'>", subtype="html")
    inner.get_payload()[1].add_related(
        b"\x89PNG logo", "image", "png", cid="<logo@v>", filename="logo.png", disposition="inline"
    )
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="見積書.pdf")
    inner.add_attachment(LOG, maintype="text", subtype="plain", filename="../../etc/cron.log")
    inner.add_attachment(
        winmail([TnefFile("PRICES~1.XLS", XLS, long_name="価格表.xlsx")]),
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    return inner


def _forward(inner: EmailMessage, *, words: str = "", encoded: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Yamada <yamada@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Fwd: Quote"
    msg["Message-ID"] = "<fwd-1@customer.test>"
    if words:
        msg.set_content(words)
    msg.add_attachment(inner)
    if not encoded:
        return bytes(msg)
    # as some Outlook versions and phone clients send it: base64 (RFC 2046 forbids it)
    raw = bytes(msg)
    inner_bytes = bytes(inner)
    b64 = base64.encodebytes(inner_bytes)
    head, _, rest = raw.partition(b"Content-Type: message/rfc822")
    boundary = rest.split(b"\n--", 1)[1].split(b"--", 1)[0]
    return (
        head
        + b"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n"
        + b'Content-Disposition: attachment; filename="quote.eml"\n\n'
        + b64
        + b"\n--"
        + boundary
        + b"--\n"
    )


def _names(files: list[dict[str, object]]) -> list[str]:
    return [str(f["filename"]) for f in files]


@pytest.mark.parametrize("encoded", [False, True], ids=["as-attached", "base64"])
def test_the_files_of_a_forwarded_mail_are_the_tickets_files(team: App, encoded: bool) -> None:
    raw = _forward(_vendor(), words="FYI\n", encoded=encoded)
    tid = deliver(team, raw).ticket_id
    assert tid is not None
    message = show(team, tid)["messages"][0]
    names = _names(message["attachments"])
    assert names[0].endswith(".eml")
    for name in ("見積書.pdf", "cron.log", "価格表.xlsx"):
        assert name in names, names
    assert all("/" not in n and ".." not in n for n in names)
    parsed = {a.filename: a for a in parse_message(raw).attachments}
    assert attachment_data(raw, parsed["見積書.pdf"].sha256) == PDF
    assert attachment_data(raw, parsed["cron.log"].sha256) == LOG
    assert attachment_data(raw, parsed["価格表.xlsx"].sha256) == XLS
    assert parsed["logo.png"].inline  # its own HTML shows it: no file of the customer's


def test_tickets_attachment_saves_a_file_of_the_forwarded_mail(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, url=db_url, secret_file=True)
    app = make_app(load_settings(config), FakeClock(datetime(2026, 3, 2, 1, tzinfo=UTC)))
    try:
        tid = deliver(app, _forward(_vendor())).ticket_id
        assert tid is not None
        names = _names(show(app, tid)["messages"][0]["attachments"])
    finally:
        app.close()
    work = tmp_path / "here"
    work.mkdir()
    monkeypatch.chdir(work)
    for name, data in (("見積書.pdf", PDF), ("cron.log", LOG), ("価格表.xlsx", XLS)):
        number = str(names.index(name) + 1)
        ran = run(config, "tickets", "attachment", str(tid), number, capsys=capsys)
        assert ran.code == 0, ran.err
        assert (work / name).read_bytes() == data


def test_files_of_forwarded_mails_count_in_the_messages_limit() -> None:
    inner = EmailMessage()
    inner["From"] = "Scanner <scan@vendor.test>"
    inner["Subject"] = "Scans"
    inner.set_content("Your scans.\n")
    for n in range(MAX_ATTACHMENTS + 20):
        inner.add_attachment(b"%", maintype="application", subtype="pdf", filename=f"s{n}.pdf")
    parsed = parse_message(_forward(inner, words="see\n"))
    assert len(parsed.attachments) == MAX_ATTACHMENTS
    assert any("more than" in d for d in parsed.defects)


def test_a_mail_forwarded_inside_a_forward_gives_its_files_too() -> None:
    middle = EmailMessage()
    middle["From"] = "Boss <boss@customer.test>"
    middle["Subject"] = "Fwd: Quote"
    middle.set_content("Please handle.\n")
    middle.add_attachment(_vendor())
    files: list[Attachment] = list(parse_message(_forward(middle, words="FYI\n")).attachments)
    names = [a.filename for a in files]
    assert "見積書.pdf" in names and "価格表.xlsx" in names
    assert [n for n in names if n.endswith(".eml")] == ["Fwd_ Quote.eml", "Quote.eml"]


def test_a_members_answer_relays_the_forwarded_mail_not_its_files_again(team: App) -> None:
    from tests.support.app import reply_address
    from tests.support.mails import mail
    from tests.support.pipeline import outbox, parsed

    tid = deliver(team, mail(subject="VPN down", message_id="<r-1@customer.test>")).ticket_id
    assert tid is not None
    answer = EmailMessage()
    answer["From"] = "Ops One <ops@example.test>"
    answer["To"] = reply_address(team, tid, "ops@example.test")
    answer["Subject"] = f"Re: [#{tid}] VPN down"
    answer["Message-ID"] = "<ops-fw@example.test>"
    answer.set_content("The vendor's answer is attached.\n")
    answer.add_attachment(_vendor())
    deliver(team, bytes(answer))
    [sent] = outbox(team, "ops_reply")
    files = [p.get_content_type() for p in parsed(sent).iter_attachments()]
    assert files == ["message/rfc822"]  # the mail, which carries its files


def test_a_bounces_returned_mail_lists_no_files_of_ours() -> None:
    returned = _vendor()
    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@mx.customer.test"
    bounce["To"] = "support@example.test"
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce.set_content("The mail could not be delivered.\n")
    bounce.add_attachment(returned)
    bounce.replace_header("Content-Type", bounce["Content-Type"].replace("mixed", "report"))
    names = [a.filename for a in parse_message(bytes(bounce)).attachments]
    assert names == ["Quote.eml"]
