"""A team's own template names the ticket's entry as our templates do: by its name in
the reader's language (``ticket.entry``: アカウント, Accounts).

Templates got ``ticket.catalog``, the entry's id (``account``), and nothing else of
the entry, so a team's reply said "account" to a Japanese requester. ``ticket.catalog``
stays what it was, so a template written for it renders as before.

The catalog of tests/support/actions.py (``account``: アカウント / Accounts) and a
folder of the team's templates written for both languages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.catalog.model import Catalog, Entry
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.runtime.app import App
from tests.support.actions import action_app, drain
from tests.support.hooks import HookServer
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, text_of
from tests.test_category_sheet import member_mail

REQUESTS = {
    "en": mail(subject="New account please", body="Hello,\nUser ID: taro.yamada\n"),
    "ja": mail(
        subject="アカウント作成のお願い", body="お世話になります。\nユーザーID: taro.yamada\n"
    ),
}
# what a team writes: the entry by its name, and by its id as older templates did
BODY = "entry={{ ticket.entry }} id={{ ticket.catalog }}\n"
# … and in words of its own, for both languages: the name is the reader's inside trans too
TRANS = "{% trans entry=ticket.entry %}Your {{ entry }} request{% endtrans %}\n"


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer(reply={"ok": True}).start()
    yield server
    server.stop()


def _team(folder: Path, files: dict[str, str]) -> Path:
    """The team's templates folder: each file for both languages (no ja/ or en/)."""
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _app(settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer) -> App:
    (tmp_path / "hook.secret").write_bytes(b"hook-secret-0123456789\n")
    action = f"""
        type: webhook
        url: {hooks.url()}
        secret_file: hook.secret
        on_success: {{reply: account_created}}
        """
    team = _team(
        tmp_path / "team",
        {
            "account_created.subject.j2": "Ready\n",
            "account_created.txt.j2": BODY,
            "status_change.txt.j2": BODY + TRANS,
        },
    )
    return action_app(settings, clock, tmp_path, action, templates_dir=team)


@pytest.mark.parametrize(("locale", "name"), [("en", "Accounts"), ("ja", "アカウント")])
def test_a_teams_action_reply_names_the_entry_in_the_requesters_language(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    hooks: HookServer,
    locale: str,
    name: str,
) -> None:
    app = _app(settings, clock, tmp_path, hooks)
    try:
        deliver(app, REQUESTS[locale])
        drain(app)
        [reply] = outbox(app, "action_reply")
        assert f"entry={name} id=account\n" in text_of(reply)
    finally:
        app.close()


@pytest.mark.parametrize(("locale", "name"), [("en", "Accounts"), ("ja", "アカウント")])
def test_a_teams_own_copy_of_a_built_in_kind_names_the_entry_too(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    hooks: HookServer,
    locale: str,
    name: str,
) -> None:
    app = _app(settings, clock, tmp_path, hooks)
    try:
        tid = deliver(app, REQUESTS[locale]).ticket_id or 0
        deliver(app, member_mail(app, tid, "/pending\n"))
        [status] = outbox(app, "status_change")
        assert f"entry={name} id=account\n" in text_of(status)
        assert f"Your {name} request" in text_of(status)
    finally:
        app.close()


def test_an_entry_no_longer_in_the_catalog_is_its_id_marked_and_none_is_empty() -> None:
    """What ``ticket.entry`` holds beside a name: the id of an entry removed since, with
    the mark the board shows, in each language; nothing for a ticket not filed."""
    catalog = Catalog((Entry("other", {"ja": "その他", "en": "Other"}, fallback=True),))
    gone = catalog.said_name("account")
    # one message, each language's own spacing: none before a full-width bracket
    assert translate(gone, "en") == "account (not in the catalog)"
    assert translate(gone, "ja") == "account（カタログにない項目）"
    assert translate(catalog.said_name("other"), "ja") == "その他"
    assert catalog.said_name(None) == "" and catalog.said_name("") == ""
