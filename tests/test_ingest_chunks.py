"""Batch ingest's chunks: a big message file starts a chunk of its own, and is read
only after the chunk before it was handed out (issue #18: memory bounded by the
larger of a chunk and the biggest message, not by their sum); the next chunk is
parsed ahead while one is processed, except across a big message."""

from __future__ import annotations

from pathlib import Path

from gateway.receive.bulk import _staged
from gateway.receive.files import (
    ALONE_ABOVE,
    ChunkBreak,
    RawInput,
    UnreadableInput,
    chunked,
    chunked_with_breaks,
    read_inputs,
)
from tests.support.mails import mail


def _refs(chunk: list[RawInput | UnreadableInput]) -> list[str]:
    return [Path(item.ref).name for item in chunk]


def test_a_break_ends_the_chunk_so_far() -> None:
    small = RawInput("a", b"Subject: a\n\nx\n", True)
    items = [small, small, ChunkBreak(), ChunkBreak(), small]
    assert [len(c) for c in chunked(items)] == [2, 1]
    assert [len(c) for c in chunked([ChunkBreak(), small])] == [1]


def test_a_big_file_is_read_alone_after_the_chunk_before_it(tmp_path: Path) -> None:
    for name in ("1.eml", "2.eml"):
        (tmp_path / name).write_bytes(mail(subject=name))
    big = tmp_path / "3.eml"
    big.write_bytes(mail(subject="big", body="x" * ALONE_ABOVE))
    (tmp_path / "4.eml").write_bytes(mail(subject="after"))
    chunks = chunked(read_inputs([str(tmp_path)]))
    assert _refs(next(chunks)) == ["1.eml", "2.eml"]
    big.unlink()  # not read yet: the break came before it
    [gone, after] = next(chunks)
    assert isinstance(gone, UnreadableInput) and gone.ref == str(big)
    assert _refs([after]) == ["4.eml"]
    assert next(chunks, None) is None


def test_files_below_the_threshold_share_a_chunk(tmp_path: Path) -> None:
    for name in ("1.eml", "2.eml"):
        (tmp_path / name).write_bytes(mail(subject=name, body="y" * (ALONE_ABOVE // 4)))
    assert [_refs(c) for c in chunked(read_inputs([str(tmp_path)]))] == [["1.eml", "2.eml"]]


class _Recorder:
    """A ParseAhead that only notes what it was given, in order."""

    def __init__(self) -> None:
        self.submitted: list[bytes] = []

    def submit_many(self, raws: list[bytes]) -> list[None]:
        self.submitted += raws
        return [None for _ in raws]


def _subjects(recorder: _Recorder) -> list[str]:
    return [raw.split(b"Subject: ", 1)[1].split(b"\n", 1)[0].decode() for raw in recorder.submitted]


def test_the_next_chunk_is_parsed_ahead_but_never_past_a_big_message(tmp_path: Path) -> None:
    """While one chunk is processed its successor is already with the parse workers, so
    the runner does not wait for the first parses of each chunk; a big message is not
    read before the chunk ahead of it is done, and nothing is read beside it."""
    names = ["a1", "a2", "b1", "b2", "big", "c1", "d1", "d2", "e1"]
    for n, name in enumerate(names):
        body = "x" * ALONE_ABOVE if name == "big" else "small"
        (tmp_path / f"{n}.eml").write_bytes(mail(subject=name, body=body))
    recorder = _Recorder()
    groups = chunked_with_breaks(read_inputs([str(tmp_path)]), max_items=2)
    seen = []
    for staged in _staged(groups, recorder):  # type: ignore[arg-type]
        seen.append((_refs(staged.mails), _subjects(recorder)))
    assert [refs for refs, _ in seen] == [
        ["0.eml", "1.eml"],
        ["2.eml", "3.eml"],
        ["4.eml", "5.eml"],
        ["6.eml", "7.eml"],
        ["8.eml"],
    ]
    submitted = [subjects for _, subjects in seen]
    assert submitted[0] == ["a1", "a2", "b1", "b2"]  # a's turn: b parsed ahead
    assert submitted[1] == ["a1", "a2", "b1", "b2"]  # b's turn: the big one not read yet
    assert submitted[2] == [*submitted[1], "big", "c1"]  # nothing read beside it
    assert submitted[3] == [*submitted[2], "d1", "d2", "e1"]  # d's turn: e ahead
    assert submitted[4] == submitted[3]
