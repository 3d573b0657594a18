"""One language per chat message: every card, thread line, channel notice, webhook and
Teams body, and both steps of the Slack modal, rendered in Japanese have no English
sentence left once the data is cut out, and in English no Japanese.

Uses the mail scanner of test_one_language (the same allowed terms, the same data
shapes): what chat composes around the catalog's words (labels, separators, a
fallback like "nobody") is where English would slip in, since every msgid on its
own is already checked there. The last test shows that the scan bites here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.catalog.load import load_catalog
from gateway.chat import render, thread_lines
from gateway.chat.slack import modal
from tests.support.catalogs import EXAMPLE
from tests.test_one_language import findings

# Keys of Slack Block Kit / Adaptive Card JSON whose values are ids or styles, not words.
NOT_WORDS = {
    "type", "action_id", "block_id", "callback_id", "value", "style", "url", "$schema",
    "contentType", "contentUrl", "version", "lang", "weight", "size", "private_metadata",
}  # fmt: skip

PEOPLE = {  # subject, requester, assignee, entry name: data, cut out before the scan
    "ja": ("VPN がつながりません", "伊藤 花子 <ito@customer.test>", "山田", "VPN・リモート"),
    "en": ("The VPN drops", "Leo Brand <leo@customer.test>", "Sam Ops", "VPN and remote"),
}
PERMALINK = "https://team.slack.com/archives/C1/p1700000000000100"


def facts_of(locale: str, **changes: Any) -> render.TicketFacts:
    subject, requester, assignee, entry = PEOPLE[locale]
    values: dict[str, Any] = {
        "id": 42,
        "tag": "[#42]",
        "subject": subject,
        "state": "pending",
        "entry": entry,
        "requester": requester,
        "assignee": assignee,
        "permalink": PERMALINK,
    }
    values.update(changes)
    return render.TicketFacts(**values)


def rows(locale: str) -> Iterator[dict[str, str]]:
    """A row's facts of every kind chat renders (thread lines and channel notices)."""
    words = "ログを送りました。" if locale == "ja" else "I sent the logs."
    yield {"event": "state", "actor": "yamada@example.test", "old": "open", "new": "closed"}
    yield {"event": "assign", "actor": "yamada@example.test", "new": "sato@example.test"}
    yield {
        "event": "assign",
        "actor": "yamada@example.test",
        "old": "sato@example.test",
    }  # to nobody
    yield {"event": "reply", "actor": "ito@customer.test", "text": words}
    yield {"event": "field"}
    for target in ("first_response", "resolve", "due"):
        yield {"notice": "sla", "target": target}
    yield {"notice": "stale"}
    yield {"notice": "new"}


def words_in(value: object, key: str = "") -> Iterator[str]:
    """Every string of a chat JSON body a person reads."""
    if isinstance(value, str):
        if key not in NOT_WORDS:
            yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from words_in(v, str(k))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from words_in(item, key)


def bodies(locale: str) -> Iterator[tuple[str, object, list[str]]]:
    """(what, JSON body, data in it) for every message chat composes."""
    for facts in (facts_of(locale), facts_of(locale, assignee="", entry="", permalink="")):
        data = [facts.subject, facts.requester, facts.assignee, facts.entry, facts.tag]
        yield "card", render.card(facts, locale), data
        for row in rows(locale):
            what = row.get("event") or row.get("notice", "")
            row_data = data + [v for k, v in row.items() if k in ("actor", "new", "text")]
            yield f"line {what}", thread_lines.line(row, facts, locale), row_data
            yield f"notice {what}", render.notice(row, facts, locale), row_data
            yield f"webhook {what}", render.webhook_message(row, facts, locale), row_data
            yield f"teams {what}", render.teams_message(row, facts, locale), row_data
    catalog = load_catalog(EXAMPLE)
    yield "modal step one", modal.entry_picker(catalog, locale, {}), []
    for entry in catalog.entries:
        yield f"modal {entry.id}", modal.fields_form(entry, locale, {}), []


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_chat_message_is_in_one_language(locale: str) -> None:
    found = {}
    for what, body, data in bodies(locale):
        # each string on its own: two option values in a row are not a sentence
        if wrong := [f for text in words_in(body) for f in findings(text, locale, data)]:
            found[what] = wrong
    assert found == {}


def test_the_scan_finds_english_in_a_japanese_card() -> None:
    card = render.card(facts_of("ja"), "ja")
    next(b for b in card["blocks"] if "fields" in b)["fields"][0]["text"] = "*Entry name*\nVPN"
    assert [f for text in words_in(card) for f in findings(text, "ja", [])] == ["Entry name"]


SYSTEM_ACTORS = {  # an event's actor when no person did it → how a ja thread line names it
    "schedule": "スケジューラ",  # the pending close
    "schedule:inventory": "棚卸し",  # an inventory force-close
    "gateway": "ゲートウェイ",  # a catalog action's result, the filing's assignment
}


@pytest.mark.parametrize("actor", list(SYSTEM_ACTORS))
def test_a_thread_line_names_the_gateway_itself_in_the_readers_words(actor: str) -> None:
    """A change nobody made by hand (the scheduler closing a ticket left pending, a
    catalog action's result opening it, the filing assigning it) is said in a ja thread
    as the member mails say it: not the event's internal actor ``schedule`` in English,
    and without the さん of a person."""
    facts = facts_of("ja")
    for row in (
        {"event": "state", "actor": actor, "old": "pending", "new": "closed"},
        {"event": "assign", "actor": actor, "new": "sato@example.test"},
        {"event": "assign", "actor": actor, "old": "sato@example.test"},
    ):
        text = thread_lines.line(row, facts, "ja")["text"]
        assert actor not in text and text.startswith(SYSTEM_ACTORS[actor]), text
        assert "さん" not in text.split("sato@")[0], text  # a system is no person
        assert findings(text, "ja", ["sato@example.test"]) == [], text
    person = thread_lines.line({"event": "state", "actor": "yamada@example.test",
                          "old": "open", "new": "closed"}, facts, "ja")["text"]  # fmt: skip
    assert person.startswith("yamada@example.test さんが"), person  # a person still is
    said = thread_lines.line({"event": "state", "actor": actor, "old": "open", "new": "closed"},
                       facts, "en")["text"]  # fmt: skip
    assert said.startswith(("The scheduler ", "The inventory ", "The gateway ")), said


def test_a_thread_line_shows_an_internationalised_address_as_people_read_it() -> None:
    """Addresses are stored with their domain's IDNA A-label (``xn--…``, one form to
    compare); a thread line shows them as mails and pages do, in Unicode."""
    facts = facts_of("ja")
    acted = thread_lines.line(
        {"event": "state", "actor": "ito@xn--r8jz45g.jp", "old": "open", "new": "closed"},
        facts,
        "ja",
    )["text"]
    given = thread_lines.line(
        {"event": "assign", "actor": "gateway", "new": "kato@xn--r8jz45g.jp"}, facts, "ja"
    )["text"]
    assert acted.startswith("ito@例え.jp さんが") and "xn--" not in acted, acted
    assert "kato@例え.jp" in given and "xn--" not in given, given
