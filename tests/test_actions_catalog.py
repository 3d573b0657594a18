"""``action:`` on catalog entries: what ``catalog check`` finds, each with its line, and
the packaged example whose ``account`` action must resolve in a checkout and a wheel."""

from __future__ import annotations

import os
import stat
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.catalog.action_reader import Where
from gateway.catalog.load import check_catalog, load_catalog, parse_catalog, where_of
from gateway.core.errors import CatalogError, Problem
from gateway.core.resources import examples_dir
from tests.support.actions import catalog_text
from tests.support.app import MEMBERS
from tests.support.catalogs import EXAMPLE
from tests.support.cli import run
from tests.support.config import members_toml, write_config


def problems(text: str, where: Where | None = None) -> list[tuple[int, str]]:
    try:
        parse_catalog(text, MEMBERS, where=where)
    except CatalogError as exc:
        return [(p.line, str(p.message)) for p in exc.problems]
    return []


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_webhook_and_a_command_action_are_read(tmp_path: Path) -> None:
    secret = tmp_path / "hook.secret"
    secret.write_text("s3cret-0123456789abcdef\n")
    text = catalog_text(
        """
        type: webhook
        url: https://automation.example.test/hooks/account
        secret_file: hook.secret
        when: approved
        timeout: 45s
        retries: 5
        on_success: {state: pending}
        on_failure: {notify: manager}
        """
    )
    entry = parse_catalog(text, MEMBERS, where=Where(tmp_path)).entry("account")
    assert entry is not None and entry.action is not None
    action = entry.action
    assert (action.type, action.when, action.url) == (
        "webhook",
        "approved",
        "https://automation.example.test/hooks/account",
    )
    assert action.secret_file == secret and action.timeout == timedelta(seconds=45)
    assert (action.retries, action.success_state, action.failure_notify) == (
        5,
        "pending",
        "manager",
    )

    command = parse_catalog(
        catalog_text(f"type: command\nargv: [{sys.executable}, -c, 'print(1)']"),
        MEMBERS,
        where=Where(tmp_path),
    ).entry("account")
    assert command is not None and command.action is not None
    assert command.action.argv == (sys.executable, "-c", "print(1)")
    assert command.action.workdir == tmp_path  # commands run in the catalog's folder
    assert (command.action.when, command.action.retries) == ("fields_complete", 3)


@pytest.mark.parametrize(
    ("action", "needle", "expected"),
    [
        ("type: command\nargv: [/bin/true]\nshell: yes", "shell: yes", "unknown key 'shell'"),
        ("type: webhook\nsecret_file: x", "type: webhook", "needs a 'url'"),
        ("type: command", "type: command", "needs 'argv'"),
        ("type: ftp\nurl: x", "type: ftp", "type must be one of webhook, command"),
        ("argv: [/bin/true]", "argv: [/bin/true]", "needs 'type'"),
        ("type: command\nargv: /bin/true", "argv: /bin/true", "argv must be a list"),
        (  # no program's argument can carry a NUL (the run raised "embedded null byte")
            'type: command\nargv: [/bin/echo, "a\\0b"]',
            "argv: [/bin/echo",
            "a NUL character",
        ),
        (  # nor a lone surrogate, which no file-system encoding can write
            'type: command\nargv: [/bin/echo, "\\ud800x"]',
            "argv: [/bin/echo",
            "a lone surrogate",
        ),
        (
            "type: command\nargv: [/bin/true]\nurl: https://x.test/",
            "url: https",
            "'url' belongs to a webhook",
        ),
        (
            "type: webhook\nurl: http://automation.example.test/h\nsecret_file: x",
            "url: http://",
            "use https",
        ),
        (  # the cloud's metadata service: never called (gateway.actions.dial.LinkLocal)
            "type: webhook\nurl: https://169.254.169.254/latest/\nsecret_file: x",
            "url: https://169",
            "a link-local address",
        ),
        (
            "type: webhook\nurl: https://[fe80::1]/hook\nsecret_file: x",
            "url: https://[fe80",
            "a link-local address",
        ),
        (  # 169.254.169.254 written as IPv6: the same address to a dual-stack socket
            "type: webhook\nurl: https://[::ffff:169.254.169.254]/latest/\nsecret_file: x",
            "url: https://[::ffff",
            "a link-local address",
        ),
        (
            "type: webhook\nurl: https://user:pw@automation.example.test/\nsecret_file: x",
            "url: https://user",
            "no credentials in the URL",
        ),
        ("type: webhook\nurl: https://a.test/", "type: webhook", "needs a 'secret_file'"),
        ("type: command\nargv: [/bin/true]\nwhen: soon", "when: soon", "when must be one of"),
        ("type: command\nargv: [/bin/true]\ntimeout: 2h", "timeout: 2h", "at most 1h"),
        ("type: command\nargv: [/bin/true]\ntimeout: soon", "timeout: soon", "not a duration"),
        ("type: command\nargv: [/bin/true]\nretries: 11", "retries: 11", "from 0 to 10"),
        (
            "type: command\nargv: [/bin/true]\non_success: {state: new}",
            "on_success",
            "on_success.state must be one of open, pending, closed",
        ),
        (
            "type: command\nargv: [/bin/true]\non_success: {mail: x}",
            "on_success",
            "unknown key 'mail' in on_success",
        ),
        (
            "type: command\nargv: [/bin/true]\non_failure: {notify: everyone}",
            "on_failure",
            "must be assignee or manager",
        ),
        (
            "type: command\nargv: [/bin/true]\non_success: {reply: Account-Created}",
            "on_success",
            "lower-case letters",
        ),
    ],
)
def test_each_problem_is_named_on_its_line(action: str, needle: str, expected: str) -> None:
    text = catalog_text(action)
    found = problems(text)
    assert any(line == line_of(text, needle) and expected in msg for line, msg in found), found


def test_plain_http_is_allowed_to_this_machine_only() -> None:
    for url in ("http://127.0.0.1:8080/h", "http://localhost/h", "http://[::1]:9/h"):
        assert problems(catalog_text(f"type: webhook\nurl: '{url}'\nsecret_file: s")) == []


def test_approval_needs_a_manager_on_the_entry() -> None:
    text = catalog_text("type: command\nargv: [/bin/true]\nwhen: approved").replace(
        "    manager: boss@example.test\n    fields:", "    fields:"
    )
    assert problems(text) == [
        (
            line_of(text, "when: approved"),
            "'when: approved' needs a 'manager' on the entry to approve",
        )
    ]


def test_files_an_action_names_are_checked_where_the_catalog_lives(tmp_path: Path) -> None:
    (tmp_path / "plain.txt").write_text("not a program")
    text = catalog_text(
        """
        type: command
        argv: [./missing-script, --flag]
        """
    )
    assert problems(text, Where(tmp_path)) == [
        (line_of(text, "argv:"), f"no such program: {tmp_path / 'missing-script'}")
    ]
    assert problems(text) == []  # without a folder (text only), no file is looked at
    not_exec = text.replace("./missing-script", "./plain.txt")
    [(line, message)] = problems(not_exec, Where(tmp_path))
    assert line == line_of(not_exec, "argv:") and message.startswith("not executable")
    (tmp_path / "scripts").mkdir()  # a folder is no program: said as one, not "no such"
    folder = text.replace("./missing-script", "./scripts")
    [(line, message)] = problems(folder, Where(tmp_path))
    assert message == f"{tmp_path / 'scripts'} is a folder, not a file", message
    bare = text.replace("./missing-script", "no-such-program-anywhere")
    [(_, message)] = problems(bare, Where(tmp_path))
    assert "not found on /usr/local/bin:/usr/bin:/bin" in message
    assert problems(text.replace("./missing-script", "true"), Where(tmp_path)) == []

    hook = catalog_text("type: webhook\nurl: https://a.test/\nsecret_file: nope.secret")
    [(line, message)] = problems(hook, Where(tmp_path))
    assert line == line_of(hook, "secret_file") and "cannot read secret_file" in message
    (tmp_path / "short.secret").write_text("s3cret\n")
    short = catalog_text("type: webhook\nurl: https://a.test/\nsecret_file: short.secret")
    [(line, message)] = problems(short, Where(tmp_path))
    assert line == line_of(short, "secret_file") and "must be ≥ 16 bytes" in message


def test_a_reply_template_must_exist_in_every_language(tmp_path: Path) -> None:
    text = catalog_text("type: command\nargv: [true]\non_success: {reply: account_created}")
    line = line_of(text, "on_success")
    [(at, message)] = problems(text, Where(tmp_path))
    assert (at, message) == (
        line,
        "on_success.reply needs the team's templates: set [gateway] templates_dir",
    )
    team = tmp_path / "team"
    (team / "ja").mkdir(parents=True)
    for part in ("subject", "txt"):
        (team / "ja" / f"account_created.{part}.j2").write_text("x")
    [(at, message)] = problems(text, Where(tmp_path, team))
    assert at == line and message == f"no template {team / 'en' / 'account_created.subject.j2'}"
    for part in ("subject", "txt"):
        (team / f"account_created.{part}.j2").write_text("x")  # one file for every language
    assert problems(text, Where(tmp_path, team)) == []


def test_the_cli_names_file_line_and_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = catalog_text("type: webhook\nurl: http://example.test/h\nsecret_file: s")
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    config = write_config(
        tmp_path, extra=f'[catalog]\npath = "catalog.yaml"\n{members_toml(MEMBERS)}'
    )
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    done = run(config, "catalog", "check", capsys=capsys)
    assert done.code == 78  # the configured catalog: the configuration to fix
    assert f"catalog.yaml:{line_of(text, 'url:')}: use https" in done.out
    assert f"catalog.yaml:{line_of(text, 'secret_file:')}: cannot read secret_file" in done.out


def test_problems_are_said_in_the_operators_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "catalog.yaml").write_text(catalog_text("type: command"), encoding="utf-8")
    config = write_config(tmp_path, extra='[catalog]\npath = "catalog.yaml"\n')
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    done = run(config, "catalog", "check", capsys=capsys)
    assert "コマンドの処理には 'argv'" in done.out
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert "a command action needs 'argv'" in run(config, "catalog", "check", capsys=capsys).out


def test_the_packaged_example_runs_its_shipped_script() -> None:
    """The example catalog (what a fresh install uses) names ./account_action.py; it
    resolves against the shipped examples/ folder, is executable, and checks clean."""
    catalog = load_catalog(EXAMPLE, MEMBERS)
    entry = catalog.entry("account")
    assert entry is not None and entry.action is not None
    assert entry.action.argv == ("./account_action.py",)
    assert where_of(EXAMPLE).base == examples_dir()
    script = examples_dir() / "account_action.py"
    assert script.is_file() and os.access(script, os.X_OK)
    assert entry.action.workdir == examples_dir()
    assert check_catalog(EXAMPLE) == [] and check_catalog(EXAMPLE, MEMBERS) == []


def test_a_copied_example_says_where_the_script_is_missing(tmp_path: Path) -> None:
    copy = tmp_path / "catalog.yaml"
    copy.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    [problem] = check_catalog(copy)
    assert isinstance(problem, Problem)
    assert str(problem.message) == f"no such program: {tmp_path / 'account_action.py'}"
    assert problem.line == line_of(copy.read_text(encoding="utf-8"), "argv:")
    (tmp_path / "account_action.py").write_bytes(
        (examples_dir() / "account_action.py").read_bytes()
    )
    (tmp_path / "account_action.py").chmod(stat.S_IRWXU)
    assert check_catalog(copy) == []
