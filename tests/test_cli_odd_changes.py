"""The ``tickets`` change commands with unusual input: a merged ticket (its mail, people
and work went into the ticket it was merged into, so a member given it, a priority or a
participant added there would be for a ticket nobody writes to: refused naming the
target, as ``answer`` and ``cc add`` refuse it), and an address pasted as a mail client
or a web page writes it (``Bob <bob@x.test>``, ``mailto:``), or with a stray character."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.test_cli_field import _app, _look, config, ticket  # noqa: F401  (fixtures)


@pytest.fixture
def merged(config: Path, ticket: int, capsys: pytest.CaptureFixture[str]) -> int:  # noqa: F811
    app = _app(config)
    try:
        other = deliver(app, mail(subject="Another account", body="account\n")).ticket_id
    finally:
        app.close()
    assert other is not None
    assert run(config, "tickets", "merge", str(other), str(ticket), capsys=capsys).code == 0
    return other


@pytest.mark.parametrize(
    "change",
    [
        ("assign", "ops2@example.test"),
        ("assign", "-"),
        ("priority", "urgent"),
        ("add-participant", "x@y.test"),
    ],
)
def test_a_merged_ticket_takes_no_change_but_a_note(
    config: Path,  # noqa: F811
    ticket: int,  # noqa: F811
    merged: int,
    change: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before, sent = _look(config, merged)
    ran = run(config, "tickets", change[0], str(merged), change[1], capsys=capsys)
    assert ran.code == 65 and f"merged into #{ticket}" in ran.err and not ran.out, ran
    after, kinds = _look(config, merged)
    assert after["events"] == before["events"] and kinds == sent
    noted = run(config, "tickets", "note", str(merged), "why it was merged", capsys=capsys)
    assert noted.code == 0, noted  # the history is still the ticket's own


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Bob Smith <Bob@X.test>", "bob@x.test"),
        ("<bob@x.test>", "bob@x.test"),
        ("mailto:bob@x.test", "bob@x.test"),
        (" bob@x.test ", "bob@x.test"),
    ],
)
def test_an_address_is_read_as_people_paste_it(
    config: Path,  # noqa: F811
    ticket: int,  # noqa: F811
    typed: str,
    stored: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ran = run(config, "tickets", "add-participant", str(ticket), typed, capsys=capsys)
    assert ran.code == 0 and f"{stored} added" in ran.out, ran
    assert stored in _look(config, ticket)[0]["participants"]


@pytest.mark.parametrize("typed", ["bob@x.test;", "bob@localhost", "bob@x.test,", "'bob@x.test'"])
def test_what_is_no_address_is_refused_and_nobody_joins(
    config: Path,  # noqa: F811
    ticket: int,  # noqa: F811
    typed: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _look(config, ticket)[0]["participants"]
    ran = run(config, "tickets", "add-participant", str(ticket), typed, capsys=capsys)
    assert ran.code == 64 and "not an e-mail address" in ran.err, ran
    assert _look(config, ticket)[0]["participants"] == before


def test_a_member_typed_with_spaces_around_is_the_member(
    config: Path,  # noqa: F811
    ticket: int,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    ran = run(config, "tickets", "assign", str(ticket), " ops2@example.test ", capsys=capsys)
    assert ran.code == 0 and "assigned to ops2@example.test" in ran.out, ran


@pytest.mark.parametrize(
    ("first", "again", "said"),
    [
        (("set-state", "open"), ("set-state", "open"), "the ticket is already in progress"),
        (("set-state", "pending"), ("set-state", "pending"), "already waiting for reply"),
        (("set-state", "closed"), ("set-state", "closed"), "the ticket is already closed"),
        (
            ("set-state", "closed", "--reason", "spam"),
            ("set-state", "closed", "--reason", "spam"),
            "the ticket is already closed",
        ),
        (("assign", "ops2@example.test"), ("assign", "ops2"), "ops2@example.test has it already"),
        (("assign", "-"), ("assign", "-"), "nobody has it already"),
        (("priority", "urgent"), ("priority", "urgent"), "priority is urgent already"),
        (("field", "plan", "basic"), ("field", "plan", "basic"), "nothing changed"),
        (("add-participant", "x@y.test"), ("add-participant", "x@y.test"), "x@y.test is on it"),
    ],
)
def test_the_value_a_ticket_has_already_is_no_change_exit_0(
    config: Path,  # noqa: F811
    ticket: int,  # noqa: F811
    first: tuple[str, ...],
    again: tuple[str, ...],
    said: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``set-state ID open`` on an open ticket was exit 65 (an error on stderr) where
    ``field`` and ``priority`` said "no change", exit 0; and ``assign`` to its assignee
    wrote an event and told them again. Now each says so in a line, exit 0, nothing
    written."""
    assert run(config, "tickets", first[0], str(ticket), *first[1:], capsys=capsys).code == 0
    before, sent = _look(config, ticket)
    ran = run(config, "tickets", again[0], str(ticket), *again[1:], capsys=capsys)
    assert ran.code == 0 and said in ran.out and not ran.err, ran
    assert _look(config, ticket) == (before, sent)


def test_closing_a_closed_ticket_for_another_reason_is_still_refused(
    config: Path,  # noqa: F811
    ticket: int,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Not the value it has: saying "no change" would hide that the reason stays."""
    assert run(config, "tickets", "set-state", str(ticket), "closed", capsys=capsys).code == 0
    ran = run(
        config, "tickets", "set-state", str(ticket), "closed", "--reason", "spam", capsys=capsys
    )
    assert ran.code == 65 and "already closed" in ran.err, ran
    assert _look(config, ticket)[0]["close_reason"] == "resolved"
