"""``tickets merge``, ``tickets unmerge`` and ``tickets cc`` (#19) on SQLite and
PostgreSQL: the same services as ``/merge`` and ``/cc``, with the CLI as actor and
channel, refusals with their reason (exit 65) and ``tickets show --json`` gaining
``merged_into`` and ``watchers``."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store.db import make_engine, session_factory, transaction
from store.models import OutboxRow
from tests.support.app import MEMBERS, PLAIN_CATALOG
from tests.support.cli import run
from tests.support.config import members_toml, write_config
from tests.support.mails import mail

ALICE = "Alice Example <alice@customer.test>"
NOW = datetime.now(UTC)


@pytest.fixture
def config(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Two requests from Alice about one problem (#1 and #2), and a third from Bob (#3)."""
    cfg = str(
        write_config(
            tmp_path,
            url=db_url,
            secret_file=True,
            extra=f'[catalog]\npath = "{PLAIN_CATALOG}"\n'
            + "[limits]\nmax_watchers = 2\n"
            + members_toml(MEMBERS),
        )
    )
    for n, (sender, subject) in enumerate(
        [
            (ALICE, "VPN does not connect"),
            (ALICE, "VPN still broken"),
            ("Bob <bob@customer.test>", "Printer jam"),
        ]
    ):
        path = tmp_path / f"req{n}.eml"
        raw = mail(subject, sender=sender, message_id=f"<req{n}@customer.test>", date=NOW)
        path.write_bytes(raw)  # dated now: live mail, answered (an old one is an archive)
        assert run(cfg, "ingest", str(path), capsys=capsys).code == 0
    return cfg


def _show(config: str, ticket_id: int, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, _ = run(config, "tickets", "show", str(ticket_id), "--json", capsys=capsys)
    assert code == 0
    data: dict[str, Any] = json.loads(out)
    return data


def test_merge_moves_the_mail_and_closes_the_duplicate(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(config, "tickets", "merge", "2", "1", capsys=capsys)
    assert code == 0 and "ticket #2 merged into #1" in out
    source, target = _show(config, 2, capsys), _show(config, 1, capsys)
    assert source["state"] == "closed" and source["close_reason"] == "duplicate"
    assert source["merged_into"] == 1 and target["merged_into"] is None
    code, out, _ = run(config, "tickets", "show", "2", capsys=capsys)
    assert code == 0 and "merged into: 1\n" in out
    assert sorted(m["message_id"] for m in target["messages"] if m["direction"] == "in") == [
        "req0@customer.test",
        "req1@customer.test",
    ]
    # what stays on the duplicate is the one status mail it caused, naming the target
    [status] = [m for m in source["messages"] if m["kind"] == "status_change"]
    assert status["to"] == ["alice@customer.test"] and "[#1]" in status["text"], source["messages"]
    assert all(m["direction"] == "out" for m in source["messages"]), source["messages"]
    merged = [e for e in target["events"] if e["kind"] == "merged"]
    assert [(e["new"], e["channel"]) for e in merged] == [("2", "cli")]
    assert merged[0]["actor"].startswith("cli")
    assert any(e["kind"] == "created" and e["detail"] for e in target["events"][1:])  # #2's history
    into = [e for e in source["events"] if e["kind"] == "merged-into"]
    assert len(into) == 1 and into[0]["detail"]["target"] == 1


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (("2", "2"), "ticket #2: a ticket cannot be merged into itself"),
        (("2", "99"), "ticket #2: there is no ticket to merge into"),
    ],
)
def test_merge_refusals_change_nothing(
    config: str, capsys: pytest.CaptureFixture[str], args: tuple[str, str], why: str
) -> None:
    code, _, err = run(config, "tickets", "merge", *args, capsys=capsys)
    assert code == 65 and why in err
    assert _show(config, 2, capsys)["state"] == "new"


def test_no_merge_into_a_merged_or_closed_ticket_and_no_cycle(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "tickets", "merge", "2", "1", capsys=capsys).code == 0
    # the same merge run again (a script retried): done by the first, said so, exit 0
    code, out, _ = run(config, "tickets", "merge", "2", "1", capsys=capsys)
    assert code == 0 and "ticket #2 was already merged into #1" in out
    assert [e["kind"] for e in _show(config, 2, capsys)["events"]].count("merged-into") == 1
    code, _, err = run(config, "tickets", "merge", "3", "2", capsys=capsys)
    assert code == 65 and "ticket #2 was merged into #1; merge into #1 instead" in err
    code, _, err = run(config, "tickets", "merge", "1", "2", capsys=capsys)
    assert code == 65 and "merging #1 into #2 would make a cycle" in err
    code, _, err = run(config, "tickets", "merge", "2", "3", capsys=capsys)
    assert code == 65 and "ticket #2 was already merged into #1" in err
    assert run(config, "tickets", "set-state", "3", "closed", capsys=capsys).code == 0
    code, _, err = run(config, "tickets", "merge", "1", "3", capsys=capsys)
    assert code == 65 and "ticket #3 is closed; reopen it first (/open)" in err
    assert _show(config, 1, capsys)["state"] == "new"
    code, _, err = run(config, "tickets", "merge", "1", "99", capsys=capsys)
    assert code == 65
    code, _, err = run(config, "tickets", "merge", "99", "1", capsys=capsys)
    assert code == 69 and "no ticket #99" in err


def test_unmerge_moves_back_exactly_what_moved(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _show(config, 1, capsys)
    assert run(config, "tickets", "merge", "2", "1", capsys=capsys).code == 0
    code, out, _ = run(config, "tickets", "unmerge", "2", capsys=capsys)
    assert code == 0 and "ticket #2: the merge is undone and the ticket is new again" in out
    source, target = _show(config, 2, capsys), _show(config, 1, capsys)
    assert source["state"] == "new" and source["merged_into"] is None  # as before the merge
    assert [m["message_id"] for m in source["messages"] if m["direction"] == "in"] == [
        "req1@customer.test"
    ]
    # all but the notice that told #1's member of the merge
    kept = [m["id"] for m in target["messages"] if m["kind"] != "ticket_notice"]
    assert kept == [m["id"] for m in before["messages"]]
    assert target["participants"] == before["participants"]
    assert source["events"][0]["kind"] == "created"  # its history came back
    assert [e["kind"] for e in target["events"]][-2:] == ["merged", "unmerged"]
    # run again (a script that retries, a second person): done already, nothing undone twice
    code, out, _ = run(config, "tickets", "unmerge", "2", capsys=capsys)
    assert code == 0 and "ticket #2: the merge was already undone" in out
    assert [e["kind"] for e in _show(config, 1, capsys)["events"]].count("unmerged") == 1
    # a ticket that was never merged: nothing to undo, a refusal
    code, _, err = run(config, "tickets", "unmerge", "1", capsys=capsys)
    assert code == 65 and "this ticket was not merged into another" in err


def test_cc_add_list_remove_and_the_cap(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(config, "tickets", "cc", "1", "add", "Boss@Customer.test", capsys=capsys)
    assert code == 0 and "boss@customer.test now watches it" in out
    assert run(config, "tickets", "cc", "1", "add", "x@partner.test", capsys=capsys).code == 0
    code, _, err = run(config, "tickets", "cc", "1", "add", "y@partner.test", capsys=capsys)
    assert code == 65 and "a ticket has at most 2 watchers" in err
    code, _, err = run(config, "tickets", "cc", "1", "add", "alice@customer.test", capsys=capsys)
    assert code == 65 and "is the requester" in err
    code, _, err = run(config, "tickets", "cc", "1", "add", "ops@example.test", capsys=capsys)
    assert code == 65 and "one of the team's own addresses" in err
    code, _, err = run(config, "tickets", "cc", "1", "add", "nobody", capsys=capsys)
    assert code == 64
    code, out, _ = run(config, "tickets", "cc", "1", "list", "--json", capsys=capsys)
    assert json.loads(out) == ["boss@customer.test", "x@partner.test"]
    assert run(config, "tickets", "cc", "1", "remove", "x@partner.test", capsys=capsys).code == 0
    code, _, err = run(config, "tickets", "cc", "1", "remove", "x@partner.test", capsys=capsys)
    assert code == 65 and "x@partner.test is not watching this ticket" in err
    data = _show(config, 1, capsys)
    assert data["watchers"] == ["boss@customer.test"]
    watched = [e for e in data["events"] if e["kind"] == "watcher"]
    assert [(e["detail"]["op"], e["detail"]["address"], e["channel"]) for e in watched] == [
        ("add", "boss@customer.test", "cli"),
        ("add", "x@partner.test", "cli"),
        ("remove", "x@partner.test", "cli"),
    ]
    code, out, _ = run(config, "tickets", "show", "1", capsys=capsys)
    assert code == 0 and "watchers: boss@customer.test\n" in out
    code, out, _ = run(config, "tickets", "cc", "3", "list", capsys=capsys)
    assert code == 0 and "ticket #3 has no watchers" in out


def test_a_watcher_hears_of_the_requesters_request_not_of_their_own(
    config: str, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The status mail to a watcher names whose request it is and does not ask them to
    answer; the requester's still asks them."""
    assert run(config, "tickets", "cc", "1", "add", "boss@customer.test", capsys=capsys).code == 0
    assert run(config, "tickets", "set-state", "1", "pending", capsys=capsys).code == 0
    engine = make_engine(db_url)
    try:
        with transaction(session_factory(engine)) as s:
            rows = s.scalars(select(OutboxRow).where(OutboxRow.kind == "status_change")).all()
            texts = {tuple(r.recipients): _text_part(r.raw) for r in rows}
    finally:
        engine.dispose()
    to_alice, to_boss = texts[("alice@customer.test",)], texts[("boss@customer.test",)]
    assert "please answer this mail" in to_alice
    assert "The request [#1] of Alice Example, which you follow" in to_boss
    assert "You need not answer." in to_boss and "please answer" not in to_boss


def _text_part(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    part = msg.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return " ".join(part.get_content().split())


@pytest.mark.parametrize("state", ["open", "pending", "closed"])
def test_a_merged_ticket_keeps_its_state_until_unmerged(
    config: str, db_url: str, capsys: pytest.CaptureFixture[str], state: str
) -> None:
    """Reopened by hand, a merged ticket was an open ticket with no mail (all of it goes
    to #1), on the board and in reminders for ever, and its requester was told it was
    taken up again under a number their replies never reach: only unmerge reopens it."""
    assert run(config, "tickets", "merge", "2", "1", capsys=capsys).code == 0
    sent = _queued(db_url)
    code, _, err = run(config, "tickets", "set-state", "2", state, capsys=capsys)
    assert code == 65 and "ticket #1 holds this one's mail" in err and "tickets unmerge" in err
    source = _show(config, 2, capsys)
    assert (source["state"], source["close_reason"]) == ("closed", "duplicate")
    assert _queued(db_url) == sent  # nobody told of a change that did not happen
    assert run(config, "tickets", "unmerge", "2", capsys=capsys).code == 0
    assert _show(config, 2, capsys)["state"] == "new"  # as it was before the merge


def _queued(db_url: str) -> int:
    """How many mails were queued so far."""
    engine = make_engine(db_url)
    try:
        with transaction(session_factory(engine)) as s:
            return len(s.scalars(select(OutboxRow.id)).all())
    finally:
        engine.dispose()


def test_a_merged_ticket_gets_no_watchers(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A watcher of a merged ticket would hear nothing, ever: its mail goes to #1."""
    assert run(config, "tickets", "merge", "2", "1", capsys=capsys).code == 0
    code, _, err = run(config, "tickets", "cc", "2", "add", "boss@customer.test", capsys=capsys)
    assert code == 65 and "ticket #2 was merged into #1" in err
    assert _show(config, 2, capsys)["watchers"] == []
    assert run(config, "tickets", "cc", "1", "add", "boss@customer.test", capsys=capsys).code == 0


@pytest.mark.parametrize("op", ["add", "remove"])
def test_cc_without_an_address_is_a_usage_error_naming_it(
    config: str, capsys: pytest.CaptureFixture[str], op: str
) -> None:
    """A forgotten ADDRESS is said as argparse says a missing argument (usage line,
    exit 2), not as "not an e-mail address: ''"."""
    with pytest.raises(SystemExit) as exited:
        run(config, "tickets", "cc", "1", op, capsys=capsys)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("usage: ticket-gateway tickets cc ")
    assert err.rstrip().endswith("the following arguments are required: address")


def test_cc_list_with_an_address_is_a_usage_error_naming_it(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``cc ID list ADDR`` read as a list and dropped ADDR without a word (a script that
    meant ``add`` went on as if it had): said as argparse says an extra argument, exit 2,
    and nothing listed or changed."""
    with pytest.raises(SystemExit) as exited:
        run(config, "tickets", "cc", "1", "list", "boss@customer.test", capsys=capsys)
    captured = capsys.readouterr()
    assert exited.value.code == 2
    assert captured.out == ""
    assert captured.err.startswith("usage: ticket-gateway tickets cc ")
    assert captured.err.rstrip().endswith("unrecognized arguments: boss@customer.test")
    assert "boss@customer.test" not in _show(config, 1, capsys)["watchers"]
