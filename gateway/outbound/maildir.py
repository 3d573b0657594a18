"""The local maildir our mail is written to (``[outbound] maildir``), made ready at start.

A maildir is a folder with ``tmp/``, ``new/`` and ``cur/``; Python's ``mailbox``
creates them only when it creates the folder itself, so a folder someone made
in advance (``install -d var/outbound``) would fail every mail forever. So the
daemon prepares the folder once before it starts, and the transport again
before its first mail (a folder removed while running comes back):

* missing: created, with its parents (the parents with the usual mode);
* an empty folder (dot-files such as ``.gitkeep`` do not count): ``tmp/``,
  ``new/`` and ``cur/`` are added;
* a maildir missing one of them: the missing ones are added;
* anything else is refused, so a mistyped path never fills someone's folder:
  a file, a folder with other things in it, a folder we cannot write.

What we create is private, ``0700``, whatever the umask: the mails in it are
the team's answers to its customers. A folder that existed keeps its mode.

Each mail is written as the maildir protocol says (:func:`deliver`): a new file
in ``tmp/``, created ``0600`` (never ``0666 & ~umask`` first and narrowed later,
as Python's ``mailbox`` does: under ``umask 000`` that left every mail readable
by all for a moment, and for good after a crash in between), written, synced,
then linked into ``new/`` under the same unique name.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from gateway.config.settings import Settings
from gateway.core.errors import ConfigError
from gateway.core.folders import private_folder, sync_folder
from gateway.core.i18n import N_, Msg
from gateway.core.os_errors import os_error

SUBDIRS = ("tmp", "new", "cur")
PRIVATE = 0o700
PRIVATE_FILE = 0o600  # each mail, whatever the umask


class MaildirUnusable(Exception):
    """The folder cannot be our outbound maildir; ``message`` says why, for people."""

    def __init__(self, message: Msg) -> None:
        super().__init__(str(message))
        self.message = message


def prepare_configured(settings: Settings) -> None:
    """At start, with ``[outbound] mode = "maildir"``: the folder ready, or a
    ConfigError that names the key and the config file."""
    if settings.outbound.mode != "maildir":
        return
    try:
        prepare(settings.outbound.maildir)
    except MaildirUnusable as exc:
        raise ConfigError(settings.source, "outbound.maildir", exc.message) from None


def prepare(path: Path) -> None:
    """Make ``path`` a maildir we can write to, or raise MaildirUnusable saying why."""
    try:
        _prepare(path)
    except OSError as exc:
        raise MaildirUnusable(
            N_("cannot use {path} as a maildir: {error}", path=str(path), error=_why(exc))
        ) from None


def _prepare(path: Path) -> None:
    if not path.exists() and not path.is_symlink():
        private_folder(path.parent)
        _private_dir(path)
    if not path.is_dir():
        raise MaildirUnusable(N_("{path} is not a folder", path=str(path)))
    present = {name for name in SUBDIRS if (path / name).is_dir()}
    if not present:
        others = sorted(p.name for p in path.iterdir() if not p.name.startswith("."))
        if others:
            raise MaildirUnusable(
                N_(
                    "{path} is not empty and not a maildir (it has {names}): "
                    "name an empty folder or a maildir",
                    path=str(path),
                    names=", ".join(others[:3]) + (", …" if len(others) > 3 else ""),
                )
            )
    for name in SUBDIRS:
        if name not in present:
            if (path / name).exists():
                raise MaildirUnusable(N_("{path} is not a folder", path=str(path / name)))
            _private_dir(path / name)
    _probe(path / "tmp")


def _private_dir(path: Path) -> None:
    try:
        path.mkdir(mode=PRIVATE)
    except FileExistsError:  # made by someone else meanwhile: theirs, as it is
        return
    os.chmod(path, PRIVATE)  # the umask may have taken bits away


def _probe(folder: Path) -> None:
    """Write and remove a file where each mail starts: proof we may write here."""
    probe = folder / f".ticket-gateway-probe-{os.getpid()}-{os.urandom(4).hex()}"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    os.close(fd)
    probe.unlink()


def unique_name(when: datetime, tag: int) -> str:
    """A name no other mail of any writer has: ``time.M<µs>P<pid>Q<tag>R<random>.host``
    (the maildir convention; ``tag`` is ours, the outbox row)."""
    host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
    seconds = int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())  # naive: UTC
    return f"{seconds}.M{when.microsecond}P{os.getpid()}Q{tag}R{os.urandom(8).hex()}.{host}"


def deliver(path: Path, raw: bytes, name: str) -> None:
    """Write ``raw`` into the maildir at ``path`` as ``new/<name>``, private from the
    moment it exists and whole when it appears there. Raises OSError."""
    draft = path / "tmp" / name
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(draft, flags, PRIVATE_FILE)
    try:
        try:
            os.fchmod(fd, PRIVATE_FILE)  # a umask such as 0277 took our write bit away
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.link(draft, path / "new" / name)  # never over another mail, unlike rename
    finally:
        draft.unlink(missing_ok=True)
    sync_folder(path / "new")


def _why(exc: OSError) -> Msg:
    return os_error(exc)
