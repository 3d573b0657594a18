"""HTML whose text keeps its line breaks by style: ``white-space: pre``, ``pre-wrap``,
``pre-line`` or ``break-spaces`` (what some webmails and mail merges send, and what a
plain-text mail rendered in HTML by a gateway looks like), as ``<pre>`` does. Read as
flowing HTML, its lines ran into one: a member's ``/close`` on its own line was not read
and the requester got "/close Thanks, fixed." as one line."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.pipeline.parse.html_text import html_to_text
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

STYLES = [
    "white-space: pre",
    "white-space:pre-wrap",
    "WHITE-SPACE: pre-line; font-family: monospace",
    "font-size: 12px; white-space: break-spaces",
]


@pytest.mark.parametrize("style", STYLES)
def test_lines_in_an_element_styled_to_keep_them_are_kept(style: str) -> None:
    html = f'<html><body><div style="{style}">/close\n\nThanks, fixed.\nAlice</div></body></html>'
    assert html_to_text(html) == "/close\n\nThanks, fixed.\nAlice"


@pytest.mark.parametrize("style", STYLES)
def test_the_style_reaches_the_elements_inside_and_ends_with_its_element(style: str) -> None:
    html = f'<div style="{style}"><span>/pending\n確認します。</span></div><p>flowing\ntext</p>'
    assert html_to_text(html) == "/pending\n確認します。\n\nflowing text"


@pytest.mark.parametrize("style", ["white-space: normal", "white-space: nowrap", "color: red"])
def test_other_styles_flow(style: str) -> None:
    assert html_to_text(f'<div style="{style}">a\nb</div>') == "a b"


def test_a_pre_element_keeps_its_lines() -> None:
    assert html_to_text("<pre>/close\nDone.</pre><div>x\ny</div>") == "/close\nDone.\n\nx y"


def test_a_members_html_reply_in_pre_wrap_closes_and_relays_lines(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    msg = EmailMessage()
    msg["From"] = "ops@example.test"
    msg["To"] = to
    msg["Subject"] = "Re: [#1] VPN"
    html = '<div style="white-space: pre-wrap">/close\n\nThanks, fixed.\nPlease try again.</div>'
    msg.set_content(html, subtype="html")
    deliver(team, bytes(msg), envelope_to=(to,))
    assert show(team, 1)["state"] == "closed"
    [sent] = outbox(team, "ops_reply")
    assert "Thanks, fixed.\nPlease try again." in text_of(sent)
    assert "/close" not in text_of(sent)
