"""HTML-only replies as the big clients write them, end to end through the pipeline.

* Gmail's quote (``<div class="gmail_quote">`` holding ``<blockquote
  class="gmail_quote">``), Outlook's ``divRplyFwdMsg`` and ``border-top:solid #E1E1E1``
  separators, Apple Mail's ``<blockquote type="cite">`` and Thunderbird's
  ``moz-cite-prefix`` are quoted history: neither relayed nor read for commands.
* Gmail's (and Apple Mail's) *indent* is ``<blockquote style="margin:0 0 0 40px;
  border:none;padding:0px">`` with no quote class: the writer's own indented lines,
  which were taken for a quote and dropped from what the requester was sent.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.pipeline.parse.html_text import html_to_text
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

INDENT = '<blockquote style="margin:0 0 0 40px;border:none;padding:0px">'

# each client's HTML reply: {new} is the writer's words, {old} the quoted old mail
CLIENTS = {
    "gmail": (
        '<div dir="ltr">{new}</div><br><div class="gmail_quote"><div dir="ltr" '
        'class="gmail_attr">On Sat, Dec 5, 2026 at 10:00 AM Alice &lt;<a href="mailto:'
        'alice@customer.test">alice@customer.test</a>&gt; wrote:<br></div><blockquote '
        'class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
        'rgb(204,204,204);padding-left:1ex"><div dir="ltr">{old}</div></blockquote></div>'
    ),
    "outlook-web": (
        '<div style="font-family:Calibri">{new}</div><hr style="display:inline-block;'
        'width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri">'
        "<b>From:</b> Alice<br><b>Sent:</b> Saturday, December 5, 2026 10:00<br><b>To:</b>"
        " support<br><b>Subject:</b> VPN</font><div>&nbsp;</div></div><div>{old}</div>"
    ),
    "outlook-desktop": (
        '<div class="WordSection1"><p class="MsoNormal">{new}</p><div><div style="border:'
        'none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal">'
        "<b>差出人:</b> Alice<br><b>送信日時:</b> 2026年12月5日 10:00<br><b>宛先:</b> support<br>"
        '<b>件名:</b> VPN</p></div></div><p class="MsoNormal">{old}</p></div>'
    ),
    "apple-mail": (
        '<html><body dir="auto">{new}<br><div><br><blockquote type="cite"><div>On Dec 5, '
        "2026, at 10:00, Alice &lt;alice@customer.test&gt; wrote:</div><br><div><div>{old}"
        "</div></div></blockquote></div></body></html>"
    ),
    "thunderbird": (
        '<html><body><p>{new}</p><div class="moz-cite-prefix">Am 05.12.26 um 10:00 schrieb '
        'Alice:<br></div><blockquote type="cite" cite="mid:x@customer.test">{old}'
        "</blockquote></body></html>"
    ),
}

CONTEXTS = {
    # (member, the words they write, the requester's old mail they quote)
    "en": ("ops@example.test", "The VPN is renewed.", "Please renew the VPN.<br>/close"),
    "ja": ("ops2@example.test", "VPN を更新しました。", "VPN を更新してください。<br>/close"),
}


def _html_mail(subject: str, html: str, *, sender: str, to: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = "<html-reply@example.test>"
    msg.set_content(html, subtype="html")
    return bytes(msg)


@pytest.mark.parametrize("client", CLIENTS, ids=CLIENTS.keys())
@pytest.mark.parametrize("context", CONTEXTS, ids=CONTEXTS.keys())
def test_a_members_html_reply_relays_the_words_and_not_the_quote(
    team: App, client: str, context: str
) -> None:
    member, new, old = CONTEXTS[context]
    deliver(team, mail("VPN", body=old.replace("<br>", "\n")))
    to = reply_address(team, 1, member)
    html = CLIENTS[client].format(new=new, old=old)
    deliver(team, _html_mail("Re: [#1] VPN", html, sender=member, to=to), envelope_to=(to,))
    sent = [text_of(m) for m in outbox(team, "ops_reply")]
    assert len(sent) == 1, sent
    assert new in sent[0]
    assert old.split("<br>")[0] not in sent[0]
    assert show(team, 1)["state"] != "closed"  # the quoted /close is no command


@pytest.mark.parametrize("context", CONTEXTS, ids=CONTEXTS.keys())
def test_gmails_indent_is_the_writers_own_text(team: App, context: str) -> None:
    member, new, old = CONTEXTS[context]
    deliver(team, mail("VPN", body=old.replace("<br>", "\n")))
    to = reply_address(team, 1, member)
    steps = (
        ("1. Open Settings", "2. Choose VPN")
        if context == "en"
        else ("1. 設定を開く", "2. VPN を選ぶ")
    )
    indented = (
        f'<div dir="ltr">{new}{INDENT}<div>{steps[0]}</div><div>{steps[1]}</div></blockquote>'
    )
    html = CLIENTS["gmail"].format(new=indented + "</div>", old=old)
    deliver(team, _html_mail("Re: [#1] VPN", html, sender=member, to=to), envelope_to=(to,))
    sent = [text_of(m) for m in outbox(team, "ops_reply")]
    assert len(sent) == 1, sent
    assert new in sent[0] and steps[0] in sent[0] and steps[1] in sent[0]
    assert old.split("<br>")[0] not in sent[0]


def test_an_indent_inside_gmails_quote_is_still_quoted() -> None:
    html = CLIENTS["gmail"].format(new="Done.", old=f"{INDENT}/close</blockquote>")
    assert "/close" not in [line.strip() for line in html_to_text(html).splitlines()]


def test_a_blockquote_with_a_border_or_none_styled_is_still_a_quote() -> None:
    for tag in ("<blockquote>", '<blockquote style="border-left:1px solid #ccc">'):
        assert html_to_text(f"Done.{tag}Old</blockquote>").splitlines()[-1] == "> Old"
