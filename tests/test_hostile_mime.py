"""Issue #14, findings 9 and 16, and their classes: headers and MIME trees of any size.

* 9: a subject of 60 000 encoded words (1 MB) took 7.9 s, growing with the square
  of its size (mail-parser's header decoding, and our own ``pop(0)``);
* 16: a multipart nested 1 000 levels deep hit ``RecursionError`` and the ticket
  kept no text.

Also 50 000 parts (kept, without one attachment row each), and generated trees:
nesting of every kind and depth, encoded words of mixed charsets and encodings.
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.pipeline.parse.charsets import decode_header_value
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.mime import MAX_ATTACHMENTS
from tests.support import hostile
from tests.support.cpu import cpu_seconds

# ------------------------------------------------------------------ finding 9


@pytest.mark.parametrize("folded", [False, True], ids=["one-line", "folded"])
def test_sixty_thousand_encoded_words_decode_in_linear_time(folded: bool) -> None:
    raw = hostile.encoded_subject(1_000_000, folded)
    with hostile.within(6, "a 1 MB subject of encoded words"):  # 7.9 s before, and growing
        msg = parse_message(raw)
    assert msg.subject == "あ" * (1_000_000 // 69 * 4)
    assert any("parsed without mail-parser" in d for d in msg.defects)


def test_encoded_word_time_grows_linearly() -> None:
    def cost(size: int) -> float:
        value = " ".join(["=?UTF-8?B?44GC?="] * (size // 17))
        return cpu_seconds(lambda: decode_header_value(value))  # CPU: load stretches wall time

    small, big = cost(100_000), cost(800_000)  # each the least of three
    assert big < 8 * small * 3, (small, big)  # 8 × the size: well under 64 × the time


WORDS = [
    "=?UTF-8?B?44GC?=",
    "=?utf-8?q?=E3=81=82?=",
    "=?ISO-2022-JP?B?GyRCJCIbKEI=?=",
    "=?Shift_JIS?B?gqA=?=",
    "=?iso-8859-1?q?=E9?=",
    "=?UTF-8?B?44?=",  # base64 split mid-quantum
    "=?x-unknown?B?QUJD?=",
    "plain",
]


@settings(max_examples=20, deadline=None)
@given(
    unit=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
    sep=st.sampled_from([" ", "", "\r\n "]),
)
def test_long_runs_of_any_encoded_words_decode_quickly(unit: list[str], sep: str) -> None:
    value = sep.join(unit * (40_000 // len(unit)))
    with hostile.within(5, f"{len(unit)}-word units × {40_000 // len(unit)}"):
        text = decode_header_value(value)
    assert "\n" not in text and "=?" not in text.replace("=?x-unknown", "")


def test_a_mixed_subject_still_decodes_right() -> None:
    value = "=?UTF-8?B?44GC?= =?utf-8?q?=E3=81=84?= x =?ISO-2022-JP?B?GyRCJCYbKEI=?="
    assert decode_header_value(value) == "あい x う"


# ------------------------------------------------------------------ finding 16


@pytest.mark.parametrize("depth", [41, 120, 600, 1000, 5000])
def test_deep_nesting_keeps_the_text_of_every_level_and_says_so(depth: int) -> None:
    with hostile.within(10, f"{depth} levels"):
        msg = parse_message(hostile.deep_nesting(depth))
    assert "the innermost text" in msg.text
    for level in {0, 1, depth // 2, depth - 1}:
        assert f"level {level} text" in msg.text
    assert any("nested" in d for d in msg.defects), msg.defects


def _tree(shape: list[str], leaf: str) -> str:
    """A MIME tree: each entry of ``shape`` nests one more container of that type."""
    body = f"Content-Type: text/plain\n\n{leaf}\n"
    for n, kind in reversed(list(enumerate(shape))):
        if kind == "rfc822":
            body = f"Content-Type: message/rfc822\n\nFrom: x@y.test\nSubject: inner\n{body}"
            continue
        boundary = f"z{n}"
        body = (
            f'Content-Type: multipart/{kind}; boundary="{boundary}"\n\n'
            f"--{boundary}\n{body}--{boundary}\nContent-Type: text/plain\n\nbeside {n}\n"
            f"--{boundary}--\n"
        )
    return body


@settings(max_examples=8, deadline=None)
@given(
    shape=st.lists(
        st.sampled_from(["mixed", "alternative", "related", "signed"]), min_size=1, max_size=6
    ).map(lambda unit: (unit * 300)[:1200])
)
def test_any_deep_tree_parses_in_time_and_keeps_its_innermost_text(shape: list[str]) -> None:
    raw = (
        "From: a@b.test\nSubject: deep\nMIME-Version: 1.0\n" + _tree(shape, "innermost")
    ).encode()
    with hostile.within(10, f"a tree {len(shape)} deep"):
        msg = parse_message(raw)
    assert msg.is_mail and "innermost" in msg.text
    assert msg.defects  # the depth is said, not hidden


# ------------------------------------------------------------------ many parts


def test_fifty_thousand_parts_are_kept_without_exploding() -> None:
    with hostile.within(20, "50 000 parts"):
        msg = parse_message(hostile.many_parts(50_000))
    assert "part 0" in msg.text and "part 49999" in msg.text


def test_attachments_beyond_the_cap_are_counted_not_listed() -> None:
    boundary = "b"
    part = base64.encodebytes(b"data").decode()
    body = "".join(
        f"--{boundary}\nContent-Type: application/octet-stream\n"
        f'Content-Disposition: attachment; filename="f{i}.bin"\n'
        f"Content-Transfer-Encoding: base64\n\n{part}"
        for i in range(MAX_ATTACHMENTS + 50)
    )
    raw = (
        f'From: a@b.test\nSubject: files\nContent-Type: multipart/mixed; boundary="{boundary}"\n\n'
        f"{body}--{boundary}--\n"
    ).encode()
    msg = parse_message(raw)
    assert len(msg.attachments) == MAX_ATTACHMENTS
    assert any(f"more than {MAX_ATTACHMENTS} attachments" in d for d in msg.defects)
