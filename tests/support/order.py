"""The order the suite hands its test files to xdist's workers: the slowest first.

The README's command runs ``pytest -n 3`` with ``--dist loadfile`` (pyproject's
addopts): each file goes whole to one worker, so a module's browser, daemon or
terminal is set up once, not once per worker that got some of its tests. Files go
out in collection order, and a worker takes the next when it is nearly done: a slow
file handed out last keeps one worker busy while the others have finished (a full
run once ended on a single 60-second test). So the files measured slowest go
first, and the many quick ones fill the end, where they even the workers out.

The figures are one full run's (``pytest -n 3 --junitxml``, summed per file, on the
2-core machine CI uses); a file not named keeps its place after them, in
collection order. A stale figure costs only some balance, never a test.
"""

from __future__ import annotations

# the slowest files of a full run, slowest first (seconds summed over their tests)
SLOWEST_FIRST = (
    "test_processing_process",  # 109 s: a processing child killed and restarted
    "test_conversation_daemon",  # 96 s: coalescing windows of a running daemon
    "test_sqlite_read_only",  # 96 s: commands as another user, each a process
    "test_daemon",  # 83 s: the daemon's start, signals and reloads
    "test_priority_daemon",  # 82 s: one daemon per scenario
    "test_web_browser_pages",  # 50 s: Chromium
    "test_scheduler_zone_change",  # 49 s
    "test_schema_moved",  # 48 s
    "test_crash",  # 45 s: SIGKILL and SIGTERM during a burst
    "test_merge_daemon",  # 35 s
    "test_chat_slack_outside",  # 34 s
    "test_imap",  # 34 s: Dovecot
    "test_chat_slack",  # 33 s
    "test_scheduler_resume",  # 33 s
    "test_actions_crash",  # 31 s
    "test_parse_pipe",  # 29 s
    "test_drain",  # 27 s
    "test_cli_terminal",  # 27 s: a pseudo-terminal
    "test_cli_output_fails",  # 27 s
    "test_mail_layout",  # 25 s: 590 quick ones
    "test_cli_cannot_create",  # 25 s
    "test_hostile_text",  # 25 s: 643 quick ones
    "test_cli_control_chars",  # 24 s
    "test_chat_members_reload",  # 23 s: one test
    "test_chat_news",  # 23 s
    "test_web_form_input",  # 23 s
    "test_list_active_plans",  # 21 s: 23 000 tickets
    "test_digest_weekday_change",  # 20 s
    "test_intake_untried",  # 20 s
    "test_imap_trouble",  # 20 s
    "test_start_timeout",  # 20 s
)


_PLACE = {name: place for place, name in enumerate(SLOWEST_FIRST)}


def rank(module: str) -> int:
    """Where a test file (its module's last name) goes: its place in the table, or after
    all of them."""
    return _PLACE.get(module, len(SLOWEST_FIRST))
