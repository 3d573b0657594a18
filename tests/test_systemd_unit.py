"""The shipped unit file is one systemd accepts, and it asks for what the daemon does.

``systemd-analyze verify`` checks every key and that ExecStart is executable, so
it runs on a copy whose ExecStart points at this checkout's console script
instead of /opt/ticket-gateway (which does not exist on a build machine). It
reports bad keys on stderr with exit status 0, so any output fails the test.
Skipped where systemd-analyze is not installed (containers without systemd).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.runtime.cli.common import (
    EX_CANTCREAT,
    EX_CONFIG,
    EX_DATAERR,
    EX_IOERR,
    EX_SOFTWARE,
    EX_TEMPFAIL,
    EX_USAGE,
)
from gateway.runtime.cli.main import main
from gateway.runtime.open_files import CEILING

UNIT = Path(__file__).resolve().parents[1] / "systemd" / "ticket-gateway.service"
INSTALLED = "/opt/ticket-gateway/.venv/bin/ticket-gateway"
USAGE_BY_ARGPARSE = 2  # an unknown option: argparse exits 2, not sysexits' 64


def _keys() -> dict[str, str]:
    lines = UNIT.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_the_unit_is_notify_with_a_watchdog_reload_and_hardening() -> None:
    keys = _keys()
    assert keys["Type"] == "notify" and keys["NotifyAccess"] == "main"
    assert int(keys["WatchdogSec"]) > 0
    # the daemon asks for more with each wait for its database (daemon.START_STEP)
    assert int(keys["TimeoutStartSec"]) > 0
    assert keys["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert keys["User"] == "ticketgw" and keys["StateDirectory"] == "ticket-gateway"
    # the data folder holds every mail and the secret: private, as the gateway makes
    # it elsewhere (systemd would make it 0755 before the daemon runs)
    assert keys["StateDirectoryMode"] == "0700"
    assert keys["Restart"] == "on-failure"
    for hardening in ("ProtectSystem", "PrivateTmp", "NoNewPrivileges", "ProtectHome"):
        assert keys[hardening] in ("yes", "strict")
    assert keys["EnvironmentFile"].startswith("-/etc/ticket-gateway/")
    assert (UNIT.parent / "environment.example").exists()


def test_only_what_needs_a_person_stops_the_restarts() -> None:
    """A crash, a watchdog kill and a temporary failure (75) are restarted; an exit that
    the same start would meet again is not: usage (64, and argparse's own 2: the unit's
    command line was edited), bad data (65), a database file that cannot be made (73:
    its folder, a person fixes it) and a configuration error (78). Restarting those
    every 5 s only buries the one journal line that says what to fix."""
    prevented = {int(code) for code in _keys()["RestartPreventExitStatus"].split()}
    assert prevented == {USAGE_BY_ARGPARSE, EX_USAGE, EX_DATAERR, EX_CANTCREAT, EX_CONFIG}
    assert not prevented & {EX_SOFTWARE, EX_IOERR, EX_TEMPFAIL}
    with pytest.raises(SystemExit) as usage:
        main(["run", "--no-such-option"])
    assert usage.value.code == USAGE_BY_ARGPARSE


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    script = Path(sys.executable).parent / "ticket-gateway"
    if not script.exists():
        pytest.skip("the ticket-gateway console script is not installed")
    copy = tmp_path / UNIT.name
    copy.write_text(
        UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(script)), encoding="utf-8"
    )
    result = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0 and result.stderr == "" and result.stdout == "", result


def test_the_readmes_lmtp_socket_folder_is_one_the_unit_makes_writable() -> None:
    """``ProtectSystem=strict`` leaves /run read-only and nothing made /run/ticket-gateway:
    the README's Postfix LMTP setup (``host = "/run/ticket-gateway/lmtp.sock"``) could
    not bind its socket, and the daemon failed at every start. ``RuntimeDirectory=``
    makes the folder, writable by the daemon, and others may enter it (Postfix's
    ``lmtp`` client runs as ``postfix``)."""
    readme = (UNIT.parents[1] / "README.md").read_text(encoding="utf-8")
    found = re.search(r'host = "/run/([^/"]+)/lmtp\.sock"', readme)
    assert found is not None
    keys = _keys()
    assert keys.get("RuntimeDirectory") == found.group(1)
    assert int(keys.get("RuntimeDirectoryMode", "0755"), 8) & 0o005 == 0o005


def test_the_folders_the_readme_installs_keep_their_mode_when_the_unit_starts() -> None:
    """systemd sets the mode of a ``StateDirectory=`` or ``ConfigurationDirectory=`` at
    every start (``…DirectoryMode=``, 0755 when unset): the README's ``install -d -m 0750
    -g ticketgw /etc/ticket-gateway`` became 0755 at the first start, open to every local
    user. Each folder the README makes, and the one it says is private, has the same
    mode in the unit."""
    readme = (UNIT.parents[1] / "README.md").read_text(encoding="utf-8")
    keys = _keys()
    made = re.search(r"install -d -m (0\d{3}) -g ticketgw /etc/ticket-gateway\b", readme)
    assert made is not None
    assert keys["ConfigurationDirectory"] == "ticket-gateway"
    assert keys.get("ConfigurationDirectoryMode", "0755") == made.group(1)
    private = re.search(r"`/var/lib/ticket-gateway` \(made (0\d{3})\)", readme)
    assert private is not None
    assert keys.get("StateDirectoryMode", "0755") == private.group(1)


def test_the_unit_lets_the_daemon_hold_many_files_and_the_readme_says_so() -> None:
    """Every SMTP session, page connection, IMAP account and SQLite file is a descriptor:
    systemd's default soft limit of 1024 was reached with many clients at once (the
    listener's EMFILE warning). The unit asks for what the daemon raises itself to
    elsewhere, and the README's systemd section says the limit."""
    limit = _keys().get("LimitNOFILE")
    assert limit is not None and int(limit) == CEILING
    readme = (UNIT.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Running under systemd", 1)[1].split("\n## ", 1)[0]
    assert f"LimitNOFILE={limit}" in section
