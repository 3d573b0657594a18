"""Searches as a ja/en team types them, where the list answered wrong: a quoted phrase
(``"disk full"``, 「ディスク容量」) was two words with a quote stuck to each; a control
character pasted along (a NUL from a log) answered "database unavailable" on SQLite; a
term of one or two full-width or accented letters (below a trigram, a LIKE on SQLite)
missed the other case, where PostgreSQL's ILIKE found it; and a term's length had no
bound below the page's (``tickets list --search``)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from store import search
from store.db import transaction
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import rig, sign_in
from tests.test_query_plans import _record


def _find(app: App, query: str) -> list[int] | None:
    with transaction(app.sessions) as s:
        return search.matching_tickets(s, query)


def test_a_quoted_phrase_is_looked_for_whole(app: App) -> None:
    plain = deliver(app, mail(subject="Disk", body="ERR-1234 disk full on /var\n")).ticket_id
    quoted = deliver(app, mail(subject="Disk", body='It says "disk is full" now\n')).ticket_id
    ja = deliver(app, mail(subject="容量", body="ディスク 容量が不足しています。\n")).ticket_id
    assert _find(app, '"disk full"') == [plain]  # not the one with a quote by each word
    assert _find(app, '"disk is full"') == [quoted]
    assert _find(app, "“disk is full”") == [quoted]  # a word processor's quotes
    assert _find(app, "「disk is full」") == [quoted]
    assert _find(app, "＂ＤＩＳＫ　ＩＳ　ＦＵＬＬ＂") == [quoted]  # the input method on
    assert _find(app, "『ディスク 容量』") == [ja]
    assert _find(app, '"ディスク  容量" 不足') == [ja]  # spaces inside as one
    assert _find(app, '"is full" ERR') == []  # a phrase is one of the words required
    assert _find(app, '"disk') == [quoted]  # a quote without its pair stays a character
    assert _find(app, '""') == []  # nothing between them: the quotes themselves


def test_a_control_character_in_a_query_separates_words(app: App) -> None:
    t = deliver(app, mail(subject="VPN障害", body="x y\n")).ticket_id
    assert _find(app, "x\x00y") == [t]
    assert _find(app, "VPN\x00障害\x1b") == [t]
    assert _find(app, "\x00") is None


def test_a_short_term_folds_case_beyond_ascii_on_both_databases(app: App) -> None:
    wide = deliver(app, mail(subject="ＶＰＮ接続", body="Ｗｉ－Ｆｉ\n")).ticket_id
    de = deliver(app, mail(subject="Ärger", body="Öl\n")).ticket_id
    assert _find(app, "vp") == [wide]
    assert _find(app, "ｖｐ") == [wide]
    assert _find(app, "ä") == [de]
    assert _find(app, "öl") == [de]
    assert _find(app, "ärger ö") == [de]  # a long term's tickets, then the short one


def test_a_very_long_term_is_read_up_to_a_bound(app: App) -> None:
    """The page cuts the box at 200 characters; ``tickets list --search`` did not, and a
    term's cost grows with its length (its trigrams, its spellings)."""
    t = deliver(app, mail(subject="エラー", body="エラー" * 100 + "\n")).ticket_id
    sizes = []
    for n in (300, 30_000):
        recorder = _record([app.engine])
        seen = next(recorder)
        assert _find(app, "エラー" * n) == [t]  # what it holds up to the bound
        next(recorder, None)
        values = [v for _, p in seen for v in (p.values() if isinstance(p, dict) else p)]
        sizes.append(sum(len(str(v)) for v in values))
    assert sizes[1] == sizes[0]


def test_the_list_answers_a_search_with_a_nul(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        await sign_in(client, r, "ops@example.test")
        found = await client.get("/tickets", params={"q": "VPN\x00障害"})
        return found.status, await found.text()

    with rig(settings, clock) as r:
        t = deliver(r.app, mail(subject="VPN障害")).ticket_id
        status, page = r.serve(scenario)
    assert status == 200 and f'href="/tickets/{t}"' in page
