"""An mbox is read under a shared fcntl lock held only while it is read, never while
its messages are stored and processed: a delivery to a big mailbox waited for the
whole ingest (minutes), local(8) and procmail meanwhile. A message that arrives
between two reads is read whole, once; a box rewritten meanwhile (a mail reader's
expunge) is not read on from a place that no longer means anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.receive.files import RawInput, UnreadableInput, read_inputs
from tests.support.mails import mail


def _message(sender: str, subject: str) -> bytes:
    return f"From {sender} Mon Mar  2 09:00:00 2026\n".encode() + mail(
        subject=subject, sender=sender
    )


ONE = _message("alice@customer.test", "one")
TWO = _message("bob@customer.test", "two")
THREE = _message("carol@customer.test", "three")

# a delivery: the exclusive lock without waiting (as local(8) tries it), then an append
_DELIVER = """
import fcntl, sys
with open(sys.argv[1], "ab") as box:
    fcntl.lockf(box, fcntl.LOCK_EX | fcntl.LOCK_NB)
    box.write(sys.stdin.buffer.read())
"""
# a mail reader's expunge: the first message goes, the file is written again in place
_EXPUNGE = """
import fcntl, sys
with open(sys.argv[1], "r+b") as box:
    fcntl.lockf(box, fcntl.LOCK_EX | fcntl.LOCK_NB)
    kept = box.read().split(b"\\n\\nFrom ", 1)[1]
    box.seek(0)
    box.write(b"From " + kept)
    box.truncate()
"""
_HOLD = """
import fcntl, sys
box = open(sys.argv[1], "r+b")
try:
    fcntl.lockf(box, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    print("busy", flush=True)
    sys.exit(1)
print("locked", flush=True)
sys.stdin.read()
"""


def _other_process(code: str, box: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", code, str(box)], input=stdin, capture_output=True, timeout=30
    )


def test_a_delivery_meanwhile_does_not_wait_and_its_message_is_read_once(tmp_path: Path) -> None:
    box = tmp_path / "support"
    box.write_bytes(ONE + b"\n" + TWO + b"\n")
    inputs = read_inputs([str(box)])
    first = next(inputs)  # handed on: stored and processed now, the box not locked
    delivered = _other_process(_DELIVER, box, b"\n" + THREE + b"\n")
    assert delivered.returncode == 0, delivered.stderr.decode()
    read = [first, *inputs]
    assert all(isinstance(i, RawInput) for i in read), read
    assert [i.ref for i in read] == [f"{box}#{n}" for n in (1, 2, 3)]  # type: ignore[union-attr]
    assert read[2].raw == THREE.split(b"\n", 1)[1]  # type: ignore[union-attr]


def test_a_box_rewritten_meanwhile_is_not_read_on(tmp_path: Path) -> None:
    box = tmp_path / "support"
    box.write_bytes(ONE + b"\n" + TWO + b"\n" + THREE + b"\n")
    inputs = read_inputs([str(box)])
    first = next(inputs)
    expunged = _other_process(_EXPUNGE, box)
    assert expunged.returncode == 0, expunged.stderr.decode()
    rest = list(inputs)
    assert isinstance(first, RawInput) and first.ref == f"{box}#1"
    # two and three are in the box still: the next run reads them (what this one
    # stored of them is then a duplicate)
    assert [type(i) for i in rest] in ([UnreadableInput], [RawInput, UnreadableInput])
    assert rest[-1].ref == str(box) and "changed" in str(rest[-1].problem)  # type: ignore[union-attr]


def test_a_delivery_holding_the_lock_at_the_next_read_leaves_the_rest_to_the_next_run(
    tmp_path: Path,
) -> None:
    box = tmp_path / "support"
    box.write_bytes(ONE + b"\n" + TWO + b"\n" + THREE + b"\n")
    inputs = read_inputs([str(box)])
    first = next(inputs)
    with subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(box)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
            rest = list(inputs)
        finally:
            holder.communicate(b"", timeout=30)
    assert isinstance(first, RawInput)
    assert isinstance(rest[-1], UnreadableInput) and "locked" in str(rest[-1].problem)
