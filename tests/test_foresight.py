"""A foresight (the pure stages' answers, worked out in a parse worker) makes processing
faster, never different: it gives exactly the triage and thanks verdict worked out
here, it is used only for its own message under its own catalog, and a bulk ingest
with foresights ends as one without."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.catalog.load import load_catalog
from gateway.catalog.match import Classification
from gateway.catalog.triage import triage
from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import ParsedMessage, TicketState
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.request_words import request_words
from gateway.pipeline.thanks import ThanksVerdict, judge
from gateway.receive import bulk
from gateway.receive.parse_ahead import FORESEE_WITH, ParseAhead
from gateway.runner import filing
from gateway.runner.foresight import foresee
from gateway.runner.rows import RowInput, RowOutcome
from gateway.runner.runner import Runner
from gateway.runtime.app import App, build
from gateway.tickets import changes
from store import inbox, tickets
from store.db import transaction
from tests.support.app import MEMBERS, reply_address
from tests.support.catalogs import EXAMPLE
from tests.support.corpus import own_samples
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, show

CATALOG = load_catalog(EXAMPLE)


def test_a_foresight_gives_the_triage_and_thanks_worked_out_here() -> None:
    for sample in own_samples():
        msg = parse_message(sample.raw())
        seen = foresee(CATALOG, msg)
        for locale in ("ja", "en"):
            known = seen.triage_for(CATALOG, msg)
            assert known is not None
            words = request_words(msg)
            assert triage(CATALOG, msg, words, locale, known) == triage(CATALOG, msg, words, locale)
        assert seen.thanks_for(msg.new_text) == judge(msg.new_text)


def test_a_foresight_answers_only_its_own_question() -> None:
    msg = parse_message(mail(subject="VPN does not connect", body="OS: windows\n"))
    seen = foresee(CATALOG, msg)
    assert seen.triage_for(CATALOG, msg) is not None
    assert seen.triage_for(replace(CATALOG, digest="0" * 64), msg) is None  # edited since
    assert seen.triage_for(replace(CATALOG, digest=""), msg) is None  # not read from a file
    assert seen.triage_for(CATALOG, replace(msg, subject="Printer jam")) is None
    assert seen.triage_for(CATALOG, replace(msg, new_text="a forwarded original")) is None
    assert seen.thanks_for("thanks!") is None


@pytest.fixture
def team(settings: Settings, clock: FakeClock) -> Iterator[App]:
    app = build(replace(settings, members=MEMBERS, catalog=CatalogSettings(path=EXAMPLE)), clock)
    yield app
    app.close()


def _stored(app: App, raws: list[bytes]) -> list[int]:
    with transaction(app.sessions) as s:
        return [inbox.accept(s, r, source="test", now=app.clock.now()).inbox_id for r in raws]


def test_the_runner_uses_a_matching_foresight_and_ignores_a_stale_one(
    team: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forged answers show which path ran: with the catalog's digest the VPN mail is
    filed where the foresight says; under another digest it is filed by its words. The
    words (the request without its signature block) are read for the stale one alone:
    the processing child does not redo what the parse process did (issue #18)."""
    read: list[str] = []

    def counted(msg: ParsedMessage) -> str:
        read.append(msg.message_id)
        return request_words(msg)

    monkeypatch.setattr(filing, "request_words", counted)
    raws = [
        mail(subject="VPN does not connect", message_id=f"<v{n}@customer.test>") for n in (1, 2)
    ]
    msgs = [parse_message(r) for r in raws]
    digest = team.catalog.current.digest
    forged = [
        replace(
            foresee(team.catalog.current, m), classification=Classification("printer", 9, (), False)
        )
        for m in msgs
    ]
    rows = [
        RowInput(i, m, r, f)
        for i, m, r, f in zip(
            _stored(team, raws),
            msgs,
            raws,
            [forged[0], replace(forged[1], catalog_digest="f" * len(digest))],
            strict=True,
        )
    ]
    outcomes = team.runner.process_together(rows)
    filed = [show(team, o.ticket_id or 0)["catalog"] for o in outcomes]
    assert filed == ["printer", "vpn"]
    assert read == [msgs[1].message_id]


def test_the_runner_uses_a_foreseen_thanks(team: App) -> None:
    """A reply to a closed ticket, its thanks verdict forged as "only thanks": the ticket
    stays closed, where the reply's words (a question) would have reopened it."""
    question = "Could you call me about it?\n"
    assert not judge(question).only_thanks
    states = []
    for n, forged in enumerate((True, False)):
        first = mail(subject="VPN does not connect", message_id=f"<t{n}@customer.test>")
        [opened] = team.runner.process_together([RowInput(i, None) for i in _stored(team, [first])])
        with transaction(team.sessions) as s:
            ticket = tickets.get(s, opened.ticket_id or 0)
            assert ticket is not None
            changes.change_state(
                s, ticket, TicketState.CLOSED, team.clock.now(), actor="cli", channel="cli"
            )
        reply = mail(
            subject="Re: VPN does not connect",
            body=question,
            to=reply_address(team, opened.ticket_id or 0, "alice@customer.test"),
            message_id=f"<r{n}@customer.test>",
            in_reply_to=f"<t{n}@customer.test>",
        )
        msg = parse_message(reply)
        seen = foresee(team.catalog.current, msg)
        if forged:
            seen = replace(seen, thanks=ThanksVerdict(True, "forged"))
        [done] = team.runner.process_together(
            [RowInput(i, msg, reply, seen) for i in _stored(team, [reply])]
        )
        assert done.ticket_id == opened.ticket_id
        states.append(show(team, opened.ticket_id or 0)["state"])
    assert states == ["closed", "open"]


def test_a_bulk_ingest_with_foresights_ends_as_one_without(
    settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not settings.database.url.startswith("sqlite"):
        pytest.skip("the two runs use SQLite files of their own: the foresight is pure")
    handed: list[bool] = []  # per row the runner got: did it come with a foresight?
    together = Runner.process_together

    def noting(self: Runner, rows: Sequence[RowInput]) -> list[RowOutcome]:
        handed.extend(r.foresight is not None for r in rows)
        return together(self, rows)

    monkeypatch.setattr(Runner, "process_together", noting)
    folder = tmp_path / "mail"
    folder.mkdir()
    for n, sample in enumerate(own_samples()):
        (folder / f"{n:03}.eml").write_bytes(sample.raw())
    seen: list[list[dict[str, object]]] = []
    for name, workers in (("with", FORESEE_WITH), ("without", 0)):
        db = replace(settings.database, url=f"sqlite:///{tmp_path}/{name}.db")
        app = build(
            replace(settings, members=MEMBERS, catalog=CatalogSettings(path=EXAMPLE), database=db),
            clock,
        )
        try:
            with ParseAhead(workers=workers) as ahead:
                bulk.ingest(app.runner, [str(folder)], lambda _line: None, ahead=ahead)
            assert all(handed) if workers else not any(handed)
            handed.clear()
            seen.append([_comparable(show(app, t["id"])) for t in all_tickets(app)])
        finally:
            app.close()
    assert seen[0] == seen[1] and len(seen[0]) > 5


def _comparable(ticket: dict[str, object]) -> dict[str, object]:
    """What a person reads of a ticket, without the ids and times that differ by run."""
    keep = ("subject", "requester", "state", "catalog", "assignee", "priority", "fields")
    events = ticket.get("events", [])
    assert isinstance(events, list)
    return {
        **{k: ticket.get(k) for k in keep},
        "events": [(e["kind"], e.get("new"), e.get("detail")) for e in events],
    }
