"""What an action said past ``[actions] output_limit`` is not kept: the run keeps how
much was cut as a count beside the text (``output_cut``), never a sentence inside it,
and the failure mail says it in its reader's language; a command's output and a
webhook's answer alike."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.actions import action_app, argv_yaml, drain, runs
from tests.support.databases import sqlite_only
from tests.support.hooks import HookServer
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, text_of

LIMIT = 4096  # tests.support.actions.FAST


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("notify", "reader", "said", "unsaid"),
    [
        # the mail shows the first 2000 characters: the rest of the 10000 is said
        ("assignee", "ops@example.test", "[… and 8000 more bytes]", "バイト"),
        ("manager", "boss@example.test", "8000 バイト", "more bytes"),
    ],
)
def test_a_commands_cut_output_is_counted_and_said_in_the_readers_language(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    notify: str,
    reader: str,
    said: str,
    unsaid: str,
) -> None:
    code = "import sys; sys.stdout.write('x' * 10_000); sys.exit(2)"
    argv = [sys.executable, "-c", code]
    action = f"type: command\nargv: {argv_yaml(argv)}\nretries: 0\non_failure: {{notify: {notify}}}"
    app = action_app(settings, clock, tmp_path, action)
    try:
        deliver(app, mail(subject="account", body="User ID: taro\n"))
        [done] = drain(app)
        assert done.step == Step.FAILED
        [run] = runs(app)
        assert run["output"] == "x" * LIMIT  # what it said, and nothing of ours in it
        assert run["output_cut"] == 10_000 - LIMIT
        [told] = outbox(app, "action_failed")
        assert told.recipients == [reader]
        text = text_of(told)
        assert said in text and unsaid not in text, text
    finally:
        app.close()


def test_a_webhooks_cut_answer_is_counted_too(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    hooks.reply = {"log": "y" * 10_000}
    (tmp_path / "hook.secret").write_bytes(b"hook-secret-0123456789-abcdefgh\n")
    action = f"type: webhook\nurl: {hooks.url()}\nsecret_file: hook.secret\n"
    app = action_app(settings, clock, tmp_path, action)
    try:
        deliver(app, mail(subject="account", body="User ID: taro\n"))
        [done] = drain(app)
        assert done.step == Step.SUCCEEDED
        [run] = runs(app)
        assert len(run["output"]) == LIMIT and "not kept" not in run["output"]
        assert run["output_cut"] == len('{"log": ""}') + 10_000 - LIMIT
    finally:
        app.close()


@sqlite_only  # what a program prints does not depend on the database
@pytest.mark.parametrize(
    ("printed", "more"),
    [
        ("作成できませんでした\n", 0),  # print(): every program's output ends in a newline
        ("line one\r\nline two\r\n", 0),  # a Windows tool's line ends
        ("done\n\n\n", 0),
        ("".join(f"line {n}\n" for n in range(1, 16)), len("line 11\n") * 5),  # 5 not shown
    ],
)
def test_the_failure_mail_counts_only_what_it_does_not_show(
    settings: Settings, clock: FakeClock, tmp_path: Path, printed: str, more: int
) -> None:
    """The mail shows the first lines of what the program said, joined anew: a last
    newline (or a CRLF read as one line end) was counted as a byte left out, and every
    failure mail said "[… and 1 more byte]" of an output it showed whole."""
    code = f"import sys; sys.stdout.buffer.write({printed.encode()!r}); sys.exit(2)"
    argv = [sys.executable, "-c", code]
    action = f"type: command\nargv: {argv_yaml(argv)}\nretries: 0\non_failure: {{notify: assignee}}"
    app = action_app(settings, clock, tmp_path, action)
    try:
        deliver(app, mail(subject="account", body="User ID: taro\n"))
        [done] = drain(app)
        assert done.step == Step.FAILED
        [told] = outbox(app, "action_failed")
        text = text_of(told)
        assert printed.splitlines()[0] in text
        if more:
            assert f"[… and {more} more bytes]" in text, text
        else:
            assert "more byte" not in text, text
    finally:
        app.close()
