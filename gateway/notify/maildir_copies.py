"""The outbound maildir's copies of given outbox rows, found and removed (a person's
erasure, ``requesters forget``: :mod:`gateway.tickets.erasure` names the rows).

Each mail the sender writes there is named ``…Q<outbox id>R…``
(:func:`gateway.outbound.maildir.unique_name`),
in ``tmp/`` while it is written, in ``new/`` until a reader takes it, in ``cur/`` once
one has (with ``:2,…`` flags after the name). A file is taken for a row's copy only when
its name carries the row's id *and* its Message-ID is the row's: another database's
gateway writing to the same folder numbers its rows too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from gateway.core.folders import sync_folder

SUBDIRS = ("tmp", "new", "cur")  # a maildir's folders (the maildir protocol's, as the sender's)
_ROW = re.compile(r"\.M\d+P\d+Q(\d+)R[0-9a-f]+\.")
HEAD_BYTES = 65_536  # a mail's header block is read, never its body


def copies(path: Path, rows: Mapping[int, str]) -> list[Path]:
    """The files in the maildir at ``path`` that are copies of ``rows`` (outbox id →
    Message-ID without brackets), in name order; none when the folder is not there."""
    found: list[Path] = []
    if not rows:
        return found
    for sub in SUBDIRS:
        try:
            names = sorted(os.listdir(path / sub))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in names:
            matched = _ROW.search(name)
            if matched is None or int(matched.group(1)) not in rows:
                continue
            wanted = rows[int(matched.group(1))]
            if _message_id(path / sub / name) == wanted.strip("<>"):
                found.append(path / sub / name)
    return found


def remove(files: list[Path]) -> int:
    """Unlink ``files`` (one gone meanwhile counts as removed by someone else, not by
    us), then sync their folders so a power cut does not bring them back; how many went."""
    removed = 0
    for f in files:
        try:
            f.unlink()
            removed += 1
        except FileNotFoundError:
            continue
    for folder in sorted({f.parent for f in files}):
        sync_folder(folder)
    return removed


def _message_id(file: Path) -> str | None:
    try:
        fd = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:  # a link, or gone meanwhile: not a copy we wrote
        return None
    with os.fdopen(fd, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    value = BytesHeaderParser(policy=compat32).parsebytes(block + b"\n\n").get("Message-ID")
    return None if value is None else str(value).strip().strip("<>")
