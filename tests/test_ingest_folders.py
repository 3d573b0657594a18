"""What ``ingest FOLDER`` reads of a folder: every message file below it, and a line
for every folder it does not read, never a silent gap. A Maildir++ subfolder
(``.Customers`` beside ``cur/``) and a link to a folder were passed over without a
word: an import of a support mailbox said "stored" for the inbox alone and exited 0,
the mail filed in subfolders never read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.receive.files import RawInput, UnreadableInput, read_inputs
from gateway.receive.folders import PassedOver
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail


def _maildir(path: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True)
    return path


def _read(*specs: Path) -> list[tuple[str, str]]:
    """What is read of ``specs``: (kind, ref) in order."""
    kinds = {RawInput: "mail", UnreadableInput: "unreadable", PassedOver: "passed over"}
    return [(kinds[type(i)], i.ref) for i in read_inputs([str(s) for s in specs])]  # type: ignore[index]


def test_a_maildir_plus_plus_subfolder_gets_a_line_not_silence(tmp_path: Path) -> None:
    """Dovecot and Courier keep a mailbox's folders as ``.Name`` maildirs inside it. They
    are folders of their own (a Trash, a Junk among them), not read with the inbox:
    each is named, so that the one who imports knows to name it."""
    md = _maildir(tmp_path / "Maildir")
    (md / "new" / "1.host").write_bytes(mail(subject="inbox"))
    sub = _maildir(md / ".Customers")
    (sub / "cur" / "2.host:2,S").write_bytes(mail(subject="filed"))
    (md / ".hidden").mkdir()  # a dot-folder that is no maildir: nobody's mail, no line
    assert _read(md) == [
        ("passed over", f"{md}/.Customers"),
        ("mail", f"{md}/new/1.host"),
    ]
    assert _read(sub) == [("mail", f"{sub}/cur/2.host:2,S")]  # named, it is read


def test_named_beside_its_maildir_it_is_read_without_the_line_telling_to_name_it(
    tmp_path: Path,
) -> None:
    """The README's own example, ``ingest Maildir Maildir/.Customers``, read both and still
    said ``Maildir/.Customers: skipped: … name it to ingest it`` (and so for a message
    flagged T named beside its maildir): a line telling the admin to do what they did."""
    md = _maildir(tmp_path / "Maildir")
    (md / "new" / "1.host").write_bytes(mail(subject="inbox"))
    sub = _maildir(md / ".Customers")
    (sub / "cur" / "2.host:2,S").write_bytes(mail(subject="filed"))
    trashed = md / "cur" / "3.host:2,ST"
    trashed.write_bytes(mail(subject="deleted, then wanted"))
    assert _read(md, sub, trashed) == [
        ("mail", f"{md}/new/1.host"),
        ("mail", f"{sub}/cur/2.host:2,S"),
        ("mail", str(trashed)),
    ]
    assert _read(md) == [  # alone, each is said as before
        ("passed over", f"{md}/.Customers"),
        ("passed over", f"{md}/cur/3.host:2,ST"),
        ("mail", f"{md}/new/1.host"),
    ]


def test_a_link_to_a_folder_is_followed_once(tmp_path: Path) -> None:
    """A link to a folder was passed over in silence (os.walk does not follow links):
    followed now, as a link to a file always was; one that leads back to a folder
    already read (a loop) is said, not walked for ever."""
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "old.eml").write_bytes(mail(subject="old"))
    mails = tmp_path / "mails"
    mails.mkdir()
    (mails / "a.eml").write_bytes(mail(subject="a"))
    (mails / "2025").symlink_to(archive)
    (mails / "up").symlink_to(mails)  # a loop
    assert _read(mails) == [
        ("mail", f"{mails}/a.eml"),
        ("mail", f"{mails}/2025/old.eml"),
        ("passed over", f"{mails}/up"),
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder of mode 000")
def test_a_folder_that_cannot_be_listed_cannot_be_read(tmp_path: Path) -> None:
    """os.walk ignores a folder it may not list: ``ingest`` said nothing and exited 0."""
    mails = tmp_path / "mails"
    (mails / "locked").mkdir(parents=True)
    (mails / "locked").chmod(0)
    try:
        assert _read(mails) == [("unreadable", f"{mails}/locked")]
    finally:
        (mails / "locked").chmod(0o700)


def test_what_is_passed_over_is_said_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))
    md = _maildir(tmp_path / "Maildir")
    (md / "new" / "1.host").write_bytes(mail(subject="inbox"))
    _maildir(md / ".Junk")
    ran = run(config, "ingest", str(md), capsys=capsys)
    assert ran.code == 0, ran.out
    assert f"{md}/.Junk: skipped: a folder of its own in this maildir" in ran.out
    assert ran.out.count("stored as inbox") == 1


def test_a_maildir_message_marked_deleted_is_passed_over_with_a_line(tmp_path: Path) -> None:
    """The ``T`` flag (Trashed: IMAP's \\Deleted, mutt's "d") marks a message deleted
    and not yet expunged: an import brought back every mail the team had deleted (spam
    among them) as a ticket, answered when recent. Named on the command line, the file
    is read: whoever names it wants it."""
    md = _maildir(tmp_path / "Maildir")
    (md / "cur" / "1.host:2,S").write_bytes(mail(subject="kept"))
    (md / "cur" / "2.host:2,ST").write_bytes(mail(subject="deleted"))
    (md / "cur" / "3.host:2,FT").write_bytes(mail(subject="deleted too"))
    (md / "cur" / "4.host:2,Sa").write_bytes(mail(subject="a keyword, kept"))
    assert _read(md) == [
        ("mail", f"{md}/cur/1.host:2,S"),
        ("passed over", f"{md}/cur/2.host:2,ST"),
        ("passed over", f"{md}/cur/3.host:2,FT"),
        ("mail", f"{md}/cur/4.host:2,Sa"),
    ]
    assert _read(md / "cur" / "2.host:2,ST") == [("mail", f"{md}/cur/2.host:2,ST")]


@pytest.mark.parametrize("kept", [("new", "tmp"), ("cur", "tmp")], ids=["no cur", "no new"])
def test_a_maildir_that_lost_an_empty_folder_still_skips_tmp(
    tmp_path: Path, kept: tuple[str, str]
) -> None:
    """A maildir copied by a tool that keeps no empty folder (git, an object store's
    sync) has no ``cur/`` when nothing was read: it was not taken for a maildir, and
    the messages half-written in ``tmp/`` were stored, cut short."""
    md = tmp_path / "Maildir"
    for sub in kept:
        (md / sub).mkdir(parents=True)
    (md / kept[0] / "1.host").write_bytes(mail(subject="whole"))
    (md / "tmp" / "2.host").write_bytes(mail(subject="half")[:40])
    assert _read(md) == [("mail", f"{md}/{kept[0]}/1.host")]


def test_a_message_a_reader_moves_to_cur_while_the_maildir_is_read_is_still_read(
    tmp_path: Path,
) -> None:
    """A mail client (Dovecot for it) moves a message from ``new/`` to ``cur/``, a flag
    added to its name, when it is first seen. ``cur/`` is listed before ``new/``: one
    moved between the listing of ``new/`` and its reading was in neither, "no such
    file" and exit 66, the message missed by the run. It is read where it went."""
    md = _maildir(tmp_path / "Maildir")
    (md / "new" / "0.host").write_bytes(mail(subject="first"))
    (md / "new" / "1.host").write_bytes(mail(subject="moved"))
    seen = []
    for item in read_inputs([str(md)]):
        seen.append((type(item).__name__, item.ref))
        if item.ref.endswith("0.host"):
            (md / "new" / "1.host").rename(md / "cur" / "1.host:2,S")
    assert seen == [
        ("RawInput", f"{md}/new/0.host"),
        ("RawInput", f"{md}/cur/1.host:2,S"),
    ]


def test_a_folder_with_no_message_file_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ingest Maildir/new`` when the mail was in ``cur/``, or an empty maildir: no
    line at all and exit 0, as if something had been read. Now a line says so (still
    0: nothing to store is no failure, as an empty mbox file)."""
    md = _maildir(tmp_path / "Maildir")
    (md / "tmp" / "1.host").write_bytes(mail(subject="being delivered"))  # never read
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _read(md, empty) == [("passed over", str(md)), ("passed over", str(empty))]
    config = write_config(tmp_path, secret_file=True, locale="en")
    ran = run(config, "ingest", str(md), capsys=capsys)
    assert (ran.code, ran.out) == (0, f"{md}: skipped: no message file in it\n")


def test_a_file_name_with_a_line_feed_is_said_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A maildir file name may hold any byte but "/": one with a line feed made its line
    two, the second a line of its own choosing (``fake: stored as inbox #99``)."""
    md = _maildir(tmp_path / "Maildir")
    (md / "new" / "1.host\nfake.eml: stored as inbox #99").write_bytes(mail(subject="odd"))
    config = write_config(tmp_path, secret_file=True, locale="en")
    ran = run(config, "ingest", str(md), capsys=capsys)
    assert ran.code == 0, ran.out
    [line] = ran.out.splitlines()
    assert line.startswith(f"{md}/new/1.host\\u000afake.eml: stored as inbox #99: stored as")
