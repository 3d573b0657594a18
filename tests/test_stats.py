"""``stats``: per entry, per assignee, per week, and the fallback report, on a seeded DB."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gateway.catalog.load import load_catalog
from gateway.catalog.model import Catalog
from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.core.words import counted_as
from gateway.runtime.app import App
from gateway.scheduling import workload
from gateway.tickets import changes
from store import stats, tickets
from store.db import transaction
from tests.support.catalogs import EXAMPLE
from tests.support.mails import mail
from tests.support.paths import REPO
from tests.support.pipeline import deliver

# (subject, body, hours until closed or None, days after the start it arrives)
SEED: list[tuple[str, str, float | None, int]] = [
    ("VPN down", "AnyConnect fails.\n", 2, 0),
    ("VPN slow", "Very slow from home.\n", 4, 0),
    ("ＶＰＮの設定", "在宅勤務を始めます。\n", None, 7),
    ("Printer jam", "The printer on 3F jams.\n", None, 0),
    ("Projector in room A is broken", "The projector shows no picture.\n", None, 0),
    ("Question", "The projector in the lobby flickers.\n", 24, 7),
    ("会議室の予約ができません", "会議室の予約画面が開きません。\n", None, 7),
    ("会議室の予約について", "来週の会議室予約をキャンセルしたいです。\n", None, 7),
    ("Lunch menu", "Where is the lunch menu?\n", None, 7),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """These tickets are filed by the pipeline itself, with the packaged example."""
    return replace(settings, catalog=CatalogSettings(path=EXAMPLE))


@pytest.fixture
def seeded(app: App, clock: FakeClock) -> Catalog:
    catalog = load_catalog(EXAMPLE)
    start = clock.now()
    for subject, body, close_after, day in SEED:
        clock.advance(start + timedelta(days=day) - clock.now())  # SEED is in day order
        outcome = deliver(app, mail(subject=subject, body=body))
        assert outcome.ticket_id is not None
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, outcome.ticket_id)
            assert ticket is not None
            if close_after is not None:
                changes.change_state(
                    s,
                    ticket,
                    TicketState.CLOSED,
                    clock.now() + timedelta(hours=close_after),
                    actor="test",
                    channel="cli",
                )
    clock.advance(start + timedelta(days=8) - clock.now())
    return catalog


def compute(app: App, catalog: Catalog) -> dict[str, Any]:
    with transaction(app.sessions) as s:
        return stats.compute(
            s,
            entry_ids=[e.id for e in catalog.entries],
            fallback_id=catalog.fallback.id,
            tz=ZoneInfo("Asia/Tokyo"),
        )


def test_per_entry_counts_and_median(app: App, seeded: Catalog) -> None:
    data = compute(app, seeded)
    by_entry = {e["entry"]: e for e in data["entries"]}
    assert [e["entry"] for e in data["entries"]] == [e.id for e in seeded.entries]
    assert by_entry["vpn"] == {
        "entry": "vpn",
        "open": 1,
        "closed": 2,
        "median_close_seconds": 3 * 3600,
    }
    assert by_entry["printer"]["open"] == 1 and by_entry["printer"]["closed"] == 0
    assert by_entry["printer"]["median_close_seconds"] is None
    assert by_entry["other"] == {
        "entry": "other",
        "open": 4,
        "closed": 1,
        "median_close_seconds": 24 * 3600,
    }
    assert by_entry["purchase"]["open"] == 0


def test_per_assignee_open_and_oldest(app: App, seeded: Catalog) -> None:
    by_who = {a["assignee"]: a for a in compute(app, seeded)["assignees"]}
    assert by_who["boss@example.test"]["open"] == 4
    assert by_who["ops@example.test"]["open"] == 1  # the VPN one from day 7
    assert by_who["ops2@example.test"]["open"] == 1
    boss = by_who["boss@example.test"]
    assert boss["oldest_created_at"] == "2026-03-02T01:00:00+00:00"
    with transaction(app.sessions) as s:
        oldest = tickets.get(s, boss["oldest_ticket"])
        assert oldest is not None and oldest.subject.startswith("Projector")


def test_per_iso_week_opened_and_closed(app: App, seeded: Catalog) -> None:
    weeks = compute(app, seeded)["weeks"]
    assert weeks == [
        {"week": "2026-W10", "opened": 4, "closed": 2},
        {"week": "2026-W11", "opened": 5, "closed": 1},
    ]


def test_fallback_report_surfaces_recurring_words(app: App, seeded: Catalog) -> None:
    report = compute(app, seeded)["fallback"]
    assert report["entry"] == "other" and report["tickets"] == 5
    terms = {(t["kind"], t["term"]): t["tickets"] for t in report["terms"]}
    assert terms[("word", "projector")] == 2
    assert terms[("kanji", "予約")] == 2 and terms[("kanji", "会議室")] == 2
    assert not any(k == "kanji" and t == "会議" for k, t in terms)  # words, not fragments
    assert ("word", "lunch") not in terms  # once is not a pattern
    assert ("word", "the") not in terms and ("word", "vpn") not in terms
    assert all(n > 1 for n in terms.values())


def test_terms_split_latin_words_and_japanese_words() -> None:
    found = list(stats.terms("Ｐｒｏｊｅｃｔｏｒ の 会議室 please"))
    assert ("word", "projector") in found and ("word", "please") not in found
    assert ("kanji", "会議室") in found and ("kanji", "会議") not in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("プロジェクターが映らない", [("katakana", "プロジェクター")]),  # not プロ, ロジ, ジェ
        ("ﾌﾟﾛｼﾞｪｸﾀｰの電源", [("katakana", "プロジェクター"), ("kanji", "電源")]),
        ("会議室の予約ができません", [("kanji", "会議室"), ("kanji", "予約")]),
        ("お世話になっております。確認をお願いします", []),  # boilerplate only
        ("Wi-Fi が遅い、VPN も", [("word", "wi-fi"), ("word", "vpn")]),
        ("Wi\u2010Fiが遅い", [("word", "wi-fi")]),  # any hyphen, as the matcher reads it
        ("ＶＰＮ接続エラー", [("word", "vpn"), ("kanji", "接続"), ("katakana", "エラー")]),
    ],
)
def test_japanese_is_split_into_words_without_a_dictionary(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert list(stats.terms(text)) == expected


def test_recent_windows_and_member_figures(app: App, seeded: Catalog) -> None:
    with transaction(app.sessions) as s:
        # the stale counts are the reminders' rule over the catalog's: the workload's pass
        data = workload.stats_figures(s, seeded, app.settings, app.clock.now())
    recent = {e["entry"]: e for e in data["recent"]["30d"]}
    assert recent["vpn"]["open"] + recent["vpn"]["closed"] == 3
    boss = next(a for a in data["assignees"] if a["assignee"] == "boss@example.test")
    assert boss["stale"] >= 1 and boss["force_closed_quarter"] == 0
    assert data["quarter_since"].startswith("2026-01-01T00:00:00+09:00")


@pytest.mark.parametrize(
    ("requests", "term", "kind"),
    [
        # Japanese writes a loan word with or without its final ー; the matcher takes a
        # katakana keyword either way, so the report counts both spellings as one word
        (
            ["プロジェクターが映らない", "プロジェクタの予約", "ﾌﾟﾛｼﾞｪｸﾀｰ 故障"],
            "プロジェクター",
            "katakana",
        ),
        # a Latin keyword finds its plural (s/es): one word, said as the keyword to write
        (
            ["projector broken", "two projectors for Monday", "Projectors again"],
            "projector",
            "word",
        ),
        (["our class list", "classes moved", "no more classes"], "class", "word"),
        # a number written on to a word: the keyword without it finds both
        (["Windows11が起動しない", "windows update", "Windows10 の更新"], "windows", "word"),
    ],
)
def test_fallback_report_counts_a_word_as_the_matcher_finds_it(
    app: App, requests: list[str], term: str, kind: str
) -> None:
    for subject in requests:
        assert deliver(app, mail(subject=subject, body="よろしくお願いします。\n")).ticket_id
    with transaction(app.sessions) as s:
        report = stats.fallback_report(s, "other", top=20)
    terms = {t["term"]: (t["kind"], t["tickets"]) for t in report["terms"]}
    assert terms.get(term) == (kind, len(requests)), terms
    assert report["groups"][0]["terms"] == [term]  # one entry to write, not two halves


def test_only_spellings_that_both_occur_are_counted_as_one() -> None:
    spelled = counted_as({"bus", "bu", "news", "サーバー", "サーバ", "ログ", "ロ"})
    assert spelled["bus"] == "bu" and spelled["サーバ"] == "サーバー"
    assert spelled["news"] == "news" and spelled["ログ"] == "ログ"  # nothing to join
    assert spelled["サーバー"] == "サーバー"
    spelled = counted_as({"office", "office365", "win10", "win100", "ipv6"})
    assert spelled["office365"] == "office" and spelled["ipv6"] == "ipv6"
    assert spelled["win100"] == "win100"  # a keyword ending in a digit keeps it whole


def _shape(value: Any) -> Any:
    """The keys of ``value`` at every level (a list by its first item): what a script
    reading ``stats --json`` relies on, whatever the figures."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value and isinstance(value[0], dict | list) else []
    return None


def test_the_readmes_json_example_has_the_shape_stats_prints(app: App, seeded: Catalog) -> None:
    """README "Statistics" prints an example of ``stats --json``: every object in it has
    exactly the keys the command prints there (a key added or renamed since, such as
    the fallback report's ``keyword_of``, ``groups`` and ``since``, is shown too)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [example] = [
        b for b in re.findall(r"^```json\n(.*?)^```", readme, re.S | re.M) if "quarter_since" in b
    ]
    with transaction(app.sessions) as s:
        data = workload.stats_figures(s, seeded, app.settings, app.clock.now())
    assert data["fallback"]["terms"] and data["fallback"]["groups"]  # something to compare
    assert _shape(json.loads(example)) == _shape(json.loads(json.dumps(data)))
