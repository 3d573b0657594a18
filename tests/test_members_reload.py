"""A reload (SIGHUP, ``systemctl reload``) takes the catalog, not the team: ``[[members]]``
is read at the daemon's start, where a leaver's queued mail is taken back and their
sessions end. An operator who edits ``[[members]]`` and reloads, as they reload for the
catalog, must read in the log that the team they wrote is not the one at work, who
joined, left or changed, and that a restart takes it; a daemon without Slack used to say
nothing at all, and the leaver went on working tickets by reply.

The real daemon in a process of its own: SIGHUP is a signal to the process."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from gateway.config.load import load_settings
from gateway.config.team_changes import team_changes
from gateway.runtime import daemon
from tests.support.app import MEMBERS
from tests.support.config import SECRET_ENV, members_toml, write_config
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

JOINER = '[[members]]\nemail = "new@example.test"\nname = "New"\nrole = "ops"\n'


def test_team_changes_name_who_joined_left_and_changed(tmp_path: Path) -> None:
    before = write_config(tmp_path, extra=members_toml(MEMBERS))
    running = load_settings(before)
    renamed = members_toml(MEMBERS[:1]).replace("Ops One", "Ops Uno")
    after = write_config(tmp_path, extra=renamed + members_toml(MEMBERS[2:]) + JOINER)
    change = team_changes(running, load_settings(after))
    assert change.joined == ("new@example.test",)
    assert change.left == ("ops2@example.test",)
    assert change.changed == ("ops@example.test",)
    assert change
    # an address written in other capitals is the same member, no change
    same = write_config(tmp_path, extra=members_toml(MEMBERS).replace("ops@", "OPS@"))
    assert not team_changes(running, load_settings(same))


def test_sighup_after_a_members_edit_says_a_restart_is_needed(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en", extra=members_toml(MEMBERS))
    env = clean_env(**SECRET_ENV)
    log = tmp_path / "daemon.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [console_script(), "--config", str(config), "run"], env=env, stderr=sink
        )
        try:
            wait_for_port(port, proc)
            proc.send_signal(signal.SIGHUP)  # nothing changed: nothing said of the team
            assert eventually(lambda: b"catalog unchanged" in log.read_bytes()), log.read_text()
            assert b"[[members]]" not in log.read_bytes()
            # ops2 leaves, a newcomer joins
            edited = members_toml(MEMBERS[:1] + MEMBERS[2:]) + JOINER
            write_config(tmp_path, port=port, locale="en", extra=edited)
            proc.send_signal(signal.SIGHUP)
            said = b"restart the daemon"
            assert eventually(lambda: said in log.read_bytes(), PATIENCE), log.read_text()
            line = next(x for x in log.read_text().splitlines() if "restart the daemon" in x)
            assert "[[members]]" in line
            assert "joined: new@example.test" in line
            assert "left: ops2@example.test" in line
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
        finally:
            proc.kill()
            proc.wait()
