"""What the tests of refused acknowledgements share: the accounts of the fake server
(tests/support/imap_quirks.py) in each mode, and what they look at afterwards."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import ImapSettings
from gateway.receive.imap import ImapPoller
from gateway.runtime.app import App
from tests.support.imap_quirks import QuirkyImap

OVERQUOTA = "NO [OVERQUOTA] Quota exceeded (mailbox for user is full)"
ACKS = ("UID MOVE", "UID COPY", "UID STORE")
# how each mode is set up: the account's ``after``, and whether the server offers MOVE
MODES = {"move": ("move", True), "copy": ("move", False), "flag": ("flag", True)}


def setup(
    quirky: QuirkyImap, tls_files: tuple[Path, Path], mode: str, **overrides: Any
) -> ImapSettings:
    after, move = MODES[mode]
    quirky.capabilities = "IMAP4rev1 AUTH=PLAIN UIDPLUS" + (" MOVE" if move else "")
    return quirky.account(tls_files[0], after=after, **overrides)


def poller(app: App, account: ImapSettings) -> ImapPoller:
    return ImapPoller(account, app.settings, app.sessions, app.clock)


def acknowledged(quirky: QuirkyImap, account: ImapSettings) -> list[bytes]:
    """The raw messages moved to the processed folder, or flagged processed."""
    if account.after == "flag":
        flagged = [m for m in quirky.messages.values() if account.processed_flag in m.flags]
        return [m.raw for m in flagged]
    return [m.raw for m in quirky.folders.get(account.processed_folder, [])]


def tries_of(quirky: QuirkyImap, uid: int, commands: tuple[str, ...] = ACKS) -> int:
    """How many of ``commands`` (MOVE, COPY or STORE) named ``uid`` alone."""
    return sum(
        1 for c in quirky.commands if c.upper().startswith(commands) and c.split()[2] == str(uid)
    )


def said(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level]


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The poller's warnings and errors."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
