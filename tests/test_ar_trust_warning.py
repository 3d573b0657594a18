"""A warning when Authentication-Results can be believed on no mail from another host.

With ``trusted_authserv_ids`` set, a listener that takes mail from other machines
without a login (``host = "0.0.0.0"``, no ``auth_users_file``) and a
``trusted_networks`` naming only this machine believes the Authentication-Results of
none of that mail (tests/test_smtp_ar_trust.py): either the MTA that writes them is
on another machine and its address belongs in ``trusted_networks``, or the listener
is open wider than it need be. Said by ``status`` (code ``relay_networks_unset``) and
once at the daemon's start.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.relays import relays_unlisted
from gateway.config.settings import Settings
from gateway.runtime.start_warnings import warn_at_start
from tests.support.cli import run
from tests.support.config import with_database, write_config

CODE = "relay_networks_unset"
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
MX = "mx.example.test"


def _settings(settings: Settings, ids: tuple[str, ...] = (MX,), **smtp: object) -> Settings:
    return replace(
        settings,
        gateway=replace(settings.gateway, trusted_authserv_ids=ids),
        smtp=replace(settings.smtp, **smtp),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("smtp", "warned"),
    [
        ({"host": "0.0.0.0"}, True),  # every address, loopback-only trusted_networks
        ({"host": "::"}, True),
        ({"host": "192.0.2.10"}, True),
        ({"host": "mail.example.test"}, True),  # a name: not this machine's loopback
        ({"host": "0.0.0.0", "trusted_networks": ()}, True),
        ({"host": "127.0.0.1"}, False),  # only this machine reaches it
        ({"host": "::1"}, False),
        ({"host": "localhost"}, False),
        ({"host": "/run/gateway/lmtp.sock"}, False),  # a unix socket
        ({"host": "0.0.0.0", "trusted_networks": ("127.0.0.0/8", "10.0.0.5/32")}, False),
        ({"host": "0.0.0.0", "auth_users_file": Path("/etc/users")}, False),  # logins
    ],
)
def test_when_it_is_said(settings: Settings, smtp: dict[str, object], warned: bool) -> None:
    assert (relays_unlisted(_settings(settings, **smtp)) is not None) is warned


def test_nothing_is_said_without_trusted_authserv_ids(settings: Settings) -> None:
    assert relays_unlisted(_settings(settings, ids=(), host="0.0.0.0")) is None


def _site(tmp_path: Path, locale: str) -> Path:
    config = with_database(
        write_config(
            tmp_path,
            locale=locale,
            extra='[health]\ndaemon = false\n[smtp]\nhost = "0.0.0.0"\n',
        )
    )
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[gateway]\n", f'[gateway]\ntrusted_authserv_ids = ["{MX}"]\n', 1),
        encoding="utf-8",
    )
    return config


def test_status_says_it_with_its_code_in_english_for_scripts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    said = run(_site(tmp_path, "ja"), "status", "--json", capsys=capsys)
    [text] = [w["text"] for w in json.loads(said.out)["warnings"] if w["code"] == CODE]
    assert "trusted_networks" in text and "0.0.0.0" in text and MX in text, text
    assert not KANA_OR_KANJI.search(text)


@pytest.mark.parametrize("lang", ["ja_JP.UTF-8", "C.UTF-8"])
def test_status_says_it_to_people_in_their_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    monkeypatch.setenv("LC_ALL", lang)
    said = run(
        _site(tmp_path, lang[:2] if lang.startswith("ja") else "en"), "status", capsys=capsys
    )
    [line] = [line for line in said.out.splitlines() if "trusted_networks" in line]
    assert bool(KANA_OR_KANJI.search(line)) is lang.startswith("ja"), line
    assert ("other machines" in line) is not lang.startswith("ja"), line  # the sentence too


def test_the_daemon_says_it_once_at_start(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(_site(tmp_path, "en"))
    with caplog.at_level(logging.WARNING, logger="gateway.daemon"):
        warn_at_start(settings)
    assert [r for r in caplog.records if "trusted_networks" in r.getMessage()]
