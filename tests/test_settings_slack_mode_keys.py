"""A Slack credential for the other mode is refused, naming the key and the file.

``signing_secret_file`` in Socket Mode was read by nobody: Socket Mode has no HTTP
request to verify (Slack's events come over the WebSocket the app token opens), yet
the admin who wrote the key believed requests were checked against it. Said at start
(exit 78) as any other key that cannot mean what it says; an ``app_token_file`` in
HTTP mode likewise."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.config import LOCAL, config_error, load_toml

BOT = "xoxb-1111-2222-abcdefghijklmnop"
APP = "xapp-1-A111-2222-abcdefghijklmnop"
SIGNING = "8f3a1c9e7b2d4f6a0e5c3b1d9f7a2e4c"


@pytest.fixture(autouse=True)
def _tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING)
    monkeypatch.setenv("MY_SECRET", SIGNING)


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('signing_secret_file = "signing.secret"', "chat.slack.signing_secret_file"),
        ('mode = "socket"\nsigning_secret_env = "MY_SECRET"', "chat.slack.signing_secret_env"),
    ],
)
def test_a_signing_secret_in_socket_mode_is_refused(tmp_path: Path, toml: str, key: str) -> None:
    (tmp_path / "signing.secret").write_text(SIGNING + "\n")
    err = config_error(tmp_path, LOCAL, "[chat.slack]\n" + toml + "\n")
    assert err.key == key
    assert str(tmp_path / "gateway.toml") in str(err)
    assert "Socket Mode" in err.problem and 'mode = "http"' in err.problem


def test_an_app_token_in_http_mode_is_refused(tmp_path: Path) -> None:
    (tmp_path / "app.token").write_text(APP + "\n")
    err = config_error(
        tmp_path, LOCAL, '[chat.slack]\nmode = "http"\napp_token_file = "app.token"\n'
    )
    assert err.key == "chat.slack.app_token_file" and 'mode = "socket"' in err.problem


def test_each_mode_with_its_own_credentials_loads(tmp_path: Path) -> None:
    (tmp_path / "signing.secret").write_text(SIGNING + "\n")
    (tmp_path / "app.token").write_text(APP + "\n")
    socket = load_toml(tmp_path, LOCAL, '[chat.slack]\napp_token_file = "app.token"\n')
    assert socket.chat.slack is not None and socket.chat.slack.app_token == APP
    http = load_toml(
        tmp_path, LOCAL, '[chat.slack]\nmode = "http"\nsigning_secret_file = "signing.secret"\n'
    )
    assert http.chat.slack is not None and http.chat.slack.signing_secret == SIGNING
