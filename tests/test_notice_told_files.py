"""The files a notice to members lists are the files the writer sent: not a signature's
logo the HTML shows by its Content-ID (Outlook's image001.png in every mail), not
Outlook's winmail.dat (its files are listed by their own names). Zammad and RT list only
real attachments; a notice of a thanks from an Outlook user named three "files"."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import make_msgid

from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.pipeline import deliver, outbox, text_of
from tests.support.tnef import TnefFile, winmail

ALICE = "alice@customer.test"
LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


def _outlook_mail(to: str, subject: str, words: str) -> bytes:
    """Outlook's way: the HTML shows the signature's logo by its Content-ID, the rich
    text's winmail.dat carries the customer's spreadsheet, a PDF beside it."""
    msg = EmailMessage()
    msg["From"] = f"Alice <{ALICE}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="customer.test")
    msg.set_content(words + "\n")
    msg.add_alternative(f"<p>{words}</p><img src='cid:image001.png@01DA'>", subtype="html")
    _html_part(msg).add_related(
        LOGO,
        "image",
        "png",
        cid="<image001.png@01DA>",
        filename="image001.png",
        disposition="inline",
    )
    msg.add_attachment(b"%PDF-1.4\n" + b"0" * 3000, "application", "pdf", filename="log.pdf")
    msg.add_attachment(
        winmail([TnefFile("PRICES~1.XLS", b"x" * 500, long_name="価格表.xlsx")]),
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    return bytes(msg)


def _html_part(msg: EmailMessage) -> EmailMessage:
    """The HTML alternative of ``msg`` (its second part), to add a related picture to."""
    parts = msg.get_payload()
    assert isinstance(parts, list) and isinstance(parts[1], EmailMessage)
    return parts[1]


def _listed(text: str) -> list[str]:
    """The names under "Files attached", without their sizes (「（3 KB）」, " (3 KB)")."""
    lines = (line.strip()[2:] for line in text.splitlines() if line.startswith("  - "))
    return [re.split(r" \(|（", line)[0] for line in lines]


def test_a_notice_of_a_reply_lists_only_the_files_sent(team: App) -> None:
    tid = deliver(team, _outlook_mail("support@example.test", "VPN down", "VPN is down")).ticket_id
    assert tid is not None
    briefs = outbox(team, "new_ticket")
    assert briefs, "the manager hears of the new ticket"
    listed = _listed(text_of(briefs[0]))
    assert "log.pdf" in listed and "価格表.xlsx" in listed
    assert "image001.png" not in listed and "winmail.dat" not in listed
    deliver(team, _outlook_mail(reply_address(team, tid, ALICE), f"Re: [#{tid}] VPN", "Still down"))
    notices = outbox(team, "ticket_notice")
    assert notices, "the manager hears of the reply"
    listed = _listed(text_of(notices[-1]))
    assert "log.pdf" in listed and "価格表.xlsx" in listed
    assert "image001.png" not in listed and "winmail.dat" not in listed


def _mixed(referenced: bool) -> bytes:
    """A webmail's way (Lotus Notes, some phone clients): the picture beside the HTML in
    multipart/mixed, inline, with a Content-ID the HTML shows it by (or does not)."""
    src = "cid:sig-logo@mail" if referenced else "https://example.test/logo.png"
    html = f'<p>Still down.</p><img src="{src}">'
    return (
        "From: Alice <alice@customer.test>\r\nTo: support@example.test\r\n"
        "Subject: VPN\r\nMessage-ID: <mixed-1@customer.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        '--b1\r\nContent-Type: text/html; charset="us-ascii"\r\n\r\n'
        f"{html}\r\n"
        "--b1\r\nContent-Type: image/png\r\nContent-ID: <sig-logo@mail>\r\n"
        'Content-Disposition: inline; filename="logo.png"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b1--\r\n"
    ).encode()


def test_a_picture_the_html_shows_by_its_content_id_is_no_file_outside_related() -> None:
    shown = parse_message(_mixed(referenced=True)).attachments
    assert [(a.filename, a.inline) for a in shown] == [("logo.png", True)]
    apart = parse_message(_mixed(referenced=False)).attachments
    assert [(a.filename, a.inline) for a in apart] == [("logo.png", False)]


def test_a_mail_of_hundreds_of_tiny_files_names_twenty_in_a_notice(team: App) -> None:
    msg = EmailMessage()
    msg["From"] = f"Alice <{ALICE}>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Logs"
    msg["Message-ID"] = make_msgid(domain="customer.test")
    msg.set_content("The logs of every host.\n")
    for n in range(300):
        msg.add_attachment(b"x", maintype="text", subtype="plain", filename=f"host{n}.log")
    tid = deliver(team, bytes(msg)).ticket_id
    assert tid is not None
    text = text_of(outbox(team, "new_ticket")[0])
    assert _listed(text)[:20] == [f"host{n}.log" for n in range(20)]
    assert "host20.log" not in text
    assert "280" in text  # the rest counted, not named


def test_a_logo_also_attached_under_another_name_is_named_once_in_the_brief(team: App) -> None:
    """Eudora's way: the HTML shows a picture by its Content-ID and the same picture is
    attached as a file under its own name. The new-ticket brief named both (the shown
    copy matched by its bytes to the file), so the logo was listed as a file sent."""
    msg = EmailMessage()
    msg["From"] = f"Alice <{ALICE}>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Balls"
    msg["Message-ID"] = make_msgid(domain="customer.test")
    msg.set_content("The blue one.\n")
    msg.add_alternative("<p>The blue one.</p><img src='cid:ball@eudora'>", subtype="html")
    _html_part(msg).add_related(
        LOGO, "image", "png", cid="<ball@eudora>", filename="2aa3ed95.png", disposition="inline"
    )
    msg.add_attachment(LOGO, "image", "png", filename="blueball.png")
    tid = deliver(team, bytes(msg)).ticket_id
    assert tid is not None
    listed = _listed(text_of(outbox(team, "new_ticket")[0]))
    assert listed == ["blueball.png"]


def _related(disposition: str, src: str) -> bytes:
    """Evolution's way: the picture in multipart/related beside the HTML, marked with
    ``disposition``, the HTML showing ``src``."""
    return (
        "From: Alice <alice@customer.test>\r\nTo: support@example.test\r\n"
        "Subject: VPN\r\nMessage-ID: <related-1@customer.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/related; boundary="r1"\r\n\r\n'
        '--r1\r\nContent-Type: text/html; charset="us-ascii"\r\n\r\n'
        f'<p>Still down.</p><img src="{src}">\r\n'
        "--r1\r\nContent-Type: image/png\r\nContent-ID: <smiley@camel>\r\n"
        f'Content-Disposition: {disposition}; filename="smiley.png"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--r1--\r\n"
    ).encode()


def test_a_related_picture_the_html_shows_is_no_file_though_marked_attachment() -> None:
    """Evolution marks the picture its HTML shows by cid: "attachment" inside
    multipart/related; every reader shows it in the words, so no notice names it as a
    file sent. Not shown by the HTML, the mark decides: it is a file."""
    shown = parse_message(_related("attachment", "cid:smiley@camel")).attachments
    assert [(a.filename, a.inline) for a in shown] == [("smiley.png", True)]
    apart = parse_message(_related("attachment", "https://example.test/x.png")).attachments
    assert [(a.filename, a.inline) for a in apart] == [("smiley.png", False)]
    plain = parse_message(_related("inline", "https://example.test/x.png")).attachments
    assert [(a.filename, a.inline) for a in plain] == [("smiley.png", True)]
