"""One situation, one exit status, whichever command meets it (sysexits' meanings).

A broken catalog named by the configuration is a configuration error (78) for every
command, ``catalog check`` without a path too: it used to say 65 where ``stats`` and
``ingest`` said 78. A catalog file named on ``catalog check``'s command line is data
given for checking: 65 when it has problems, 66 (``EX_NOINPUT``) when it cannot be read.
A message file that cannot be read is 66 for ``catalog match`` as for ``ingest`` (it
was 69, "service unavailable").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.catalogs import GOOD
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail

EX_DATAERR, EX_NOINPUT, EX_CONFIG = 65, 66, 78

BROKEN = GOOD.replace("resolve: 2d", "resolve: two days")


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A config whose ``[catalog] path`` has a problem, and a message file beside it."""
    (tmp_path / "catalog.yaml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "req.eml").write_bytes(mail("VPN down"))
    return write_config(tmp_path, secret_file=True, extra='[catalog]\npath = "catalog.yaml"\n')


@pytest.mark.parametrize(
    "args",
    [
        ("catalog", "check"),
        ("catalog", "match", "req.eml"),
        ("stats",),
        ("tickets", "list"),
        ("ingest", "req.eml"),
    ],
)
def test_the_configured_catalog_broken_is_78_for_every_command(
    broken: Path, args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    args = tuple(str(broken.parent / a) if a.endswith(".eml") else a for a in args)
    ran = run(broken, *args, capsys=capsys)
    assert ran.code == EX_CONFIG, ran
    assert f"{broken.parent / 'catalog.yaml'}:6: entry 'vpn': sla.resolve" in ran.out + ran.err


def test_the_configured_catalog_missing_is_78_for_check_as_for_stats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, secret_file=True, extra='[catalog]\npath = "gone.yaml"\n')
    for args in (("catalog", "check"), ("stats",)):
        ran = run(config, *args, capsys=capsys)
        assert ran.code == EX_CONFIG, (args, ran)
        assert "gone.yaml" in ran.out + ran.err


def test_a_catalog_named_for_checking_is_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """65 when it has problems, 66 when there is nothing to read; the configured
    catalog (the packaged example here) is not what is checked, so it decides nothing."""
    config = write_config(tmp_path, secret_file=True)
    path = tmp_path / "draft.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    ran = run(config, "catalog", "check", str(path), capsys=capsys)
    assert ran.code == EX_DATAERR, ran
    assert ran.out.startswith(f"{path}:6: ")
    for missing in (tmp_path / "nope.yaml", tmp_path):  # no such file; a folder
        ran = run(config, "catalog", "check", str(missing), capsys=capsys)
        assert ran.code == EX_NOINPUT, (missing, ran)
        assert ran.out.startswith(f"{missing}:0: cannot read: "), ran


@pytest.mark.parametrize("command", ["ingest", "catalog match"])
def test_a_message_file_that_cannot_be_read_is_66(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    config = write_config(tmp_path, secret_file=True, locale="en")
    for missing in (tmp_path / "nope.eml", tmp_path / "folder"):
        (tmp_path / "folder").mkdir(exist_ok=True)
        if command == "ingest" and missing.is_dir():
            continue  # a folder is ingest's to search (an empty one: nothing to do)
        ran = run(config, *command.split(), str(missing), capsys=capsys)
        assert ran.code == EX_NOINPUT, (missing, ran)
        assert "Traceback" not in ran.err
