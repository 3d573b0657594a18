"""Text an HTML mail hides by inline style (a newsletter's preheader in a
``display:none`` span, Outlook's ``mso-hide:all``) is not what its reader sees, so the
ticket does not show it either. Only an element closed by its own end tag hides: an
unclosed one (or one closed only by its parent's end) must not hide the rest of the mail."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.pipeline.parse.html_text import html_to_text
from gateway.runtime.app import App
from tests.support.pipeline import deliver, show

HIDING = [
    "display:none",
    "DISPLAY: none !important",
    "font-size:1px; display: none; max-height:0",
    "visibility:hidden",
    "mso-hide:all",
]


@pytest.mark.parametrize("style", HIDING)
def test_an_element_hidden_by_its_style_is_dropped(style: str) -> None:
    html = (
        f'<body><span style="{style}">Preheader: 50% off today only</span>'
        "<p>VPNに接続できません。</p></body>"
    )
    assert html_to_text(html) == "VPNに接続できません。"


@pytest.mark.parametrize(
    "style", ["display:block", "display: none-ish", "color:red", "visibility:visible"]
)
def test_other_styles_show_their_text(style: str) -> None:
    assert html_to_text(f'<div style="{style}">shown</div><p>x</p>') == "shown\n\nx"


def test_everything_inside_a_hidden_element_goes_with_it() -> None:
    html = (
        '<div>before<div style="display:none"><p>a</p><table><tr><td>b</td></tr></table>'
        '<span style="display:none">c</span>d</div>after</div>'
    )
    assert html_to_text(html) == "before\nafter"


def test_an_unclosed_hidden_element_hides_nothing() -> None:
    html = '<p>Hello</p><div style="display:none">Please reset my password.'
    assert html_to_text(html) == "Hello\n\nPlease reset my password."


def test_a_hidden_element_closed_only_by_its_parent_hides_nothing() -> None:
    html = '<div><span style="display:none">The printer is down.</div><p>Thanks</p>'
    assert html_to_text(html) == "The printer is down.\n\nThanks"


def test_a_hidden_separator_does_not_quote_the_rest() -> None:
    html = '<div><div style="display:none"><div id="divRplyFwdMsg">x</div></div><p>/close</p></div>'
    assert html_to_text(html) == "/close"


def test_a_newsletter_preheader_stays_out_of_the_ticket(team: App) -> None:
    msg = EmailMessage()
    msg["From"] = "alice@customer.test"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Printer"
    msg["Message-ID"] = "<pre@customer.test>"
    msg.set_content(
        '<div style="display:none;max-height:0;overflow:hidden">Your weekly digest is here'
        "</div><p>The printer on floor 3 is down.</p>",
        subtype="html",
    )
    deliver(team, bytes(msg))
    [message] = [m for m in show(team, 1)["messages"] if m["direction"] == "in"]
    assert message["text"] == "The printer on floor 3 is down."
