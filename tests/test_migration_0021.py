"""0021: what older releases recorded of a webhook's URL in full (the target of the
action events, the URLs their errors quote in the events, the runs' rows, the gateway's
failure notes and the failure mails kept on the ticket) is masked in place, as the
gateway masks what it records now; a person's words stay as written. Walked in batches
(more rows than one batch here), and run again it changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.policy import compat32, default
from html import escape
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from gateway.actions import failures
from gateway.core.i18n import N_, dump, load
from gateway.core.tokens import mask_url_passwords
from gateway.notify.compose import Envelope, compose
from gateway.notify.render import Rendered
from gateway.notify.views import Person
from store import migrate
from store.db import make_engine
from store.models import ActionRun, Message, OutboxRow, Ticket, TicketEvent

# each test builds its schema from nothing (tests/conftest.py db_url)
pytestmark = pytest.mark.fresh_database

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SECRETS = ("S1gN4tur3xyz", "Ap1K3yvalue", "Pa55w0rdvalue", "T0k3nvalue")
URL = "https://hooks.example.test/run?sv=2024&sig=S1gN4tur3xyz&api_key=Ap1K3yvalue&page=2"
MASKED = "https://hooks.example.test/run?sv=2024&sig=…&api_key=…&page=2"
WITH_PASSWORD = "https://bob:Pa55w0rdvalue@hooks.example.test/v2?token=T0k3nvalue"
PASSWORD_MASKED = "https://bob:…@hooks.example.test/v2?token=…"
MANY = 1_100  # action events: more than two of the migration's batches (500)


def _event(
    kind: str, detail: dict[str, Any], actor: str = "gateway", channel: str = "system"
) -> dict[str, Any]:
    return {
        "ticket_id": 1,
        "at": NOW,
        "actor": actor,
        "channel": channel,
        "kind": kind,
        "detail": detail,
    }


def _old_rows(engine: Engine) -> None:
    """What an older release kept: full URLs, and a person's words quoting one."""
    redirected = failures.redirected(302, "Found", WITH_PASSWORD)
    note = N_("The action of {entry} failed: {error}", entry="account", error=redirected)
    with engine.begin() as conn:
        conn.execute(
            insert(Ticket).values(
                id=1, subject="s", requester="a@x.test", created_at=NOW, updated_at=NOW
            )
        )
        conn.execute(
            insert(TicketEvent),
            [
                _event("action-queued", {"run": 1, "target": URL}),
                _event("action-awaiting-approval", {"run": 1, "target": URL}),
                _event("action-approved", {"run": 1, "target": URL}, actor="boss@x.test"),
                _event(
                    "action",
                    {
                        "run": 1,
                        "target": URL,
                        "error": str(redirected),
                        "said": dump(redirected),
                        "idempotency_key": "k-1",
                    },
                ),
                _event("note", {"text": f"failed: {WITH_PASSWORD}", "said": dump(note)}),
                # a member's note and another kind of event: their words, as written
                _event("note", {"text": f"see {URL}"}, actor="ops@x.test", channel="email"),
                _event("field", {"name": "url", "value": URL}, actor="a@x.test"),
            ]
            + [_event("action", {"run": 1, "target": URL, "attempt": n}) for n in range(MANY)],
        )
        conn.execute(
            insert(ActionRun).values(
                id=1,
                ticket_id=1,
                entry_id="account",
                action_type="webhook",
                trigger="fields_complete",
                triggered_by="a@x.test",
                idempotency_key="k-1",
                state="failed",
                last_error=str(redirected),
                last_error_said=dump(redirected),
                created_at=NOW,
            )
        )
        for n, (direction, kind) in enumerate([("out", "action_failed"), ("in", "request")]):
            conn.execute(
                insert(Message).values(
                    ticket_id=1,
                    direction=direction,
                    kind=kind,
                    message_id=f"<m{n}@x.test>",
                    text=f"Target: {URL}\nError: {redirected}\n",
                    new_text=f"Target: {URL}\n",
                    created_at=NOW,
                )
            )


def _snapshot(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as conn:
        events = conn.execute(
            select(TicketEvent.kind, TicketEvent.actor, TicketEvent.detail).order_by(TicketEvent.id)
        ).all()
        runs = conn.execute(select(ActionRun.last_error, ActionRun.last_error_said)).all()
        mails = conn.execute(
            select(Message.kind, Message.text, Message.new_text).order_by(Message.id)
        ).all()
    return {"events": [tuple(r) for r in events], "runs": [tuple(r) for r in runs],
            "mails": [tuple(r) for r in mails]}  # fmt: skip


def test_0021_masks_what_older_releases_kept_of_webhook_urls_and_again_changes_nothing(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine, "0020")
        _old_rows(engine)
        migrate.upgrade(engine)
        after = _snapshot(engine)
        events = after["events"]
        assert len(events) == 7 + MANY
        queued, awaiting, approved, action, note, member_note, field = events[:7]
        for kind, _actor, detail in (queued, awaiting, approved, action, *events[7:]):
            assert detail["target"] == MASKED, (kind, detail)
        assert action[2]["error"] == str(failures.redirected(302, "Found", PASSWORD_MASKED))
        said = load(action[2]["said"])  # still the same message, read in each language
        assert said == failures.redirected(302, "Found", PASSWORD_MASKED)
        assert action[2]["idempotency_key"] == "k-1"
        assert note[2]["text"] == f"failed: {PASSWORD_MASKED}"
        assert PASSWORD_MASKED in str(load(note[2]["said"]))
        assert member_note[2] == {"text": f"see {URL}"}  # a person's words
        assert field[2] == {"name": "url", "value": URL}
        [(last_error, last_error_said)] = after["runs"]
        assert last_error == str(failures.redirected(302, "Found", PASSWORD_MASKED))
        assert load(last_error_said) == failures.redirected(302, "Found", PASSWORD_MASKED)
        told, request = after["mails"]
        assert told == ("action_failed", mask_url_passwords(request[1]), f"Target: {MASKED}\n")
        assert request[1].startswith(f"Target: {URL}\n")  # a requester's mail, as it came
        kept = repr(events[:5] + events[7:]) + repr(after["runs"]) + repr(told)
        for secret in SECRETS:
            assert secret not in kept
        migrate.downgrade(engine, "0020")  # nothing to put back: what was masked is gone
        assert _snapshot(engine) == after
        migrate.upgrade(engine, "0021")  # this one again, whatever came after
        assert _snapshot(engine) == after
        assert migrate.current_revision(engine) == "0021"
    finally:
        engine.dispose()


def _composed(kind: str, charset: str, text: str, n: int) -> bytes:
    """A mail as the gateway writes it (gateway.notify.compose), quoting ``text``."""
    env = Envelope(
        kind=kind,
        sender=Person("support@example.test", "サポート"),
        to=Person("ops@example.test", "担当"),
        message_id=f"t1.m{n}@example.test",
        date=NOW,
        subject_tag="[#1]",
        charset=charset,
    )
    html = f"<p>{escape(text)}</p>"
    return compose(env, Rendered("アクションが失敗しました", text, html))


def _texts(raw: bytes) -> tuple[str, str]:
    mail = BytesParser(policy=default).parsebytes(raw)
    assert isinstance(mail, EmailMessage)
    plain, html = (mail.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
    assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
    return str(plain.get_content()), str(html.get_content())


def test_0021_masks_the_failure_mails_in_the_outbox_in_their_charset_and_encoding(
    db_url: str,
) -> None:
    """A failure mail not sent yet would still carry the URL to the member: its text and
    HTML parts are masked in the charset and transfer encoding they were written in
    (UTF-8, ISO-2022-JP, base64 for long lines); another kind of mail stays byte for byte."""
    said = f"対象: {URL}\n誤り: redirected to {WITH_PASSWORD}\n"
    mails = [
        ("action_failed", "utf-8", said),
        ("action_failed", "iso-2022-jp", said),
        ("action_failed", "iso-2022-jp", said + "x" * 1200 + "\n"),  # base64: a long line
        ("action_failed", "utf-8", "nothing secret: https://hooks.example.test/?page=2\n"),
        ("ack", "utf-8", said),  # a requester's own words quoted: not ours to change
    ]
    raws = [_composed(kind, cs, text, n) for n, (kind, cs, text) in enumerate(mails)]
    ascii_mail = MIMEText(f"Target: {URL}\n", "plain", "us-ascii")  # "…" is not ASCII
    ascii_mail["Subject"] = "action failed"
    mails.append(("action_failed", "us-ascii", ""))
    raws.append(ascii_mail.as_bytes(policy=compat32.clone(linesep="\r\n")))
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine, "0020")
        with engine.begin() as conn:
            conn.execute(
                insert(Ticket).values(
                    id=1, subject="s", requester="a@x.test", created_at=NOW, updated_at=NOW
                )
            )
            for n, ((kind, _cs, _text), raw) in enumerate(zip(mails, raws, strict=True)):
                conn.execute(
                    insert(OutboxRow).values(
                        idempotency_key=f"k{n}",
                        ticket_id=1,
                        kind=kind,
                        message_id=f"<t1.m{n}@example.test>",
                        envelope_from="support@example.test",
                        raw=raw,
                        state="sent" if n == 1 else "pending",
                        created_at=NOW,
                    )
                )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            after = [
                bytes(r[0]) for r in conn.execute(select(OutboxRow.raw).order_by(OutboxRow.id))
            ]
        for raw, before in list(zip(after, raws, strict=True))[:3]:
            plain, html = _texts(raw)
            old_plain, old_html = _texts(before)
            assert SECRETS[0] in old_plain and SECRETS[2] in old_html
            assert (plain, html) == (mask_url_passwords(old_plain), mask_url_passwords(old_html))
            for secret in SECRETS:
                assert secret.encode() not in raw and secret not in plain + html
            old, new = (BytesParser(policy=default).parsebytes(r) for r in (before, raw))
            for header in ("Subject", "From", "To", "Message-ID", "Date", "Content-Type"):
                assert str(new[header]) == str(old[header]), header
            parts = [(p.get_content_type(), p.get_content_charset(), p["Content-Transfer-Encoding"])
                     for p in (old, new) for p in p.walk()]  # fmt: skip
            assert parts[: len(parts) // 2] == parts[len(parts) // 2 :]
        assert after[3:5] == raws[3:5]  # nothing to mask, and another kind: byte for byte
        ascii_after = BytesParser(policy=default).parsebytes(after[5])
        assert isinstance(ascii_after, EmailMessage)
        assert ascii_after.get_content() == f"Target: {MASKED}\n"
        assert ascii_after.get_content_charset() == "utf-8"
        migrate.downgrade(engine, "0020")
        migrate.upgrade(engine)
        with engine.connect() as conn:
            again = [
                bytes(r[0]) for r in conn.execute(select(OutboxRow.raw).order_by(OutboxRow.id))
            ]
        assert again == after
    finally:
        engine.dispose()
