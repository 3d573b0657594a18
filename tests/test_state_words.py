"""One word per ticket state, whichever door says it: a chat card, a member's mail,
the web board and ticket page, a saved answer, a customer's status mail.

The README's "Japanese wording" glossary is the rule: a member reads 受付, 対応中,
返信待ち, 完了; a customer reads お客様の返信待ち for ``pending``. 未完了 is the
board's summary word for "not closed", never the name of ``open``. English says the
same word everywhere too (a page's heading starts with a capital).
"""

from __future__ import annotations

import pytest

from gateway.chat import render
from gateway.core.i18n import translate
from gateway.notify import labels
from gateway.notify import views as v
from gateway.notify.render import Renderer
from gateway.web import pages
from tests.support.samples import ALICE, SAMPLES, T42, TEAM

STATES = ("new", "open", "pending", "closed")
MEMBER_WORDS = {  # the glossary's "Member reads" column
    "ja": {"new": "受付", "open": "対応中", "pending": "返信待ち", "closed": "完了"},
    "en": {"new": "new", "open": "in progress", "pending": "waiting for reply", "closed": "closed"},
}
CUSTOMER_PENDING = {"ja": "お客様の返信待ち", "en": "waiting for your reply"}


def _web(state: str, locale: str) -> str:
    """What the pages' state macro (board columns, ticket page, list, history) prints."""
    env = pages.environment(locale)
    page = env.from_string('{% import "_macros.html.j2" as m %}{{ m.state(s) }}')
    return page.render(s=state)


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("state", STATES)
def test_a_state_has_one_name_for_members_in_every_door(locale: str, state: str) -> None:
    word = MEMBER_WORDS[locale][state]
    assert render.state_name(state, locale) == word  # chat: cards, thread lines, notices
    assert translate(labels.state(state), locale) == word  # mails to members, the CLI's lines
    assert _web(state, locale).lower() == word  # the board, the ticket page


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_customer_is_told_the_team_waits_for_them(locale: str) -> None:
    assert translate(labels.customer_state("pending"), locale) == CUSTOMER_PENDING[locale]
    for state in ("new", "open", "closed"):  # the others: the members' words
        assert translate(labels.customer_state(state), locale) == MEMBER_WORDS[locale][state]


def test_the_chat_card_of_an_open_ticket_says_in_progress() -> None:
    facts = render.TicketFacts(
        id=7, tag="[#7]", subject="VPN", state="open", entry="", requester="a@x.test", assignee=""
    )
    card = str(render.card(facts, "ja"))
    assert "対応中" in card and "未完了" not in card
    assert "in progress" in str(render.card(facts, "en"))


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_status_mail_says_whose_reply_the_ticket_waits_for(locale: str) -> None:
    """To the requester: the customer's word; to a watcher: the plain one (its sentence
    already says the requester's reply is awaited, not theirs)."""
    to_requester = v.StatusChange(TEAM, ALICE, T42, v.StatusLine("open", "pending"))
    mail = Renderer(None).render(to_requester, locale)
    assert CUSTOMER_PENDING[locale] in mail.subject and CUSTOMER_PENDING[locale] in mail.text
    watcher = next(
        s
        for s in SAMPLES
        if isinstance(s, v.StatusChange) and s.watching and s.status.new_state == "pending"
    )
    told = Renderer(None).render(watcher, locale)
    assert CUSTOMER_PENDING[locale] not in told.text
    assert MEMBER_WORDS[locale]["pending"] in told.text


REASON_WORDS = {  # the glossary's close reasons (spam and duplicate: the mails' words)
    "ja": {
        "resolved": "解決済み",
        "stale": "長期間更新なし",  # 放置 is the board's mark of an untouched ticket only
        "no-response": "返信なし",
        "duplicate": "重複",
        "spam": "迷惑メール",
    },
    "en": {
        "resolved": "resolved",
        "stale": "no recent activity",
        "no-response": "no response",
        "duplicate": "duplicate",
        "spam": "spam",
    },
}


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("reason", ["resolved", "stale", "no-response", "duplicate", "spam"])
def test_a_close_reason_has_one_name_on_the_pages_and_in_the_mails(
    locale: str, reason: str
) -> None:
    """The ticket page said 完了 (放置) and 解決, スパム where the status mail says
    長期間更新なし, 解決済み, 迷惑メール: its macro shared the board's column word."""
    word = REASON_WORDS[locale][reason]
    assert translate(labels.close_reason(reason), locale) == word
    env = pages.environment(locale)
    page = env.from_string('{% import "_macros.html.j2" as m %}{{ m.reason(r) }}')
    assert page.render(r=reason).lower() == word


def test_the_chat_cards_buttons_are_the_ticket_pages_words() -> None:
    """Slack's "Set pending" (返信待ちにする) named the state's value where the page's
    button says "Wait for the requester" (依頼者の返信待ちにする) for the same act."""
    facts = render.TicketFacts(
        id=7, tag="[#7]", subject="VPN", state="open", entry="", requester="a@x.test", assignee=""
    )
    for locale, words in {
        "ja": ["自分の担当にする", "依頼者の返信待ちにする", "完了にする"],
        "en": ["Assign to me", "Wait for the requester", "Close"],
    }.items():
        actions = next(b for b in render.card(facts, locale)["blocks"] if b["type"] == "actions")
        assert [e["text"]["text"] for e in actions["elements"]] == words
