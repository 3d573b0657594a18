"""Batch ingest's chunks: a big message file starts a chunk of its own, and is read
only after the chunk before it was handed out (issue #18: memory bounded by the
larger of a chunk and the biggest message, not by their sum)."""

from __future__ import annotations

from pathlib import Path

from gateway.receive.files import (
    ALONE_ABOVE,
    ChunkBreak,
    RawInput,
    UnreadableInput,
    chunked,
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
