"""A Slack-format webhook's text is Markdown where Mattermost (and Rocket.Chat) read it:
a subject ``**urgent** _now_``, a requester named ``# Boss`` or ``![x](https://…)`` would
be bold, a heading or an image in a post under our bot's name. What came from mail and
people is escaped (:func:`gateway.chat.markup.literal_webhook`) and read back here by a
CommonMark parser (markdown-it, with GFM's strikethrough and tables as Mattermost has
them): exactly the characters as typed, as plain text, and nothing else."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from gateway.chat import render
from gateway.chat.markup import UNSEEN, literal_webhook
from gateway.config.settings import ChatSettings, Settings, WebhookSettings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from tests.support import chat as c
from tests.support import hostile
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.slack_fake import FakeSlack

SIZE = 200_000  # characters: quadratic time here is minutes, linear is milliseconds
BOUND = 3.0  # seconds, on a busy two-core machine

READER = MarkdownIt("commonmark").enable(["strikethrough", "table"])
PLAIN = {"text", "softbreak", "hardbreak"}  # what a line of plain text is made of
BLOCKS = {"paragraph_open", "paragraph_close", "inline"}  # one paragraph, nothing else
# everything that means something in Markdown or to Mattermost's text formatter, often
MARKUP_CHARS = "\\`*_~[]()!<>&#|:;@-+=.0123456789{}$^\"'x dwW\t \n\u3000\u00a0"
# what Mattermost's formatter makes a ping, a channel link, a hashtag or an emoji of
# (after Markdown gave the escaped characters back): a sigil right before a name
FORMATTER = re.compile(  # its patterns are JavaScript's: a word is [A-Za-z0-9_]
    r"(?<![A-Za-z0-9.+-])@[A-Za-z0-9._-]"  # a mention
    r"|(?<![A-Za-z0-9_])~[A-Za-z0-9._-]"  # a channel link
    r"|(?<![A-Za-z0-9_])#[^\W\d_]"  # a hashtag (a letter after the #)
    r"|:[A-Za-z0-9_+-]+:"  # an emoji shortcode
    r"|(?<![A-Za-z0-9_])(?:[:;]-?[()\[\]/|$@pPdDoOsSxX']|</?3|[xX]-[dD])"  # an emoticon
    r"|(?<![A-Za-z0-9_])(?i:www)\."  # a bare www.example.com, which Mattermost links
)
# inline LaTeX (Mattermost, when enabled): a $ that no backslash escapes opens it
LATEX = re.compile(r"(?<!\\)(?:\\\\)*\$")


def _read(text: str) -> tuple[list[Token], str]:
    """The block tokens of ``text`` and the plain text a reader sees (zero-width
    spaces dropped: they show as nothing)."""
    tokens = READER.parse(text)
    shown: list[str] = []
    for token in tokens:
        for child in token.children or ():
            assert child.type in PLAIN, (text, child.type)  # no emphasis, link, image, code
            shown.append("\n" if child.type.endswith("break") else child.content)
    return tokens, "".join(shown).replace(UNSEEN, "")


def _shown(escaped: str) -> str:
    tokens, shown = _read(escaped)
    assert {t.type for t in tokens} <= BLOCKS, (escaped, [t.type for t in tokens])
    return shown


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from(MARKUP_CHARS), max_size=40) | st.text(max_size=40))
def test_any_text_reads_back_as_typed_and_as_plain_text(typed: str) -> None:
    typed = typed.replace("\r", "").replace("\x00", "").replace(UNSEEN, "")
    escaped = literal_webhook(typed)
    assert (_shown(escaped) if escaped else "") == typed
    # after Markdown, nothing is left for Mattermost's formatter: no ping, channel link,
    # hashtag, emoji shortcode or emoticon
    assert not FORMATTER.search(_plain_markdown(escaped)), escaped
    assert not LATEX.search(escaped), escaped  # no $x^2$ formula
    # and what Slack's own parser reads as markup (<!channel>, <url|label>) is not there
    assert "<" not in escaped and ">" not in escaped


def _plain_markdown(escaped: str) -> str:
    """The text Mattermost's formatter gets: Markdown's output, zero-width spaces kept."""
    tokens = READER.parse(escaped)
    return "".join(
        "\n" if child.type.endswith("break") else child.content
        for token in tokens
        for child in token.children or ()
    )


CASES = [
    "**bold** __strong__ _italic_ *em* ~~strike~~ ~one~ `code` ``two``",
    "# heading",
    "  ## indented heading",
    "> quote",
    "- item",
    "+ item",
    "* item",
    "1. first",
    "2) second",
    "---",
    "***",
    "===",
    "![alt](https://evil.test/i.png) [click](https://evil.test) [ref]: https://evil.test",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "```\nfenced\n```",
    "~~~\nfenced\n~~~",
    "    indented code",
    "line  \nhard break\\\nagain",
    "a\n\n\nb",
    ":smile: :+1: :) ;) :D x-d <3 </3 @here @channel ~town-square #hashtag",
    "<https://evil.test> <b>html</b> &amp; &#42; &copy;",
    "\\*not escaped\\* \\",
    "$x^2$ {{DATE(2026-12-05T10:00:00Z, SHORT)}} $$\\sum$$ \\$1 $ 5",
    "www.example.com WWW.evil.test (www.x.y) awww.no see:www.z.test",
    "伊藤 **花子**　_様_",
]


@pytest.mark.parametrize("typed", CASES)
def test_markdown_of_every_kind_is_shown_as_typed(typed: str) -> None:
    escaped = literal_webhook(typed)
    assert _shown(escaped) == typed
    assert not FORMATTER.search(_plain_markdown(escaped)), escaped
    assert not LATEX.search(escaped), escaped


def test_an_address_and_plain_words_stay_as_they_are() -> None:
    """Only what could be markup changes: a name and an address keep their characters,
    so the text still reads (and is found) as written."""
    assert literal_webhook("伊藤 花子 <ito@customer.test>") == (
        "伊藤 花子 &lt;ito@customer.test&gt;"
    )
    assert literal_webhook("VPN down since Monday") == "VPN down since Monday"


@pytest.mark.parametrize(
    "unit", ["*", "\n", " \n", "1.\n", "[](", "@", ":x", "x-d ", "<3", "$", "www.", "w"]
)
def test_the_time_grows_linearly_with_the_text(unit: str) -> None:
    """Text of markup characters only is escaped in one pass, whatever it holds: a
    quadratic pass over {SIZE} characters takes minutes, a linear one milliseconds (a
    bound, not a timing: a ratio of two short timings failed on a busy machine)."""
    text = unit * (SIZE // len(unit))
    with hostile.within(BOUND, f"literal_webhook of {len(text)} characters of {unit!r}"):
        literal_webhook(text)


def _hostile(subject: str, name: str) -> render.TicketFacts:
    return render.TicketFacts(
        id=7, tag="[#7]", subject=subject, state="new", entry="VPN",
        requester=f"{name} <ito@customer.test>", assignee=name,
    )  # fmt: skip


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("kind", ["new", "sla", "stale"])
@pytest.mark.parametrize("typed", CASES[:14])
def test_every_webhook_notice_shows_the_subject_and_names_as_typed(
    locale: str, kind: str, typed: str
) -> None:
    line = typed.replace("\n", " ")  # a title and a name are one line
    facts = _hostile(line, line)
    text = render.webhook_message({"notice": kind, "target": "resolve"}, facts, locale)["text"]
    tokens, shown = _read(text)
    assert {t.type for t in tokens} <= BLOCKS, [t.type for t in tokens]
    assert line in shown and f"{line} <ito@customer.test>" in shown, shown
    assert not FORMATTER.search(_plain_markdown(text)), text


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_webhook_post_shows_a_mails_subject_and_name_as_typed(
    settings: Settings, clock: FakeClock, fake: FakeSlack, locale: str
) -> None:
    """End to end: a mail whose subject and sender's name are Markdown, filed and
    posted by the poster to a Slack-format webhook."""
    subject, name = "**urgent** _now_ ~~old~~ `x` :fire: #ops ![i](https://evil.test/i)", "# Boss"
    hooks = ChatSettings(webhook=WebhookSettings(url=fake.hook_url("webhook"), locale=locale))
    app = build(replace(settings, chat=hooks), clock)
    try:
        outcome = deliver(app, mail(subject, "hello", sender=f'"{name}" <boss@customer.test>'))
        assert outcome.ticket_id is not None
        assert c.poster(app).drain().sent
    finally:
        app.close()
    [body] = fake.hooks["webhook"]
    tokens, shown = _read(body["text"])
    assert {t.type for t in tokens} <= BLOCKS, [t.type for t in tokens]
    assert subject in shown and f"{name} <boss@customer.test>" in shown, shown
