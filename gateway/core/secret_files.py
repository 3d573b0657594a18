"""A secret read from a file as the person who saved it meant it.

Windows Notepad (and editors asked for "UTF-8 with BOM") start a file with a UTF-8
byte-order mark, invisible in every editor. Kept, it was three bytes of the password,
token or key, and the server refused the login with no hint why. A leading one is
never part of a secret: every ``*_file`` secret is read through here.
"""

from __future__ import annotations

from codecs import BOM_UTF8
from pathlib import Path


def secret_bytes(path: Path) -> bytes:
    """The file's bytes without a leading UTF-8 byte-order mark. Raises OSError."""
    return path.read_bytes().removeprefix(BOM_UTF8)


def secret_text(path: Path) -> str:
    """The file as UTF-8 text without a leading byte-order mark. Raises OSError and
    UnicodeDecodeError."""
    return secret_bytes(path).decode("utf-8")
