"""``ticket-gateway requesters forget ADDRESS``: a person's data erased on request (APPI
art. 35, GDPR art. 17), on SQLite and PostgreSQL.

Alice asked for #1 (with a file) and, through the web form, for #3; she was copied on
Bob's #2 and wrote on it; an auto-reply of hers belongs to no ticket. ``--dry-run``
lists what would go and changes nothing; the erasure takes her tickets with everything
on them (the team's answers too), her words on Bob's ticket (his ticket stays), her
rows in the inbox and the outbox, the unsent copies in the outbound maildir, and leaves
an audit row that says how much went, by whom, and never her address.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select, text

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.pipeline.parse import submission
from gateway.runtime.app import App
from gateway.runtime.app import build as make_app
from gateway.tickets import erasure
from store import inbox
from store.db import transaction
from store.models import (
    ChatThread,
    Erasure,
    InboxRaw,
    Message,
    OutboxRow,
    Participant,
    Ticket,
    TicketEvent,
)
from tests.support.app import MEMBERS, reply_address
from tests.support.cli import run
from tests.support.config import members_toml, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver, show

ALICE = "alice@customer.test"
NOW = datetime.now(UTC)


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> Path:
    return write_config(tmp_path, url=db_url, secret_file=True)


@pytest.fixture
def app(config: Path) -> Iterator[App]:
    application = make_app(load_settings(config), FakeClock(NOW))
    yield application
    application.close()


def _with_file() -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Alice Example <{ALICE}>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Quarterly Zanzibar report"
    msg["Message-ID"] = "<a1@customer.test>"
    msg["Date"] = NOW.strftime("%a, %d %b %Y %H:%M:%S +0000")
    msg.set_content("The Zanzibar figures are attached.\n")
    msg.add_attachment(b"secret numbers", maintype="text", subtype="csv", filename="z.csv")
    return bytes(msg)


def _world(app: App) -> dict[str, int]:
    """Alice's two tickets, Bob's ticket she wrote on, and her unattached auto-reply."""
    mine = deliver(app, _with_file()).ticket_id
    bobs = deliver(
        app,
        mail(
            "Printer jam",
            "The printer on floor 3 jams.\n",
            sender="Bob <bob@customer.test>",
            cc=f"Alice Example <{ALICE}>",
            message_id="<b1@customer.test>",
            date=NOW,
        ),
    ).ticket_id
    deliver(
        app,
        mail(
            "Re: Printer jam",
            "Mine jams too, Zanzibar style.\n",
            sender=f"Alice Example <{ALICE}>",
            message_id="<a2@customer.test>",
            in_reply_to="<b1@customer.test>",
            date=NOW,
        ),
    )
    deliver(
        app,
        mail(
            "Out of office",
            "I am away until Monday.\n",
            sender=f"Alice Example <{ALICE}>",
            message_id="<a3@customer.test>",
            headers={"Auto-Submitted": "auto-replied"},
            date=NOW,
        ),
    )
    form = submission.encode(
        source="web",
        nonce="form-alice-1",
        submitted_at=NOW,
        entry_id="other",
        requester_email=ALICE,
        requester_name="Alice Example",
        subject="Zanzibar access",
        text="Please give me access.",
        fields={},
        locale="en",
    )
    with transaction(app.sessions) as s:
        inbox.accept(s, form, source="web", now=app.clock.now())
    [formed] = app.runner.process_pending()
    assert mine and bobs and formed.ticket_id
    return {"mine": mine, "bobs": bobs, "form": formed.ticket_id}


def _alice_anywhere(app: App) -> list[str]:
    """Where Alice's address or her words are still stored (Bob's own mail, which was
    copied to her, names her in its header: that stays)."""
    found: list[str] = []
    with transaction(app.sessions) as s:
        for t in s.scalars(select(Ticket)):
            if t.requester == ALICE:
                found.append(f"ticket {t.id}")
        for m in s.scalars(select(Message)):
            if m.from_addr == ALICE or "Zanzibar" in m.text:
                found.append(f"message {m.id}")
        for p in s.scalars(select(Participant)):
            if p.email == ALICE:
                found.append(f"participant {p.ticket_id}")
        for r in s.scalars(select(InboxRaw)):
            if b"Zanzibar" in r.raw or b"Out of office" in r.raw:
                found.append(f"inbox {r.inbox_id}")
        for o in s.scalars(select(OutboxRow)):
            if ALICE in o.recipients:
                found.append(f"outbox {o.id}")
        for e in s.scalars(select(TicketEvent)):
            if ALICE in f"{e.actor} {e.old} {e.new} {json.dumps(e.detail)}":
                found.append(f"event {e.id}")
    return found


def test_dry_run_lists_and_changes_nothing(
    app: App, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _world(app)
    before = _alice_anywhere(app)
    ran = run(config, "requesters", "forget", ALICE, "--dry-run", "--json", capsys=capsys)
    assert ran.code == 0, ran.err
    counts = json.loads(ran.out)
    assert counts["tickets"] == [made["mine"], made["form"]]
    assert counts["kept_tickets"] == [made["bobs"]]
    assert counts["messages"] >= 3  # her two requests, her reply on Bob's, our answers
    assert counts["attachments"] == 1
    assert counts["inbox_rows"] == 4  # two requests, the reply, the auto-reply
    assert counts["form_submissions"] == 1
    assert counts["outbox_rows"] >= 2  # the acknowledgements of her two tickets
    assert counts["search_entries"] >= 3
    assert _alice_anywhere(app) == before
    ran = run(config, "requesters", "forget", ALICE, "--dry-run", capsys=capsys)
    assert ran.code == 0 and "nothing was erased (--dry-run)" in ran.out
    assert f"tickets: 2 (#{made['mine']}, #{made['form']})" in ran.out


def test_forget_erases_her_data_and_keeps_bobs_ticket(
    app: App, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _world(app)
    assert run(config, "send", capsys=capsys).code == 0  # the acknowledgements in the maildir
    maildir = tmp_path / "var" / "outbound" / "new"
    on_disk = {p.name: p.read_bytes() for p in maildir.iterdir()}
    hers = {n for n, raw in on_disk.items() if f"<{ALICE}>".encode() in raw.split(b"\n\n")[0]}
    assert hers
    ran = run(config, "requesters", "forget", ALICE, capsys=capsys)
    assert ran.code == 0, ran.err
    assert "erased" in ran.out and ALICE not in ran.out.replace(f"forget {ALICE}", "")
    assert _alice_anywhere(app) == []
    left = {p.name for p in maildir.iterdir()}
    assert not hers & left and left == set(on_disk) - hers  # Bob's mail stays
    kept = show(app, made["bobs"])
    assert [m["from"] for m in kept["messages"] if m["direction"] == "in"] == ["bob@customer.test"]
    # Bob's history stays, without her in it (the people his ticket was opened with)
    [created] = [e for e in kept["events"] if e["kind"] == "created"]
    assert created["detail"]["participants"] == ["bob@customer.test"]
    assert run(config, "tickets", "show", str(made["mine"]), capsys=capsys).code == 69
    found = run(config, "tickets", "list", "--search", "Zanzibar", "--json", capsys=capsys)
    assert found.code == 0 and json.loads(found.out) == []
    if app.settings.database.url.startswith("sqlite"):
        with app.engine.connect() as c:
            hits = c.execute(text("SELECT count(*) FROM message_search WHERE subject LIKE '%Zan%'"))
            assert hits.scalar() == 0
    with transaction(app.sessions) as s:
        [audit] = s.scalars(select(Erasure))
        assert audit.actor.startswith("cli")
        assert audit.counts["tickets"] == 2 and audit.counts["kept_tickets"] == 1
        assert ALICE not in json.dumps(audit.counts) and ALICE not in audit.subject
        assert len(audit.subject) == 64  # a keyed hash: the same address, the same mark
    again = run(config, "requesters", "forget", ALICE, capsys=capsys)
    assert again.code == 0 and "nothing stored" in again.out


def test_japanese_lines(
    app: App, config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _world(app)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    ran = run(config, "requesters", "forget", ALICE, "--dry-run", capsys=capsys)
    assert ran.code == 0 and "チケット" in ran.out and "削除していません" in ran.out
    assert not any(w in ran.out for w in ("tickets", "messages", "erased", "nothing"))


def test_a_failure_half_way_leaves_everything(app: App, config: Path) -> None:
    """A database error in the last delete takes back every one before it."""
    _world(app)
    before = _alice_anywhere(app)
    sqlite = app.settings.database.url.startswith("sqlite")
    with app.engine.begin() as c:
        if sqlite:
            c.execute(
                text(
                    "CREATE TRIGGER no_delete BEFORE DELETE ON tickets "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            c.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
                )
            )
            c.execute(
                text("CREATE TRIGGER no_delete BEFORE DELETE ON tickets EXECUTE FUNCTION refuse()")
            )
    with pytest.raises(Exception, match="refused"), transaction(app.sessions) as s:
        erasure.forget(s, ALICE, app.clock.now(), actor="cli:test", key=b"k" * 32)
    assert _alice_anywhere(app) == before
    with transaction(app.sessions) as s:
        assert list(s.scalars(select(Erasure))) == []


def test_an_address_that_is_not_one_is_refused(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = run(config, "requesters", "forget", "alice at customer", capsys=capsys)
    assert ran.code == 64 and "not an e-mail address" in ran.err


def test_sqlite_keeps_no_trace_in_its_files(
    app: App, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On SQLite a deleted row's bytes stayed in the file's free pages, and the search
    index kept its words in segments written before the delete: neither is erased."""
    if not app.settings.database.url.startswith("sqlite"):
        pytest.skip("PostgreSQL's dead rows are VACUUM's: the README says so")
    _world(app)
    assert run(config, "requesters", "forget", ALICE, capsys=capsys).code == 0
    app.close()  # the last connection checkpoints the log into the file
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("gateway.db*"))
    assert b"Zanzibar" not in stored and b"zanzibar" not in stored.lower()
    assert b"secret numbers" not in stored


def test_a_copy_that_cannot_be_removed_stops_the_erasure(
    app: App, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Removed after the commit, a copy that could not go was left for good: the rows
    that named it were gone. Removed before, the erasure stops whole, to be run again."""
    _world(app)
    assert run(config, "send", capsys=capsys).code == 0
    new = tmp_path / "var" / "outbound" / "new"
    before = _alice_anywhere(app)
    stuck = next(p for p in sorted(new.iterdir()) if f"<{ALICE}>".encode() in p.read_bytes())
    if os.geteuid() == 0:  # root unlinks whatever the folder's mode: the file is immutable
        if subprocess.run(["chattr", "+i", str(stuck)], check=False).returncode:
            pytest.skip("chattr cannot make a file immutable here")
        undo = ["chattr", "-i", str(stuck)]
    else:
        new.chmod(0o500)
        undo = ["chmod", "700", str(new)]
    try:
        ran = run(config, "requesters", "forget", ALICE, capsys=capsys)
    finally:
        subprocess.run(undo, check=True)
    assert ran.code == 74 and "nothing was erased" in ran.err
    assert stuck.exists() and _alice_anywhere(app) == before
    assert run(config, "requesters", "forget", ALICE, capsys=capsys).code == 0
    assert not stuck.exists() and _alice_anywhere(app) == []


@pytest.fixture
def team_config(db_url: str, tmp_path: Path) -> Path:
    return write_config(tmp_path, url=db_url, secret_file=True, extra=members_toml(MEMBERS))


def test_others_mail_comes_back_and_ours_to_her_goes(
    team_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Carol's ticket merged into Alice's keeps Carol's mail; a member's answer on Bob's
    ticket, relayed to Bob and to Alice, reaches Bob's records only; a mail of ours to
    Alice and Bob at once no longer names her; Alice's Slack thread goes."""
    app = make_app(load_settings(team_config), FakeClock(NOW))
    try:
        made = _world(app)
        carol = deliver(
            app,
            mail(
                "Printer jam on 4", "Also here.\n", sender="Carol <carol@customer.test>", date=NOW
            ),
        ).ticket_id
        assert carol is not None
        merged = run(team_config, "tickets", "merge", str(carol), str(made["mine"]), capsys=capsys)
        assert merged.code == 0, merged.err
        to = reply_address(app, made["bobs"], "ops@example.test")
        answer = mail(
            "Re: Printer jam",
            "Please power-cycle it.\n",
            sender="Ops One <ops@example.test>",
            to=to,
            message_id="<o1@example.test>",
            date=NOW,
        )
        assert deliver(app, answer).ticket_id == made["bobs"]
        with transaction(app.sessions) as s:
            s.add(
                OutboxRow(
                    idempotency_key="both-1",
                    ticket_id=made["bobs"],
                    kind="status_change",
                    message_id="both-1@example.test",
                    envelope_from="support@example.test",
                    recipients=[ALICE, "bob@customer.test"],
                    recipient=ALICE,
                    raw=f"To: {ALICE}, bob@customer.test\r\n\r\nclosed\r\n".encode(),
                    state="sent",
                    created_at=NOW,
                    sent_at=NOW,
                )
            )
            s.add(
                ChatThread(ticket_id=made["mine"], provider="slack", channel="C1", created_at=NOW)
            )
        ran = run(team_config, "requesters", "forget", ALICE, "--json", capsys=capsys)
        assert ran.code == 0, ran.err
        said = json.loads(ran.out)
        assert said["given_back"] == [carol] and said["outbox_trimmed"] == 1
        assert said["chat_links"] == 1
        back = show(app, carol)
        assert back["merged_into"] is None
        assert [m["from"] for m in back["messages"] if m["direction"] == "in"] == [
            "carol@customer.test"
        ]
        bobs = show(app, made["bobs"])
        relayed = [m for m in bobs["messages"] if m["direction"] == "out"]
        assert relayed and all(ALICE not in m["to"] for m in relayed)
        assert "Please power-cycle it." in bobs["messages"][-1]["text"]  # the answer stays
        assert _alice_anywhere(app) == []
        with transaction(app.sessions) as s:
            both = s.scalars(select(OutboxRow).where(OutboxRow.idempotency_key == "both-1")).one()
            assert both.recipients == ["bob@customer.test"] and both.raw == b""
            assert both.raw_dropped_at is not None
            assert list(s.scalars(select(ChatThread))) == []
    finally:
        app.close()


@pytest.mark.parametrize("address", ["ops@example.test", "Support <support@example.test>"])
def test_a_member_or_our_own_address_is_refused(
    team_config: Path, address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member's answers are the team's record on every ticket, and our own address is
    on every mail we sent: erasing either would take what is not a requester's."""
    app = make_app(load_settings(team_config), FakeClock(NOW))
    try:
        made = _world(app)
        before = show(app, made["bobs"])
    finally:
        app.close()
    ran = run(team_config, "requesters", "forget", address, capsys=capsys)
    assert ran.code == 65 and "not a requester's" in ran.err
    app = make_app(load_settings(team_config), FakeClock(NOW))
    try:
        assert show(app, made["bobs"]) == before
    finally:
        app.close()
