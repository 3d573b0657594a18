"""0025: a webhook URL whose path is its credential (a Slack incoming webhook, an IFTTT
``/with/key/<key>``), kept in full by older releases in the action events, the runs'
errors and the failure mails, is masked in place as 0021 masked queries and passwords;
a person's words stay as written, and run again it changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from gateway.actions import failures
from gateway.core.i18n import dump, load
from store import migrate
from store.db import make_engine
from store.models import ActionRun, Message, Ticket, TicketEvent

# each test builds its schema from nothing (tests/conftest.py db_url)
pytestmark = pytest.mark.fresh_database

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SLACK = "https://hooks.slack.com/services/T0AAA1111/B0BBB2222/xS3cr3tPathT0kenValue"
SLACK_MASKED = "https://hooks.slack.com/services/T0AAA1111/B0BBB2222/…"
IFTTT = "https://maker.ifttt.test/trigger/ping/with/key/Ifttt5ecretKeyValue"
IFTTT_MASKED = "https://maker.ifttt.test/trigger/ping/with/key/…"
SECRETS = ("xS3cr3tPathT0kenValue", "Ifttt5ecretKeyValue")


def _event(kind: str, detail: dict[str, Any], actor: str = "gateway") -> dict[str, Any]:
    channel = "system" if actor == "gateway" else "email"
    return {"ticket_id": 1, "at": NOW, "actor": actor, "channel": channel, "kind": kind,
            "detail": detail}  # fmt: skip


def _old_rows(engine: Engine) -> None:
    redirected = failures.redirected(302, "Found", IFTTT)
    with engine.begin() as conn:
        conn.execute(
            insert(Ticket).values(
                id=1, subject="s", requester="a@x.test", created_at=NOW, updated_at=NOW
            )
        )
        conn.execute(
            insert(TicketEvent),
            [
                _event("action-queued", {"run": 1, "target": SLACK}),
                _event(
                    "action",
                    {
                        "run": 1,
                        "target": SLACK,
                        "error": str(redirected),
                        "said": dump(redirected),
                    },
                ),
                _event("note", {"text": f"see {SLACK}"}, actor="ops@x.test"),  # their words
            ],
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
        conn.execute(
            insert(Message).values(
                ticket_id=1,
                direction="out",
                kind="action_failed",
                message_id="<m1@x.test>",
                text=f"Target: {SLACK}\nError: {redirected}\n",
                new_text=f"Target: {SLACK}\n",
                created_at=NOW,
            )
        )


def _snapshot(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as conn:
        events = conn.execute(select(TicketEvent.detail).order_by(TicketEvent.id)).all()
        runs = conn.execute(select(ActionRun.last_error, ActionRun.last_error_said)).all()
        mails = conn.execute(select(Message.text, Message.new_text)).all()
    return {"events": [r[0] for r in events], "runs": [tuple(r) for r in runs],
            "mails": [tuple(r) for r in mails]}  # fmt: skip


def test_0025_masks_the_credentials_in_webhook_paths_and_again_changes_nothing(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine, "0024")
        _old_rows(engine)
        migrate.upgrade(engine, "0025")
        after = _snapshot(engine)
        queued, action, member_note = after["events"]
        assert queued["target"] == action["target"] == SLACK_MASKED
        masked_error = failures.redirected(302, "Found", IFTTT_MASKED)
        assert action["error"] == str(masked_error)
        assert load(action["said"]) == masked_error
        assert member_note == {"text": f"see {SLACK}"}  # a person's words, as written
        [(last_error, last_error_said)] = after["runs"]
        assert last_error == str(masked_error) and load(last_error_said) == masked_error
        [(text, new_text)] = after["mails"]
        assert new_text == f"Target: {SLACK_MASKED}\n"
        assert text == f"Target: {SLACK_MASKED}\nError: {masked_error}\n"
        kept = repr(after["events"][:2]) + repr(after["runs"]) + repr(after["mails"])
        for secret in SECRETS:
            assert secret not in kept
        migrate.downgrade(engine, "0024")  # nothing to put back
        migrate.upgrade(engine, "0025")
        assert _snapshot(engine) == after
    finally:
        engine.dispose()
