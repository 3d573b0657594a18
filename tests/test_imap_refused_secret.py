"""A refused login says where the secret it sent was read from.

An operator with several mailboxes read "login as 'support' refused by
imap.example.com:993: [AUTHENTICATIONFAILED] Authentication failed." and had to find,
in the config, which of the files or variables held the secret that was refused. The
refusal now names the key and its file (or variable, or token command), in the
reader's language, as every other credential problem does.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config.settings import ImapSettings
from gateway.core.i18n import translate
from gateway.receive.imap import ImapError, ImapPoller
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Certs, Dovecot


@pytest.fixture
def server(dovecot_certs: Certs) -> Iterator[Dovecot]:
    """A server of this test's own: Dovecot slows down logins from an IP after a failure."""
    server = Dovecot(dovecot_certs)
    server.start()
    yield server
    server.destroy()


def refusal(app: App, account: ImapSettings) -> ImapError:
    with pytest.raises(ImapError) as refused:
        ImapPoller(account, app.settings, app.sessions, app.clock).poll_once()
    return refused.value


@sqlite_only
def test_a_wrong_password_names_the_password_file(
    app: App, server: Dovecot, tmp_path: Path
) -> None:
    user = server.add_user()
    wrong = tmp_path / "imap.password"
    wrong.write_text("not the password\n")
    error = refusal(app, server.account(user, password_file=wrong))
    english = str(error)
    assert english.startswith(f"login as '{user}' refused by 127.0.0.1:")
    assert "[AUTHENTICATIONFAILED]" in english
    assert english.endswith(f"; check the password in password_file {wrong}"), english
    japanese = translate(error.message, "ja")
    assert f"password_file {wrong}" in japanese and "確認してください" in japanese, japanese


def wrong_secret(server: Dovecot, user: str, tmp_path: Path, source: str) -> ImapSettings:
    """``user``'s account with a wrong secret from ``source``, and how its refusal ends."""
    token = tmp_path / "m365.token"
    token.write_text("expired-token\n")
    oauth = {"auth": "xoauth2", "password_file": None}
    return {
        "password_env": server.account(user, password_file=None, password_env="SUPPORT_PW"),
        "oauth2_token_file": server.account(user, **oauth, oauth2_token_file=token),
        "oauth2_token_command": server.account(
            user, **oauth, oauth2_token_command=(sys.executable, "-c", "print('expired')")
        ),
    }[source]


@sqlite_only
@pytest.mark.parametrize(
    ("source", "ending"),
    [
        ("password_env", "the password in the environment variable SUPPORT_PW (password_env)"),
        ("oauth2_token_file", "the token in oauth2_token_file {tmp}/m365.token"),
        ("oauth2_token_command", "the token oauth2_token_command {python!r} prints"),
    ],
)
def test_a_wrong_secret_names_the_variable_or_the_token_source(
    app: App,
    server: Dovecot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
    ending: str,
) -> None:
    """One refusal per server: Dovecot answers later and later after each."""
    monkeypatch.setenv("SUPPORT_PW", "not the password")
    account = wrong_secret(server, server.add_user(), tmp_path, source)
    expected = "; check " + ending.format(tmp=tmp_path, python=sys.executable)
    assert str(refusal(app, account)).endswith(expected)
