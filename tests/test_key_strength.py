"""Every key the gateway signs with is checked for randomness, not only for length.

``aaaaaaaaaaaaaaaa`` or ``password1234567890`` passed the rule of 16 bytes, for the
gateway secret (from the environment or ``secret_file``), a webhook's ``secret_file``
and the Slack signing secret: a key a person made up is the first one an attacker
tries, and with it forges reply addresses, cookies or webhook calls. One rule now
(:mod:`gateway.core.key_strength`), with an error naming the key and the file; what
the README and ``environment.example`` tell people to run passes.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.catalog.action_reader import Where
from gateway.config.load import load_settings
from gateway.core.errors import ConfigError
from gateway.core.key_strength import weakness
from tests.support.actions import catalog_text
from tests.support.config import LOCAL, config_error, write_config
from tests.test_actions_catalog import line_of, problems

WEAK = [
    b"a" * 16,  # one character
    b"x" * 64,
    b"password1234567890",  # a word and the digit row
    b"Password1234567890!",
    b"changeme-changeme-changeme",  # a word, repeated
    b"abcabcabcabcabcabcabc",  # a short pattern, repeated
    b"01100110011001100110",  # two characters
    b"abcdefghijklmnopqrstuvwxyz",  # the alphabet
    b"qwertyuiopasdfghjkl",  # the keyboard
    b"secretsecret12345678",
]
WEAK_IDS = [k.decode()[:20] for k in WEAK]


def _strong() -> list[bytes]:
    return [
        secrets.token_hex(32).encode(),  # what environment.example asks for
        secrets.token_hex(16).encode(),
        secrets.token_urlsafe(32).encode(),
        base64.b64encode(os.urandom(16)),
        b"8f742231b10e8a8dabcd9910fe4c85a5",  # Slack's signing secrets look like this
    ]


@pytest.mark.parametrize("key", WEAK, ids=WEAK_IDS)
def test_a_made_up_key_is_weak(key: bytes) -> None:
    assert weakness(key) is not None


def test_random_keys_of_the_usual_kinds_pass_every_time() -> None:
    for _ in range(500):
        for key in _strong():
            assert weakness(key) is None, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl here")
def test_what_environment_example_says_to_run_passes(tmp_path: Path) -> None:
    key = subprocess.run(["openssl", "rand", "-hex", "32"], capture_output=True, check=True).stdout
    (tmp_path / "secret.key").write_bytes(key)
    config = write_config(tmp_path, extra="")
    config.write_text(
        config.read_text().replace("[gateway]\n", '[gateway]\nsecret_file = "secret.key"\n', 1)
    )
    assert load_settings(config).gateway.reply_key()  # read, and good


@pytest.mark.parametrize("key", WEAK, ids=WEAK_IDS)
def test_a_weak_secret_from_the_environment_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: bytes
) -> None:
    monkeypatch.setenv("TICKET_GATEWAY_SECRET", key.decode())
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path)).gateway.reply_key()
    assert caught.value.key == "TICKET_GATEWAY_SECRET" and caught.value.path == "environment"
    assert "openssl rand -hex 32" in caught.value.problem


@pytest.mark.parametrize("key", WEAK, ids=WEAK_IDS)
def test_a_weak_secret_file_is_refused_naming_the_key_and_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: bytes
) -> None:
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    config = write_config(tmp_path, secret_file=True)
    (tmp_path / "secret.key").write_bytes(key + b"\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config).gateway.reply_key()
    assert (caught.value.path, caught.value.key) == (str(config), "gateway.secret_file")
    assert f"{config}: [gateway.secret_file]" in str(caught.value)


@pytest.mark.parametrize("key", WEAK, ids=WEAK_IDS)
def test_catalog_check_refuses_a_weak_webhook_key_with_its_line(tmp_path: Path, key: bytes) -> None:
    (tmp_path / "hook.secret").write_bytes(key + b"\n")
    text = catalog_text("type: webhook\nurl: https://a.test/\nsecret_file: hook.secret")
    [(line, message)] = problems(text, Where(tmp_path))
    assert line == line_of(text, "secret_file") and str(tmp_path / "hook.secret") in message


@pytest.mark.parametrize("key", [k for k in WEAK if k.isalnum()])  # a signing secret's shape
def test_a_weak_slack_signing_secret_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: bytes
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1111-2222-abcdefghijklmnop")
    (tmp_path / "signing.secret").write_bytes(key + b"\n")
    err = config_error(
        tmp_path, LOCAL, '[chat.slack]\nmode = "http"\nsigning_secret_file = "signing.secret"\n'
    )
    assert err.key == "chat.slack.signing_secret_file" and str(tmp_path / "gateway.toml") in str(
        err
    )
