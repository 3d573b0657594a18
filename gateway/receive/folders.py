"""The files below a folder named to ``ingest``, and a word for each folder not read.

``os.walk`` passed three things over without a word: a Maildir++ subfolder (Dovecot
and Courier keep a mailbox's folders as ``.Name`` maildirs inside it, and a hidden
folder was skipped as ``.git`` is), a link to a folder (it does not follow links),
and a folder it may not list (its ``onerror`` is None). An import of a support mailbox
then said "stored" for the inbox alone and exited 0. Here a link to a folder is
followed, as a link to a file always was, once per folder (a link back up the tree
is a loop, said and not walked); a Maildir++ subfolder is a folder of its own (a
Trash or a Junk among them), named in a line so that it can be named to ``ingest``;
a folder that cannot be listed is said as a file that cannot be read is. A message in
a maildir's ``cur/`` flagged ``T`` (deleted, not yet expunged) is passed over with its
line too: an import brought back every mail the team had deleted, spam among them.

Only the walk happens here: what is in a file is :mod:`.files`' business.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gateway.core.i18n import N_, Msg

# Policy: why a folder found below the one named is not read, each said in its line
MAILDIR_FOLDER = N_(  # a Maildir++ ".Name" folder: a mailbox folder of its own
    "a folder of its own in this maildir (Maildir++); name it to ingest it"
)
ALREADY_READ = N_(  # a link to a folder this walk has read (a loop, or a second link)
    "a link to a folder already read"
)
MARKED_DELETED = N_(  # a maildir message flagged T: deleted, not yet expunged
    "marked deleted in its maildir (flag T); name the file to ingest it"
)
# the reasons that tell to name the input: one named on the command line is read as such
NAME_IT = (MAILDIR_FOLDER, MARKED_DELETED)
# a folder holding tmp/ and one of these is a maildir: a copy that keeps no empty folder
# (git, an object store's sync) has lost the other when it was empty
MAILDIR_MAIL = frozenset({"cur", "new"})
HALF_WRITTEN = "tmp"  # a maildir's messages still being delivered: never read
SEEN = "cur"  # a maildir's messages a reader has seen: their flags follow ":2,"
INFO = ":2,"  # a maildir file name's info part: its flags, "DFPRST" then keywords a-z
TRASHED = "T"  # the flag of a message deleted and not yet expunged (IMAP's \Deleted)


@dataclass(frozen=True, slots=True)
class PassedOver:
    """An input not read (a folder below the one named, a message marked deleted, an
    empty file), and why: said, never silent, and no error."""

    ref: str
    why: Msg


@dataclass(frozen=True, slots=True)
class NotListed:
    """A folder whose entries could not be read (no permission, gone meanwhile)."""

    path: Path
    error: OSError


def folder_files(root: Path) -> Iterator[Path | PassedOver | NotListed]:
    """Every file below ``root`` (links followed, names beginning "." left out), a
    folder's files before its subfolders, each in name order; the folders not read
    in between, where they were found."""
    seen: set[tuple[int, int]] = set()  # (device, inode) of every folder walked
    stack = [(root, False)]  # a folder, and whether it is a maildir's cur/
    while stack:
        here, flagged = stack.pop()
        try:
            found = os.stat(here)
            if (found.st_dev, found.st_ino) in seen:
                yield PassedOver(str(here), ALREADY_READ)
                continue
            seen.add((found.st_dev, found.st_ino))
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            yield NotListed(here, exc)
            continue
        folders = {e.name for e in entries if _is_folder(e)}
        is_maildir = HALF_WRITTEN in folders and not folders.isdisjoint(MAILDIR_MAIL)
        for entry in entries:
            if entry.name.startswith(".") or entry.name in folders:
                continue
            if flagged and _trashed(entry.name):
                yield PassedOver(str(here / entry.name), MARKED_DELETED)
            else:
                yield here / entry.name
        below: list[tuple[Path, bool]] = []
        for name in sorted(folders):
            if name.startswith("."):
                if is_maildir and any(_is_folder_path(here / name / m) for m in MAILDIR_MAIL):
                    yield PassedOver(str(here / name), MAILDIR_FOLDER)
            elif not (is_maildir and name == HALF_WRITTEN):
                below.append((here / name, is_maildir and name == SEEN))
        stack.extend(reversed(below))  # popped in name order, each walked whole


def moved_to_cur(path: Path) -> Path | None:
    """Where a message of a maildir's ``new/`` that is gone went, if a reader moved it
    to ``cur/`` (its name, a flag added: ``1.host:2,S``) after ``new/`` was listed:
    ``cur/`` was listed first, so the run would miss it."""
    if path.parent.name != "new":
        return None
    cur = path.parent.parent / SEEN
    try:
        with os.scandir(cur) as listing:
            return next(
                (cur / e.name for e in listing if e.name.partition(INFO)[0] == path.name),
                None,
            )
    except OSError:
        return None


def _trashed(name: str) -> bool:
    """Whether a maildir file name's flags say the message was deleted."""
    _, info, flags = name.rpartition(INFO)
    return bool(info) and TRASHED in flags


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """A folder, or a link to one (a link that leads nowhere is a file that cannot be
    read, said by the reader)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_folder_path(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False
