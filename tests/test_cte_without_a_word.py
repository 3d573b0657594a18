"""A Content-Transfer-Encoding with nothing before its ``;`` (``; x``, ``;base64``: a
broken mailer's, or a hostile one) made the walk raise IndexError, the parser gave up,
and the mail came in with no words and none of its files. The header reads as no
encoding, as an unknown one does (RFC 2045 6.4: the part kept as it is)."""

from __future__ import annotations

from gateway.pipeline.parse.message import parse_message

MAIL = (
    b"From: Alice <alice@customer.test>\r\nTo: support@example.test\r\nSubject: VPN\r\n"
    b"Message-ID: <cte-1@customer.test>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n"
    b"Content-Transfer-Encoding: ; x\r\n\r\nThe VPN is down again.\r\n"
    b"--b1\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: ;base64\r\n\r\n"
    b"Subject: The first report\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b2"\r\n\r\n'
    b"--b2\r\nContent-Type: text/plain\r\n\r\nSee the log.\r\n"
    b'--b2\r\nContent-Type: text/plain; name="vpn.log"\r\n'
    b'Content-Disposition: attachment; filename="vpn.log"\r\n\r\nerror 800\r\n'
    b"--b2--\r\n--b1--\r\n"
)


def test_a_transfer_encoding_with_no_word_loses_neither_words_nor_files() -> None:
    parsed = parse_message(MAIL)
    assert not [d for d in parsed.defects if "gave up" in d]
    assert "The VPN is down again." in parsed.text
    names = [a.original_filename for a in parsed.attachments]
    assert "vpn.log" in names  # the attached mail's file, listed as the ticket's own
