"""``ingest -`` fed by Postfix's pipe(8) with the ``F`` flag (a ``From sender date``
envelope line before the message) and the ``>`` flag (a body line that begins "From "
written ``>From ``): the envelope line is no part of the message and the escapes are
undone as mboxrd reading does; with no envelope line, ``>From`` is the writer's own and
stays. Through the fast path (stdlib INSERT) and the full one alike.

The envelope line names the envelope sender: kept as the inbox row's, it is the
requester of a message with no From (or an empty one), as an SMTP MAIL FROM is; a
present From always comes first. Postfix writes the null sender ``<>`` as MAILER-DAEMON."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
from pathlib import Path

import pytest

from gateway.receive import pipe
from gateway.receive.mbox import envelope_sender, piped_message, writer_escaped
from gateway.runtime import entry
from tests.support import hostile
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail

ENVELOPE = b"From alice@customer.test  Sat Dec  5 21:00:00 2026\n"  # Postfix: two spaces
BODY = "Hello,\n\nFrom Monday on the printer prints blank pages.\n\nFrom the 3rd floor\n"


def _piped(message: bytes) -> bytes:
    """What pipe(8) with flags F and > writes: the envelope line, "From " lines escaped."""
    return ENVELOPE + message.replace(b"\nFrom ", b"\n>From ")


@pytest.mark.parametrize(
    ("given", "read"),
    [
        (
            ENVELOPE + b"Subject: a\n\n>From here\n>>From there\n",
            b"Subject: a\n\nFrom here\n>From there\n",
        ),
        (
            ENVELOPE.replace(b"\n", b"\r\n") + b"Subject: a\r\n\r\n>From x\r\n",
            b"Subject: a\r\n\r\nFrom x\r\n",
        ),
        (b"From MAILER-DAEMON  Sat Dec  5 21:00:00 2026\nSubject: b\n\nx\n", b"Subject: b\n\nx\n"),
        # no envelope line: the writer's own ">From" (a quote of an mbox, a pasted one)
        (b"Subject: a\n\n>From here\n", b"Subject: a\n\n>From here\n"),
        # a first line that only begins "From " is not an envelope: left to the sniff
        (b"From here on\nSubject: a\n\n>From x\n", b"From here on\nSubject: a\n\n>From x\n"),
        (b"> From quoted\n", b"> From quoted\n"),
        (
            ENVELOPE + b"Subject: a\n\n> From quoted\n>Fromage\n",
            b"Subject: a\n\n> From quoted\n>Fromage\n",
        ),
        (ENVELOPE, b""),
        (b"", b""),
    ],
)
def test_the_envelope_line_goes_and_escapes_are_undone_only_under_it(
    given: bytes, read: bytes
) -> None:
    assert piped_message(given) == read


def test_a_first_line_of_megabytes_is_not_read_as_an_envelope() -> None:
    long = b"From alice@customer.test " + b"x" * 20_000_000 + b"\nSubject: a\n\n>From x\n"
    with hostile.within(3.0, "piped_message"):
        assert piped_message(long) is long


def _ticket_text(config: str, capsys: pytest.CaptureFixture[str]) -> str:
    listing = json.loads(run(config, "tickets", "list", "--json", capsys=capsys).out)
    [one] = listing
    shown = json.loads(run(config, "tickets", "show", str(one["id"]), "--json", capsys=capsys).out)
    text: str = shown["messages"][0]["text"]
    return text


def _stdin(monkeypatch: pytest.MonkeyPatch, raw: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))


def _fast_path(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    given: bytes,
) -> pipe.PipeTarget:
    """``given`` on the standard input of the console script's ``ingest -``, run in this
    process on its fast path (a daemon's lock held, so no drainer starts); it exited 0."""
    config = write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True)
    assert run(str(config), "db", "upgrade", capsys=capsys).code == 0
    target = pipe.pipe_target(["--config", str(config), "ingest", "-"], {})
    assert target is not None
    _stdin(monkeypatch, given)
    monkeypatch.setattr(sys, "argv", ["ticket-gateway", "--config", str(config), "ingest", "-"])
    held = pipe.hold_daemon_lock(target.data_dir)  # a daemon runs: no drainer is started
    try:
        with pytest.raises(SystemExit) as ended:
            entry.main()
    finally:
        held.close()
    assert ended.value.code == 0
    return target


def test_the_full_path_reads_what_postfix_piped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))
    _stdin(monkeypatch, _piped(mail(subject="printer", body=BODY)))
    ran = run(config, "ingest", "-", capsys=capsys)
    assert ran.code == 0, ran.out
    assert "not an e-mail" not in ran.out
    text = _ticket_text(config, capsys)
    assert "From Monday on the printer" in text and "From the 3rd floor" in text
    assert ">From" not in text and "Sat Dec" not in text


def test_without_the_envelope_line_from_escapes_stay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))
    _stdin(monkeypatch, mail(subject="printer", body=BODY.replace("\nFrom the", "\n>From the")))
    assert run(config, "ingest", "-", capsys=capsys).code == 0
    assert "\n>From the 3rd floor" in _ticket_text(config, capsys)


def test_the_fast_path_stores_the_message_without_its_envelope(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    message = mail(subject="printer", body=BODY)
    target = _fast_path(tmp_path, capsys, monkeypatch, _piped(message))
    assert "queued for the running daemon" in capsys.readouterr().out
    con = sqlite3.connect(target.db_path)
    try:
        [(raw,)] = con.execute("SELECT raw FROM inbox_raw").fetchall()
    finally:
        con.close()
    assert raw == message


@pytest.mark.parametrize(
    ("given", "sender"),
    [
        (ENVELOPE + b"Subject: a\n\nx\n", "alice@customer.test"),
        (b"From bob@x.test Sat Dec  5 21:00:00 2026\r\nSubject: a\r\n\r\nx\r\n", "bob@x.test"),
        (b"From MAILER-DAEMON  Sat Dec  5 21:00:00 2026\nSubject: b\n\nx\n", ""),
        (b'From "a b"@x.test  Sat Dec  5 21:00:00 2026\nSubject: b\n\nx\n', '"a b"@x.test'),
        (b"From  Sat Dec  5 21:00:00 2026\nSubject: b\n\nx\n", None),  # no sender in it
        (b"From here on\nSubject: a\n\nx\n", None),  # no envelope line
        (b"Subject: a\n\nx\n", None),
        (b"From \xff@x.test  Sat Dec  5 21:00:00 2026\nSubject: b\n\nx\n", None),  # not UTF-8
        (b"", None),
    ],
)
def test_the_envelope_line_names_the_envelope_sender(given: bytes, sender: str | None) -> None:
    assert envelope_sender(given) == sender


def _without_from(from_header: str | None) -> bytes:
    head = [f"From: {from_header}"] if from_header is not None else []
    head += ["To: support@example.test", "Subject: printer", "Message-ID: <e1@customer.test>"]
    return ("\n".join(head) + "\n\nThe printer prints blank pages.\n").encode()


def _shown(config: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    listing = json.loads(run(config, "tickets", "list", "--json", capsys=capsys).out)
    [one] = listing
    shown = json.loads(run(config, "tickets", "show", str(one["id"]), "--json", capsys=capsys).out)
    return one["requester"], shown["messages"][0]["from"]


@pytest.mark.parametrize("from_header", [None, "", "undisclosed-recipients:;"])
def test_a_message_without_a_from_is_the_envelope_senders(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    from_header: str | None,
) -> None:
    config = str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))
    _stdin(monkeypatch, ENVELOPE + _without_from(from_header))
    ran = run(config, "ingest", "-", capsys=capsys)
    assert ran.code == 0, ran.out
    assert _shown(config, capsys) == ("alice@customer.test", "alice@customer.test")
    con = sqlite3.connect(f"{tmp_path}/gateway.db")
    try:
        assert con.execute("SELECT envelope_from FROM inbox").fetchall() == [
            ("alice@customer.test",)
        ]
    finally:
        con.close()


def test_a_present_from_comes_before_the_envelope_sender(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))
    _stdin(monkeypatch, ENVELOPE + _without_from("Taro Yamada <taro@customer.test>"))
    assert run(config, "ingest", "-", capsys=capsys).code == 0
    assert _shown(config, capsys) == ("taro@customer.test", "taro@customer.test")


def test_the_fast_path_keeps_the_envelope_sender(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _fast_path(tmp_path, capsys, monkeypatch, ENVELOPE + _without_from(None))
    con = sqlite3.connect(target.db_path)
    try:
        rows = con.execute("SELECT envelope_from FROM inbox").fetchall()
    finally:
        con.close()
    assert rows == [("alice@customer.test",)]


def _outbox_kinds(db: str) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [kind for (kind,) in con.execute("SELECT kind FROM outbox ORDER BY id")]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("envelope", "answered"),
    [(ENVELOPE, True), (b"From MAILER-DAEMON  Sat Dec  5 21:00:00 2026\n", False)],
    ids=["sender", "null-sender"],
)
def test_the_null_sender_of_the_envelope_line_is_never_answered(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    envelope: bytes,
    answered: bool,
) -> None:
    config = str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))
    _stdin(monkeypatch, envelope + mail(subject="printer", body=BODY))
    assert run(config, "ingest", "-", capsys=capsys).code == 0
    assert ("acknowledgement" in _outbox_kinds(f"{tmp_path}/gateway.db")) is answered


def test_local_delivery_writes_the_envelope_line_but_escapes_nothing() -> None:
    """Postfix's local(8) runs an alias's command (``support: "|ticket-gateway ingest
    -"``) with a ``From sender date`` line before the message but quotes no "From "
    line (local/command.c: MAIL_COPY_FROM without MAIL_COPY_QUOTE), as Exim's pipe
    transport does: a customer's own ``>From`` line (a quote) lost its ``>``, in the
    bytes kept "byte for byte". Both say who the mail is for in ``$RECIPIENT``, which
    pipe(8) never sets: with it, only the envelope line goes."""
    given = ENVELOPE + b"Subject: a\n\n>From the logs:\n>>From here\n"
    assert piped_message(given, escaped=writer_escaped({"RECIPIENT": "support@x.test"})) == (
        b"Subject: a\n\n>From the logs:\n>>From here\n"
    )
    assert piped_message(given, escaped=writer_escaped({})) == (
        b"Subject: a\n\nFrom the logs:\n>From here\n"
    )


@pytest.mark.parametrize("path", ["full", "fast"])
def test_an_aliases_pipe_keeps_the_customers_from_quotes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    message = mail(subject="printer", body=BODY.replace("\nFrom the", "\n>From the"))
    monkeypatch.setenv("RECIPIENT", "support@example.test")  # as local(8) sets it
    if path == "fast":
        target = _fast_path(tmp_path, capsys, monkeypatch, ENVELOPE + message)
        con = sqlite3.connect(target.db_path)
        try:
            [(raw,)] = con.execute("SELECT raw FROM inbox_raw").fetchall()
        finally:
            con.close()
        assert raw == message
        return
    config = str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))
    _stdin(monkeypatch, ENVELOPE + message)
    assert run(config, "ingest", "-", capsys=capsys).code == 0
    assert "\n>From the 3rd floor" in _ticket_text(config, capsys)
