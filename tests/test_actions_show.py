"""``ticket-gateway actions show RUN``: one run whole, as Zammad's trigger log or RT's
scrip log shows a delivery. There was none: an ops member asking why run #1 failed and
what was sent put it together from ``actions list`` (the last error) and ``tickets
show`` (the events). It shows the request as every attempt sends it (the exact body,
the headers; the URL's token masked), each attempt (status, duration, delivery id,
error, next try), the answer, in the reader's language; ``--json`` for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.catalog.model import Action
from gateway.runtime.cli.action_show import masked_argv
from tests.support.actions import argv_yaml, catalog_text, script
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import members_toml, with_database, write_config
from tests.support.hooks import ERROR, HookServer
from tests.support.mails import mail
from tests.test_cli_light import HEAVY, heavy_in, imported

SECRET = "s3cr3t-token-value"


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer(answers=[ERROR]).start()
    yield server
    server.stop()


def configured(tmp_path: Path, url: str, locale: str) -> Path:
    (tmp_path / "hook.secret").write_text("0f3a9c1e5b7d2468ace13579bdf02468\n")
    action = f"type: webhook\nurl: {url}\nsecret_file: hook.secret\ntimeout: 30s\nretries: 2\n"
    (tmp_path / "catalog.yaml").write_text(catalog_text(action), encoding="utf-8")
    extra = f'[catalog]\npath = "catalog.yaml"\n{members_toml(MEMBERS)}'
    return with_database(write_config(tmp_path, locale=locale, extra=extra))


def one_failed_try(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "request.eml"
    now = datetime.now(UTC)  # the command line runs on the real clock: a fresh request
    request.write_bytes(mail(subject="account", body="User ID: taro\n", date=now))
    assert run(config, "ingest", str(request), capsys=capsys).code == 0
    assert run(config, "actions", "run", capsys=capsys).code == 0


def test_show_says_the_request_each_attempt_and_the_next_try(
    tmp_path: Path,
    hooks: HookServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    config = configured(tmp_path, hooks.url() + f"?token={SECRET}&team=ops", "en")
    one_failed_try(config, tmp_path, capsys)
    [sent] = hooks.deliveries

    data = json.loads(run(config, "actions", "show", "1", "--json", capsys=capsys).out)
    assert (data["id"], data["state"], data["attempts"], data["last_status"]) == (
        1,
        "pending",
        1,
        500,
    )
    assert data["document"].encode() == sent.body  # byte for byte what was sent
    req = data["request"]
    assert req["method"] == "POST" and SECRET not in json.dumps(data)
    assert req["url"].endswith("?token=…&team=ops"), req["url"]
    assert req["headers"]["Idempotency-Key"] == sent.headers["Idempotency-Key"]
    assert req["headers"]["X-Ticket-Gateway-Signature"] == "sha256=…"
    [attempt] = data["attempt_events"]
    detail = attempt["detail"]
    assert (detail["attempt"], detail["status"]) == (1, 500)
    assert detail["delivery_id"] == sent.headers["X-Ticket-Gateway-Delivery"]
    assert detail["next_attempt_at"] == data["next_attempt_at"]
    assert [e["kind"] for e in data["events"]] == ["action-queued", "action"]

    shown = run(config, "actions", "show", "1", capsys=capsys)
    assert shown.code == 0, shown.err
    out = shown.out
    assert out.startswith("Run #1 of ticket #1: account (webhook)")
    assert "Next try:" in out and "Request (the same on every attempt):" in out
    assert f"POST {req['url']}" in out and SECRET not in out
    assert "attempt 1: waiting to run (pending), status HTTP 500" in out, out
    assert sent.headers["X-Ticket-Gateway-Delivery"] in out
    assert data["document"] in out
    assert "Answer of the last attempt:" in out and "nope" in out  # what the hook answered

    missing = run(config, "actions", "show", "9", capsys=capsys)
    assert missing.code == 69 and "no action run #9" in missing.err


def test_show_speaks_japanese(
    tmp_path: Path,
    hooks: HookServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    config = configured(tmp_path, hooks.url(), "ja")
    one_failed_try(config, tmp_path, capsys)
    out = run(config, "actions", "show", "1", capsys=capsys).out
    assert out.startswith("チケット #1 の実行 #1: account（webhook）"), out
    for words in ("次の試行", "送信内容（毎回同じです）:", "履歴:", "試行 1"):
        assert words in out, (words, out)
    for english in ("Next try", "Request", "History", "attempt 1"):
        assert english not in out, (english, out)


def test_a_commands_credentials_are_masked() -> None:
    action = Action(
        type="command",
        argv=("/usr/local/bin/mkuser", "--api-key=abc123", "--password", "hunter2", "--dry-run"),
    )
    shown = masked_argv(action)
    assert shown == ["/usr/local/bin/mkuser", "--api-key=…", "--password", "…", "--dry-run"]


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        # curl's header, as a script calling an API writes it: the credential, not the name
        (("curl", "-H", "Authorization: Bearer abc123"), ["curl", "-H", "Authorization: …"]),
        (("curl", "--header", "X-Api-Key: abc123"), ["curl", "--header", "X-Api-Key: …"]),
        (("curl", "--header=Cookie: sid=abc123"), ["curl", "--header=Cookie: …"]),
        (("curl", "-H", "Accept: text/plain"), ["curl", "-H", "Accept: text/plain"]),
        # an environment set on the command line (env), a name=value argument
        (("env", "API_TOKEN=abc123", "mkuser"), ["env", "API_TOKEN=…", "mkuser"]),
        (("mkuser", "client_secret=abc123"), ["mkuser", "client_secret=…"]),
        (("mkuser", "LANG=C"), ["mkuser", "LANG=C"]),
        # a user and password (curl -u, --user, --proxy-user): the password
        (("curl", "-u", "bob:abc123"), ["curl", "-u", "bob:…"]),
        (("curl", "--user=bob:abc123"), ["curl", "--user=bob:…"]),
    ],
)
def test_a_credential_in_a_header_an_assignment_or_a_user_option_is_masked(
    argv: tuple[str, ...], shown: list[str]
) -> None:
    """``actions show`` is pasted where the catalog is not read (a ticket, a chat): a
    command's argv showed curl's ``-H "Authorization: Bearer …"``, ``env API_TOKEN=…``
    and ``-u bob:password`` whole, though its docstring and the README said its
    credentials were masked."""
    assert masked_argv(Action(type="command", argv=argv)) == shown
    assert not any("abc123" in item for item in shown)


def test_show_reads_without_the_change_machinery(
    tmp_path: Path,
    hooks: HookServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reading command, run from scripts as ``tickets show`` is: it wires only what it
    reads with (tests/test_cli_light.py), not the runner, the tickets service or the
    actions' own machinery."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    config = configured(tmp_path, hooks.url(), "en")
    one_failed_try(config, tmp_path, capsys)
    code, out, modules = imported(config, "actions", "show", "1", "--json")
    assert code == 0 and '"attempt_events"' in out, out
    assert heavy_in(modules, HEAVY) == []


def test_show_of_a_command_run_gives_its_argv_masked_and_its_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    argv = [*script(tmp_path, "fail.py", "import sys\nsys.stdin.read()\nsys.exit(65)\n")]
    argv += ["--api-token=" + SECRET, "--password", SECRET]
    action = f"type: command\nargv: {argv_yaml(argv)}\nretries: 0\n"
    (tmp_path / "catalog.yaml").write_text(catalog_text(action), encoding="utf-8")
    extra = f'[catalog]\npath = "catalog.yaml"\n{members_toml(MEMBERS)}'
    config = with_database(write_config(tmp_path, locale="en", extra=extra))
    one_failed_try(config, tmp_path, capsys)
    data = json.loads(run(config, "actions", "show", "1", "--json", capsys=capsys).out)
    assert data["state"] == "failed" and SECRET not in json.dumps(data)
    req = data["request"]
    assert req["argv"][-3:] == ["--api-token=…", "--password", "…"]
    assert req["stdin"] == data["document"] and req["workdir"] == str(tmp_path)
    assert req["environment"] == {"TICKET_GATEWAY_IDEMPOTENCY_KEY": data["idempotency_key"]}
    out = run(config, "actions", "show", "1", capsys=capsys).out
    assert "Last status: 65" in out and SECRET not in out
    assert "attempt 1: failed, status 65" in out, out
