"""``[outbound] maildir``: an existing empty folder becomes a maildir (private, whatever
the umask), a missing one is created, and a folder that cannot be used stops the
daemon at start with the key and the file named, instead of failing every mail."""

from __future__ import annotations

import mailbox
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.outbound.maildir import MaildirUnusable, prepare
from gateway.outbound.sender import Sender
from gateway.outbound.transport import MaildirTransport, RelayDown
from gateway.runtime.app import App
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver

SUBDIRS = ("tmp", "new", "cur")


@pytest.fixture(params=[0o022, 0o077, 0o277, 0o000], ids=lambda m: f"umask{m:03o}")
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_empty_folder_gets_tmp_new_cur_private_whatever_the_umask(
    tmp_path: Path, umask: int
) -> None:
    folder = tmp_path / "outbound"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    (folder / ".gitkeep").write_text("")  # a dot-file does not make it "not empty"
    prepare(folder)
    for name in SUBDIRS:
        assert (folder / name).is_dir() and _mode(folder / name) == 0o700
    assert _mode(folder) == 0o755  # the operator's own folder keeps its mode
    assert sorted(p.name for p in (folder / "tmp").iterdir()) == []  # the probe is gone
    prepare(folder)  # again: nothing to do, nothing wrong


def test_a_missing_folder_is_created_private_with_its_parents(tmp_path: Path, umask: int) -> None:
    folder = tmp_path / "var" / "mail" / "outbound"
    prepare(folder)
    assert _mode(folder) == 0o700 and all(_mode(folder / n) == 0o700 for n in SUBDIRS)


def test_a_maildir_missing_tmp_is_completed(tmp_path: Path) -> None:
    folder = tmp_path / "outbound"
    for name in ("new", "cur"):
        (folder / name).mkdir(parents=True)
    (folder / "new" / "1.eml").write_bytes(b"Subject: kept\n\nx\n")
    prepare(folder)
    assert (folder / "tmp").is_dir() and (folder / "new" / "1.eml").exists()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.write_text("a file"), "is not a folder"),
        (
            lambda p: (p.mkdir(), (p / "notes.txt").write_text("x")),
            "is not empty and not a maildir",
        ),
        (
            lambda p: (
                [(p / n).mkdir(parents=True) for n in ("new", "cur")]
                + [(p / "tmp").write_text("x")]
            ),
            "tmp is not a folder",
        ),
    ],
    ids=["a-file", "someone-elses-folder", "tmp-is-a-file"],
)
def test_a_folder_that_cannot_be_used_is_refused_and_left_alone(
    tmp_path: Path, make: object, words: str
) -> None:
    folder = tmp_path / "outbound"
    make(folder)  # type: ignore[operator]
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    with pytest.raises(MaildirUnusable) as caught:
        prepare(folder)
    assert words in str(caught.value) and str(folder) in str(caught.value)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_a_folder_we_cannot_write_is_refused(tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes anywhere a mode allows nobody; /proc refuses everyone
        folder = Path("/proc/ticket-gateway-test/outbound")
    else:
        parent = tmp_path / "locked"
        parent.mkdir()
        os.chmod(parent, 0o500)
        folder = parent / "outbound"
    with pytest.raises(MaildirUnusable) as caught:
        prepare(folder)
    assert str(caught.value).startswith(f"cannot use {folder} as a maildir: ")


def test_the_sender_delivers_into_an_existing_empty_folder(
    app: App, settings: Settings, tmp_path: Path
) -> None:
    """The issue's case: before, every mail failed with "No such file or directory"."""
    folder = tmp_path / "outbound-empty"
    folder.mkdir()
    deliver(app, mail(subject="Printer jam"))  # queues the acknowledgement
    local = replace(settings.outbound, mode="maildir", maildir=folder)
    report = Sender(local, app.clock, app.sessions, lambda: MaildirTransport(folder)).drain()
    assert report.sent and not report.retried
    assert len(mailbox.Maildir(str(folder), factory=None, create=False)) == len(report.sent)


def test_the_transport_reports_an_unusable_folder_as_relay_down(tmp_path: Path) -> None:
    folder = tmp_path / "outbound"
    folder.write_text("a file")
    with pytest.raises(RelayDown, match=r"\[outbound\] maildir: .* is not a folder"):
        MaildirTransport(folder).send(None)  # type: ignore[arg-type]


def test_the_daemon_does_not_start_on_an_unusable_maildir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "README").write_text("not ours")
    config = write_config(
        tmp_path, secret_file=True, extra='[outbound]\nmode = "maildir"\nmaildir = "out"\n'
    )
    ran = run(config, "run", capsys=capsys)
    assert ran.code == 78
    assert "[outbound.maildir]" in ran.err and str(config) in ran.err
    assert "is not empty and not a maildir (it has README)" in ran.err


# What the audit hook saw while it watched: (event, path, mode of the file then).
_SEEN: list[tuple[str, str, int]] | None = None


def _watch(event: str, args: tuple[object, ...]) -> None:
    """Python's audit events (no patching): at each link, rename or chmod of a file,
    the mode it had at that moment, i.e. while it already had a name in the maildir."""
    if _SEEN is None or event not in ("os.link", "os.rename", "os.replace", "os.chmod"):
        return
    target = args[0]
    if isinstance(target, int | str | bytes | os.PathLike):
        with suppress(OSError):  # gone already: nothing to see
            _SEEN.append((event, str(target), _mode_of(target)))


def _mode_of(target: object) -> int:
    return stat.S_IMODE(os.stat(target).st_mode)  # type: ignore[arg-type]


sys.addaudithook(_watch)


def test_each_mail_is_private_from_the_moment_it_exists(
    app: App, settings: Settings, tmp_path: Path, umask: int
) -> None:
    """mailbox.Maildir.add wrote each mail ``0666 & ~umask`` and it was made 0600 only
    after it was in ``new/``: under ``umask 000`` readable by every local user for a
    moment, and for good had we stopped in between. Every mode the file had while it
    had a name (as tmp/ is linked or renamed into new/, and at any chmod) is 0600."""
    global _SEEN
    folder = tmp_path / "outbound"
    deliver(app, mail(subject="Printer jam"))  # queues the acknowledgement
    local = replace(settings.outbound, mode="maildir", maildir=folder)
    _SEEN = []
    try:
        report = Sender(local, app.clock, app.sessions, lambda: MaildirTransport(folder)).drain()
        seen, _SEEN = _SEEN, None
    finally:
        _SEEN = None
    assert report.sent and not report.retried
    moves = [(event, mode) for event, _, mode in seen if event != "os.chmod"]
    assert moves, "the mail reached new/ through a link or a rename"
    assert [(e, p, oct(m)) for e, p, m in seen if m & 0o077] == []
    [written] = list((folder / "new").iterdir())
    assert _mode(written) == 0o600 and list((folder / "tmp").iterdir()) == []
    assert mailbox.Maildir(str(folder), factory=None, create=False)[written.name].get_payload()
