"""A secret file saved in another encoding than UTF-8 (Shift_JIS: a Japanese Windows
editor's default) is said as such, naming the key and the file, wherever it is read: the
relay's ``[outbound] password_file`` at each connection, ``[smtp] auth_users_file`` at
start and the chat tokens at load. Before, the relay's raised a UnicodeDecodeError out
of the sender, the users file stopped the start with a traceback, and the chat tokens
said Python's codec words ("can't decode byte 0x83 in position 0")."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config.settings import OutboundSettings
from gateway.core.errors import ConfigError
from gateway.outbound.transport import RelayDown, read_password
from gateway.receive.smtp import load_users
from tests.support.config import LOCAL, config_error

SJIS = "パスワード\n".encode("cp932")  # not UTF-8 from its first byte


def test_a_relay_password_file_not_in_utf8_names_the_key_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "relay.password"
    path.write_bytes(b"# relay\n" + SJIS)
    relay = OutboundSettings(mode="smtp", username="gw", password_file=path)
    with pytest.raises(RelayDown) as caught:
        read_password(relay)
    said = str(caught.value)
    assert "password_file" in said and str(path) in said and "UTF-8" in said
    assert "line 2" in said and "codec" not in said


def test_a_users_file_not_in_utf8_names_the_key_the_file_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "users"
    path.write_bytes(b"relay:{PLAIN}open sesame\n" + b"ops:{PLAIN}" + SJIS)
    with pytest.raises(ConfigError) as caught:
        load_users(path, "gateway.toml")
    err = caught.value
    assert (err.path, err.key) == ("gateway.toml", "smtp.auth_users_file")
    assert str(path) in str(err.problem) and "line 2" in str(err.problem)
    assert "UTF-8" in str(err.problem)


def test_a_chat_token_file_not_in_utf8_names_the_key_and_the_file(tmp_path: Path) -> None:
    (tmp_path / "bot.token").write_bytes(SJIS)
    err = config_error(tmp_path, LOCAL, '[chat.slack]\nbot_token_file = "bot.token"\n')
    assert err.key == "chat.slack.bot_token_file"
    said = str(err.problem)
    assert "bot.token" in said and "UTF-8" in said and "codec" not in said
