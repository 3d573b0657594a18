"""A TLS ``ca_file`` or certificate that names a named pipe, a device, a socket or a
folder is said as what it is, in the reader's language, not as "no such file" (which
sends the operator looking for a file that is there). Real FIFOs, real sockets."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.core.i18n import LOCALES, translate
from tests.support.config import config_error

KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,']+[A-Za-z]{2,}){2,}")


@pytest.fixture(params=["named pipe", "character device", "socket", "folder"])
def odd_path(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A path that exists and is no regular file, and what the English calls it."""
    kind: str = request.param
    if kind == "named pipe":
        path = tmp_path / "ca.pem"
        os.mkfifo(path)
        yield path, kind
    elif kind == "character device":
        yield Path("/dev/null"), kind
    elif kind == "socket":
        path = tmp_path / "ca.sock"
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(str(path))
            yield path, kind
    else:
        path = tmp_path / "certs"
        path.mkdir()
        yield path, kind


CASES = [
    ('[outbound]\nmode = "smtp"\nca_file = "{path}"\n', "outbound.ca_file"),
    (
        '[[imap]]\nhost = "imap.example.test"\nusername = "support"\n'
        'password_env = "IMAP_PASSWORD"\nca_file = "{path}"\n',
        "imap[0].ca_file",
    ),
    ('[smtp]\ntls_cert = "{path}"\ntls_key = "{path}"\n', "smtp.tls_cert"),
]


@pytest.mark.parametrize(("section", "key"), CASES)
def test_a_tls_file_that_is_no_file_is_said_as_what_it_is(
    tmp_path: Path, odd_path: tuple[Path, str], section: str, key: str
) -> None:
    path, kind = odd_path
    error = config_error(tmp_path, section.format(path=path))
    assert error.key == key
    said = {loc: translate(error.message, loc) for loc in LOCALES}
    assert kind in said["en"] and "no such file" not in said["en"], said
    assert str(path) in said["ja"]
    rest = said["ja"].replace(str(path), "")
    assert KANA_OR_KANJI.search(rest) and not ENGLISH.search(rest), said
    assert translate(error.message, "ja") != translate(error.message, "en")


def test_a_missing_ca_file_is_still_no_such_file(tmp_path: Path) -> None:
    error = config_error(tmp_path, '[outbound]\nmode = "smtp"\nca_file = "nope.pem"\n')
    assert translate(error.message, "en") == f"no such file: {tmp_path / 'nope.pem'}"
