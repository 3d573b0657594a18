"""The mbox variants besides mboxo/mboxrd: Content-Length mailboxes (Solaris and SysV
``mail``, mboxcl2), whose writers never quote a body line, and MMDF's ``^A^A^A^A``
separators (mutt, SCO). Each message of theirs must stay one message."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.receive.files import RawInput, read_inputs
from gateway.receive.mbox import split_mbox

ENVELOPE = b"From alice@customer.test Mon Mar  2 09:00:00 2026\n"
BODY_ONE = (
    b"Hello,\n"
    b"my old mail, as it was sent:\n"
    b"From bob@customer.test Mon Mar  2 08:00:00 2026\n"  # an envelope line's shape
    b"\n"
    b"From Monday on the printer is down.\n"
)
BODY_TWO = b"Second request.\n"


def _counted(
    body: bytes, subject: str, sender: str, length: int | None = None, end: bytes = b"\n"
) -> bytes:
    """One message of a Content-Length mailbox (Solaris ``mail``): headers with the
    body's length, the body unquoted, an empty line after it; lines ending in ``end``."""
    size = len(body.replace(b"\n", end)) if length is None else length
    head = (
        f"From: {sender}\nTo: support@example.test\nSubject: {subject}\n"
        f"Date: Mon, 2 Mar 2026 09:00:00 +0900\nMessage-ID: <{subject}@customer.test>\n"
        f"Content-Length: {size}\n\n"
    ).encode()
    whole = f"From {sender} Mon Mar  2 09:00:00 2026\n".encode() + head + body + b"\n"
    return whole.replace(b"\n", end)


def _box(end: bytes = b"\n", lie: int | None = None) -> bytes:
    one = _counted(BODY_ONE, "one", "alice@customer.test", lie, end)
    return one + _counted(BODY_TWO, "two", "bob@customer.test", end=end)


@pytest.mark.parametrize("end", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_a_content_length_mailbox_keeps_a_body_line_shaped_like_an_envelope(end: bytes) -> None:
    """Solaris' mail writes each message's Content-Length and quotes nothing: a body
    line of a From_ line's shape (a forwarded mail's envelope) cut alice's mail in
    two, and its tail was reported "not an e-mail message" or filed as bob's."""
    messages = list(split_mbox(_box(end).splitlines(keepends=True)))
    assert len(messages) == 2
    assert BODY_ONE.replace(b"\n", end) in messages[0]  # byte for byte, nothing unquoted
    assert messages[1].endswith(BODY_TWO.replace(b"\n", end))


@pytest.mark.parametrize("lie", [5, 10_000, 10**15], ids=["short", "long", "absurd"])
def test_a_content_length_that_lies_is_not_followed(lie: int) -> None:
    """A length that does not end at the next From_ line (or at the end) is wrong (an
    edit by hand, a converter): the From_ lines decide, as for any mbox."""
    messages = list(split_mbox(_box(lie=lie).splitlines(keepends=True)))
    assert len(messages) == 3  # alice's body line of envelope shape splits, as before
    assert messages[-1].endswith(BODY_TWO)


def test_a_content_length_mailbox_file(tmp_path: Path) -> None:
    box = tmp_path / "support"
    box.write_bytes(_box())
    read = list(read_inputs([str(box)]))
    assert [(i.ref, i.is_mail) for i in read] == [  # type: ignore[union-attr]
        (f"{box}#1", True),
        (f"{box}#2", True),
    ]
    assert isinstance(read[0], RawInput) and read[0].envelope_from == "alice@customer.test"


MMDF = b"\x01\x01\x01\x01\n"


def _mmdf(end: bytes = b"\n", envelope: bool = True) -> bytes:
    """Two messages of an MMDF box (their Content-Length of no matter here)."""
    one = (ENVELOPE if envelope else b"") + _counted(BODY_ONE, "one", "alice@customer.test")[
        len(ENVELOPE) :
    ]
    two = _counted(BODY_TWO, "two", "bob@customer.test").split(b"\n", 1)[1]
    return (MMDF + one + MMDF + MMDF + two + MMDF).replace(b"\n", end)


@pytest.mark.parametrize(
    ("end", "envelope"),
    [(b"\n", True), (b"\n", False), (b"\r\n", True)],
    ids=["mutt", "no-envelope", "crlf"],
)
def test_an_mmdf_mailbox_is_split_on_its_separators(
    tmp_path: Path, end: bytes, envelope: bool
) -> None:
    """An MMDF mailbox (each message between two ``^A^A^A^A`` lines) was one file of no
    From_ line: stored as one message, every customer's mail in the first one's."""
    box = tmp_path / "support.mmdf"
    box.write_bytes(_mmdf(end, envelope))
    read = list(read_inputs([str(box)]))
    assert [(i.ref, i.is_mail) for i in read] == [  # type: ignore[union-attr]
        (f"{box}#1", True),
        (f"{box}#2", True),
    ]
    first, second = (i.raw for i in read)  # type: ignore[union-attr]
    assert first.startswith(b"From: alice") and BODY_ONE.replace(b"\n", end) in first
    assert b"\x01" not in first + second
    assert second.startswith(b"From: bob")
    assert read[0].envelope_from == ("alice@customer.test" if envelope else None)  # type: ignore[union-attr]
