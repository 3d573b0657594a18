"""``status --json`` is for scripts: each warning is ``{"code", "text"}``, the code a
stable key per kind (gateway/runtime/cli/warning_codes.py's table) and the text in
English whatever ``LANG`` says; ``status`` for people says the warnings in the CLI's
language and the disks' room in MB and GB, while ``--json`` keeps exact bytes."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.runtime import disk_space
from gateway.runtime.cli.disk_lines import amount
from gateway.runtime.cli.warning_codes import WARNINGS
from gateway.runtime.disk_space import Space
from gateway.runtime.start_warnings import warn_at_start
from tests.support.actions import catalog_text
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import members_toml, with_database, write_config
from tests.support.dovecot import make_certs

MB, GB = 1_000_000, 1_000_000_000
NO_DAEMON = "[health]\ndaemon = false\n"
LINKS_OFF = '[web]\nhost = "0.0.0.0"\nport = 1\n'  # no base_url: a warning
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _disk(monkeypatch: pytest.MonkeyPatch, free: int, size: int) -> None:
    reader: Callable[[Path], Space] = lambda _folder: Space(1, free, size)  # noqa: E731
    monkeypatch.setattr(disk_space, "read_space", reader)


def _site(tmp_path: Path, locale: str) -> Path:
    """A site with three warnings: a disk nearly full, a secret file others may read,
    pages without base_url."""
    config = with_database(
        write_config(tmp_path, secret_file=True, locale=locale, extra=NO_DAEMON + LINKS_OFF)
    )
    os.chmod(tmp_path / "secret.key", 0o644)
    return config


@pytest.mark.parametrize("lang", ["ja_JP.UTF-8", "C.UTF-8"])
def test_json_warnings_have_a_code_and_english_text_whatever_lang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    config = _site(tmp_path, "ja")
    monkeypatch.setenv("LC_ALL", lang)
    monkeypatch.setenv("LANG", lang)
    _disk(monkeypatch, 80 * MB, 20 * GB)
    said = run(config, "status", "--json", capsys=capsys)
    assert said.code == 0, said
    found = json.loads(said.out)["warnings"]
    assert [w["code"] for w in found] == [
        "disk_nearly_full",
        "secret_file_readable",
        "base_url_unset",
    ], found
    assert all(set(w) == {"code", "text"} for w in found)
    assert not [w for w in found if KANA_OR_KANJI.search(w["text"])], found
    [disk] = [w["text"] for w in found if w["code"] == "disk_nearly_full"]
    assert "nearly full: 80000000 bytes free of 20000000000" in disk  # exact, for scripts
    assert "chmod 600" in found[1]["text"] and "base_url is not set" in found[2]["text"]


def test_every_code_is_a_short_stable_key() -> None:
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)+", code) for code in WARNINGS)


def test_the_readme_names_every_code() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert not [code for code in WARNINGS if f"`{code}`" not in readme]


@pytest.mark.parametrize(
    ("lang", "free", "size"),
    [
        ("C.UTF-8", "80.0 MB", "20.0 GB"),
        ("ja_JP.UTF-8", "80.0 MB", "20.0 GB"),
    ],
)
def test_people_read_the_disk_in_mb_and_gb_in_their_language(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    free: str,
    size: str,
) -> None:
    config = _site(tmp_path, "ja" if lang.startswith("ja") else "en")
    monkeypatch.setenv("LC_ALL", lang)
    _disk(monkeypatch, 80 * MB, 20 * GB)
    said = run(config, "status", capsys=capsys)
    assert said.code == 0, said
    [line] = [line for line in said.out.splitlines() if free in line]
    assert size in line and "80000000" not in line and "bytes" not in line, line
    assert bool(KANA_OR_KANJI.search(line)) is lang.startswith("ja"), line
    assert ("nearly full" in line) is not lang.startswith("ja"), line  # the sentence, too
    warned = [line for line in said.out.splitlines() if "chmod 600" in line]
    assert len(warned) == 1 and bool(KANA_OR_KANJI.search(warned[0])) is lang.startswith("ja")


def test_a_disk_problem_in_mb_for_people_and_in_bytes_in_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = with_database(write_config(tmp_path, secret_file=True, locale="en", extra=NO_DAEMON))
    _disk(monkeypatch, 12_345_678, 20 * GB)
    said = run(config, "status", capsys=capsys)
    assert said.code == 1, said
    [line] = [line for line in said.out.splitlines() if "max_message_size" in line]
    assert "has 12.3 MB free, less than 2 times [smtp] max_message_size (25.0 MB)" in line, line
    document = json.loads(run(config, "status", "--json", capsys=capsys).out)
    [problem] = [p for p in document["problems"] if p["key"].startswith("disk:")]
    assert "has 12345678 bytes free" in problem["text"] and "(25000000 bytes)" in problem["text"]


@pytest.mark.parametrize(
    ("count", "said"),
    [(0, "0.0 MB"), (999_949_999, "999.9 MB"), (GB, "1.0 GB"), (1_250 * GB, "1250.0 GB")],
)
def test_amounts(count: int, said: str) -> None:
    assert str(amount(count)) == said


def test_every_file_holding_a_password_or_key_is_warned_of_when_others_may_read_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not only the reply-token key's: the mailbox's and the relay's passwords, an OAuth
    token, the listener's AUTH users and its TLS key are credentials as well."""
    files = {
        "imap.pw": "[imap.password_file]",
        "token": "[imap.oauth2_token_file]",
        "relay.pw": "[outbound.password_file]",
        "users": "[smtp.auth_users_file]",
        "tls.key": "[smtp.tls_key]",
    }
    certs = make_certs(tmp_path / "certs")
    for name in files:
        (tmp_path / name).write_bytes(certs.key.read_bytes() if name == "tls.key" else b"x\n")
        os.chmod(tmp_path / name, 0o644)
    os.chmod(tmp_path / "users", 0o640)  # the group may read it: that is the admin's choice
    extra = NO_DAEMON + (
        f'[smtp]\ntls_cert = "{certs.cert}"\ntls_key = "{tmp_path / "tls.key"}"\n'
        f'auth_users_file = "{tmp_path / "users"}"\n'
        f'[outbound]\nmode = "smtp"\nusername = "u"\npassword_file = "{tmp_path / "relay.pw"}"\n'
        f'[[imap]]\nhost = "imap.example.test"\nusername = "u"\n'
        f'password_file = "{tmp_path / "imap.pw"}"\n'
        f'[[imap]]\nhost = "imap.example.test"\nusername = "v"\nauth = "xoauth2"\n'
        f'oauth2_token_file = "{tmp_path / "token"}"\n'
    )
    config = with_database(write_config(tmp_path, locale="en", extra=extra))
    said = run(config, "status", "--json", capsys=capsys)
    assert said.out.startswith("{"), said
    found = [w["text"] for w in json.loads(said.out)["warnings"] if w["code"] == CREDENTIALS]
    assert len(found) == 4, found
    for name, key in files.items():
        warned = [text for text in found if str(tmp_path / name) in text]
        assert len(warned) == (name != "users"), (name, found)
        assert not warned or (key in warned[0] and f"chmod 600 {tmp_path / name}" in warned[0])
    os.chmod(tmp_path / "imap.pw", 0o600)
    said = run(config, "status", "--json", capsys=capsys)
    assert len([w for w in json.loads(said.out)["warnings"] if w["code"] == CREDENTIALS]) == 3


CREDENTIALS = "credential_file_readable"


def test_the_slack_apps_token_files_are_warned_of_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whoever reads the bot token posts and reads as the app in the team's Slack."""
    (tmp_path / "bot").write_text("xoxb-1111-2222-abcdefghijklmnop\n", encoding="utf-8")
    (tmp_path / "app").write_text("xapp-1-A111-2222-abcdefghijklmnop\n", encoding="utf-8")
    os.chmod(tmp_path / "bot", 0o604)
    os.chmod(tmp_path / "app", 0o600)
    extra = NO_DAEMON + (
        f'[chat.slack]\nbot_token_file = "{tmp_path / "bot"}"\n'
        f'app_token_file = "{tmp_path / "app"}"\n'
    )
    config = with_database(write_config(tmp_path, locale="en", extra=extra))
    said = run(config, "status", "--json", capsys=capsys)
    assert said.out.startswith("{"), said
    found = [w["text"] for w in json.loads(said.out)["warnings"] if w["code"] == CREDENTIALS]
    assert len(found) == 1 and "[chat.slack.bot_token_file]" in found[0], found


def test_every_file_that_holds_a_chat_or_action_credential_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A Teams Workflows URL and a Slack-format webhook's carry their own signature:
    whoever reads one posts as the team's notices. A webhook action's secret_file signs
    what the team's automation trusts: whoever reads it starts that automation. Each
    is warned of as the Slack tokens are, by ``status`` and once at the daemon's start."""
    files = {
        "teams.url": ("https://prod.example.test/workflows/1?sig=abc\n", "[chat.teams.url_file]"),
        "hook.url": ("https://chat.example.test/hooks/abcdef\n", "[chat.webhook.url_file]"),
        "hook.secret": ("3f9c0e7a51d24b86a0c7e5f1d93b284c6e0a7f15\n", "account"),
    }
    for name, (text, _key) in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        os.chmod(tmp_path / name, 0o644)
    action = "type: webhook\nurl: https://automation.example.test/h\nsecret_file: hook.secret"
    (tmp_path / "catalog.yaml").write_text(catalog_text(action), encoding="utf-8")
    extra = (
        NO_DAEMON
        + members_toml(MEMBERS)
        + (
            f'[catalog]\npath = "{tmp_path / "catalog.yaml"}"\n'
            f'[chat.teams]\nurl_file = "{tmp_path / "teams.url"}"\n'
            f'[chat.webhook]\nurl_file = "{tmp_path / "hook.url"}"\n'
        )
    )
    config = with_database(write_config(tmp_path, locale="en", extra=extra))
    said = run(config, "status", "--json", capsys=capsys)
    assert said.out.startswith("{"), said
    found = [w["text"] for w in json.loads(said.out)["warnings"] if w["code"] == CREDENTIALS]
    assert len(found) == 3, found
    for name, (_text, key) in files.items():
        [warned] = [text for text in found if str(tmp_path / name) in text]
        assert key in warned and f"chmod 600 {tmp_path / name}" in warned
    with caplog.at_level(logging.WARNING, logger="gateway"):
        warn_at_start(load_settings(config))
    logged = [r.getMessage() for r in caplog.records if "chmod 600" in r.getMessage()]
    assert sorted(logged) == sorted(found)  # the daemon says the same, once each
