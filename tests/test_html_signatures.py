"""An HTML-only reply whose client marks its signature in the markup (Gmail's
``gmail_signature``, Outlook on the web's ``id="Signature"``, Apple Mail's
``AppleMailSignature``, Thunderbird's ``moz-signature``) with no ``-- `` line in the
text: a member's ``/close`` sent the requester their name and company (no phone, so
the signature judge could not tell). The marked block now starts with the signature
line, as the plain part of such a mail does."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.quotes import split_reply

SIGNED = [
    '<div dir="ltr">{words}<br><div><br></div>'
    '<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">'
    "山田 太郎<br>エグザンプル</div></div>",
    '<div>{words}</div><div id="Signature"><div>山田 太郎</div><div>エグザンプル</div></div>',
    '<div>{words}</div><div id="AppleMailSignature">山田 太郎<br>エグザンプル</div>',
    '<p>{words}</p><div class="moz-signature">山田 太郎<br>エグザンプル</div>',
]


@pytest.mark.parametrize("html", SIGNED)
@pytest.mark.parametrize("words", ["/close", "対応しました。"])
def test_a_signature_the_markup_marks_is_cut_as_one(html: str, words: str) -> None:
    assert split_reply(html_to_text(html.format(words=words))) == words


def test_a_marked_signature_in_the_quote_stays_in_the_quote() -> None:
    html = (
        "<div>対応しました。</div>"
        '<div class="gmail_quote"><div>前回のメール</div>'
        '<div class="gmail_signature">鈴木 一郎</div></div>'
    )
    assert split_reply(html_to_text(html)) == "対応しました。"


def test_a_signature_word_in_other_markup_is_no_signature() -> None:
    html = '<div class="signature-request">/close</div><div>署名をお願いします。</div>'
    assert split_reply(html_to_text(html)) == "/close\n署名をお願いします。"
