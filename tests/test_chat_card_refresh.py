"""A catalog change reaches the Slack cards already posted: the cards of the OPEN
tickets of an entry renamed, removed or split are updated to show what the catalog now
says (the channel's language), once per change, spread out under Slack's rate limits,
also when the change was made while the gateway was stopped. A change the card does
not show (a field's label) updates no card; a closed ticket's card stays as it was."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gateway.chat import refresh
from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.core.resources import examples_dir
from gateway.runtime.app import App, build
from gateway.tickets import changes
from store import chat, tickets
from store.db import transaction
from tests.support import chat as c
from tests.support.catalogs import EXAMPLE
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.slack_fake import FakeSlack

OLD_NAME, NEW_NAME = "VPN・リモートアクセス", "リモート接続（VPN）"


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    """The example catalog, copied with the program its action names."""
    shutil.copy2(examples_dir() / "account_action.py", tmp_path / "account_action.py")
    path = tmp_path / "catalog.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def chat_app(
    settings: Settings, clock: FakeClock, fake: FakeSlack, catalog_file: Path
) -> Iterator[App]:
    cfg = replace(c.chat_settings(settings, fake), catalog=CatalogSettings(catalog_file))
    application = build(cfg, clock)
    yield application
    application.close()


def _carded(app: App, subject: str, n: int) -> int:
    """A ticket filed by mail, with a card posted in Slack (as one from /ticket has)."""
    ticket_id = deliver(app, mail(subject, "つながりません", message_id=f"<m{n}@x>")).ticket_id
    assert ticket_id is not None
    with transaction(app.sessions) as s:
        chat.add_thread(s, ticket_id=ticket_id, channel=c.HELP, now=app.clock.now())
        chat.card_posted(s, ticket_id, f"1772413200.{n:06d}")
    return ticket_id


def _edit(app: App, path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    assert app.catalog.reload()


def _updated(fake: FakeSlack) -> dict[str, str]:
    """Card ts → the card's words, of every chat.update Slack got."""
    return {u["ts"]: json.dumps(u["blocks"], ensure_ascii=False) for u in fake.of("chat.update")}


def _close(app: App, ticket_id: int) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get_to_change(s, ticket_id)
        assert ticket is not None
        changes.change_state(s, ticket, TicketState.CLOSED, app.clock.now(),
                             actor="ops@example.test", channel="web")  # fmt: skip


def _settle(app: App, clock: FakeClock) -> Any:
    """Drain the poster, the clock moved past every spread-out update."""
    poster = c.poster(app)
    poster.drain()
    for _ in range(10):
        clock.advance(refresh.GAP)
        poster.drain()
    return poster


def test_a_renamed_entry_updates_the_cards_of_its_open_tickets_once(
    chat_app: App, fake: FakeSlack, clock: FakeClock, catalog_file: Path
) -> None:
    vpn = [_carded(chat_app, "VPN がつながりません", n) for n in range(3)]
    printer = _carded(chat_app, "プリンターが印刷できません", 9)
    _close(chat_app, vpn[2])
    _settle(chat_app, clock)  # the looks recorded; what the close queued posted
    before = _updated(fake)
    assert set(before) == {"1772413200.000002"}  # the close's own update, nothing else

    _edit(chat_app, catalog_file, f"ja: {OLD_NAME}", f"ja: {NEW_NAME}")
    _settle(chat_app, clock)
    after = fake.of("chat.update")[len(before) :]
    assert sorted(u["ts"] for u in after) == ["1772413200.000000", "1772413200.000001"]
    assert all(NEW_NAME in json.dumps(u["blocks"], ensure_ascii=False) for u in after)
    printer_card = "1772413200.000009"  # another entry's card: not touched
    assert printer and printer_card not in {u["ts"] for u in fake.of("chat.update")}

    _settle(chat_app, clock)  # once per change: nothing more
    assert chat_app.catalog.reload()  # the same catalog again: nothing either
    _settle(chat_app, clock)
    assert len(fake.of("chat.update")) == len(before) + 2

    _edit(chat_app, catalog_file, f"ja: {NEW_NAME}", f"ja: {OLD_NAME}")  # and back
    _settle(chat_app, clock)
    back = fake.of("chat.update")[len(before) + 2 :]
    assert len(back) == 2
    assert all(OLD_NAME in json.dumps(u["blocks"], ensure_ascii=False) for u in back)


def test_a_removed_entry_shows_on_the_cards_as_the_board_marks_it(
    chat_app: App, fake: FakeSlack, clock: FakeClock, catalog_file: Path
) -> None:
    ticket_id = _carded(chat_app, "VPN がつながりません", 1)
    _settle(chat_app, clock)
    text = catalog_file.read_text(encoding="utf-8")
    start, end = text.index("  - id: vpn\n"), text.index("  - id: account\n")
    catalog_file.write_text(text[:start] + text[end:], encoding="utf-8")  # vpn split away
    assert chat_app.catalog.reload()
    _settle(chat_app, clock)
    [update] = fake.of("chat.update")
    words = json.dumps(update["blocks"], ensure_ascii=False)
    assert OLD_NAME not in words
    assert chat_app.catalog.current.shown_name("vpn", "ja") in words
    assert update["ts"] == "1772413200.000001" and ticket_id


def test_a_field_label_the_card_does_not_show_updates_no_card(
    chat_app: App, fake: FakeSlack, clock: FakeClock, catalog_file: Path
) -> None:
    _carded(chat_app, "VPN がつながりません", 1)
    _settle(chat_app, clock)
    _edit(chat_app, catalog_file, "ja: クライアントのバージョン", "ja: クライアント版")
    _settle(chat_app, clock)
    assert fake.of("chat.update") == []


def test_the_updates_are_spread_out_under_slacks_limits(
    chat_app: App, fake: FakeSlack, clock: FakeClock, catalog_file: Path
) -> None:
    for n in range(4):
        _carded(chat_app, "VPN がつながりません", n)
    _settle(chat_app, clock)
    _edit(chat_app, catalog_file, f"ja: {OLD_NAME}", f"ja: {NEW_NAME}")
    poster = c.poster(chat_app)
    poster.drain()
    assert len(fake.of("chat.update")) == 1  # the first now, the others later
    for n in range(2, 5):
        clock.advance(refresh.GAP)
        poster.drain()
        assert len(fake.of("chat.update")) == n


def test_a_change_made_while_the_gateway_was_stopped_is_found_at_the_next_start(
    settings: Settings, clock: FakeClock, fake: FakeSlack, catalog_file: Path
) -> None:
    cfg = replace(c.chat_settings(settings, fake), catalog=CatalogSettings(catalog_file))
    first = build(cfg, clock)
    try:
        _carded(first, "VPN がつながりません", 1)
        _settle(first, clock)
    finally:
        first.close()
    text = catalog_file.read_text(encoding="utf-8")
    catalog_file.write_text(text.replace(f"ja: {OLD_NAME}", f"ja: {NEW_NAME}"), encoding="utf-8")
    second = build(cfg, clock)  # started again, with the changed file
    try:
        _settle(second, clock)
    finally:
        second.close()
    [update] = fake.of("chat.update")
    assert NEW_NAME in json.dumps(update["blocks"], ensure_ascii=False)


def test_a_card_shows_an_internationalised_requester_as_people_read_it(
    chat_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    """The requester is stored as ``ito@xn--r8jz45g.jp`` (one form to compare); the card
    shows ``ito@例え.jp``, as the mails and pages do."""
    raw = mail("VPN がつながりません", "つながりません", sender="Ito <ito@xn--r8jz45g.jp>",
               message_id="<idn@x>")  # fmt: skip
    ticket_id = deliver(chat_app, raw).ticket_id
    assert ticket_id is not None
    with transaction(chat_app.sessions) as s:
        chat.add_thread(s, ticket_id=ticket_id, channel=c.HELP, now=chat_app.clock.now())
        chat.card_posted(s, ticket_id, "1772413200.000077")
    _settle(chat_app, clock)
    _close(chat_app, ticket_id)  # its card is updated: the state
    _settle(chat_app, clock)
    card = _updated(fake)["1772413200.000077"]
    assert "ito@例え.jp" in card and "xn--" not in card, card
