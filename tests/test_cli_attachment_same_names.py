"""``tickets attachment`` without ``-o`` for a ticket with two files of one name (a
customer sends ``scan.pdf`` twice, a second reply with the corrected ``見積書.xlsx``):
each saves, the later one under its number, and neither overwrites the other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.pipeline import deliver
from tests.support.scheduling import make_app


def _mail(files: list[tuple[str, bytes]]) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Taro <taro@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "scans"
    msg["Message-ID"] = "<scans-1@customer.test>"
    msg["Date"] = "Mon, 02 Mar 2026 09:00:00 +0900"
    msg.set_content("two scans\n")
    for name, data in files:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return bytes(msg)


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> Path:
    return write_config(tmp_path, url=db_url, secret_file=True)


@pytest.fixture
def app(config: Path) -> Iterator[App]:
    application = make_app(load_settings(config), FakeClock(datetime(2026, 3, 2, 1, tzinfo=UTC)))
    yield application
    application.close()


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_the_second_of_two_same_named_files_saves_beside_the_first(
    app: App, config: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [("scan.pdf", b"%PDF first"), ("scan.pdf", b"%PDF second"), ("見積書", b"x")]
    tid = deliver(app, _mail(files)).ticket_id
    assert tid is not None
    said = []
    for n in ("1", "2", "3"):
        ran = run(config, "tickets", "attachment", str(tid), n, capsys=capsys)
        assert ran.code == 0, ran.err
        said.append(ran.out)
    assert "scan (2).pdf" in said[1]
    assert (work / "scan.pdf").read_bytes() == b"%PDF first"
    assert (work / "scan (2).pdf").read_bytes() == b"%PDF second"
    assert (work / "見積書").read_bytes() == b"x"
    # asked again, the same names: an existing file is still never overwritten
    again = run(config, "tickets", "attachment", str(tid), "2", capsys=capsys)
    assert again.code == 73 and "scan (2).pdf" in again.err
    assert (work / "scan (2).pdf").read_bytes() == b"%PDF second"
    # a name given with -o is the one used
    given = run(config, "tickets", "attachment", str(tid), "2", "-o", "b.pdf", capsys=capsys)
    assert given.code == 0
    assert (work / "b.pdf").read_bytes() == b"%PDF second"


def test_a_merged_tickets_files_are_asked_of_the_ticket_that_holds_them(
    app: App, config: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = deliver(app, _mail([("a.pdf", b"%PDF a")])).ticket_id
    raw = _mail([("b.pdf", b"%PDF b")]).replace(b"scans-1@", b"scans-2@")
    second = deliver(app, raw.replace(b"Subject: scans", b"Subject: more scans")).ticket_id
    assert first is not None and second is not None and first != second
    merged = run(config, "tickets", "merge", str(second), str(first), capsys=capsys)
    assert merged.code == 0, merged.err
    ran = run(config, "tickets", "attachment", str(second), "1", capsys=capsys)
    assert ran.code == 69 and f"#{first}" in ran.err  # said where its files are now
    assert run(config, "tickets", "attachment", str(first), "2", capsys=capsys).code == 0
    assert (work / "b.pdf").read_bytes() == b"%PDF b"
