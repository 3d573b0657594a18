"""A link in HTML-only mail keeps where it goes: "the form (https://…)".

The text of an HTML-only request is what a ticket shows and what a member reads in a
plain-text client; a team's HTML-only template is also read into the text part of our
mail the same way. Words like "the form" or 「こちら」 say nothing without the target.
A target that could run something (``javascript:``, ``data:``) is never written out,
a ``mailto:`` link shows the address, and a link whose words are already its target is
not written twice. Every link costs time linear in its size, whatever the nesting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.notify.render import Renderer
from gateway.pipeline.parse import html_text
from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.message import parse_message
from tests.support.samples import SAMPLES

FORM = "https://forms.example.test/it/request?kind=vpn&amp;lang=ja"


def test_a_link_whose_words_say_something_else_keeps_its_target() -> None:
    html = f'<p>Please fill in <a href="{FORM}">the form</a>.</p>'
    assert html_to_text(html) == (
        "Please fill in the form (https://forms.example.test/it/request?kind=vpn&lang=ja)."
    )


def test_a_japanese_link_keeps_its_target() -> None:
    html = '<div>申請は<a href="https://forms.example.test/vpn">こちら</a>からお願いします。</div>'
    assert html_to_text(html) == "申請はこちら (https://forms.example.test/vpn) からお願いします。"


@pytest.mark.parametrize(
    ("href", "words"),
    [
        ("https://portal.example.test/", "https://portal.example.test/"),
        ("https://portal.example.test/", "https://portal.example.test"),  # the slash
        ("http://www.example.co.jp/", "www.example.co.jp"),  # a signature's site, linked
        ("https://Portal.Example.test/Help", "portal.example.test/Help"),  # host's case
        ("https://wiki.example.test/a%20b", "https://wiki.example.test/a b"),  # encoded
        ("https://xn--r8jz45g.jp/", "https://例え.jp/"),  # the host as an A-label
        ("mailto:ops@example.test", "ops@example.test"),
        ("MAILTO:Ops@Example.test?subject=VPN", "ops@example.test"),
        ("mailto:ito@xn--r8jz45g.jp", "ito@例え.jp"),
        ("https://portal.example.test/x", "see https://portal.example.test/x please"),
    ],
)
def test_a_link_whose_words_are_its_target_is_not_doubled(href: str, words: str) -> None:
    assert html_to_text(f'<p><a href="{href}">{words}</a></p>') == words


def test_a_mailto_link_shows_the_address_it_writes_to() -> None:
    html = (
        '<p>Write to <a href="mailto:helpdesk@example.test?subject=VPN&amp;cc=x@y.test">'
        "the desk</a></p>"
    )
    assert html_to_text(html) == "Write to the desk (helpdesk@example.test)"
    html = '<p><a href="mailto:ito@xn--r8jz45g.jp">伊藤</a></p>'
    assert html_to_text(html) == "伊藤 (ito@例え.jp)"  # as people read it


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",  # a browser drops the tab and runs it
        "java&#x09;script:alert(1)",
        "&#106;avascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<b>x</b>",
        "file:///etc/passwd",
        "cid:logo@01D",  # a picture inside the mail
        "#top",  # a place in the same document
        "/relative/page",  # relative to nothing a reader has
        "",
    ],
)
def test_a_target_that_is_not_a_place_to_go_is_not_written(href: str) -> None:
    assert html_to_text(f'<p>Click <a href="{href}">here</a> now</p>') == "Click here now"


def test_a_link_without_words_is_its_target() -> None:
    html = '<p>Our page:</p><a href="https://portal.example.test/"><img src="cid:logo" alt=""></a>'
    assert html_to_text(html) == "Our page:\n\nhttps://portal.example.test/"


def test_words_that_show_one_address_and_go_to_another_show_both() -> None:
    """What the reader is told and where the link really goes: a member reading a
    phishing report in the ticket sees the target the requester was sent to."""
    html = '<p><a href="https://evil.example.test/login">https://bank.example.test/</a></p>'
    assert html_to_text(html) == "https://bank.example.test/ (https://evil.example.test/login)"


def test_a_link_in_quoted_history_is_quoted_with_its_target() -> None:
    html = (
        "<div>Done.</div><blockquote type=cite><div>Use "
        '<a href="https://forms.example.test/vpn">the form</a></div></blockquote>'
    )
    assert html_to_text(html) == "Done.\n\n> Use the form (https://forms.example.test/vpn)"


def test_a_hidden_link_is_hidden_with_its_target() -> None:
    html = (
        '<p>Hello<span style="display:none"><a href="https://t.example.test/x">preview'
        "</a></span></p>"
    )
    assert html_to_text(html) == "Hello"


def test_a_link_in_a_link_is_closed_first_as_a_browser_does() -> None:
    """``<a>`` cannot hold ``<a>``: a browser ends the first where the second begins."""
    html = '<p><a href="https://a.example.test/">first <a href="https://b.example.test/">second</a></p>'
    assert html_to_text(html) == (
        "first (https://a.example.test/) second (https://b.example.test/)"
    )


def test_a_link_to_a_space_filled_target_stays_one_word() -> None:
    html = '<p><a href=" https://wiki.example.test/VPN setup\n">the wiki</a></p>'
    assert html_to_text(html) == "the wiki (https://wiki.example.test/VPN%20setup)"


def test_an_html_only_request_keeps_its_link_targets() -> None:
    raw = (
        b"From: Hanako <hanako@customer.test>\r\nTo: support@example.test\r\n"
        b"Subject: VPN\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b'<html><body><p>The <a href="https://status.example.test/vpn">status page</a> '
        b"says VPN is down.</p></body></html>\r\n"
    )
    message = parse_message(raw)
    assert "status page (https://status.example.test/vpn) says VPN is down." in message.text


def test_a_team_html_only_template_keeps_its_link_targets_in_the_text_part(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "team"
    (folder / "en").mkdir(parents=True)
    (folder / "en" / "acknowledgement.html.j2").write_text(
        '<p>Thanks. Track it on <a href="https://help.example.test/t/{{ ticket.id }}">'
        'our portal</a> or <a href="mailto:help@example.test">write to us</a>.</p>\n',
        encoding="utf-8",
    )
    done = Renderer(folder).render(SAMPLES[0], "en")
    assert (
        "Track it on our portal (https://help.example.test/t/42) or write to us "
        "(help@example.test)."
    ) in done.text


# ------------------------------------------------------------------ linear work


def _words_read(monkeypatch: pytest.MonkeyPatch, html: str) -> int:
    """How many characters of link words were read to decide the targets of ``html``."""
    read = [0]
    decide = html_text.after_link

    def counting(words: str, target: str | None) -> str:
        read[0] += len(words)
        return decide(words, target)

    monkeypatch.setattr(html_text, "after_link", counting)
    html_to_text(html)
    return read[0]


HOSTILE_LINKS = {
    # links never closed, each inside the last: a browser closes each at the next
    "unclosed": lambda n: '<a href="https://x.test/">w ' * n,
    # one link around a deep tower of elements holding text at every level
    "deep": lambda n: '<a href="https://x.test/">' + "<div>w " * n + "</div>" * n + "</a>",
    # many links, each closed
    "many": lambda n: '<a href="https://x.test/">w</a> ' * n,
    # links inside a tower of unclosed elements, each closed by an ancestor's end tag
    "in-tower": lambda n: '<span><a href="https://x.test/">w ' * n + "</span>",
}


@pytest.mark.parametrize("shape", sorted(HOSTILE_LINKS))
def test_link_words_are_read_once_however_the_links_nest(
    monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    """Counted, not timed: each character of a link's words is read for one link only,
    so 10 000 links read ten times what 1 000 do, not a hundred times."""
    small = _words_read(monkeypatch, HOSTILE_LINKS[shape](1000))
    big = _words_read(monkeypatch, HOSTILE_LINKS[shape](10_000))
    assert small > 0 and big <= 10 * small + 100, (small, big)
    assert big <= len(HOSTILE_LINKS[shape](10_000))
