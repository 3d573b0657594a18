"""Text from mail and people, made literal for each chat's markup.

Pure string functions, one per reader: what a subject, a name or an address says must
reach the reader as typed, never as markup under our bot's name (a link, a ping, bold
text, a heading, a date). Each is one pass over the text, linear in its length.

* :func:`escape` — Slack's mrkdwn, where only ``&``, ``<`` and ``>`` can be escaped (the
  Slack app shows everything else from people in plain-text objects).
* :func:`literal_webhook` — a Slack-format incoming webhook, whose text Mattermost (and
  Rocket.Chat) read as Markdown and then look through for mentions, channel links,
  hashtags and emoji.
* :func:`literal_slack` — Slack's mrkdwn where text from people goes into a text Slack
  reads (a notification text, a thread line, the same webhook when it posts into Slack
  itself): no backslash escapes there, so a zero-width space takes each formatting
  character off a word's edge, and breaks a shortcode, a channel name and a ping.
* :func:`literal_card` — a Teams Adaptive Card's TextBlock or fact: Markdown, text
  functions (``{{DATE(…)}}``, ``{{TIME(…)}}``) that the card's renderer evaluates, emoji
  shortcodes (``:fire:``) and emoticons (``(smile)``, ``:)``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from gateway.core.i18n import Msg

UNSEEN = "\u200b"  # a zero-width space: shown as nothing, and no mention or link across it

# CommonMark (Teams' TextBlock and FactSet): what makes emphasis, strike, code, a link, an
# autolink, an image or an entity anywhere in a line; and the ( of ]( too, for the older
# native renderers, which take [label](url) as a link whatever escapes the brackets …
_COMMONMARK_INLINE = re.compile(r"[\\`*_~\[\]<>&]|(?<=\])\(")
# … and a heading, a quote, a list or a setext underline at a line's start
_COMMONMARK_LINE_START = re.compile(r"^[ \t]*(?:[#+=-]|\d+[.)])", re.MULTILINE)
# an Adaptive Card text function ({{DATE(2026-12-05T10:00:00Z, SHORT)}}, {{TIME(…)}}):
# every renderer looks for the two braces together
_CARD_FUNCTION = re.compile(r"\{(?=\{)")
# an emoji shortcode (:fire:, :+1:, :100:), which Teams shows as its emoji in a card: a
# colon that a name and a colon follow (any name without a space: more than Teams knows)
_CARD_SHORTCODE = re.compile(rf":(?=[^\s:{UNSEEN}]+:)")
# an emoticon Teams shows as its emoji, in Markdown already made literal: a Skype code in
# parentheses ((smile), (y), (*)); a face ( :) ;-) :D :P, its mouth perhaps escaped: :\* );
# a heart (\<3, \</3); each taken apart by a zero-width space after its first character
_CARD_EMOTICON = re.compile(
    rf"\((?=[^\s(){UNSEEN}]+\))"
    r"|(?<![A-Za-z0-9_])[:;](?=-?\\?[()\[\]/|$@pPdDoOsSxX'*])"
    r"|(?<=\\<)(?=/?3)"
)

# Where a Slack-format webhook's text needs a change, in one pass (see _webhook_one):
_WEBHOOK = re.compile(
    r"^(?=\s|$)"  # a line that is empty or starts blank (CommonMark drops or indents it)
    r"|(?<=[^\S\n])$"  # a line that ends blank (dropped, or two spaces: a line break)
    r"|^\d+[.)]"  # an ordered list item's number at a line's start: 1. 2)
    r"|(?<![A-Za-z0-9_])(?i:www)(?=\.)"  # a bare www.example.com, which Mattermost links
    r"|[\\`*_~\[\]|&<>@#:;(+=$-]",  # a character with a meaning (checked in _webhook_one)
    re.MULTILINE,
)
# Markdown's inline markup, a table's cell (\*), and the $ of Mattermost's inline LaTeX
# ($x^2$, when its server enables it), whose parser takes \$ as a $ too
_BACKSLASHED = frozenset("\\`*_~[]|$")
_LINE_MARKERS = frozenset("#+=-")  # a heading, a list item, a setext underline: \#
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}  # Slack's <!channel>, <url|label>; HTML
# Mattermost's formatter, after Markdown gave the escaped characters back, reads the
# plain text for mentions and more; a zero-width space right after the sigil stops each:
_SIGILS = frozenset(
    "~"  # a channel link: ~town-square
    "#"  # a hashtag (a search): #outage
    ":"  # an emoji shortcode :fire:, an emoticon :) :D :+1:
    ";"  # the emoticon ;)
)
_ADDRESS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-")
_WORD = _ADDRESS - {".", "+", "-"} | {"_"}  # a word's characters to JavaScript's \b


def escape(text: str) -> str:
    """Text from mail or a person, safe inside Slack mrkdwn: ``&``, ``<`` and ``>`` as
    entities, so ``<!channel>`` or ``<https://…|click>`` is no ping and no link of ours."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def literal_webhook(text: str) -> str:
    """Text from mail or a person, as typed in a Slack-format webhook's text, which
    Mattermost reads as Markdown (CommonMark with GFM's strikethrough and tables) and
    then as Mattermost text. Each character that Markdown gives a meaning gets its
    backslash escape (which Markdown shows as the character; ``$`` too, which would
    open inline LaTeX where Mattermost renders it), a line's start also
    ``#``, ``-``, ``+``, ``=`` and the ``.`` or ``)`` of ``1.``; ``&``, ``<`` and ``>``
    are entities, as in Slack's mrkdwn (:func:`escape`). A zero-width space goes after
    what would still be a mention, channel link, hashtag, emoji or emoticon once the
    escapes are read (``@here``, ``~town``, ``#tag``, ``:fire:``, ``:)``, ``<3``,
    ``x-d``), before the dot of a bare ``www.example.com`` (a link Mattermost makes;
    ``https://`` is none already, after its colon), inside ``](`` for readers that know
    no escapes, before a line that
    CommonMark would drop or indent (empty, or starting blank) and after one that ends
    blank, so every character reads as typed. Slack's own channels know no backslash
    escapes: a webhook into Slack has :func:`literal_slack` instead."""
    return _WEBHOOK.sub(_webhook_one, text) if text else ""


def _webhook_one(m: re.Match[str]) -> str:
    """One change of :func:`literal_webhook`, from the character and its neighbours."""
    found, text, at, end = m.group(), m.string, m.start(), m.end()
    if not found:  # a blank line's start or end
        return UNSEEN
    if found[0].isdigit():  # 1. at a line's start
        return found[:-1] + "\\" + found[-1]
    if found.lower() == "www":  # www: a zero-width space before its dot, and it is no link
        return found + UNSEEN
    before, after = text[at - 1 : at], text[end : end + 1]
    out = _ENTITIES.get(found, found)
    if found in _BACKSLASHED or (found in _LINE_MARKERS and (at == 0 or before == "\n")):
        out = "\\" + found
    if found in _SIGILS and after and not after.isspace():
        out += UNSEEN
    elif found == "<" and after in ("3", "/"):
        out += UNSEEN  # the emoticons <3 and </3
    elif found == "@" and before not in _ADDRESS and after and not after.isspace():
        out += UNSEEN  # @here, @channel, @someone; not the @ of an address
    elif found == "-" and _in_x_d(text, at):
        out += UNSEEN  # the emoticon x-d
    elif found == "(" and before == "]":
        out = UNSEEN + found  # [label](url) where escapes are unknown
    return out


def _in_x_d(text: str, at: int) -> bool:
    """Whether the ``-`` at ``at`` is the one of a word ``x-d`` (a word as Mattermost's
    JavaScript patterns see one: ASCII letters, digits and ``_``)."""
    return (
        text[at - 1 : at] in ("x", "X")
        and text[at + 1 : at + 2] in ("d", "D")
        and text[at - 2 : at - 1] not in _WORD
    )


# Where a text for Slack's mrkdwn needs a change, in one pass (see _slack_one): a > that
# starts a line (after blanks: a quote), a character with a meaning, or a colon that
# opens an emoji shortcode (:fire:, :+1:, :skin-tone-2:: a name, then a colon; no name
# has a /, so a URL's https://host:8080 is left whole, for Slack to link as before)
_SLACK = re.compile(rf"^[^\S\n]*>|[*_~`&<>@#]|:(?=[^\s:/{UNSEEN}]+:)", re.MULTILINE)
_SLACK_MARKERS = frozenset("*_~`")  # bold, italic, strike, code (``` a code block)


def literal_slack(text: str) -> str:
    """Text from mail or a person, as typed in Slack's mrkdwn (a message's text, a
    thread line, a Slack-format webhook that posts into Slack), where a backslash
    escapes nothing and shows. ``&``, ``<`` and ``>`` are entities (:func:`escape`: no
    ``<!channel>``, no ``<https://…|click>``). Slack formats only at a word's edge:
    ``*``, ``_``, ``~`` or a backtick opens bold, italic, strike or code where no letter
    or digit comes before it and no space after it, and closes where no space comes
    before it and no letter or digit after it. A zero-width space goes on the side that
    would let it open or close (on both sides when neither is a letter or digit: one
    alone would be the "no space" the other side needs), so the character stands inside
    a "word" and reads as typed; so does one before a ``>`` that starts a line (a
    quote), after an ``@`` that would be ``@here`` or ``@channel``, after a ``#`` before
    a word (a channel's name, which Slack links when it parses names), and after a colon
    that would open an emoji shortcode (``error :fire: on srv``: the emoji's name)."""
    return _SLACK.sub(_slack_one, text) if text else ""


def _slack_one(m: re.Match[str]) -> str:
    """One change of :func:`literal_slack`, from the character and its neighbours."""
    found, text, at, end = m.group(), m.string, m.start(), m.end()
    if found[-1] == ">" and (len(found) > 1 or at == 0 or text[at - 1] == "\n"):
        return found[:-1] + UNSEEN + "&gt;"  # a quote's > at a line's start
    before, after = text[at - 1 : at], text[end : end + 1]
    if found in _SLACK_MARKERS:
        opens = _word_edge(before) and after != "" and not after.isspace()
        closes = before != "" and not before.isspace() and _word_edge(after)
        if (opens or closes) and _word_edge(before) and _word_edge(after):
            opens = closes = True  # a space on one side: a space on the other would open
        return UNSEEN * opens + found + UNSEEN * closes
    if found == "@" and before not in _ADDRESS and after and not after.isspace():
        return "@" + UNSEEN  # @here, @channel, @someone; not the @ of an address
    if found == ":" or (found == "#" and after and not after.isspace()):
        return found + UNSEEN  # an emoji's :name:, a #channel
    return _ENTITIES.get(found, found)


def _word_edge(ch: str) -> bool:
    """Whether a formatting character next to ``ch`` stands at a word's edge for Slack:
    the text's start or end, a space, punctuation. Letters beyond ASCII count as edges
    too (more zero-width spaces than Slack may need, never fewer)."""
    return not (ch.isascii() and ch.isalnum())


def literal_markdown(text: str) -> str:
    """Text from mail or a person, as written where a chat reads Markdown (CommonMark):
    Teams' Adaptive Card TextBlock and FactSet read ``**bold**``, ``_italic_``,
    ``[label](url)``, ``- item`` and ``1. item``, so a subject ``[click](https://…)`` would
    be a link under our name there. Every character that could start such markup gets
    CommonMark's backslash escape (which shows the character itself), at a line's start
    also ``#``, ``-``, ``+``, ``=`` and the ``.`` or ``)`` of ``1.``; and the ``(`` after a
    ``]``, as Teams' older native renderers know no escapes in ``[label](url)``."""
    text = _COMMONMARK_INLINE.sub(lambda m: "\\" + m.group(), text)
    return _COMMONMARK_LINE_START.sub(lambda m: m.group()[:-1] + "\\" + m.group()[-1], text)


def literal_card(text: str) -> str:
    """Text from mail or a person, as written in a Teams Adaptive Card's TextBlock or
    fact: Markdown made literal (:func:`literal_markdown`), and no text function — the
    card's renderer replaces ``{{DATE(2026-12-05T10:00:00Z, SHORT)}}`` and
    ``{{TIME(…)}}`` by a date or a time in the reader's format, before it reads the
    Markdown. A zero-width space between two braces stops it (every renderer looks for
    ``{{``) and shows as nothing, so the text reads exactly as before. Teams also shows
    a shortcode (``status :fire: now``) as its emoji: a zero-width space after each
    colon that would open one (a name, then a colon, follow it), and nowhere else; and
    its emoticons (``(smile)``, ``:)``, ``;-)``, ``<3``) as theirs: a zero-width space
    after the first character of each. Teams documents no escape for either, and how
    its clients read a card's text cannot be checked here: this takes apart every form
    those emoticons have, more than Teams may know."""
    text = _CARD_FUNCTION.sub("{" + UNSEEN, literal_markdown(text))
    text = _CARD_EMOTICON.sub(lambda m: m.group() + UNSEEN, text)
    return _CARD_SHORTCODE.sub(":" + UNSEEN, text)  # after: only where still needed


def literal_said(msg: Msg) -> Msg:
    """``msg`` with the words it carries (its parameters: a catalog entry's name in each
    language, a field's label) made literal for Slack's mrkdwn (:func:`literal_slack`),
    for an answer to one person, which Slack reads as mrkdwn: the message's own words,
    ours, keep what they say (``<#C123>``); an entry named ``*Core* <!channel>`` is no
    bold and no ping. Numbers stay numbers; a message inside it is made literal too."""
    return replace(msg, params={k: _literal_param(v) for k, v in msg.params.items()})


def _literal_param(value: object) -> object:
    if isinstance(value, str):
        return literal_slack(value)
    if isinstance(value, Msg):
        return literal_said(value)
    if isinstance(value, Mapping):  # a name per language
        return {k: _literal_param(v) for k, v in value.items()}
    return value
