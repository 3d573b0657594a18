"""A subject, a name or a mail's words are data in our Slack posts, never markup: a
requester who writes ``*urgent* <https://evil|click> <!channel>`` in a subject gets no
bold headline, no link of theirs under our name and no ping of the whole channel, in
the message and in the notification text a phone shows."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from markdown_it import MarkdownIt

from gateway.catalog.load import parse_catalog
from gateway.chat import render, thread_lines
from gateway.chat.approval import Approval, Standing
from gateway.chat.slack import modal, modal_check
from tests.support import block_kit

HOSTILE = "*urgent* <https://evil.example/x|click here> <!channel> <@U0BOSS001> _now_ ~no~"
MARKUP = ("<https://evil", "<!channel>", "<@U0BOSS001>")


def _facts(subject: str) -> render.TicketFacts:
    return render.TicketFacts(
        id=7,
        tag="[#7]",
        subject=subject,
        state="new",
        entry="VPN",
        requester="伊藤 花子 <ito@customer.test>",
        assignee="",
        permalink="https://team.slack.com/archives/C1/p1700000000000100",
    )


def _bodies(subject: str, locale: str) -> Iterator[tuple[str, dict[str, Any]]]:
    facts = _facts(subject)
    yield "card", render.card(facts, locale)
    for kind in ("new", "sla", "stale"):
        yield f"notice {kind}", render.notice({"notice": kind, "target": "resolve"}, facts, locale)
    yield "line", thread_lines.line({"event": "field"}, facts, locale)


def _mrkdwn(value: object) -> Iterator[str]:
    """Every text of the blocks that Slack reads as mrkdwn."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            yield str(value["text"])
        for inner in value.values():
            yield from _mrkdwn(inner)
    elif isinstance(value, list):
        for item in value:
            yield from _mrkdwn(item)


def _plain(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            yield str(value["text"])
        for inner in value.values():
            yield from _plain(inner)
    elif isinstance(value, list):
        for item in value:
            yield from _plain(item)


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_subject_is_never_markup_in_our_posts(locale: str) -> None:
    for what, body in _bodies(HOSTILE, locale):
        for text in [*_mrkdwn(body), str(body.get("text", ""))]:  # and what a phone shows
            assert not [m for m in MARKUP if m in text], (what, text)  # no link, no ping
        for text in _mrkdwn(body):
            assert "*urgent*" not in text and "_now_" not in text, (what, text)  # no bold
        if what != "line":  # the subject is shown as written, in plain text
            assert any(HOSTILE in t for t in _plain(body)), what


def test_a_long_subject_fits_slacks_plain_text_limits() -> None:
    for what, body in _bodies("長い件名 " * 200, "ja"):
        for text in _plain(body):
            assert len(text) <= 3000, what
        for block in body.get("blocks", []):
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150, what


def test_an_emoji_subject_fits_the_header_as_slack_counts_and_keeps_emoji_whole() -> None:
    """Slack counts UTF-16 units: 100 emoji beyond the BMP are 200 of its characters."""
    family = "👨‍👩‍👧‍👦"
    joiners = ("\u200d", "\U0001f3fd")  # inside a sequence: a ZWJ, a skin tone
    for subject in ("🔥" * 100, "VPN " + family * 40, "障害" + "🙏🏽" * 60):
        for what, body in _bodies(subject, "ja"):
            for block in body.get("blocks", []):
                if block["type"] != "header":
                    continue
                shown = block["text"]["text"]
                assert len(shown.encode("utf-16-le")) // 2 <= 150, what
                assert shown.endswith("…"), what
                kept = shown.removesuffix("…")
                kind = what.removeprefix("notice ")
                whole = (
                    render.notice_text({"notice": kind, "target": "resolve"}, _facts(subject), "ja")
                    if what.startswith("notice")
                    else f"[#7] {subject}"
                )
                assert whole.startswith(kept), what
                # the cut is between two sequences: none ends in a joiner, none starts with one
                assert not kept.endswith("\u200d") and whole[len(kept)] not in joiners, what


WEBHOOK_HOSTILE = (
    "<!channel> @here @channel @all please <https://evil.example/x|click here> "
    "[click](https://evil.example/y) ![img](https://evil.example/z.png) &amp; a<b> 担当@here"
)
# what Mattermost and Rocket.Chat (and Slack) make a ping or a link of, in a webhook's text
WEBHOOK_MARKUP = re.compile(r"<[!@#h]|(?<![A-Za-z0-9.+_-])@(here|channel|all)\b|\]\(|\|[^>]*>")


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("kind", ["new", "sla", "stale"])
def test_a_subject_is_never_a_ping_or_a_link_in_a_webhook_notice(locale: str, kind: str) -> None:
    """A Slack-format webhook (Mattermost, Rocket.Chat, a Slack channel without the app):
    its text is read as markup there, so a subject, an assignee or a requester that
    writes a ping or a link is escaped, and still reads as written where it is read as
    Markdown (Mattermost; tests/test_chat_webhook_markup.py has the rest of Markdown)."""
    facts = replace(
        _facts(WEBHOOK_HOSTILE),
        assignee="@here <!channel>",
        requester="[Boss](https://evil.example/b) <boss@customer.test>",
    )
    text = render.webhook_message({"notice": kind, "target": "resolve"}, facts, locale)["text"]
    assert not WEBHOOK_MARKUP.search(text), text
    shown = _markdown_text(text).replace("\u200b", "")  # what a person reads
    for data in (WEBHOOK_HOSTILE, facts.assignee, facts.requester):
        assert data in shown, data
    assert "boss@customer.test" in text  # an address is not broken up


def _markdown_text(text: str) -> str:
    """The characters a CommonMark reader shows of ``text``, markup left out."""
    tokens = MarkdownIt("commonmark").parse(text)
    return "".join(
        "\n" if child.type.endswith("break") else child.content
        for token in tokens
        for child in token.children or ()
    )


NAMED = """\
entries:
  - id: vpn
    name: {ja: "*基幹* _VPN_ ~旧~ `tun0`", en: "*Core* _VPN_ ~old~ `tun0`"}
    keywords: [vpn]
    fields:
      - {name: os, label: {ja: "*OS* _種類_", en: "*OS* _kind_"}, type: choice,
         choices: [windows, mac]}
      - {name: host, label: {ja: "`host` ~名~", en: "`host` ~name~"}}
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_catalog_names_and_field_labels_are_never_mrkdwn(locale: str) -> None:
    """An entry's name or a field's label with ``*``, ``_``, ``~`` or backticks is shown as
    written, never bold, italic, struck or code (Slack's mrkdwn cannot escape them)."""
    catalog = parse_catalog(NAMED)
    entry = catalog.entry("vpn")
    assert entry is not None
    names = [entry.name(locale), *(f.label(locale) for f in entry.fields)]
    facts = replace(_facts("VPN"), entry=entry.name(locale))
    shown: list[tuple[str, dict[str, Any], list[str]]] = [
        ("card", render.card(facts, locale), names[:1]),
        ("notice", render.notice({"notice": "new"}, facts, locale), names[:1]),
        ("form step one", modal.entry_picker(catalog, locale, {}), names[:1]),
        ("form step two", modal.fields_form(entry, locale, {}), names),
    ]
    for what, body, written in shown:
        for text in _mrkdwn(body):
            assert not [n for n in names if n in html.unescape(text)], (what, text)
        for name in written:
            assert any(name in text for text in _plain(body)), (what, name)


TYPED = "error :fire: on srv #general @here *now* _x_ <!channel>"
# in a mrkdwn text (what a phone's notification and a thread line show): an emoji, a
# channel link, a ping or formatting made of what a person typed
SLACK_MARKUP = re.compile(
    r":[^\s:\u200b]+:|#\w|(?<![A-Za-z0-9.+-])@[A-Za-z0-9._-]|(?<![A-Za-z0-9\u200b])[*_][^\s\u200b]"
)


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_typed_shortcodes_channels_and_pings_are_literal_in_every_slack_text(
    locale: str,
) -> None:
    """``:fire:`` in a subject, a name or a mail's answer is no emoji, ``#general`` no
    channel link and ``@here`` no ping in any text Slack reads as mrkdwn (the
    notification text, a thread line); a plain-text object shows them as typed and
    says ``emoji: false``."""
    facts = replace(_facts(TYPED), requester=f"{TYPED} <ito@customer.test>", assignee=TYPED)
    bodies = dict(_bodies(TYPED, locale))
    bodies["card"] = render.card(facts, locale)
    for event in ({"event": "reply", "actor": TYPED, "text": f"{TYPED}\n> {TYPED}"},
                  {"event": "assign", "actor": TYPED, "new": TYPED},
                  {"event": "approved", "actor": TYPED},
                  {"event": "state", "actor": TYPED, "old": "new", "new": "open"}):  # fmt: skip
        bodies[f"line {event['event']}"] = thread_lines.line(event, facts, locale)
    for what, body in bodies.items():
        for text in [*_mrkdwn(body), str(body.get("text", ""))]:
            ours = html.unescape(text).replace(facts.tag, "")  # the operator's tag: ours
            assert not SLACK_MARKUP.search(ours), (what, text)
            assert "<!" not in text, (what, text)
        if what != "line":  # what is said is there as typed
            assert TYPED in html.unescape(body["text"]).replace("\u200b", ""), what
        for obj in _plain_objects(body):
            assert obj.get("emoji") is False, (what, obj)


def _plain_objects(value: object) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            yield value
        for inner in value.values():
            yield from _plain_objects(inner)
    elif isinstance(value, list):
        for item in value:
            yield from _plain_objects(item)


def test_the_form_shows_the_catalogs_words_without_emoji() -> None:
    """A field's label, an example or a choice from the catalog's sheet with ``:fire:``
    in it reads as written in the form: every plain text says ``emoji: false``."""
    catalog = parse_catalog(NAMED.replace("*OS* _種類_", ":fire: OS"))
    entry = catalog.entry("vpn")
    assert entry is not None
    for view in (modal.entry_picker(catalog, "ja", {}), modal.fields_form(entry, "ja", {})):
        objects = list(_plain_objects(view))
        assert objects and all(o.get("emoji") is False for o in objects), objects


def test_a_catalog_of_more_entries_than_a_menu_holds_still_offers_its_fallback() -> None:
    """Slack's menu holds 100 options: with more entries, the menu offers what is typed
    (test_chat_slack_menus), and before anything is typed the fallback entry ("other"),
    the one for whatever fits nowhere else, is offered among the first 100, last."""
    lines = ["entries:"]
    for n in range(120):
        lines += [f"  - id: e{n}", f"    name: {{ja: 項目{n}, en: Item {n}}}"]
    lines += [
        "  - id: other",
        "    name: その他",
        "    fallback: true",
        "    manager: boss@example.test",
    ]
    catalog = parse_catalog("\n".join(lines) + "\n")
    element = modal.entry_picker(catalog, "ja", {})["blocks"][0]["element"]
    assert element["type"] == "external_select" and "options" not in element
    options = modal.suggestions(catalog, modal.ENTRY, "", {}, "ja")
    assert len(options) == 100
    assert options[-1]["value"] == "other" and options[0]["value"] == "e0"


def test_a_choice_longer_than_a_menu_value_holds_can_be_chosen() -> None:
    """Slack keeps at most 150 characters of an option's value: a longer choice from the
    catalog's sheet is still offered, and chosen it reads back whole, no problem found."""
    long = "ネットワーク機器の交換（" + "本社ビル" * 50 + "）"
    catalog = parse_catalog(NAMED.replace("choices: [windows, mac]", f"choices: [windows, {long}]"))
    entry = catalog.entry("vpn")
    assert entry is not None
    view = modal.fields_form(entry, "ja", {})
    [os_block] = [b for b in view["blocks"] if b.get("block_id") == "field:os"]
    options = os_block["element"]["options"]
    assert all(len(o["value"]) <= 150 for o in options)
    assert len({o["value"] for o in options}) == 2
    chosen = options[1]
    view["state"] = {"values": {
        "subject": {"value": {"type": "plain_text_input", "value": "件名"}},
        "field:os": {"value": {"type": "static_select", "selected_option": chosen}},
    }}  # fmt: skip
    form = modal.typed(view, entry)
    assert form.fields["os"] == long
    assert modal_check.errors(entry, form, "ja") == {}


def test_a_whole_number_fields_bounds_are_whole_in_slacks_number_input() -> None:
    """Slack refuses a decimal bound on an input that takes no decimal point (the modal
    would not open): a whole-number field's ``max: 10.5`` is 10 there, and a field with
    a step of 0.5 allows the point and keeps its bounds as written."""
    catalog = parse_catalog(
        "entries:\n"
        "  - id: order\n    name: Order\n    assignee: a@example.test\n    fields:\n"
        "      - {name: n, label: N, type: number, min: 1, max: 10.5, step: 1}\n"
        "      - {name: h, label: H, type: number, min: 0.5, max: 7.5, step: 0.5}\n"
        "  - {id: other, name: Other, fallback: true, manager: m@example.test}\n"
    )
    view = modal.fields_form(catalog.entries[0], "en", {})
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b.get("block_id")}
    whole, half = elements["field:n"], elements["field:h"]
    assert (whole["is_decimal_allowed"], whole["min_value"], whole["max_value"]) == (
        False,
        "1",
        "10",
    )
    assert (half["is_decimal_allowed"], half["min_value"], half["max_value"]) == (
        True,
        "0.5",
        "7.5",
    )


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_long_names_from_the_catalog_and_the_config_still_make_a_card_slack_takes(
    locale: str,
) -> None:
    """A catalog entry's name and a member's name have no length limit of their own: a
    card or a notice whose fact is longer than Slack's field (2000) or text (3000) would
    be refused whole (``invalid_blocks``), and the ticket would have no card at all.
    Each is cut with an ellipsis instead."""
    long_entry, long_member = "ネットワーク機器" * 400, "Ops " + "山田" * 1600
    facts = replace(
        _facts("VPN"),
        entry=long_entry,
        assignee=long_member,
        approval=Approval(Standing.APPROVED, by=long_member),
    )
    card = render.card(facts, locale)
    assert block_kit.message_problems(card["blocks"]) == []
    shown = "".join(_plain(card))
    assert long_entry[:100] in shown and long_member[:100] in shown and "…" in shown
    for kind in ("new", "sla", "stale"):
        notice = render.notice({"notice": kind, "target": "resolve"}, facts, locale)
        assert block_kit.message_problems(notice["blocks"]) == [], kind
