"""A member's ``/merge`` by mail while a merge runs on the page or the CLI, on PostgreSQL,
where the two really run side by side (the daemon's runner beside a web request, or two
instances).

Every merge holds the merge lock (:func:`store.merges.hold_merges`) and then writes both
tickets' rows. The runner reads the replied-to ticket under a row lock
(:func:`store.tickets.get_to_change`); had it taken that row lock first and the merge lock
only when it reached ``/merge``, a page merging another ticket into the same one would
hold the merge lock and wait for the row while the runner held the row and waited for the
merge lock. PostgreSQL breaks such a cycle by failing one of the two (an ERROR in its log,
the mail retried, or the member's click answered with a failure). Both must go through,
one after the other.

(SQLite serialises writers at BEGIN: there one simply waits for the other.)"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gateway.core.model import InboxState
from gateway.pipeline.command_lines import asks_to_merge
from gateway.pipeline.parse.message import parse_message
from gateway.runner.rows import RowInput, RowOutcome
from gateway.runtime.app import App
from gateway.tickets import merge
from store import inbox, merges, tickets
from store.db import make_engine, transaction
from tests.conftest import pg_schema
from tests.support.app import reply_address
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.waiting import PATIENCE

WHO = {"actor": "web:ops2@example.test", "channel": "web"}
# Who waits behind the page's merge lock: blocked by the page's own backend. Advisory
# locks are the whole database's, so a count of every advisory waiter (as this was)
# also saw other runs on the server (pytest -n, another checkout): each new schema's
# creation waits on the migration lock with the same pg_advisory_xact_lock, and the page
# then went on before this test's reply had reached the lock at all.
_WAITING_BEHIND = text(
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    " AND wait_event = 'advisory' AND CAST(:holder AS integer) = ANY(pg_blocking_pids(pid))"
)


def _someone_waits_for_the_merge_lock(app: App, holder: int) -> None:
    """``holder``: the backend of the transaction that holds the merge lock. Each look
    in a session of its own (the activity view keeps one snapshot per transaction)."""
    until = time.monotonic() + PATIENCE
    while time.monotonic() < until:
        with app.sessions() as s:
            if s.execute(_WAITING_BEHIND, {"holder": holder}).scalar():
                return
        time.sleep(0.02)
    raise AssertionError("the reply never reached the merge lock")


def _page_merges_three_into_two(app: App, said: list[str]) -> threading.Event:
    """A member merges #3 into #2 on the page, in a thread: the merge lock taken, it waits
    until the runner waits for that lock too, then writes (#2's row among others)."""
    holds = threading.Event()

    def page() -> None:
        try:
            with transaction(app.sessions) as s:
                merges.hold_merges(s)  # the page's merge has begun…
                holds.set()
                me = int(s.execute(text("SELECT pg_backend_pid()")).scalar_one())
                _someone_waits_for_the_merge_lock(app, me)  # …the runner waits behind it…
                three = tickets.get(s, 3)
                assert three is not None
                merge.merge(s, three, 2, app.clock.now(), tag="[#2]", max_watchers=10, **WHO)
            said.append("merged")
        except Exception as exc:  # noqa: BLE001 - the test reports what the page got
            said.append(repr(exc))

    thread = threading.Thread(target=page)
    thread.start()
    assert holds.wait(PATIENCE)
    return thread


def _beside_the_page(app: App, runner_work: Callable[[], object]) -> object:
    for i in (1, 2, 3, 4):
        deliver(app, mail(f"VPN {i}", message_id=f"<r{i}@customer.test>"))
    page_said: list[str] = []
    page = _page_merges_three_into_two(app, page_said)
    try:
        done = runner_work()
    finally:
        page.join(PATIENCE)
    assert not page.is_alive()
    assert page_said == ["merged"]
    return done


def _member_merge(app: App, ticket_id: int, target: int) -> tuple[bytes, tuple[str, ...]]:
    to = reply_address(app, ticket_id, "ops@example.test")
    raw = mail(f"Re: VPN {ticket_id}", body=f"/merge {target}\n", sender="ops@example.test", to=to)
    return raw, (to,)


@postgres_only
def test_a_merge_by_mail_and_one_on_the_page_both_go_through(team: App) -> None:
    def reply() -> object:
        raw, to = _member_merge(team, 2, 1)
        return deliver(team, raw, envelope_to=to)

    out = _beside_the_page(team, reply)
    assert isinstance(out, RowOutcome) and out.state == InboxState.DONE, out
    assert (show(team, 3)["merged_into"], show(team, 2)["merged_into"]) == (2, 1)


@postgres_only
def test_a_merge_by_mail_in_a_group_of_rows_waits_for_its_own_transaction(
    team: App, caplog: pytest.LogCaptureFixture
) -> None:
    """The runner takes the rows it finds waiting several to a transaction: an earlier
    row's ticket (#2, a requester's answer) stays locked until the group commits. The
    reply that merges starts a transaction of its own, or it would take the merge lock
    holding #2, which the page's merge waits for."""

    def group() -> object:
        answer = mail("Re: [#2] VPN 2", body="It is still down.\n", message_id="<a2@customer.test>")
        merging, to = _member_merge(team, 4, 1)
        with transaction(team.sessions) as s:
            rows = [
                RowInput(
                    inbox.accept(
                        s, raw, source="test", now=team.clock.now(), envelope_to=e
                    ).inbox_id,
                    parse_message(raw),
                    raw,
                )
                for raw, e in ((answer, ()), (merging, to))
            ]
        with caplog.at_level(logging.INFO, logger="gateway"):
            return team.runner.process_together(rows)

    outcomes = _beside_the_page(team, group)
    assert isinstance(outcomes, list)
    assert [o.state for o in outcomes] == [InboxState.DONE, InboxState.DONE], outcomes
    assert "one by one" not in caplog.text  # the group did not fail and start over
    assert (show(team, 3)["merged_into"], show(team, 4)["merged_into"]) == (2, 1)
    assert outcomes[0].ticket_id == 2  # the answer is on #2, which #3 went into meanwhile


@postgres_only
def test_the_merge_lock_is_the_schemas_own(team: App) -> None:
    """Another team's gateway in another schema of the same database merges its own
    tickets: advisory locks are the whole database's, so the merge lock's key is the
    schema's, or every merge would wait for every other team's. Within one schema it still
    holds (another merge waits: here it gives up after its lock_timeout)."""
    wait_briefly = text("SET LOCAL lock_timeout = '300ms'")
    with pg_schema() as other_url:
        other = make_engine(other_url)
        try:
            with transaction(team.sessions) as mine:
                merges.hold_merges(mine)
                with Session(other) as theirs, theirs.begin():
                    theirs.execute(wait_briefly)
                    merges.hold_merges(theirs)  # not kept waiting by this schema's merge
                with Session(team.engine) as same, same.begin():
                    same.execute(wait_briefly)
                    with pytest.raises(OperationalError, match="lock timeout"):
                        merges.hold_merges(same)
        finally:
            other.dispose()


@pytest.mark.parametrize(
    ("text", "merges"),
    [
        ("/merge 1\n", True),
        ("/close\n／ｍｅｒｇｅ　＃１\n\nthanks\n", True),  # any command line, any width
        ("\u200b/MERGE 12\n", True),
        ("Please merge this.\n/merge 1\n", False),  # below the words: not a command
        ("> /merge 1\n", False),  # quoted
        ("/mergeall 1\n", False),
        ("/close\n/note merge with #1 later\n/merge 1\n", False),  # the rest is the note
    ],
)
def test_which_replies_ask_to_merge(text: str, merges: bool) -> None:
    assert asks_to_merge(text, max_lines=10) is merges
