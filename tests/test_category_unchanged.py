"""``/category`` naming the entry the ticket is filed under already is no change, as
``/assign`` to its assignee and ``/field`` with the value the sheet holds are not
(README, "Working a ticket by reply": the value a ticket has already is no change):
no ``category`` event ("vpn → vpn" in the history), and the transcript says nothing
changed instead of "filed under …"."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.actions import action_app
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

WAITS = 'type: command\nargv: ["true"]\nwhen: approved'
REQUEST = mail(subject="New account please", body="Please create an account.\n")


def test_a_category_command_naming_the_tickets_entry_changes_nothing(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app = action_app(settings, clock, tmp_path, WAITS)
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        assert show(app, ticket_id)["catalog"] == "account"
        before = [e for e in show(app, ticket_id)["events"] if e["kind"] == "category"]
        for body, member in [
            ("/category account\n", "ops@example.test"),
            ("/category ａｃｃｏｕｎｔ\n", "ops2@example.test"),  # the IME on: the same id
        ]:
            clock.advance(timedelta(minutes=5))
            name = {m.email: m.name for m in MEMBERS}[member]
            to = reply_address(app, ticket_id, member)
            deliver(app, mail(subject="Re:", body=body, sender=f"{name} <{member}>", to=to))
        after = [e for e in show(app, ticket_id)["events"] if e["kind"] == "category"]
        assert after == before
        en, ja = (text_of(r) for r in outbox(app, "command_result")[-2:])
        assert "already filed under Accounts (account): nothing changed" in " ".join(en.split())
        assert "アカウント（account）に分類されています（変更はありません）" in "".join(ja.split())
    finally:
        app.close()
