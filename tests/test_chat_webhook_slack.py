"""A Slack-format webhook that reaches Slack itself (``hooks.slack.com``, or ``[chat.webhook]
markup = "slack"``) reads its text as Slack's mrkdwn, which knows no backslash escapes:
Markdown's escapes would show as backslashes before every ``*``, ``_`` and ``.``. There
the text from mail and people (:func:`gateway.chat.markup.literal_slack`) carries
``&``, ``<`` and ``>`` as entities (Slack's own rule: no ``<!channel>``, no
``<https://…|click>``) and a zero-width space beside each formatting character that
stands where Slack could start or end bold, italic, strike, code or a quote. Checked
here against a model of those rules over generated strings, and end to end."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.chat import render
from gateway.chat.markup import UNSEEN, escape, literal_slack
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

# mrkdwn's formatting characters, what stands beside them, entities, often
SLACK_CHARS = "*_~`>&<@!|:#\\ \t\n\u3000.,;()[]x_Y9伊"
MARKERS = "*_~`"  # bold, italic, strike, code (three of them: a code block)
# A model of where Slack starts and ends formatting (its docs show *bold*, _italic_,
# ~strike~, `code`, > quote; a marker counts only at a word's edge): a marker opens when
# what comes before is no part of a word (the text's start, a space, punctuation) and
# what follows is no space; it closes when what comes before is no space and what
# follows is no part of a word. A zero-width space counts as part of a word here: that is
# how it takes a marker off a word's edge. Letters beyond ASCII count as word edges, so
# the model asks for more than Slack may.
_ENTITY = re.compile(r"&(amp|lt|gt);")
_MENTION = re.compile(r"(?<![A-Za-z0-9.+-])@[A-Za-z0-9._-]")  # @here, @channel, @someone
# what Slack shows as an emoji (:fire:, :+1:, :skin-tone-2:) or, parsed, as a channel
# link (#general, #障害): a colon, a name, a colon; a # before a word
_SHORTCODE = re.compile(r":[^\s:/\u200b]+:")  # no name has a /; a zero-width space breaks one
_CHANNEL = re.compile(r"#\w")


def _in_word(ch: str) -> bool:
    return ch == UNSEEN or (ch.isascii() and ch.isalnum())


def _decoded(escaped: str) -> str:
    """What Slack reads once it turned our entities back into characters."""
    return _ENTITY.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m[1]], escaped)


def _formatting(escaped: str) -> list[int]:
    """Where, in the text Slack reads, a marker could start or end formatting, and
    where a line starts a quote."""
    text, found = _decoded(escaped), []
    for at, ch in enumerate(text):
        if ch not in MARKERS:
            continue
        before, after = text[at - 1 : at], text[at + 1 : at + 2]
        opens = not _in_word(before) and after != "" and not after.isspace()
        closes = before != "" and not before.isspace() and not _in_word(after)
        if opens or closes:
            found.append(at)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    return found + [at for at in starts if text[at:].split("\n", 1)[0].lstrip().startswith(">")]


def _check(typed: str) -> str:
    escaped = literal_slack(typed)
    assert _formatting(escaped) == [], (typed, escaped)
    assert escaped.count("\\") == typed.count("\\"), escaped  # no backslash of ours
    assert escaped.replace(UNSEEN, "") == escape(typed), escaped  # as typed, &<> entities
    assert not _MENTION.search(_decoded(escaped)), escaped  # no @here, no @channel
    assert not _SHORTCODE.search(_decoded(escaped)), escaped  # no emoji
    assert not _CHANNEL.search(_decoded(escaped)), escaped  # no channel link
    return escaped


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet=st.sampled_from(SLACK_CHARS), max_size=40) | st.text(max_size=40))
def test_any_text_is_shown_as_typed_and_formats_nothing(typed: str) -> None:
    _check(typed.replace(UNSEEN, ""))


CASES = [
    "*bold* _italic_ ~strike~ `code` ```block```",
    "**urgent** __now__ ~~old~~",
    "> quote",
    "  > indented quote\n>> again",
    "x*y*z snake_case_name ~/.config a~b",
    "(*) [_x_] *.* _,_ 'quoted*'",
    "<!channel> <!here> <@U0123ABCD> <#C0123ABCD|help> <https://evil.test|click>",
    "@here @channel ito@customer.test",
    "&amp; &lt; a & b",
    "伊藤 *花子*　_様_",
    "error :fire: on srv :+1::skin-tone-2: 10:00:00 :障害:",
    "https://host.test:8080/a:b/ ftp://x:y@h:21/",
    "#general #障害 [#42] a#b # alone",
]


@pytest.mark.parametrize("typed", CASES)
def test_mrkdwn_of_every_kind_is_shown_as_typed(typed: str) -> None:
    _check(typed)


def test_words_without_markup_stay_as_they_are() -> None:
    """Only a marker at a word's edge gets company: no backslash anywhere, and a name, an
    address, a URL and a word with a marker inside keep their characters."""
    assert literal_slack("https://host.test:8080/a:b/") == "https://host.test:8080/a:b/"
    assert literal_slack("VPN down since Monday.") == "VPN down since Monday."
    assert literal_slack("伊藤 花子 <ito@customer.test>") == "伊藤 花子 &lt;ito@customer.test&gt;"
    assert literal_slack("snake_case x*y") == "snake_case x*y"
    assert literal_slack("*x*") == f"{UNSEEN}*x*{UNSEEN}"


@pytest.mark.parametrize("unit", ["*", "_x_ ", "\n>", "  ", " \n", "@a", "&<>", ":", ":x", "#a"])
def test_the_time_grows_linearly_with_the_text(unit: str) -> None:
    """Text of markup characters only is escaped in one pass, whatever it holds: a
    quadratic pass over {SIZE} characters takes minutes, a linear one milliseconds (a
    bound, not a timing: a ratio of two short timings failed on a busy machine)."""
    text = unit * (SIZE // len(unit))
    with hostile.within(BOUND, f"literal_slack of {len(text)} characters of {unit!r}"):
        literal_slack(text)


@pytest.mark.parametrize("kind", ["new", "sla", "stale"])
def test_a_slack_webhook_notice_has_no_backslash_and_no_formatting(kind: str) -> None:
    typed = "*urgent* _now_ ~old~ `x` <!channel> @here"
    t = render.TicketFacts(
        id=7, tag="[#7]", subject=typed, state="new", entry="VPN",
        requester=f"{typed} <ito@customer.test>", assignee=typed,
    )  # fmt: skip
    body = render.webhook_message({"notice": kind, "target": "resolve"}, t, "en", "slack")
    assert "\\" not in body["text"] and _formatting(body["text"]) == []
    assert escape(typed) in body["text"].replace(UNSEEN, "")
    assert body["mrkdwn"] is False  # and Slack is told to format nothing in it


def test_a_markdown_webhook_notice_is_as_before() -> None:
    t = render.TicketFacts(
        id=7, tag="[#7]", subject="*x*", state="new", entry="", requester="a@b.test", assignee=""
    )
    body = render.webhook_message({"notice": "new"}, t, "en", "markdown")
    assert "\\*x\\*" in body["text"] and "mrkdwn" not in body


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_webhook_post_to_slack_shows_a_mails_subject_and_name_as_typed(
    settings: Settings, clock: FakeClock, fake: FakeSlack, locale: str
) -> None:
    """End to end: a mail whose subject and sender's name are mrkdwn, filed and posted
    by the poster to a Slack-format webhook set to ``markup = "slack"``."""
    subject, name = "*urgent* _now_ ~old~ `x` <!channel> 1.5 (a_b)", "_Boss_"
    hook = WebhookSettings(url=fake.hook_url("webhook"), locale=locale, markup="slack")
    app = build(replace(settings, chat=ChatSettings(webhook=hook)), clock)
    try:
        outcome = deliver(app, mail(subject, "hello", sender=f'"{name}" <boss@customer.test>'))
        assert outcome.ticket_id is not None
        assert c.poster(app).drain().sent
    finally:
        app.close()
    [body] = fake.hooks["webhook"]
    text = body["text"]
    assert "\\" not in text and _formatting(text) == [] and body["mrkdwn"] is False
    shown = _decoded(text).replace(UNSEEN, "")
    assert subject in shown and f"{name} <boss@customer.test>" in shown, shown
