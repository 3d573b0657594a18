"""The gateway the tests build: its secret, its team and its plain catalog.

One copy of these values. A reply token is keyed by the secret *and* the database
that issued it, so a test makes one the way the gateway does: :func:`reply_address`
asks the app under test.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gateway.config.settings import Member
from tests.support.paths import DATA

if TYPE_CHECKING:
    from gateway.runtime.app import App

SECRET = b"test-secret-0123456789abcdef"
# a catalog with one fallback entry: filing never gets in the way of what a test checks
PLAIN_CATALOG = DATA / "catalog_plain.yaml"

MEMBERS = (
    Member(email="ops@example.test", name="Ops One", role="ops", locale="en"),
    Member(email="ops2@example.test", name="Ops Two", role="ops", locale="ja"),
    Member(email="boss@example.test", name="Boss", role="manager", locale="ja"),
)


def reply_address(app: App, ticket_id: int, who: str) -> str:
    """The reply-token address ``app`` issues to ``who`` for the ticket."""
    from gateway.notify.queue import reply_address as issued
    from store.db import transaction

    with transaction(app.sessions) as s:
        return issued(s, app.settings, ticket_id, who)


def configured_reply_address(config: str | Path, ticket_id: int, who: str) -> str:
    """:func:`reply_address` of the gateway ``config`` configures (a CLI test's), as the
    mail it sent ``who`` carries it: a customer's reply found by a Message-ID alone
    proves nothing about who wrote it, so their reply goes to this address."""
    from gateway.config.load import load_settings
    from gateway.runtime.app import build

    app = build(load_settings(Path(config)))
    try:
        return reply_address(app, ticket_id, who)
    finally:
        app.close()


def reply_token(app: App, ticket_id: int, who: str) -> str:
    """Just the token of :func:`reply_address` (what ``support+<id>-<token>@`` carries)."""
    return reply_address(app, ticket_id, who).split("@")[0].rsplit("-", 1)[1]
