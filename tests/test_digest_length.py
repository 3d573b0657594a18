"""The weekly digest has a length: a member with thousands of open tickets gets the most
urgent and oldest ``DIGEST_LISTED`` of each section, then how many more there are and
where the pages list them all, in their language; the counts in the subject and the
headings stay the whole count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.config.settings import Member, ScheduleSettings, Settings, WebSettings
from gateway.core.clock import FakeClock
from gateway.notify import views as v
from gateway.notify.render import Renderer
from gateway.runtime.app import App
from gateway.scheduling import digest, scheduler
from tests.support.app import MEMBERS
from tests.support.pipeline import outbox, subject_of, text_of
from tests.support.samples import said
from tests.support.scheduling import CATALOG, make_app, open_ticket, scheduled_settings
from tests.support.unwrap import unwrapped

BASE = "https://help.example.test"
LEAVER = Member(email="ops3@example.test", name="Ops Three", role="ops", locale="en")
PRINTERS = """
  - id: printer
    name: {ja: プリンター, en: Printers}
    keywords: [{term: printer, weight: 3}]
    assignee: ops3@example.test
"""


def _app(settings: Settings, tmp_path: Path, clock: FakeClock, web: bool) -> App:
    # digest "mon 09:00"; the clock: Monday 10:00 JST
    cfg = scheduled_settings(settings, tmp_path)
    return make_app(replace(cfg, web=WebSettings(enabled=web, base_url=BASE)), clock)


def _left_behind(settings: Settings, tmp_path: Path, clock: FakeClock, n: int) -> list[int]:
    """``n`` open tickets of a member who has left the team since: nobody's now."""
    with_printers = CATALOG.replace("entries:\n", "entries:\n" + PRINTERS.lstrip("\n"), 1)
    cfg = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"), with_printers)
    app = make_app(replace(cfg, members=(*MEMBERS, LEAVER)), clock)
    try:
        return [open_ticket(app, f"Printer {k} jams", key=f"p{k}") for k in range(n)]
    finally:
        app.close()


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = _app(settings, tmp_path, clock, web=True)
    yield app
    app.close()


def _digest_to(app: App, who: str) -> tuple[str, str]:
    [mail] = [m for m in outbox(app, "weekly_digest") if m.recipients == [who]]
    return subject_of(mail), text_of(mail)


def _listed(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^  \[#(\d+)\]", text, flags=re.M)]


def test_each_section_lists_a_bounded_number_then_says_how_many_more(
    settings: Settings, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digest, "DIGEST_LISTED", 3)
    nobody = _left_behind(settings, tmp_path, clock, 4)
    gw = _app(settings, tmp_path, clock, web=True)
    try:
        mine = [open_ticket(gw, f"VPN down at site {n}", key=f"v{n}") for n in range(5)]
        scheduler.tick(gw)
        subject, text = _digest_to(gw, "ops@example.test")  # reads English
        assert subject.endswith(": 5 yours, 4 unassigned")  # the whole counts
        assert "Your open tickets (5)" in text and "Unassigned tickets (4)" in text
        assert _listed(text) == mine[:3] + nobody[:3]
        mine_link = f"{BASE}/tickets?state=active&assignee=ops%40example.test"
        assert f"… and 2 more tickets: {mine_link}" in unwrapped(text)
        # the list of nobody's tickets, a former member's too (store.holders)
        nobodys = f"{BASE}/tickets?state=active&assignee=-"
        assert f"… and 1 more ticket: {nobodys}" in unwrapped(text)
        assert "1 more tickets" not in text
    finally:
        gw.close()


def test_the_rest_said_in_japanese(gw: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest, "DIGEST_LISTED", 2)
    mine = [open_ticket(gw, f"Purchase: item {n}", key=f"b{n}") for n in range(5)]
    scheduler.tick(gw)
    _, text = _digest_to(gw, "ops2@example.test")
    assert _listed(text) == mine[:2]
    link = f"{BASE}/tickets?state=active&assignee=ops2%40example.test"
    assert f"…ほか 3 件: {link}" in unwrapped(text)
    assert "more" not in text


def test_a_short_digest_says_no_more(gw: App) -> None:
    mine = [open_ticket(gw, f"VPN down at site {n}", key=f"s{n}") for n in range(2)]
    scheduler.tick(gw)
    _, text = _digest_to(gw, "ops@example.test")
    assert _listed(text) == mine and "more ticket" not in text


def test_without_the_pages_the_rest_is_counted_without_a_dead_link(
    settings: Settings, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digest, "DIGEST_LISTED", 1)
    app = _app(settings, tmp_path, clock, web=False)
    try:
        for n in range(3):
            open_ticket(app, f"VPN down at site {n}", key=f"n{n}")
        scheduler.tick(app)
        _, text = _digest_to(app, "ops@example.test")
        assert "… and 2 more tickets." in text and BASE not in text
    finally:
        app.close()


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_html_digest_links_the_rest_as_a_link(locale: str) -> None:
    """In the HTML part the page listing the rest is a link one clicks (the text part
    says the address; an HTML part, read in Outlook, shows a bare address as words)."""
    view = next(s for s in said() if isinstance(s, v.WeeklyDigest) and s.assigned_link)
    html = Renderer().render(view, locale).html
    href = view.assigned_link.replace("&", "&amp;")
    assert f'<a href="{href}">{href}</a>' in html
    assert html.count("<a href=") == 1  # the unassigned rest has no page here: no link
