"""A customer's mail sent on as an attachment with nothing written around it shows that
mail's words; the files that mail carries were not said anywhere: the ticket lists one
``.eml``, and its words ("the quote is attached") pointed at a file nobody could see
without opening it in a mail client. The text now names each file of the attached mail
(not a signature's logo, and the files of its winmail.dat by their own names) under a
line in the ticket's language saying they are inside the attached mail."""

from __future__ import annotations

from email.message import EmailMessage

from gateway.runtime.app import App
from tests.support.pipeline import deliver, show
from tests.support.tnef import TnefFile, winmail


def _forward(subject: str, inner: EmailMessage) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Yamada <yamada@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = subject
    msg["Message-ID"] = "<fwd-1@customer.test>"
    msg.add_attachment(inner)  # message/rfc822, nothing written around it
    return bytes(msg)


def _vendors_mail(words: str) -> EmailMessage:
    inner = EmailMessage()
    inner["From"] = "Sales <sales@vendor.test>"
    inner["To"] = "yamada@customer.test"
    inner["Subject"] = "Quote"
    inner.set_content(words)
    inner.add_alternative(f"<p>{words}</p>", subtype="html")
    inner.get_payload()[1].add_related(
        b"\x89PNG logo", "image", "png", cid="<logo@v>", filename="logo.png", disposition="inline"
    )
    inner.add_attachment(
        b"%PDF-1.7\n", maintype="application", subtype="pdf", filename="見積書.pdf"
    )
    inner.add_attachment(
        winmail([TnefFile("PRICES~1.XLS", b"xls", long_name="価格表.xlsx")]),
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    return inner


def test_the_files_of_an_attached_mail_are_named(team: App) -> None:
    deliver(team, _forward("Fwd: Quote", _vendors_mail("The quote is attached.\n")))
    message = show(team, 1)["messages"][0]
    # shown, not read: the words file the ticket and fill its sheet, our line does not
    assert message["new_text"].endswith("The quote is attached.")
    text = message["text"]
    assert text.endswith(
        "The quote is attached.\n\n"
        "Files in the attached mail (each among the ticket's files too):\n"
        "  - 見積書.pdf\n"
        "  - 価格表.xlsx"
    ), text


def test_the_files_line_is_in_the_tickets_language(team: App) -> None:
    deliver(team, _forward("転送: お見積り", _vendors_mail("お見積書を添付いたします。\n")))
    text = show(team, 1)["messages"][0]["text"]
    assert text.endswith(
        "お見積書を添付いたします。\n\n"
        "添付されたメールの中のファイル（それぞれチケットのファイルとしても保存されています）:\n"
        "  - 見積書.pdf\n"
        "  - 価格表.xlsx"
    ), text


def test_many_files_are_named_up_to_twenty_then_counted(team: App) -> None:
    inner = EmailMessage()
    inner["From"] = "Scanner <scan@vendor.test>"
    inner["Subject"] = "Scans"
    inner.set_content("Your scans.\n")
    for n in range(23):
        inner.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename=f"s{n}.pdf")
    deliver(team, _forward("Fwd: Scans", inner))
    lines = show(team, 1)["messages"][0]["text"].splitlines()
    assert lines[-21:] == [*(f"  - s{n}.pdf" for n in range(20)), "  … and 3 more files"]
