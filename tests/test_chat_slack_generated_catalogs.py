"""Every view and message the Slack side builds from a catalog passes Slack's Block Kit
limits (:mod:`tests.support.block_kit`, the checks the fake Slack makes), for catalogs
nobody wrote by hand: any number of entries and fields (past one view's 100 blocks),
any number of choices (past a menu's 100 options), labels, examples and choices of any
length in any script (emoji counted as Slack counts them), names as long as a catalog
takes, number fields with decimal or whole bounds, blank labels. Each page of a form in
pages, each answer of a long menu, the card and the notices of a ticket filed there."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.catalog.model import Catalog, Entry, Field
from gateway.chat import render
from gateway.chat.slack import modal
from gateway.core.i18n import LOCALES
from tests.support import block_kit

# words of every kind a catalog holds: ASCII, Japanese, full width, emoji (two UTF-16
# units each, sequences joined), markup that must stay text, white space
PIECES = st.sampled_from(
    list("abcXYZ019 _-*`:<>&#@") + list("申請項目プリンターｶﾀｶﾅＡ１")
    + ["😀", "👨‍👩‍👧", "🇯🇵", "\u200d", "\ufe0f", "\n", "\u3000"]
)  # fmt: skip


def _text(least: int, most: int) -> st.SearchStrategy[str]:
    return st.lists(PIECES, min_size=least, max_size=most).map("".join)


WORDS = _text(0, 40) | _text(140, 400)
NAMES = _text(1, 30) | _text(250, 300)
META = {
    "team_id": "T0TEAM01",
    "channel": "C0HELP01",
    "thread_ts": "1772413200.000100",
    "permalink": "https://example.slack.com/archives/C0HELP01/p1772413200000100",
    "user_id": "U0REQ001",
    "response_url": "https://hooks.slack.com/commands/T0TEAM01/1234567890/abcdefghijklmnop",
    "locale": "ja",
    "opened_at": "2026-03-02T01:00:00+00:00",
}


@st.composite
def one_field(draw: st.DrawFn, n: int) -> Field:
    kind = draw(st.sampled_from(("text", "date", "email", "number", "choice")))
    labels = {loc: draw(WORDS) for loc in draw(st.sets(st.sampled_from(LOCALES)))}
    choices: tuple[str, ...] = ()
    choice_labels: dict[str, dict[str, str]] = {}
    if kind == "choice":  # a few drawn, the rest made (a long menu costs no entropy)
        many = draw(st.integers(1, 4) | st.integers(99, 160))
        first = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
        choices = tuple(dict.fromkeys([*first, *(f"c{i}" for i in range(many))]))[:many]
        for c in draw(st.lists(st.sampled_from(choices), max_size=2, unique=True)):
            choice_labels[c] = {loc: draw(WORDS) for loc in LOCALES}
    least = most = step = None
    if kind == "number":
        number = st.decimals(-(10**6), 10**6, places=2, allow_nan=False)
        least, most = draw(st.none() | number), draw(st.none() | number)
        if least is not None and most is not None and least > most:
            least, most = most, least
        step = draw(st.none() | st.sampled_from([Decimal(1), Decimal("0.5"), Decimal(5)]))
    name = draw(NAMES) + f"-{n}"  # unique in the entry, as the catalog insists
    return Field(
        name, labels, kind, choices, draw(st.booleans()), draw(WORDS),
        choice_labels, least, most, step,
    )  # fmt: skip


@st.composite
def fields(draw: st.DrawFn) -> tuple[Field, ...]:
    """A few fields drawn, then as many again as the count says, made from them under
    names of their own (an entry of 200 fields costs what one of 4 does)."""
    drawn = [draw(one_field(n)) for n in range(draw(st.integers(0, 4)))]
    count = draw(st.sampled_from((0, 0, 1, 96, 97, 98, 150, 195, 210)))
    if not drawn:
        return ()
    made = [
        replace(drawn[n % len(drawn)], name=f"{drawn[n % len(drawn)].name}~{n}")
        for n in range(max(0, count - len(drawn)))
    ]
    return tuple(drawn + made)


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    """A few entries drawn with fields, then as many plain ones as the count says."""
    entries: list[Entry] = []
    for n in range(draw(st.integers(0, 3))):
        names = {loc: draw(WORDS) for loc in draw(st.sets(st.sampled_from(LOCALES)))}
        entries.append(Entry(f"e{n}", names, fields=draw(fields())))
    name = draw(WORDS)
    for n in range(draw(st.sampled_from((0, 1, 98, 99, 150)))):
        entries.append(Entry(f"m{n}", {"ja": f"{name}{n}"}))
    entries.append(Entry("other", {"ja": "その他", "en": "Other"}, fallback=True))
    return Catalog(tuple(entries))


def _problems_of_form(catalog: Catalog, entry: Entry, text: str, locale: str) -> list[str]:
    found: list[str] = []
    meta = {**META, "locale": locale, "text": text}
    for page in range(len(modal.pages(entry))):
        view = modal.fields_form(entry, locale, meta, text=text, page=page)
        found += [f"page {page + 1}: {p}" for p in block_kit.view_problems(view)]
        ids = [b.get("block_id") for b in view["blocks"]]
        for f in modal.pages(entry)[page]:  # every field's input is on its page
            assert modal.block_of(f) in ids
            assert modal.field_at(entry, modal.block_of(f)) == f
        for f in entry.fields:
            if f.type != "choice":
                continue
            for typed in ("", f.choices[0][:3], "zz"):
                answer = {
                    "options": modal.suggestions(catalog, modal.block_of(f), typed, view, locale)
                }
                if answer["options"]:
                    found += block_kit.options_problems(answer)
    return found


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(catalog=catalogs(), text=WORDS, locale=st.sampled_from(LOCALES))
def test_every_view_of_a_generated_catalog_is_one_slack_takes(
    catalog: Catalog, text: str, locale: str
) -> None:
    picker = modal.entry_picker(catalog, locale, {**META, "locale": locale, "text": text})
    problems = block_kit.view_problems(picker)
    for typed in ("", "e1", "😀"):
        answer = {"options": modal.suggestions(catalog, modal.ENTRY, typed, picker, locale)}
        problems += block_kit.options_problems(answer)
    for entry in catalog.entries[:4]:
        problems += _problems_of_form(catalog, entry, text, locale)
    assert problems == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    catalog=catalogs(),
    subject=WORDS,
    locale=st.sampled_from(LOCALES),
    state=st.sampled_from(("new", "open", "pending", "closed")),
)
def test_every_card_and_notice_of_a_generated_catalog_is_one_slack_takes(
    catalog: Catalog, subject: str, locale: str, state: str
) -> None:
    problems: list[str] = []
    for entry in catalog.entries[:4]:
        facts = render.TicketFacts(
            id=42, tag="[#42]", subject=subject, state=state,
            entry=catalog.shown_name(entry.id, locale),
            requester="伊藤 花子 <ito@customer.test>", assignee="",
        )  # fmt: skip
        card: dict[str, Any] = render.card(facts, locale)
        problems += block_kit.message_problems(card.get("blocks"))
        for kind in ("new", "sla", "stale"):
            notice = render.notice({"notice": kind, "target": "resolve"}, facts, locale)
            problems += block_kit.message_problems(notice.get("blocks"))
    assert problems == [], json.dumps(problems, ensure_ascii=False)[:2000]
