"""What a transaction's changes mail, decided once at commit (gateway.tickets.conversation):
status mails to the requester, one per change; member notices, gathered per ticket and
member while the window is open; switches; nothing for a rolled-back change."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from gateway.config.settings import MailSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App, build
from gateway.tickets import changes
from store import outbox as outbox_rows
from store import tickets
from store.db import transaction
from tests.support.app import MEMBERS, reply_address
from tests.support.config import config_error
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, outbox, show, text_of

BOSS = "boss@example.test"  # the plain catalog's manager: every ticket is theirs
ALICE = "alice@customer.test"


def _request(app: App) -> int:
    out = deliver(app, mail(subject="VPN down", message_id="<r-1@customer.test>"))
    assert out.ticket_id is not None
    return out.ticket_id


def _member(app: App, tid: int, who: str, body: str) -> None:
    deliver(
        app,
        mail(subject=f"Re: [#{tid}] VPN", body=body, sender=who, to=reply_address(app, tid, who)),
    )


def _reply(app: App, tid: int, body: str, n: int = 1) -> None:
    to = reply_address(app, tid, ALICE)
    deliver(app, mail(subject=f"Re: [#{tid}] VPN", body=body, to=to, message_id=f"<a{n}@c.test>"))


def _set(app: App, tid: int, state: TicketState, actor: str = "cli:root") -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.change_state(s, ticket, state, app.clock.now(), actor=actor, channel="cli")


def test_words_and_a_close_in_one_reply_are_one_mail(team: App) -> None:
    tid = _request(team)
    _member(team, tid, "ops@example.test", "/close\n\nThe certificate is renewed.\n")
    [answer] = outbox(team, "ops_reply")
    text = text_of(answer)
    assert text.startswith("The certificate is renewed.")
    assert "We have closed your request" in text and "within 14 days" in text
    assert outbox(team, "status_change") == []


def test_a_state_change_alone_is_one_status_mail_and_none_for_the_requesters_own(
    team: App,
) -> None:
    tid = _request(team)
    _set(team, tid, TicketState.OPEN)  # someone took it: nothing to tell
    assert outbox(team, "status_change") == []
    _set(team, tid, TicketState.PENDING)
    _set(team, tid, TicketState.OPEN)
    assert [m.recipients for m in outbox(team, "status_change")] == [[ALICE]] * 2
    _reply(team, tid, "/close\n")  # her own close: the transcript says it
    assert show(team, tid)["state"] == "closed"
    assert len(outbox(team, "status_change")) == 2


def test_a_requester_that_is_a_machine_never_gets_status_mail(team: App) -> None:
    alert = mail(subject="disk full", headers={"Auto-Submitted": "auto-generated"})
    tid = deliver(team, alert).ticket_id or 0
    _set(team, tid, TicketState.CLOSED)
    assert outbox(team, "status_change") == []
    [withheld] = [e for e in show(team, tid)["events"] if e["kind"] == "no-auto-answer"][-1:]
    assert withheld["detail"]["mail"] == "status_change"


def test_status_mails_and_notices_can_be_turned_off(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    quiet = replace(settings, members=MEMBERS, mail=MailSettings(off=("status_change",)))
    app = build(quiet, clock)
    try:
        tid = _request(app)
        _set(app, tid, TicketState.CLOSED)
        assert outbox(app, "status_change") == []
        [off] = [e for e in show(app, tid)["events"] if e["kind"] == "no-auto-answer"]
        assert "turned off" in off["detail"]["reason"]
        _reply(app, tid, "It is back.\n")  # reopens: boss hears of it (not turned off)
        assert len(outbox(app, "ticket_notice")) == 1
    finally:
        app.close()
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "entries:\n  - id: other\n    name: Other\n    fallback: true\n"
        "    manager: boss@example.test\n    mails_off: [ticket_notice]\n",
        encoding="utf-8",
    )
    app = build(
        replace(settings, members=MEMBERS, catalog=replace(settings.catalog, path=catalog)), clock
    )
    try:  # the same database: ticket #2 now, under an entry with notices off
        before = len(outbox(app, "ticket_notice"))
        tid = deliver(app, mail(subject="VPN", message_id="<r-2@customer.test>")).ticket_id or 0
        _reply(app, tid, "More details.\n", 5)
        assert len(outbox(app, "ticket_notice")) == before
    finally:
        app.close()


def test_what_cannot_be_turned_off_is_a_configuration_error(tmp_path: Path) -> None:
    err = config_error(tmp_path, '[mail]\noff = ["command_result"]')
    assert err.key == "mail.off" and "command_result" in err.problem
    err = config_error(tmp_path, '[mail]\ncoalesce = "2h"')
    assert err.key == "mail.coalesce"


def test_notices_within_the_window_are_one_row_rewritten_until_a_sender_claims_it(
    team: App, clock: FakeClock
) -> None:
    tid = _request(team)
    _reply(team, tid, "First detail.\n", 1)
    clock.advance(timedelta(minutes=1))
    _reply(team, tid, "Second detail.\n", 2)
    [held] = outbox(team, "ticket_notice")
    assert held.recipients == [BOSS] and held.held_until is not None
    text = text_of(held)
    assert "First detail." in text and "Second detail." in text
    stored = [m for m in show(team, tid)["messages"] if m["kind"] == "ticket_notice"]
    assert [m["text"] for m in stored] == [text]  # the ticket's copy follows it
    with transaction(team.sessions) as s:  # not due while it gathers
        assert held.id not in [m.id for m in outbox_rows.claim_due(s, clock.now())]
    clock.advance(timedelta(minutes=5))
    with transaction(team.sessions) as s:  # the window is over: a sender takes it
        [claimed] = [m for m in outbox_rows.claim_due(s, clock.now()) if m.id == held.id]
    _reply(team, tid, "Third detail.\n", 3)
    first, second = outbox(team, "ticket_notice")
    assert first.raw == claimed.raw  # never changed once on its way
    assert "Third detail." in text_of(second) and "First detail." not in text_of(second)


def test_a_member_never_hears_of_their_own_action(team: App) -> None:
    tid = _request(team)
    _member(team, tid, BOSS, "/pending\n\nCould you send the log?\n")
    assert outbox(team, "ticket_notice") == []
    _member(team, tid, "ops@example.test", "/note called her\n")  # a colleague's note
    [told] = outbox(team, "ticket_notice")
    assert told.recipients == [BOSS] and "called her" in text_of(told)


def test_a_rolled_back_savepoint_mails_nothing(team: App) -> None:
    tid = _request(team)
    with transaction(team.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        try:
            with s.begin_nested():
                changes.change_state(
                    s, ticket, TicketState.CLOSED, team.clock.now(), actor="x", channel="cli"
                )
                raise RuntimeError("the rest of this change failed")
        except RuntimeError:
            pass
    assert show(team, tid)["state"] == "new"
    assert outbox(team, "status_change") == []


def test_a_released_savepoint_does_not_cut_the_transactions_changes_in_two(team: App) -> None:
    """The mails are decided once, at the transaction's commit: a savepoint released on
    the way (a row written that a concurrent writer may have won) must not queue them
    early. Here the team's own words after it still speak for the state change before
    it, so no status mail goes out (a catalog action's reply, gateway.actions.results)."""
    from gateway.tickets import conversation

    tid = _request(team)
    with transaction(team.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.change_state(
            s, ticket, TicketState.PENDING, team.clock.now(), actor="x", channel="cli"
        )
        with s.begin_nested():
            pass
        conversation.said_by_template(s, ticket, team.clock.now(), actor="x")
    assert show(team, tid)["state"] == "pending"
    assert outbox(team, "status_change") == []


def test_catalog_check_names_a_kind_that_cannot_be_turned_off() -> None:
    from gateway.catalog.reader import read

    text = (
        "entries:\n  - id: other\n    name: Other\n    fallback: true\n"
        "    manager: boss@example.test\n    mails_off: [status_change, digest]\n"
    )
    entries, problems = read(text)
    assert entries[0].mails_off == ("status_change",)
    assert [(p.line, "'digest' cannot be turned off" in str(p.message)) for p in problems] == [
        (6, True)
    ]


def test_thanks_keeps_a_closed_ticket_closed_even_after_the_reopen_window(
    team: App, clock: FakeClock
) -> None:
    tid = _request(team)
    _set(team, tid, TicketState.CLOSED)
    clock.advance(timedelta(days=30))  # long after the window: still no new ticket
    _reply(team, tid, "ありがとうございました。\n", 2)
    t = show(team, tid)
    assert t["state"] == "closed" and [e["kind"] for e in t["events"]][-1] == "thanks"
    assert len(all_tickets(team)) == 1
    told = outbox(team, "ticket_notice")[-1]  # after the one about the close
    assert told.recipients == [BOSS] and "ありがとうございました。" in text_of(told)
    _reply(team, tid, "ありがとうございます。ただ、まだつながりません。\n", 3)
    assert len(all_tickets(team)) == 2  # more than thanks: a new ticket, as before


def test_a_held_notice_is_not_an_old_unsent_mail_for_status(team: App, clock: FakeClock) -> None:
    from store import health

    tid = _request(team)
    _reply(team, tid, "More details.\n")
    with transaction(team.sessions) as s:
        for row in outbox_rows.rows(s):
            if row.held_until is None:
                outbox_rows.mark_sent(s, row.id, clock.now())
    [held] = outbox(team, "ticket_notice")
    clock.advance(timedelta(hours=2))  # a sender that was away all this time
    with transaction(team.sessions) as s:
        snap = health.snapshot(s, (), clock.now())
    assert snap.outbox_pending == 1 and snap.outbox_oldest == held.held_until
