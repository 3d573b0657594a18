"""A mailbox's last error is said in its reader's language.

The poller records why its last poll failed and ``status`` (and the health alert) show
it; it was stored as English text, so a Japanese operator read an English sentence in
a Japanese ``status``. It is kept as a Msg now (the server's own words verbatim in it),
the English text beside it for ``--json`` and the log; a row written before shows its
text as it is.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.config.load import load_settings
from gateway.core.i18n import N_, Msg, translate
from gateway.receive.imap import ImapPoller
from gateway.runtime.app import build
from gateway.runtime.cli import main as cli
from store import migrate, sources
from store.db import make_engine, session_factory, transaction
from tests.support.config import SECRET_ENV, write_config
from tests.support.dovecot import Certs, Dovecot
from tests.support.waiting import PATIENCE, eventually

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def server(dovecot_certs: Certs) -> Iterator[Dovecot]:
    """A server of this test's own: Dovecot slows down logins from an IP after a failure."""
    server = Dovecot(dovecot_certs)
    server.start()
    yield server
    server.destroy()


def _failed_poll(config: Path) -> str:
    """Run the configured mailbox's poller, as the daemon does, until a poll has failed
    and its error is recorded; the recorded error in English."""
    settings = load_settings(config)
    app = build(settings)
    account = settings.imap[0]
    try:
        stop = threading.Event()
        with ImapPoller(account, app.settings, app.sessions, app.clock) as poller:
            thread = threading.Thread(target=poller.run, args=(stop,), name="imap-error-test")
            thread.start()
            try:
                assert eventually(lambda: poller.status.failures >= 1)
            finally:
                stop.set()
                thread.join(timeout=PATIENCE)
            assert not thread.is_alive()
        with transaction(app.sessions) as s:
            return str(sources.last_error(s, account.source))
    finally:
        app.close()


def test_status_says_a_refused_login_in_the_readers_language(
    server: Dovecot,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    user = server.add_user()
    wrong = tmp_path / "wrong-password"
    wrong.write_text("not the password\n")
    account = server.account(user)
    config = write_config(
        tmp_path,
        extra=(
            f'[[imap]]\nhost = "127.0.0.1"\nport = {account.port}\nca_file = "{account.ca_file}"\n'
            f'username = "{user}"\npassword_file = "{wrong}"\n'
            'retry_initial = "1s"\nretry_max = "2s"\n'
        ),
    )
    english = _failed_poll(config)
    assert english.startswith(f"login as '{user}' refused by 127.0.0.1:{account.port}: ")
    assert "[AUTHENTICATIONFAILED]" in english  # the server's own words, as it said them

    said: dict[str, str] = {}
    for lang in ("ja_JP.UTF-8", "en_US.UTF-8"):
        monkeypatch.setenv("LANG", lang)
        assert cli.main(["--config", str(config), "status"]) == cli.EX_UNHEALTHY
        said[lang[:2]] = capsys.readouterr().out
    where = f"127.0.0.1:{account.port}"
    assert (
        f"{where} が '{user}' としてのログインを拒否しました: [AUTHENTICATIONFAILED]" in said["ja"]
    )
    assert "refused by" not in said["ja"] and "last error" not in said["ja"]  # no English
    assert said["ja"].count("としてのログインを拒否しました") == 2  # the mailbox, its problem
    assert f"last error: login as '{user}' refused by {where}: [AUTHENTICATIONFAILED]" in said["en"]

    monkeypatch.setenv("LANG", "ja_JP.UTF-8")  # --json is data for scripts: English
    assert cli.main(["--config", str(config), "status", "--json"]) == cli.EX_UNHEALTHY
    [mailbox] = json.loads(capsys.readouterr().out)["mailboxes"]
    assert mailbox["last_error"] == english


@pytest.mark.fresh_database  # migrates from an older revision
def test_the_column_is_added_and_older_rows_still_show_their_text(db_url: str) -> None:
    """0014 adds the Msg beside the text, on SQLite and PostgreSQL: a row written before
    shows its English text as it is; a new error is a Msg; the downgrade drops it."""
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0013")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO source_state (source, last_uid, last_error, updated_at)"
                " VALUES ('imap:old', 0, 'cannot connect to imap.example.test:993', :now)"
            ),
            {"now": NOW},
        )
    assert migrate.ensure_current(engine, NOW) is True
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        assert sources.last_error(s, "imap:old") == "cannot connect to imap.example.test:993"
        sources.record_error(s, "imap:new", N_("timed out"), now=NOW)
    with transaction(sessions) as s:
        said = sources.last_error(s, "imap:new")
        assert isinstance(said, Msg) and translate(said, "ja") == "時間切れになりました"
        sources.touch(s, "imap:new", now=NOW)  # a success clears both
    with transaction(sessions) as s:
        assert sources.last_error(s, "imap:new") == ""
    migrate.downgrade(engine, "0013")
    with engine.connect() as conn:
        [(kept,)] = conn.execute(
            text("SELECT last_error FROM source_state WHERE source = 'imap:old'")
        ).all()
        assert kept == "cannot connect to imap.example.test:993"
    engine.dispose()
