"""``tickets attachment ID N [-o FILE] [--force]``: the bytes from the stored raw mail (or
a form's document), under a safe name, never over an existing file without --force,
never outside the path given — however hostile the sender's file names."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.pipeline.parse import submission
from gateway.runtime.app import App
from gateway.runtime.cli.main import main
from store import inbox
from store.db import transaction
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.pipeline import deliver, show
from tests.support.scheduling import make_app

HOSTILE = [
    "../../etc/passwd",
    "/tmp/absolute.txt",
    "C:\\Windows\\System32\\evil.exe",
    "..",
    ".",
    "a\x07b\tc\x1b.txt",  # control characters
    "report\u202etxt.exe",  # a right-to-left override
    "見積書（最終版）.pdf",
    "x" * 400 + ".bin",
]


def _payload(n: int) -> bytes:
    return bytes(range(256)) * (n + 1) + f"attachment {n}".encode()


def _hostile_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Mallory <mallory@evil.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "files"
    msg["Message-ID"] = "<files-1@evil.test>"
    msg["Date"] = "Mon, 02 Mar 2026 09:00:00 +0900"
    msg.set_content("see the files\n")
    for n, name in enumerate(HOSTILE):
        msg.add_attachment(
            _payload(n), maintype="application", subtype="octet-stream", filename=name
        )
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
    """The current folder of the command: an empty one beside the config."""
    folder = tmp_path / "work" / "here"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    return folder


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_hostile_names_land_in_the_current_folder_only(
    app: App, config: Path, tmp_path: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tid = deliver(app, _hostile_mail()).ticket_id
    assert tid is not None
    before = _tree(tmp_path)
    for n in range(1, len(HOSTILE) + 1):
        ran = run(config, "tickets", "attachment", str(tid), str(n), capsys=capsys)
        assert ran.code == 0, ran.err
    written = sorted(work.iterdir())
    assert len(written) == len(HOSTILE)  # each its own file, nothing overwritten
    assert _tree(tmp_path) - before == {str(p.relative_to(tmp_path)) for p in written}
    for p in written:
        assert p.is_file() and not p.is_symlink()
        assert p.name not in ("", ".", "..") and "/" not in p.name and "\\" not in p.name
        assert not any(ord(c) < 32 or c == "\u202e" for c in p.name)
        assert len(p.name.encode()) <= 255
    contents = {p.read_bytes() for p in written}
    assert contents == {_payload(n) for n in range(len(HOSTILE))}  # byte for byte
    assert (work / "見積書（最終版）.pdf").read_bytes() == _payload(7)


def test_an_existing_file_or_link_is_kept_unless_forced(
    app: App, config: Path, tmp_path: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tid = deliver(app, _hostile_mail()).ticket_id
    assert tid is not None
    name = "見積書（最終版）.pdf"
    (work / name).write_bytes(b"mine")
    ran = run(config, "tickets", "attachment", str(tid), "8", capsys=capsys)
    assert ran.code == 73 and "--force" in ran.err
    assert (work / name).read_bytes() == b"mine"
    assert run(config, "tickets", "attachment", str(tid), "8", "--force", capsys=capsys).code == 0
    assert (work / name).read_bytes() == _payload(7)
    # a link in the way: never written through, with or without --force
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"precious")
    (work / "out.bin").symlink_to(outside)
    for extra in ([], ["--force"]):
        run(config, "tickets", "attachment", str(tid), "1", "-o", "out.bin", *extra, capsys=capsys)
        assert outside.read_bytes() == b"precious"
    assert not (work / "out.bin").is_symlink() and (work / "out.bin").read_bytes() == _payload(0)
    dangling = work / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    ran = run(config, "tickets", "attachment", str(tid), "1", "-o", "dangling", capsys=capsys)
    assert ran.code == 73 and not (tmp_path / "nowhere").exists()
    assert [p.name for p in work.iterdir() if p.name.endswith(".part")] == []


def test_output_to_a_file_a_folder_or_stdout(
    app: App,
    config: Path,
    tmp_path: Path,
    work: Path,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    tid = deliver(app, _hostile_mail()).ticket_id
    assert tid is not None
    assert main(["--config", str(config), "tickets", "attachment", str(tid), "3", "-o", "-"]) == 0
    assert capsysbinary.readouterr().out == _payload(2)
    target = tmp_path / "saved" / "copy.exe"
    target.parent.mkdir()
    args = ["--config", str(config), "tickets", "attachment", str(tid), "3"]
    assert main([*args, "-o", str(target)]) == 0
    assert target.read_bytes() == _payload(2)
    assert main([*args, "-o", str(target.parent)]) == 0  # a folder: the safe name in it
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.exe", "evil.exe"]
    assert list(work.iterdir()) == []
    capsysbinary.readouterr()


def test_unknown_ticket_or_number_is_69(
    app: App, config: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tid = deliver(app, _hostile_mail()).ticket_id
    assert tid is not None
    for ticket, number in ((tid, len(HOSTILE) + 1), (tid, 0), (tid + 1, 1)):
        ran = run(config, "tickets", "attachment", str(ticket), str(number), capsys=capsys)
        assert ran.code == 69 and ran.err.startswith("ticket-gateway: ")
    assert list(work.iterdir()) == []


def test_a_form_submissions_file_comes_from_its_document(
    app: App, config: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(64)
    raw = submission.encode(
        source="web",
        nonce="form-cli-1",
        submitted_at=app.clock.now(),
        entry_id="other",
        requester_email="ito@customer.test",
        requester_name="伊藤",
        subject="画面が真っ白です",
        text="スクリーンショットを添付します。",
        fields={},
        locale="ja",
        files=[
            submission.SubmittedFile("メモ.txt", "text/plain", "一行目\n".encode()),
            submission.SubmittedFile("../画面.png", "image/png", png),
        ],
    )
    with transaction(app.sessions) as s:
        inbox.accept(s, raw, source="web", now=app.clock.now())
    [outcome] = app.runner.process_pending()
    tid = outcome.ticket_id
    assert tid is not None
    shown = run(config, "tickets", "show", str(tid), capsys=capsys).out
    assert "[attachment 2] 画面.png (image/png" in shown
    assert run(config, "tickets", "attachment", str(tid), "2", capsys=capsys).code == 0
    assert (work / "画面.png").read_bytes() == png  # checked against its recorded SHA-256
    assert show(app, tid)["messages"][0]["attachments"][1]["size"] == len(png)


def test_a_saved_file_is_private_whatever_the_umask(
    app: App, config: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A customer's file is written 0600 under ``umask 000`` too, by both paths
    (new file, ``--force``): not readable or changeable by every local user."""
    tid = deliver(app, _hostile_mail()).ticket_id
    assert tid is not None
    old = os.umask(0)
    try:
        assert run(config, "tickets", "attachment", str(tid), "8", capsys=capsys).code == 0
        ran = run(config, "tickets", "attachment", str(tid), "1", "-o", "f", capsys=capsys)
        assert ran.code == 0
        ran = run(
            config, "tickets", "attachment", str(tid), "2", "-o", "f", "--force", capsys=capsys
        )
        assert ran.code == 0
    finally:
        os.umask(old)
    for p in work.iterdir():
        assert p.stat().st_mode & 0o777 == 0o600, p
