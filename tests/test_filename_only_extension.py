"""A file named by its extension alone (``.pdf``: a report script whose name variable was
empty) was saved as ``pdf``, a file no program opens as a PDF: it gets the name a
nameless part gets, with that extension. A dot-file's name (``.bashrc``) is a name."""

from __future__ import annotations

from email.message import EmailMessage

from gateway.pipeline.parse.filenames import safe_filename
from gateway.pipeline.parse.message import parse_message


def test_an_extension_alone_keeps_its_type() -> None:
    assert safe_filename(".pdf", "application/pdf", 3) == "attachment-3.pdf"
    assert safe_filename(" ..xlsx", "application/octet-stream", 2) == "attachment-2.xlsx"
    assert safe_filename(".bashrc", "text/plain", 1) == "bashrc"
    assert safe_filename("report.pdf", "application/pdf", 1) == "report.pdf"
    msg = EmailMessage()
    msg["From"] = "reports@customer.test"
    msg["Subject"] = "Monthly report"
    msg.set_content("attached\n")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename=".pdf")
    [found] = parse_message(bytes(msg)).attachments
    assert (found.filename, found.original_filename) == ("attachment-1.pdf", ".pdf")
