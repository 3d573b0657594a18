"""``catalog refile``: the fallback's tickets filed again once the team split it.

The story of the mission: requests about projectors fall to "other" (``stats``
shows the word), the manager adds a ``projector`` entry, and the tickets already
waiting there move to it, as a new request would be filed, on both databases:
the category event with the classification, the new entry's assignee where the
old filing had chosen one, the sheet values the request already holds. What
people decided stays: an entry chosen with ``/category``, an assignee given by
hand. A dry run changes nothing; a second ``--apply`` moves nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import Member
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App, build
from gateway.tickets import changes
from store import action_runs, fields, outbox, tickets
from store.db import transaction
from store.models import TicketEvent
from tests.support.actions import drain
from tests.support.cli import Ran, run
from tests.support.config import SECRET_ENV, members_toml, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver

MEMBERS = [
    Member("ops@example.test"),
    Member("ops2@example.test"),
    Member("av@example.test"),
    Member("boss@example.test", role="manager"),
]
OTHER = """\
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""
BEFORE = f"""\
entries:
  - id: printer
    name: {{ja: プリンター, en: Printer}}
    keywords: [printer, プリンター]
    assignee: ops@example.test
{OTHER}"""
# the team split "other": projectors have an entry now (served in turn by two members,
# with a sheet), and "printer" was renamed "printers"
AFTER = f"""\
entries:
  - id: printers
    name: {{ja: プリンター, en: Printers}}
    keywords: [printer, プリンター]
    assignee: ops@example.test
  - id: projector
    name: {{ja: プロジェクター, en: Projector}}
    keywords: [projector, プロジェクター]
    assignee: [av@example.test, ops2@example.test]
    fields:
      - {{name: room, label: {{ja: 部屋, en: Room}}}}
{OTHER}"""


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Path:
    (tmp_path / "catalog.yaml").write_text(BEFORE, encoding="utf-8")
    extra = '[catalog]\npath = "catalog.yaml"\n' + members_toml(MEMBERS)
    return write_config(tmp_path, url=db_url, extra=extra)


@pytest.fixture
def app(site: Path) -> Iterator[App]:
    application = build(load_settings(site), FakeClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)))
    yield application
    application.close()


def _request(app: App, subject: str, body: str) -> int:
    outcome = deliver(app, mail(subject=subject, body=body))
    assert outcome.ticket_id is not None
    return outcome.ticket_id


def _filed(app: App, tid: int) -> tuple[str | None, str | None, str]:
    with transaction(app.sessions) as s:
        t = tickets.get(s, tid)
        assert t is not None
        return t.catalog, t.assignee, t.state


def _events(app: App, tid: int, kind: str) -> list[TicketEvent]:
    with transaction(app.sessions) as s:
        t = tickets.get(s, tid)
        assert t is not None
        found = [e for e in t.events if e.kind == kind]
        s.expunge_all()
        return found


def _split(site: Path) -> None:
    (site.parent / "catalog.yaml").write_text(AFTER, encoding="utf-8")


def _refile(site: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    return run(site, "catalog", "refile", *args, capsys=capsys)


def test_dry_run_shows_the_moves_and_changes_nothing(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    beamer = _request(app, "Projector in room A is broken", "The projector shows no picture.\n")
    lunch = _request(app, "Lunch menu", "Where is the lunch menu?\n")
    assert _filed(app, beamer) == ("other", "boss@example.test", "new")
    _split(site)
    ran = _refile(site, capsys)
    assert ran.code == 0
    assert ran.out.splitlines() == [
        f"#{beamer}: other → projector (score 4: projector), assignee av@example.test",
        f"#{lunch}: stays under other (no other entry matches)",
        "1 of 2 tickets under other would move (--apply moves them)",
    ]
    assert _filed(app, beamer) == ("other", "boss@example.test", "new")
    assert [e.new for e in _events(app, beamer, "category")] == ["other"]


def test_apply_files_as_a_new_request_would_be(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _request(app, "Projector flickers", "Room: A-301\nThe projector flickers.\n")
    second = _request(app, "プロジェクターが映りません", "会議室Bのプロジェクターです。\n")
    by_hand = _request(app, "Projector cable", "We need a longer projector cable.\n")
    kept = _request(app, "Question about the projector", "Which projector do we have?\n")
    with transaction(app.sessions) as s:
        t = tickets.get(s, by_hand)
        assert t is not None  # a member took it: it stays theirs
        changes.assign(s, t, "ops@example.test", app.clock.now(), actor="ops", channel="email")
        t = tickets.get(s, kept)
        assert t is not None  # a member filed it under other on purpose: it stays
        changes.set_category(s, t, "other", app.clock.now(), actor="ops", channel="email")
    _split(site)

    ran = _refile(site, capsys, "--apply")

    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[-1] == "3 of 4 tickets under other filed again"
    assert f"#{kept}: stays under other (filed there by a person)" in ran.out
    # round robin over the entry's list, in ticket order, as for new requests
    assert _filed(app, first) == ("projector", "av@example.test", "new")
    assert _filed(app, second) == ("projector", "ops2@example.test", "new")
    assert _filed(app, by_hand) == ("projector", "ops@example.test", "new")
    assert _filed(app, kept) == ("other", "boss@example.test", "new")
    [_, moved] = _events(app, first, "category")
    assert (moved.old, moved.new, moved.channel) == ("other", "projector", "cli")
    assert moved.actor.startswith("cli")
    assert moved.detail["rule"] == "refile"
    assert [(m["keyword"], m["where"]) for m in moved.detail["matched"]] == [
        ("projector", "subject"),
        ("projector", "body"),
    ]
    assign = _events(app, first, "assign")[-1]
    assert (assign.old, assign.new) == ("boss@example.test", "av@example.test")
    assert assign.detail == {"rule": "round-robin", "entry": "projector"}
    with transaction(app.sessions) as s:
        assert fields.field_values(s, first) == {"room": "A-301"}
        # the new assignees hear of their tickets, as of any assignment; the requester
        # hears nothing (only the acknowledgements of the four requests are hers)
        mailed = [(r.kind, tuple(r.recipients)) for r in outbox.rows(s)]
    assert sum(1 for _, to in mailed if "av@example.test" in to) == 1
    assert sum(1 for _, to in mailed if "ops2@example.test" in to) == 1
    assert sum(1 for _, to in mailed if "alice@customer.test" in to) == 4
    # once filed, nothing is left to move
    again = _refile(site, capsys, "--apply")
    assert again.out.splitlines()[-1] == "0 of 1 tickets under other filed again"


def test_closed_tickets_only_when_asked_and_only_their_entry(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    tid = _request(app, "Projector broken", "The projector is dead.\n")
    with transaction(app.sessions) as s:
        t = tickets.get(s, tid)
        assert t is not None
        changes.change_state(
            s, t, TicketState.CLOSED, app.clock.now(), actor="ops", channel="email"
        )
    _split(site)
    assert _refile(site, capsys, "--apply").out.splitlines() == [
        "0 of 0 tickets under other filed again"
    ]
    ran = _refile(site, capsys, "--apply", "--include-closed")
    assert ran.out.splitlines()[-1] == "1 of 1 tickets under other filed again"
    assert _filed(app, tid) == ("projector", "boss@example.test", "closed")


def test_an_entry_the_catalog_lost_is_matched_anew(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    jam = _request(app, "Printer jam", "The printer on 3F jams.\n")
    assert _filed(app, jam)[0] == "printer"
    odd = _request(app, "Paper", "Where is the paper for it?\n")
    with transaction(app.sessions) as s:
        t = tickets.get(s, odd)
        assert t is not None  # filed under printer by hand: printer is gone, matched anew
        changes.set_category(s, t, "printer", app.clock.now(), actor="ops", channel="email")
    lunch = _request(app, "Lunch", "Where is the lunch menu?\n")
    with transaction(app.sessions) as s:
        t = tickets.get(s, lunch)
        assert t is not None  # a person put it there, and "printer" is gone: matched anew
        changes.set_category(s, t, "printer", app.clock.now(), actor="ops", channel="email")
    _split(site)

    ran = _refile(site, capsys, "--from", "printer", "--apply", "--json")

    assert ran.code == 0
    assert "'printer' is not in the catalog" in ran.err
    data = json.loads(ran.out)
    assert data["from"] == "printer" and data["applied"] is True
    moved = {t["ticket"]: t["to"] for t in data["tickets"] if t["moves"]}
    assert moved == {jam: "printers", odd: "other", lunch: "other"}
    assert _filed(app, jam) == ("printers", "ops@example.test", "new")
    assert _filed(app, lunch)[0] == "other"


def test_unknown_entry_without_tickets_is_an_error(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = _refile(site, capsys, "--from", "projetcor")
    assert ran.code == 65
    assert "no entry 'projetcor' in the catalog, and no ticket under it" in ran.err


def test_said_in_japanese(
    site: Path, app: App, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    beamer = _request(app, "プロジェクターの故障", "映りません。\n")
    _split(site)
    ran = _refile(site, capsys)
    lines = ran.out.splitlines()
    assert lines[0].startswith(f"#{beamer}: other → projector")
    assert all(not any(w in line for w in ("stays", "would", "tickets", "score")) for line in lines)
    assert "--apply" in lines[-1]


def test_a_move_to_the_fallback_says_so_not_an_empty_score(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ticket of a lost entry that matches nothing now goes to the fallback: the line
    says that, not "(score 0: )" with no keyword after the colon."""
    lunch = _request(app, "Lunch", "Where is the lunch menu?\n")
    with transaction(app.sessions) as s:
        t = tickets.get(s, lunch)
        assert t is not None
        changes.set_category(s, t, "printer", app.clock.now(), actor="ops", channel="email")
    _split(site)
    ran = _refile(site, capsys, "--from", "printer")
    [line] = [ln for ln in ran.out.splitlines() if ln.startswith(f"#{lunch}:")]
    assert line == (
        f"#{lunch}: printer → other (no entry matches: the fallback), assignee boss@example.test"
    )


def test_the_dry_run_says_what_apply_then_does(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dry run names the assignee each ticket would get (the round robin taken in
    turn over the run, as --apply takes it) and the sheet values it would take, so what
    it shows is exactly what --apply then does, line for line."""
    first = _request(app, "Projector flickers", "Room: A-301\nThe projector flickers.\n")
    second = _request(app, "プロジェクターが映りません", "部屋: 会議室B\n映りません。\n")
    by_hand = _request(app, "Projector cable", "We need a longer projector cable.\n")
    third = _request(app, "Projector again", "The projector is off.\n")
    closed = _request(app, "Projector lamp", "Room: C\nThe lamp is dead.\n")
    with transaction(app.sessions) as s:
        t = tickets.get(s, by_hand)
        assert t is not None
        changes.assign(s, t, "ops@example.test", app.clock.now(), actor="ops", channel="email")
        t = tickets.get(s, closed)
        assert t is not None
        changes.change_state(
            s, t, TicketState.CLOSED, app.clock.now(), actor="ops", channel="email"
        )
    _split(site)

    dry = _refile(site, capsys, "--include-closed")
    dry_json = json.loads(_refile(site, capsys, "--include-closed", "--json").out)
    applied = _refile(site, capsys, "--include-closed", "--apply")
    applied_json = json.loads(_refile(site, capsys, "--include-closed", "--json").out)

    assert dry.out.splitlines()[:-1] == applied.out.splitlines()[:-1]
    assert f"#{first}: other → projector (score 4: projector), assignee av@example.test" in (
        dry.out
    )
    assert f"#{third}:" in dry.out and f"#{third}: " in applied.out
    assert _filed(app, third)[1] == "av@example.test"  # its turn came round again
    assert applied_json["tickets"] == []  # all moved: nothing left under other
    sheet = {t["ticket"]: (t["assignee_now"], t["fields_stored"]) for t in dry_json["tickets"]}
    assert sheet == {
        first: ("av@example.test", {"room": "A-301"}),
        second: ("ops2@example.test", {"room": "会議室B"}),
        by_hand: ("ops@example.test", {}),
        third: ("av@example.test", {}),
        closed: ("boss@example.test", {}),  # a closed ticket changes its entry only
    }
    assert dry_json["applied"] is False


# the projector entry starts an action once its sheet (the room) is complete
WITH_ACTION = AFTER.replace(
    "      - {{name: room, label: {{ja: 部屋, en: Room}}}}".format(),
    "      - {name: room, label: {ja: 部屋, en: Room}, required: true}\n"
    "    manager: boss@example.test\n"
    "    action: {type: command, argv: [/bin/true], when: WHEN}",
)


@pytest.mark.parametrize(
    ("when", "state", "event", "dry_said", "said"),
    [
        (
            "fields_complete",
            "pending",
            "action-queued",
            "its sheet would be complete: the action of projector would start (/bin/true)",
            "its sheet is complete: the action of projector starts (/bin/true, run #{run})",
        ),
        (
            "approved",
            "awaiting_approval",
            "action-awaiting-approval",
            "its sheet would be complete: the action of projector would wait for a manager's"
            " /approve",
            "its sheet is complete: the action of projector waits for a manager's /approve"
            " (run #{run})",
        ),
    ],
)
def test_a_move_that_completes_the_sheet_starts_the_entrys_action(
    site: Path,
    app: App,
    capsys: pytest.CaptureFixture[str],
    when: str,
    state: str,
    event: str,
    dry_said: str,
    said: str,
) -> None:
    """A ticket moved to an entry whose sheet its request completes starts that entry's
    action, as the same request filed there anew would (the run written in the move's
    own transaction, by the rule every door uses); the dry run says that it would, and a
    ticket whose sheet stays incomplete starts nothing."""
    full = _request(app, "Projector flickers", "Room: A-301\nThe projector flickers.\n")
    part = _request(app, "Projector broken", "The projector is dead.\n")
    assert "WHEN" in WITH_ACTION
    (site.parent / "catalog.yaml").write_text(WITH_ACTION.replace("WHEN", when), encoding="utf-8")

    dry = _refile(site, capsys)
    assert f"#{full}: {dry_said}" in dry.out.splitlines()
    assert f"#{part}: its sheet" not in dry.out
    assert dry.out.splitlines()[-1] == (
        "2 of 2 tickets under other would move (--apply moves them); 1 would start an action"
    )
    foreseen = {
        t["ticket"]: t["action"] for t in json.loads(_refile(site, capsys, "--json").out)["tickets"]
    }
    assert foreseen == {
        full: {
            "trigger": when,
            "type": "command",
            "target": "/bin/true",
            "run": None,
            "held": None,
        },
        part: None,
    }
    with transaction(app.sessions) as s:
        assert action_runs.find(s, full, "projector") is None  # the dry run wrote nothing

    applied = _refile(site, capsys, "--apply")

    with transaction(app.sessions) as s:
        run_row = action_runs.find(s, full, "projector")
        assert run_row is not None and run_row.state == state
        assert (run_row.trigger, run_row.triggered_by.startswith("cli")) == (when, True)
        assert action_runs.find(s, part, "projector") is None
        run_id = run_row.id
    assert f"#{full}: {said.format(run=run_id)}" in applied.out.splitlines()
    assert applied.out.splitlines()[-1] == (
        "2 of 2 tickets under other filed again; 1 started an action"
    )
    [queued] = _events(app, full, event)
    assert (queued.new, queued.channel, queued.detail["run"]) == ("projector", "cli", run_id)
    assert _events(app, part, event) == []


RAN = (
    """\
entries:
  - id: ENTRY
    name: {ja: プリンター, en: Printer}
    keywords: [printer, プリンター]
    assignee: ops@example.test
    fields:
      - {name: model, label: {ja: 機種, en: Model}, required: true}
    action: {type: command, argv: [/bin/true]}
"""
    + OTHER
)


def test_a_renamed_entrys_tickets_do_not_run_its_action_again(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    """An entry renamed (printer → printers) with its action: its tickets ran the action
    under the old id, and ``refile --from printer`` must not run it again for each of
    them under the new one (an account made twice, a part ordered twice). The move
    holds it, said on the line and as the ticket's ``action-held`` event."""
    (site.parent / "catalog.yaml").write_text(RAN.replace("ENTRY", "printer"), encoding="utf-8")
    app.catalog.reload()
    tid = _request(app, "Printer jam", "Model: MX-3\nThe printer jams.\n")
    drain(app)  # the daemon's worker runs it
    with transaction(app.sessions) as s:
        first = action_runs.find(s, tid, "printer")
        assert first is not None and first.state == "succeeded"  # ran for the request
        first_id = first.id
    (site.parent / "catalog.yaml").write_text(RAN.replace("ENTRY", "printers"), encoding="utf-8")
    said = "the action of printers {verb}: it ran the action of printer already (run #{run})"

    dry = _refile(site, capsys, "--from", "printer")
    assert (
        f"#{tid}: its sheet would be complete, but "
        + said.format(verb="would not start", run=first_id)
        in dry.out.splitlines()
    ), dry.out
    applied = _refile(site, capsys, "--from", "printer", "--apply")

    assert (
        f"#{tid}: its sheet is complete, but " + said.format(verb="does not start", run=first_id)
        in applied.out.splitlines()
    ), applied.out
    assert applied.out.splitlines()[-1] == "1 of 1 tickets under printer filed again"
    assert _filed(app, tid)[0] == "printers"
    with transaction(app.sessions) as s:
        assert action_runs.find(s, tid, "printers") is None
    [held] = _events(app, tid, "action-held")
    assert held.new == "printers" and f"run #{first_id}" in held.detail["reason"]


def test_a_run_the_rename_kept_from_running_does_not_hold_the_new_entrys_action(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    """The entry renamed while its run waited in the queue: the worker fails that run
    without running it (its action left the catalog), and no try of it is counted. The
    work was never done, so ``refile --from`` the old id starts the renamed entry's
    action: held as "ran already", the requester's request was done by nobody, and the
    line said it ran."""
    (site.parent / "catalog.yaml").write_text(RAN.replace("ENTRY", "printer"), encoding="utf-8")
    app.catalog.reload()
    tid = _request(app, "Printer jam", "Model: MX-3\nThe printer jams.\n")
    (site.parent / "catalog.yaml").write_text(RAN.replace("ENTRY", "printers"), encoding="utf-8")
    assert app.catalog.reload()
    [failed] = drain(app)  # the daemon's worker, before the manager refiles
    assert not failed.ran
    with transaction(app.sessions) as s:
        first = action_runs.find(s, tid, "printer")
        assert first is not None and (first.state, first.attempts) == ("failed", 0)

    applied = _refile(site, capsys, "--from", "printer", "--apply")

    assert "ran the action" not in applied.out, applied.out
    with transaction(app.sessions) as s:
        moved = action_runs.find(s, tid, "printers")
        assert moved is not None and moved.state == "pending"
        run_id = moved.id
    assert (
        f"#{tid}: its sheet is complete: the action of printers starts (/bin/true, run #{run_id})"
        in applied.out.splitlines()
    ), applied.out
    assert _events(app, tid, "action-held") == []


def test_a_run_still_queued_at_the_rename_does_not_hold_the_new_entrys_action(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    """As above, but ``refile --from`` comes before the worker took the old id's run (the
    daemon stopped for the catalog change, a run waiting for a manager's approval): the
    run never ran, yet the move held the renamed entry's action as "ran the action of
    printer already", and the worker then failed the old run as an action gone, asking
    for the refile just done. The request was done by nobody."""
    (site.parent / "catalog.yaml").write_text(RAN.replace("ENTRY", "printer"), encoding="utf-8")
    app.catalog.reload()
    tid = _request(app, "Printer jam", "Model: MX-3\nThe printer jams.\n")
    (site.parent / "catalog.yaml").write_text(RAN.replace("ENTRY", "printers"), encoding="utf-8")
    assert app.catalog.reload()
    with transaction(app.sessions) as s:
        first = action_runs.find(s, tid, "printer")
        assert first is not None and (first.state, first.attempts) == ("pending", 0)

    applied = _refile(site, capsys, "--from", "printer", "--apply")

    assert "ran the action" not in applied.out, applied.out
    assert _events(app, tid, "action-held") == []
    with transaction(app.sessions) as s:
        moved = action_runs.find(s, tid, "printers")
        assert moved is not None and moved.state == "pending"
    done = drain(app)  # the old id's run is not run; the renamed entry's is
    assert sorted((d.ran, d.step.value) for d in done) == [(False, "failed"), (True, "succeeded")]


def test_an_imported_archives_ticket_moved_starts_no_action(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    """An archive imported into the fallback is filed quietly and starts no action, as a
    years-old request must not create anything today; moved to an entry whose sheet it
    completes, it still must not. The move holds the action with the reason a new
    request of the archive gets."""
    old = mail(
        subject="Projector flickers",
        body="Room: A-301\nThe projector flickers.\n",
        date=datetime(2019, 5, 1, tzinfo=UTC),
    )
    tid = deliver(app, old, bulk=True).ticket_id or 0
    live = _request(app, "Projector dead", "Room: B-2\nThe projector is dead.\n")
    (site.parent / "catalog.yaml").write_text(
        WITH_ACTION.replace("WHEN", "fields_complete"), encoding="utf-8"
    )

    dry = _refile(site, capsys)
    assert (
        f"#{tid}: its sheet would be complete, but the action of projector would not start:"
        " an imported message dated 2019-05-01, too old to act on"
    ) in dry.out.splitlines(), dry.out
    applied = _refile(site, capsys, "--apply")

    assert applied.out.splitlines()[-1] == (
        "2 of 2 tickets under other filed again; 1 started an action"
    )
    with transaction(app.sessions) as s:
        assert action_runs.find(s, tid, "projector") is None
        assert action_runs.find(s, live, "projector") is not None
    [held] = _events(app, tid, "action-held")
    assert "too old to act on" in held.detail["reason"]
