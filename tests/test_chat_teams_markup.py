"""A subject, a name or an address is data in the Teams card, never Markdown: Teams
reads a TextBlock's text and a fact's value as Markdown (a CommonMark subset), so a
requester who writes ``[click](https://evil.test)`` would put a link of theirs under our
name, and ``**x**``, ``_x_``, ``# x`` or ``- x`` would format the notice. The card the
webhook receives is read here by a CommonMark renderer (markdown-it, as Teams' own web
client does): it shows the words as written, with no link, emphasis, heading or list."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from email.utils import formataddr
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from gateway.chat import render
from gateway.chat.markup import UNSEEN, literal_card, literal_markdown
from gateway.config.settings import ChatSettings, Settings, WebhookSettings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from tests.support import chat as c
from tests.support import hostile
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.slack_fake import FakeSlack

SUBJECTS = [
    "[click](https://evil.test) **now** _please_ ~~old~~ `code` <https://evil.test/a>",
    "# heading",
    "- item",
    "1. first",
    "> quoted \\*kept\\* AT&amp;T &#42;x&#42; ![img](https://evil.test/i.png)",
]
ADDRESS = "boss_it*x@customer.test"
# an Adaptive Card text function, which the renderer replaces by a date or a time in the
# reader's format (the JavaScript renderer's pattern, with the looser ones of others:
# an optional T, offset or comma, any case)
TEXT_FUNCTION = re.compile(
    r"\{\{(DATE|TIME)\(\d{4}-\d{2}-\d{2}T?\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})?"
    r"(,\s*(SHORT|LONG|COMPACT))?\)\}\}",
    re.IGNORECASE,
)
MARKUP = re.compile(r"<(a|strong|em|s|del|code|h\d|ul|ol|li|blockquote|img)\b")


def _rendered(text: str) -> str:
    """What a CommonMark reader makes of a TextBlock's or a fact's text."""
    return MarkdownIt("commonmark").enable("strikethrough").render(text)


def _readable(text: str) -> str:
    """What a person reads of a card's text: the rendered words (a zero-width space is
    seen as nothing)."""
    return html.unescape(re.sub(r"<[^>]+>", "", _rendered(text))).strip().replace("\u200b", "")


def _texts(card: dict[str, Any]) -> Iterator[str]:
    for item in card["body"]:
        if item["type"] == "TextBlock":
            yield item["text"]
        for fact in item.get("facts", ()):
            yield fact["value"]


@pytest.mark.parametrize("hostile", SUBJECTS)
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_teams_card_shows_a_subject_and_a_name_as_written(
    settings: Settings, clock: FakeClock, fake: FakeSlack, hostile: str, locale: str
) -> None:
    hooks = ChatSettings(teams=WebhookSettings(url=fake.hook_url("teams"), locale=locale))
    app = build(replace(settings, chat=hooks), clock)
    try:
        # the same words as the subject and as the requester's name (a fact's value,
        # where they start the text: a list or a heading there)
        # (an angle bracket in a display name is refolded by the mail builder into a second
        # address: the name leaves the autolink out, the subject carries it)
        name = hostile.replace(" <https://evil.test/a>", "")
        sender = formataddr((name, ADDRESS))
        outcome = deliver(app, mail(hostile, "hello", sender=sender))
        assert outcome.ticket_id is not None
        assert c.poster(app).drain().sent
    finally:
        app.close()
    [body] = fake.hooks["teams"]
    card = body["attachments"][0]["content"]
    texts = list(_texts(card))
    for text in texts:
        shown = _rendered(text)
        assert not MARKUP.search(shown), (text, shown)
        # a reader that knows no backslash escape (the older native Adaptive Card
        # renderers match ``[`` … ``](`` … ``)`` as they come) finds no link either
        assert "](" not in text, text
    readable = [_readable(t) for t in texts]
    assert any(hostile in r for r in readable[:1]), readable  # as written, every character
    assert f"{name} <{ADDRESS}>" in readable, readable


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_an_entrys_name_and_the_assignees_are_literal_in_the_teams_card(locale: str) -> None:
    """The catalog's names and a member's name are data too (the webhook test above
    covers the subject and the requester, which come from mail)."""
    entry, assignee = "*Core* _VPN_ [wiki](https://evil.test/w)", "- 1. # Boss"
    facts = render.TicketFacts(
        id=7, tag="[#7]", subject="VPN", state="open", entry=entry,
        requester="ito@customer.test", assignee=assignee,
    )  # fmt: skip
    card = render.teams_message({"notice": "stale"}, facts, locale)["attachments"][0]["content"]
    values = [f["value"] for f in card["body"][1]["facts"]]
    for value in values:
        assert not MARKUP.search(_rendered(value)) and "](" not in value, value
    readable = [_readable(v) for v in values]
    assert entry in readable and assignee in readable, readable


FUNCTIONS = [
    "{{DATE(2026-12-05T10:00:00Z, SHORT)}}",
    "{{TIME(2026-12-05T10:00:00Z)}}",
    "Due {{DATE(2026-12-05T10:00:00+09:00, LONG)}} {{TIME(2026-12-05T10:00:00-05:00)}}",
    "{{date(2026-12-05T10:00:00Z,COMPACT)}} {{{DATE(2026-12-05T10:00:00Z)}}}",
    "- {{DATE(2026-12-05T10:00:00Z)}} **x**",
]


@pytest.mark.parametrize("typed", FUNCTIONS)
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_date_function_in_a_subject_or_a_name_is_no_date_in_the_teams_card(
    typed: str, locale: str
) -> None:
    """Adaptive Cards evaluate ``{{DATE(…)}}`` and ``{{TIME(…)}}`` in a TextBlock's text
    (and a fact's): a subject or a name holding one would show a date of the card's
    making. It reads as typed, braces and all, in every text that came from people."""
    facts = render.TicketFacts(
        id=7, tag="[#7]", subject=typed, state="open", entry=typed,
        requester=f"{typed} <ito@customer.test>", assignee=typed,
    )  # fmt: skip
    for kind in ("new", "sla", "stale"):
        message = render.teams_message({"notice": kind, "target": "resolve"}, facts, locale)
        texts = list(_texts(message["attachments"][0]["content"]))
        for text in texts:
            assert not TEXT_FUNCTION.search(text), text
            assert not MARKUP.search(_rendered(text)), text
        readable = [_readable(t) for t in texts]
        assert typed in readable[0], readable  # the headline, as typed
        assert readable[1:].count(typed) == 2, readable  # the entry, the assignee
        assert f"{typed} <ito@customer.test>" in readable, readable


def test_a_mails_subject_with_a_date_function_reaches_teams_as_typed(
    settings: Settings, clock: FakeClock, fake: FakeSlack
) -> None:
    """End to end: filed from mail, posted by the poster to the Teams webhook."""
    typed = "Maintenance {{DATE(2026-12-05T10:00:00Z, SHORT)}} at {{TIME(2026-12-05T10:00:00Z)}}"
    hooks = ChatSettings(teams=WebhookSettings(url=fake.hook_url("teams"), locale="en"))
    app = build(replace(settings, chat=hooks), clock)
    try:
        assert deliver(app, mail(typed, "hello")).ticket_id is not None
        assert c.poster(app).drain().sent
    finally:
        app.close()
    [body] = fake.hooks["teams"]
    [headline, *_] = _texts(body["attachments"][0]["content"])
    assert not TEXT_FUNCTION.search(headline), headline
    assert typed in _readable(headline)


# An emoji shortcode as Teams reads one in a card (:fire:, :+1:, :100:, :thumbs_up:): a
# colon, a name, a colon. The model takes any name without a space, a colon or a
# zero-width space, more than Teams knows, so that it asks for more than Teams may.
SHORTCODE = re.compile(rf":[^\s:{UNSEEN}]+:")
CARD_CHARS = ":a1_+-!( \n\\*{}é火);<3DpP"
# An emoticon Teams shows as its emoji: a Skype code in parentheses ((smile), (y), (*)),
# or a face or a heart typed in punctuation (:) ;-) :D :P <3); any code without a space,
# a parenthesis or a zero-width space, more than Teams knows
EMOTICON = re.compile(
    rf"\([^\s(){UNSEEN}]+\)"
    r"|(?<![A-Za-z0-9_])[:;]-?[()\[\]/|$@pPdDoOsSxX'*]"
    r"|</?3"
)


def _shown(text: str) -> str:
    """What a card's renderer shows of ``text``, zero-width spaces kept."""
    return html.unescape(re.sub(r"<[^>]+>", "", _rendered(text)))


@settings(max_examples=800, deadline=None)
@given(
    (st.text(alphabet=st.sampled_from(CARD_CHARS), max_size=40) | st.text(max_size=40)).map(
        lambda typed: typed.replace(UNSEEN, "")
    )
)
def test_no_shortcode_forms_in_a_card_and_every_character_stays(typed: str) -> None:
    """Whatever the text, the card holds no shortcode, before the Markdown is read or
    after; what it adds to the Markdown's escapes is only zero-width spaces, and each
    one after a colon is needed: without it, a shortcode would start there."""
    card = literal_card(typed)
    assert not SHORTCODE.search(card), (typed, card)
    assert not SHORTCODE.search(_shown(card)), (typed, card)
    assert not EMOTICON.search(_shown(card)), (typed, card)
    assert card.replace(UNSEEN, "") == literal_markdown(typed), (typed, card)
    for at in range(1, len(card)):
        if card[at - 1 : at + 1] == ":" + UNSEEN:
            without = _shown(card[:at] + card[at + 1 :])
            assert SHORTCODE.search(without) or EMOTICON.search(without), (typed, card, at)


SHORTCODES = [
    "status :fire: now",
    ":+1: :100: :thumbs_up:",
    "a:b:c:d",
    "10:00:00 ::smile:: :\n:",
    "(smile) (y) (*) :) ;-) :D :P <3 </3 :-(",
]


@pytest.mark.parametrize("typed", SHORTCODES)
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_shortcode_in_a_subject_or_a_name_is_no_emoji_in_the_teams_card(
    typed: str, locale: str
) -> None:
    """Teams shows ``:fire:`` as its emoji: a subject or a name reads as typed instead."""
    facts = render.TicketFacts(
        id=7, tag="[#7]", subject=typed, state="open", entry=typed,
        requester=f"{typed} <ito@customer.test>", assignee=typed,
    )  # fmt: skip
    message = render.teams_message({"notice": "new"}, facts, locale)
    texts = list(_texts(message["attachments"][0]["content"]))
    for text in texts:
        assert not SHORTCODE.search(text) and not SHORTCODE.search(_shown(text)), text
        assert not EMOTICON.search(_shown(text)), text
    readable = [_readable(t) for t in texts]
    assert typed in readable[0], readable  # the headline, as typed
    assert readable[1:].count(typed) == 2, readable  # the entry, the assignee
    assert f"{typed} <ito@customer.test>" in readable, readable


@pytest.mark.parametrize("unit", ["(", "(x", ":", ":)", ";-", "<3", "{", ":x"])
def test_the_card_text_grows_linearly_with_the_text(unit: str) -> None:
    """A text of markup only is made literal in passes that each look ahead no further
    than the next space, colon or parenthesis: linear, whatever it holds."""
    text = unit * (200_000 // len(unit))
    with hostile.within(3.0, f"literal_card of {len(text)} characters of {unit!r}"):
        literal_card(text)
