"""Answers marked with the writer's name inside Outlook's unmarked old mail ("Mark my
comments with": ``[Alice Example] …``), for the requester as for a member, from the
plain part and from Outlook's HTML alone (new Outlook, Outlook on the web).

Found: a requester's comments were never read (only a member's were), so their answers
were lost from the ticket; and an HTML-only reply's never were, a member's either. The
HTML is rendered with everything after Outlook's separator (``divRplyFwdMsg``, the
``border-top`` rule) marked ``> ``: the From:/Sent: block too, so no quote header was
found in the text (``first_old_mail`` gave ""), and every comment was a ``>`` line,
which is never read as one. Each comment now keeps the old mail's lines right above
it, the question it answers, as an inline answer keeps its quoted lines.
"""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.inline_comments import (
    comment_names,
    marked_comments,
    with_questions,
)
from gateway.pipeline.parse.quotes import first_old_mail, split_reply
from gateway.runtime.app import App
from tests.support import hostile
from tests.support.app import reply_address
from tests.support.mails import client_reply, mail
from tests.support.pipeline import deliver, outbox, show, text_of

ALICE = "Alice Example <alice@customer.test>"
QUESTIONS = (
    "PC 名を教えてください。\n(例: PC-0000)\n\n"
    "何階にいらっしゃいますか。\n\nよろしくお願いします。\n"
)
OUTLOOK_BLOCK = (
    "差出人: Support <support@example.test>\n送信日時: 2026年3月1日 18:00\n"
    "宛先: Alice Example <alice@customer.test>\n件名: RE: [#1] VPN\n\n"
)
OUTLOOK_EN = (
    "From: Support <support@example.test>\nSent: Sunday, March 1, 2026 6:00 PM\n"
    "To: Alice Example <alice@customer.test>\nSubject: RE: [#1] VPN\n\n"
)


def _commented(mark: str) -> str:
    return QUESTIONS.replace("(例: PC-0000)\n", f"(例: PC-0000)\n{mark} PC-0123 です。\n").replace(
        "何階にいらっしゃいますか。\n", f"何階にいらっしゃいますか。\n{mark} 3F です。\n"
    )


WANTED = (
    "> PC 名を教えてください。\n> (例: PC-0000)\n[{m}] PC-0123 です。\n\n"
    "> 何階にいらっしゃいますか。\n[{m}] 3F です。"
)


@pytest.mark.parametrize("block", [OUTLOOK_BLOCK, OUTLOOK_EN], ids=["ja", "en"])
@pytest.mark.parametrize("mark", ["[Alice Example]", "[Alice]", "[alice]", "［Ａｌｉｃｅ］"])
def test_each_comment_keeps_the_lines_it_answers(block: str, mark: str) -> None:
    old = first_old_mail(f"下記のとおり回答します。\n\n{block}{_commented(mark)}")
    names = comment_names("Alice Example", "alice@customer.test")
    found = with_questions(marked_comments(old, names))
    shown = WANTED.replace("[{m}]", mark)
    assert found == shown
    assert "よろしく" not in found  # the unanswered parts stay cut


def test_only_shown_lines_stay_above_a_comment() -> None:
    found = marked_comments("intro\nnote: internal\nQ?\n[Ops] A\n", frozenset({"ops"}))
    assert with_questions(found, {"Q?", "intro"}.__contains__) == "> Q?\n[Ops] A"


NEW_OUTLOOK = (
    '<html><body dir="ltr"><div class="elementToProof">{top}</div>'
    '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
    '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" color="#000000">'
    "<b>差出人:</b> Support &lt;support@example.test&gt;<br><b>送信日時:</b> 2026年3月1日"
    " 18:00<br><b>宛先:</b> {to}<br><b>件名:</b> RE: [#1] VPN</font><div>&nbsp;</div>"
    "</div><div>{old}</div></body></html>"
)


def _html_old(text: str) -> str:
    return "<br>".join(text.rstrip("\n").split("\n"))


def test_an_html_only_outlook_reply_is_read_as_its_plain_part_would_be() -> None:
    html = NEW_OUTLOOK.format(
        top="下記のとおり回答します。", to="Alice", old=_html_old(_commented("[Alice]"))
    )
    shown = html_to_text(html)
    assert "> 差出人: Support" in shown and "> [Alice] 3F です。" in shown  # why none was read
    assert first_old_mail(shown) == ""
    assert split_reply(shown) == "下記のとおり回答します。"  # the old mail stays old
    plain = html_to_text(html, separators=False)
    found = marked_comments(first_old_mail(plain), comment_names("Alice", "a@x.test"))
    assert with_questions(found) == WANTED.replace("[{m}]", "[Alice]")


def test_many_marks_cost_linear_time() -> None:
    names = frozenset({"x"})
    for unit in ("[x] a\n", "[x]\n", "[" * 80 + "x\n", "q\n[x] a\n\n", "[xx] " + "a" * 2000 + "\n"):
        text = OUTLOOK_EN + unit * (200_000 // len(unit))
        with hostile.within(3.0, repr(unit)):
            with_questions(marked_comments(first_old_mail(text), names))
            html_to_text("<div>" + "<br>".join(text.split("\n")) + "</div>", separators=False)


# end to end, through the runner


def _notice_reply(top: str, old: str, *, sender: str, to: str, html: bool) -> bytes:
    if html:
        return client_reply(
            "",
            sender=sender,
            to=to,
            html=NEW_OUTLOOK.format(top=top, to=to, old=_html_old(old)),
            html_only=True,
        )
    return client_reply(f"{top}\n\n{OUTLOOK_BLOCK}{old}", sender=sender, to=to, crlf=True)


@pytest.mark.parametrize("html", [False, True], ids=["plain", "html-only"])
def test_a_requesters_comments_land_on_the_ticket(team: App, html: bool) -> None:
    deliver(team, mail("VPN", body="VPN が繋がりません。\n", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "alice@customer.test")
    raw = _notice_reply(
        "回答を下に書きました。", _commented("[Alice Example]"), sender=ALICE, to=to, html=html
    )
    deliver(team, raw, envelope_to=(to,))
    stored = [m["new_text"] for m in show(team, 1)["messages"] if m["direction"] == "in"][-1]
    assert stored == "回答を下に書きました。\n\n" + WANTED.replace("[{m}]", "[Alice Example]")


@pytest.mark.parametrize("html", [False, True], ids=["plain", "html-only"])
def test_a_members_comments_reach_the_requester(team: App, html: bool) -> None:
    deliver(team, mail("VPN", body=QUESTIONS, message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    sender = "Ops One <ops@example.test>"
    old = "Ops Two added an internal note:\n怒っています\n[Ops One] 承知しました\n\n" + _commented(
        "[Ops One]"
    )
    deliver(
        team, _notice_reply("/pending", old, sender=sender, to=to, html=html), envelope_to=(to,)
    )
    assert show(team, 1)["state"] == "pending"
    [sent] = [text_of(m) for m in outbox(team, "ops_reply")]
    assert WANTED.replace("[{m}]", "[Ops One]") in sent.replace("\r\n", "\n"), sent
    assert "怒っています" not in sent and "internal note" not in sent, sent
