"""A Japanese sentence of ours reads in a mail's HTML part as the text part has it: no
space where the catalog broke its line.

The ja catalog breaks some messages in two lines as the English ones are
(「…ありがとうございます。」 / 「以下の内容で受け付けました。」). In a ``<p>`` of the HTML
part that line break is white space, which Chromium (Gmail in Chrome, new Outlook) and
Outlook's Word engine show as a space between two Japanese characters: the customer's
acknowledgement read 「ありがとうございます。 以下の内容で」 and 「ご返信ください。 件名の
[#1]」, the pending reminder 「について、 3 日前に」. A break inside a translated sentence
is now joined as the text part joins it (nothing between Japanese characters or beside
a full-width punctuation mark, a space elsewhere); English reads as it did.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage

from gateway.runtime.app import App
from store.models import OutboxRow
from tests.support.browser import needs_browser
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox

# a space after a Japanese punctuation mark, which carries its own
STRAY = re.compile(r"[、。」）][ \u00a0]")


def _html(row: OutboxRow) -> str:
    msg = email.message_from_bytes(row.raw, policy=email.policy.default)
    part = msg.get_body(preferencelist=("html",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def _acknowledgement(app: App, subject: str, body: str, sender: str) -> str:
    deliver(app, mail(subject=subject, body=body, sender=sender))
    [ack] = outbox(app, "acknowledgement")
    return _html(ack)


def test_the_japanese_acknowledgement_has_no_line_break_inside_a_sentence(app: App) -> None:
    html = _acknowledgement(
        app, "VPNに接続できません", "VPNがつながりません。\n", "山田 <yamada@customer.test>"
    )
    assert "ありがとうございます。以下の内容で受け付けました。" in html, html
    assert "このメールにそのままご返信ください。件名の [#1] は消さずに" in html, html


def test_the_english_acknowledgement_joins_its_lines_with_a_space(app: App) -> None:
    """What a browser showed of the line break, now in the markup too."""
    html = _acknowledgement(
        app, "VPN does not connect", "Hello,\nmy VPN fails.\n", "Alice <alice@customer.test>"
    )
    assert "simply reply to this mail. Please keep [#1] in the subject." in html, html


@needs_browser
def test_chromium_shows_the_japanese_acknowledgement_without_a_stray_space(app: App) -> None:
    """What the customer sees in a Chromium-based reader: its text, not the markup."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import ARGS, CHROMIUM

    html = _acknowledgement(
        app, "VPNに接続できません", "VPNがつながりません。\n", "山田 <yamada@customer.test>"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.set_content(html)
            shown = page.inner_text("body")
        finally:
            browser.close()
    assert "以下の内容で受け付けました" in shown
    assert not STRAY.findall(shown), shown
