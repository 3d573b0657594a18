"""The daemon serves the pages: configured in ``[web]``, on in the built-in defaults,
stopped with the daemon, counted in ``status``."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.errors import ConfigError
from gateway.runtime.cli import main as cli
from tests.support.app import MEMBERS
from tests.support.config import config_error, load_toml, members_toml, write_config
from tests.support.daemon import daemon_thread
from tests.support.ports import free_port, port_open


def test_built_in_defaults_turn_the_pages_on_and_a_config_file_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    defaults = load_settings(None).web
    assert (defaults.enabled, defaults.host, defaults.port) == (True, "127.0.0.1", 8080)
    assert defaults.base_url == "http://127.0.0.1:8080" and not defaults.secure
    assert not load_toml(tmp_path, '[gateway]\ndata_dir = "var"').web.enabled


def test_the_web_section_is_read_and_checked(tmp_path: Path) -> None:
    web = load_toml(
        tmp_path,
        '[gateway]\ndata_dir = "var"',
        '[web]\nport = 8181\nbase_url = "https://help.example.test/"\nmax_upload_size = "2MB"',
    ).web
    assert web.enabled and web.port == 8181 and web.max_upload_size == 2_000_000
    assert web.base_url == "https://help.example.test" and web.secure
    bad = config_error(tmp_path, '[web]\nbase_url = "javascript:alert(1)"')
    assert bad.key == "web.base_url"
    assert config_error(tmp_path, "[web]\nport = 70000").key == "web.port"
    assert config_error(tmp_path, "[web]\nfoo = 1").key == "web.foo"
    assert isinstance(bad, ConfigError)


def test_a_base_url_under_a_path_is_refused_naming_the_root(tmp_path: Path) -> None:
    """The pages' links and forms are root paths (/board, /sign-in/…): under
    https://intra.example/helpdesk the mailed sign-in link opened its button page and the
    button posted to https://intra.example/sign-in/… outside the prefix. So a base_url
    with a path is a configuration error that says what to write instead."""
    prefixed = config_error(tmp_path, '[web]\nbase_url = "https://intra.example/helpdesk/"')
    assert prefixed.key == "web.base_url"
    assert "'https://intra.example'" in str(prefixed.message), prefixed.message
    assert "helpdesk" in str(prefixed.message)
    root = load_toml(tmp_path, '[web]\nbase_url = "http://127.0.0.1:8181/"').web
    assert root.base_url == "http://127.0.0.1:8181"


def test_the_daemon_serves_the_pages_and_status_reports_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    config = write_config(
        tmp_path,
        port=free_port(),
        secret_file=True,
        extra=f"[web]\nport = {port}\n" + members_toml(MEMBERS),
    )
    with daemon_thread(config) as (ready, _stop, _result):
        assert ready.wait(30)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/new/other", timeout=10) as page:
            assert page.status == 200 and 'name="form_token"' in page.read().decode()
        assert cli.main(["--config", str(config), "status", "--json"]) in (0, 1)
        web = json.loads(capsys.readouterr().out)["web"]
        assert web == {
            "enabled": True,
            "base_url": f"http://127.0.0.1:{port}",
            "address": f"http://127.0.0.1:{port}/",
            "listening": True,
            "other": False,  # what answers is this gateway's pages (tests/test_status_web.py)
            "silent": False,  # it answered (a hung daemon's port takes, then says nothing)
        }
    assert not port_open(port)  # stopped with the daemon
