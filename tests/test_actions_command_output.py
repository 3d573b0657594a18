"""What a command action prints reaches the ticket readable, whatever its bytes: a script
of a Japanese office printing Shift_JIS (as an old tool on a CP932 system does), a NUL or
a terminal's escape sequence (which would repaint the terminal of whoever runs
``tickets show``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.actions import action_app, argv_yaml, drain, runs, script
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

REQUEST = mail(subject="account", body="User ID: taro\n")
SAID = "ユーザーIDは既に登録されています"


def command_app(settings: Settings, clock: FakeClock, tmp_path: Path, argv: list[str]) -> App:
    action = (
        f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 5s\nretries: 0\n"
        "on_failure: {notify: assignee}\n"
    )
    return action_app(settings, clock, tmp_path, action)


@pytest.mark.parametrize("codec", ["cp932", "euc_jp"])
def test_japanese_in_a_legacy_charset_is_read_as_japanese(
    settings: Settings, clock: FakeClock, tmp_path: Path, codec: str
) -> None:
    argv = script(
        tmp_path,
        "legacy.py",
        f"""
        import sys
        sys.stdout.buffer.write({SAID!r}.encode({codec!r}) + b"\\n")
        sys.stderr.buffer.write("エラー: 重複".encode({codec!r}) + b"\\n")
        sys.exit(65)
        """,
    )
    app = command_app(settings, clock, tmp_path, argv)
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        [done] = drain(app)
        assert done.step == Step.FAILED
        [run] = runs(app)
        assert SAID in run["output"] and "エラー: 重複" in run["output"]
        [event] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action"]
        assert SAID in event["detail"]["output"]
        [told] = outbox(app, "action_failed")
        assert SAID in text_of(told)
    finally:
        app.close()


def test_nul_and_escape_sequences_never_reach_the_ticket(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """Left out as they are from a mail's text (the same decoding), on both databases."""
    code = "import sys; sys.stdout.buffer.write(b'done\\x00 \\x1b[2J\\x1b]0;owned\\x07ok\\n')"
    app = command_app(settings, clock, tmp_path, [sys.executable, "-c", code])
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        [done] = drain(app)
        assert done.step == Step.SUCCEEDED and done.recorded
        [run] = runs(app)
        assert run["state"] == "succeeded"
        assert "\x00" not in run["output"] and "\x1b" not in run["output"]
        assert "done" in run["output"] and "ok" in run["output"]
        [event] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action"]
        assert "\x00" not in event["detail"]["output"]
    finally:
        app.close()


def test_utf8_cut_at_the_limit_stays_utf8(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The output is kept up to ``output_limit`` bytes (4096 here), which may end inside a
    character: the rest is still read as UTF-8, not as another charset."""
    code = "import sys; sys.stdout.write('あ' * 5000)"  # 3 bytes each: 4096 cuts one
    app = command_app(settings, clock, tmp_path, [sys.executable, "-c", code])
    try:
        deliver(app, REQUEST)
        drain(app)
        [run] = runs(app)
        assert run["output"] == "あ" * 1365  # the 1366th's first byte is not kept
        assert run["output_cut"] == 5000 * 3 - 4095
    finally:
        app.close()


@sqlite_only  # what a program prints does not depend on the database
@pytest.mark.parametrize(
    ("codec", "split"),
    [("utf-8", 2), ("cp932", 1)],  # bytes of it before the cut (more: test_actions_cut_character)
)
def test_a_character_the_limit_splits_is_left_out_not_the_whole_output_misread(
    settings: Settings, clock: FakeClock, tmp_path: Path, codec: str, split: int
) -> None:
    """A long log in English and then Japanese (what a script prints when it fails), cut
    at ``output_limit`` (4096) inside a character: the part of a character made UTF-8
    text read as windows-1252 (``ã‚¨ã``), and Shift_JIS or EUC-JP output from its first
    Japanese line on. The part is left out, and counted with the bytes past the limit."""
    said = SAID.encode(codec)
    width = len("あ".encode(codec))
    size = 4096 - len(said) - (10 * width + split)  # the limit falls inside the 11th あ
    log = b"step ok\n" * (size // 8) + b"x" * (size % 8)
    data = log + said + "あ".encode(codec) * 100
    code = f"import sys; sys.stdout.buffer.write({data!r})"
    app = command_app(settings, clock, tmp_path, [sys.executable, "-c", code])
    try:
        deliver(app, REQUEST)
        [done] = drain(app)
        assert done.step == Step.SUCCEEDED
        [run] = runs(app)
        assert run["output"].endswith(SAID + "あ" * 10), run["output"][-40:]
        assert run["output"].encode(codec) == data[: 4096 - split]
        assert run["output_cut"] == len(data) - (4096 - split)
    finally:
        app.close()


def test_what_a_failing_program_says_on_stderr_is_shown_past_a_long_stdout(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """A script that logs its steps on stdout and says why it stopped on stderr, as most
    do: the mail, the event and the run's row showed the first lines of the steps only
    (ten lines; the row 8000 characters), and the one line that says what went wrong was
    in none of them. A failed program's stderr comes first, its stdout after it."""
    argv = script(
        tmp_path,
        "chatty.py",
        """
        import sys
        for i in range(2000):
            print(f"step {i}: looking up the directory")
        print("エラー: OU sales の上限に達しました", file=sys.stderr)
        sys.exit(1)
        """,
    )
    app = command_app(settings, clock, tmp_path, argv)
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        [done] = drain(app)
        assert done.step == Step.FAILED
        said = "エラー: OU sales の上限に達しました"
        [run] = runs(app)
        assert said in run["output"] and "step 0:" in run["output"]
        [event] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action"]
        assert said in event["detail"]["output"]
        [told] = outbox(app, "action_failed")
        assert said in text_of(told)
    finally:
        app.close()
