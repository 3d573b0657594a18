"""An mbox file is split only on real ``From_`` lines (RFC 4155: ``From``, the sender,
a date), and its ``>From`` lines are unescaped as mboxrd reads
them: a customer's body line that begins "From " is the customer's text, not the
start of a message that is then reported as "not an e-mail message" and lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.receive.files import UnreadableInput, read_inputs
from gateway.receive.mbox import is_from_line, split_mbox, unescaped
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail


@pytest.mark.parametrize(
    "line",
    [
        b"From alice@customer.test Mon Mar  2 09:00:00 2026",  # asctime, as mutt writes it
        b"From alice@customer.test Mon Mar 2 09:00:00 2026\n",
        b"From alice@customer.test Mon Mar  2 09:00:00 2026\r\n",
        b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011",  # Python's mailbox, bounces
        b"From root Tue Dec  1 23:59:59 2026",  # a local user, no domain
        b"From alice@customer.test Mon Mar  2 09:00 2026",  # no seconds
        b"From alice@customer.test Mon Mar  2 09:00:00 JST 2026",  # a zone name
        b"From alice@customer.test Mon Mar  2 09:00:00 +0900 2026",  # a numeric zone
        b"From alice@customer.test Mon Mar  2 09:00:00 2026 +0900",  # zone after the year
        b"From alice@customer.test Mon, 2 Mar 2026 09:00:00 +0900",  # an RFC 5322 date
        b"From alice@customer.test  Mon Mar  2 09:00:00 2026",  # two spaces
        b'From "alice smith"@customer.test Mon Mar  2 09:00:00 2026',  # a quoted local part
        b"From bob@x.test Sat Jan  3 01:05:34 1996 remote from x",  # UUCP's trailer
        b"From  Mon Mar  2 09:00:00 2026",  # no sender at all (mutt reads it)
        b"From 1234567890@xxx Thu Jan 01 00:00:00 +0000 2026",  # Gmail's takeout
        b"From ???@??? Mon Mar 02 09:00:00 2026",  # Eudora
    ],
)
def test_a_from_line_with_a_sender_and_a_date_is_a_separator(line: bytes) -> None:
    assert is_from_line(line)


@pytest.mark.parametrize(
    "line",
    [
        b"From x",
        b"From here on, the printer on floor 3 prints blank pages.",
        b"From: alice@customer.test",
        b"From alice@customer.test",
        b"From alice@customer.test yesterday at nine",
        b"From Monday to Friday the VPN drops at 09:00 2026 times",
        b"From alice@customer.test Mon Xyz  2 09:00:00 2026",  # no such month
        b">From alice@customer.test Mon Mar  2 09:00:00 2026",  # escaped
        b"from alice@customer.test Mon Mar  2 09:00:00 2026",  # RFC 4155: "From " exactly
    ],
)
def test_a_line_that_only_begins_with_from_is_not(line: bytes) -> None:
    assert not is_from_line(line)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def test_a_body_line_beginning_from_after_a_blank_line_stays_in_its_message() -> None:
    box = (
        b"From alice@customer.test Mon Mar  2 09:00:00 2026\n"
        b"Subject: one\n\nHello,\n\nFrom here on the printer prints blank pages.\n\n"
        b"From bob@customer.test Mon Mar  2 09:01:00 2026\n"
        b"Subject: two\n\nbody two\n\n"
    )
    assert list(split_mbox(_lines(box))) == [
        b"Subject: one\n\nHello,\n\nFrom here on the printer prints blank pages.\n",
        b"Subject: two\n\nbody two\n",
    ]


def test_a_from_line_with_no_empty_line_before_it_still_splits() -> None:
    """RFC 4155 puts an empty line before a From_ line, but a writer that leaves it out
    must not make two customers' mails one (the second one's words on the first one's
    ticket): the shape decides, as in mutt and Python's mailbox."""
    box = (
        b"From alice@customer.test Mon Mar  2 09:00:00 2026\n"
        b"Subject: one\n\nfrom alice\n"
        b"From bob@customer.test Mon Mar  2 09:01:00 2026\n"
        b"Subject: two\n\nfrom bob\n"
    )
    assert list(split_mbox(_lines(box))) == [
        b"Subject: one\n\nfrom alice\n",
        b"Subject: two\n\nfrom bob\n",
    ]


def test_crlf_mbox_splits_and_drops_the_separating_blank_line() -> None:
    box = (
        b"From a@x.test Mon Mar  2 09:00:00 2026\r\nSubject: one\r\n\r\nbody\r\n\r\n"
        b"From b@x.test Mon Mar  2 09:01:00 2026\r\nSubject: two\r\n\r\nbody\r\n"
    )
    assert list(split_mbox(_lines(box))) == [
        b"Subject: one\r\n\r\nbody\r\n",
        b"Subject: two\r\n\r\nbody\r\n",
    ]


@pytest.mark.parametrize(
    ("line", "read"),
    [
        (b">From here on\n", b"From here on\n"),  # mboxo and mboxrd alike
        (b">>From here on\n", b">From here on\n"),  # mboxrd: one level undone
        (b">>>From x\r\n", b">>From x\r\n"),
        (b"> From here\n", b"> From here\n"),  # a quote, not an escape
        (b">Fromage\n", b">Fromage\n"),
        (b"From here\n", b"From here\n"),
    ],
)
def test_from_escapes_lose_one_level(line: bytes, read: bytes) -> None:
    assert unescaped(line) == read


def test_escaped_from_lines_are_unescaped_in_the_message() -> None:
    box = (
        b"From a@x.test Mon Mar  2 09:00:00 2026\n"
        b"Subject: one\n\n>From here on\n>>From the old mail\n\n"
        b">From a@x.test Mon Mar  2 09:00:00 2026\n"
    )
    assert list(split_mbox(_lines(box))) == [
        b"Subject: one\n\nFrom here on\n>From the old mail\n\n"
        b"From a@x.test Mon Mar  2 09:00:00 2026\n"
    ]


def test_text_before_the_first_from_line_is_a_piece_of_its_own() -> None:
    """Nothing is lost: what no From_ line introduces is handed on to be judged."""
    box = b"stray\n\nFrom a@x.test Mon Mar  2 09:00:00 2026\nSubject: one\n\nx\n"
    assert list(split_mbox(_lines(box))) == [b"stray\n", b"Subject: one\n\nx\n"]


def test_two_from_lines_in_a_row_give_an_empty_piece() -> None:
    box = (
        b"From a@x.test Mon Mar  2 09:00:00 2026\n\n"
        b"From b@x.test Mon Mar  2 09:01:00 2026\nSubject: two\n\nx\n"
    )
    assert list(split_mbox(_lines(box))) == [b"", b"Subject: two\n\nx\n"]


def test_ingest_keeps_the_customers_from_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))
    box = tmp_path / "box.mbox"
    body = "Hello,\n\nFrom Monday on the printer prints blank pages.\n\nFrom the 3rd floor\n"
    # one line escaped as a writer should, one left as a careless one does
    escaped = mail(subject="one", body=body).replace(b"\nFrom the", b"\n>From the")
    box.write_bytes(
        b"From alice@customer.test Mon Mar  2 09:00:00 2026\n" + escaped + b"\n"
        b"From bob@customer.test Mon Mar  2 09:01:00 2026\n"
        + mail(subject="two", sender="bob@customer.test")
        + b"\n"
    )
    ran = run(config, "ingest", str(box), capsys=capsys)
    assert ran.code == 0, ran.out
    assert ran.out.count("stored as inbox") == 2 and "not an e-mail" not in ran.out
    listing = json.loads(run(config, "tickets", "list", "--json", capsys=capsys).out)
    one = next(t for t in listing if t["subject"] == "one")
    shown = json.loads(run(config, "tickets", "show", str(one["id"]), "--json", capsys=capsys).out)
    text = shown["messages"][0]["text"]
    assert "From Monday on the printer" in text and "From the 3rd floor" in text
    assert ">From" not in text


def _two(lead: bytes, end: bytes = b"\n") -> bytes:
    return lead + (
        b"From alice@customer.test Mon Mar  2 09:00:00 2026\n"
        + mail(subject="one")
        + b"\n"
        + b"From bob@customer.test Mon Mar  2 09:01:00 2026\n"
        + mail(subject="two", sender="bob@customer.test")
    ).replace(b"\n", end)


@pytest.mark.parametrize(
    ("lead", "end"),
    [
        (b"\n", b"\n"),  # a writer that puts the empty line before every From_ line
        (b"\r\n\r\n", b"\r\n"),  # … in a CRLF file
        (b"\xef\xbb\xbf", b"\n"),  # a UTF-8 byte-order mark (a Windows editor's save)
    ],
    ids=["empty line", "crlf empty lines", "bom"],
)
def test_an_mbox_that_does_not_begin_with_its_from_line_is_still_split(
    tmp_path: Path, lead: bytes, end: bytes
) -> None:
    """Only a first line that is a From_ line made a file an mbox: one beginning with an
    empty line or a byte-order mark was read as one message, and bob's mail was stored
    inside alice's, on her ticket, never answered. What comes before the first From_
    line and holds nothing is no piece of its own (it would be "not mail": exit 65)."""
    box = tmp_path / "box.mbox"
    box.write_bytes(_two(lead, end))
    read = list(read_inputs([str(box)]))
    assert [(i.ref, i.is_mail) for i in read] == [  # type: ignore[union-attr]
        (f"{box}#1", True),
        (f"{box}#2", True),
    ]
    assert [i.envelope_from for i in read] == [  # type: ignore[union-attr]
        "alice@customer.test",
        "bob@customer.test",
    ]
    assert list(split_mbox(_two(lead, end).splitlines(keepends=True)))[1].startswith(b"From: ")


def test_an_mbox_locked_by_its_writer_is_not_read_half_written(tmp_path: Path) -> None:
    """Postfix's local(8) (and procmail, mutt) append to a mailbox under an fcntl lock;
    ``ingest /var/mail/support`` read it meanwhile and stored the last message cut
    short (its whole self then counted as a different message). The reader takes a
    shared lock: a box locked for writing is an input that cannot be read now (66),
    said so, and read whole by the next run."""
    box = tmp_path / "support"
    box.write_bytes(_two(b""))
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(box)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        [read] = list(read_inputs([str(box)]))
        assert isinstance(read, UnreadableInput) and read.ref == str(box)
        assert "locked" in str(read.problem)
    finally:
        holder.communicate(b"", timeout=30)
    assert len(list(read_inputs([str(box)]))) == 2  # unlocked: read whole


_HOLD = """
import fcntl, sys
box = open(sys.argv[1], "r+b")
fcntl.lockf(box, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""
