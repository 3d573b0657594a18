"""Big base64 parts hashed ahead (:mod:`gateway.pipeline.parse.slim`): the same
ParsedMessage as a parse of every byte, for every message we have.

Each message is parsed three ways and compared: the reference (``slim_above=None``:
no slimming), in process with a tiny threshold (so that ordinary fixtures' small
attachments are slimmed too), and prepared for a worker (pickled, as it travels)
then parsed from the slim copy alone. A slim parse may give up (None: the parsers
read the structure otherwise, the caller parses the whole), but it may never
differ; and the corpora must really be slimmed, or these tests would prove nothing.
"""

from __future__ import annotations

import base64
import hashlib
import pickle
import random
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest

from bench.corpus_gen import generate
from gateway.pipeline.parse.attachment_data import attachment_data
from gateway.pipeline.parse.message import SlimMessage, parse_message, parse_prepared, prepare
from gateway.pipeline.parse.slim import slim
from tests.support import hostile
from tests.support.corpus import Sample, own_samples, sample_params

TINY = 64  # slim every base64 run longer than this: the fixtures' attachments are small


def compare(raw: bytes) -> str:
    """How the slim parses went ("slim", "whole": it gave up, "none": nothing to slim),
    asserting that each one that stood equals the reference."""
    reference = parse_message(raw, slim_above=None)
    assert parse_message(raw, slim_above=TINY) == reference
    prepared = prepare(raw, slim_above=TINY)
    if not isinstance(prepared, SlimMessage):
        assert prepared is raw
        return "none"
    assert len(prepared.slimmed.data) < len(raw)
    parsed = parse_prepared(pickle.loads(pickle.dumps(prepared)))
    if parsed is None:
        return "whole"
    assert parsed == reference
    return "slim"


@pytest.mark.parametrize("sample", sample_params())
def test_every_fixture_mail_parses_the_same_slim(sample: Sample | None) -> None:
    assert sample is not None
    compare(sample.raw())


def test_the_fixtures_with_attachments_are_really_slimmed() -> None:
    outcomes = Counter(compare(s.raw()) for s in own_samples())
    assert outcomes["slim"] >= 3, outcomes


def test_the_generated_bench_corpus_parses_the_same_slim(tmp_path: Path) -> None:
    generate(tmp_path / "corpus", 300, seed=7)
    files = sorted((tmp_path / "corpus").glob("*.eml"))
    outcomes = Counter(compare(f.read_bytes()) for f in files)
    assert outcomes["slim"] >= 20, outcomes  # 12 % of the corpus carries attachments
    assert outcomes["whole"] <= outcomes["slim"] // 4, outcomes


HOSTILE = [
    *(hostile.long_line(shape, 5_000) for shape in hostile.LINE_SHAPES),
    hostile.many_lines("dashes", 20_000),
    hostile.fences(5_000),
    hostile.sheet_lines(5_000),
    hostile.encoded_subject(20_000),
    hostile.long_message_id(3_000),
    hostile.many_cc(500),
    hostile.many_references(500),
    hostile.nested_html(5_000),
    hostile.unclosed_html(5_000),
    hostile.many_parts(500),
    hostile.deep_nesting(150),
    hostile.normal(20_000),
]


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_mails_parse_the_same_slim(raw: bytes) -> None:
    compare(raw)


# ----------------------------------------------------------- crafted messages

HEAD = "From: a@example.test\nTo: b@example.test\nSubject: s\nMessage-ID: <m@example.test>\n"


def b64(data: bytes, width: int = 76) -> str:
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def mixed(*parts: str, head: str = HEAD, boundary: str = "BB") -> bytes:
    body = "".join(f"--{boundary}\n{p}\n" for p in parts) + f"--{boundary}--\n"
    ctype = f'Content-Type: multipart/mixed; boundary="{boundary}"\n'
    return f"{head}MIME-Version: 1.0\n{ctype}\n{body}".encode()


TEXT = "Content-Type: text/plain\n\nhello\n"
DATA = random.Random(3).randbytes(3000)


def attachment(body: str, *, name: str = "a.bin", extra: str = "") -> str:
    named = f'Content-Disposition: attachment; filename="{name}"\n' if name else ""
    return (
        f"Content-Type: application/octet-stream\n{named}"
        f"Content-Transfer-Encoding: base64\n{extra}\n{body}\n"
    )


CRAFTED = {
    # what is slimmed
    "plain": (mixed(TEXT, attachment(b64(DATA))), "slim"),
    "crlf": (mixed(TEXT, attachment(b64(DATA))).replace(b"\n", b"\r\n"), "slim"),
    "no blank line before the boundary": (mixed(TEXT, attachment(b64(DATA))[:-1]), "slim"),
    "two, one the same twice": (
        mixed(TEXT, attachment(b64(DATA)), attachment(b64(DATA), name="b.bin")),
        "slim",
    ),
    "blank and nameless (not listed)": (
        mixed(TEXT, attachment(b64(b" \n" * 900), name="")),
        "slim",
    ),
    "blank with a name (listed)": (mixed(TEXT, attachment(b64(b" \n" * 900))), "slim"),
    "no Message-ID (synthetic)": (
        mixed(TEXT, attachment(b64(DATA)), head=HEAD.replace("Message-ID", "X-Old-Id")),
        "slim",
    ),
    "header repaired": (
        mixed(TEXT, attachment(b64(DATA)), head=HEAD.replace("Subject: s\n", "Subject: s\nmore\n")),
        "slim",
    ),
    "loose transfer encoding": (
        mixed(TEXT, attachment(b64(DATA)).replace("base64", "base64 (by hand)", 1)),
        "slim",
    ),
    "one part, no multipart": (
        f"{HEAD}Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
        f"{b64(DATA)}\n".encode(),
        "slim",
    ),
    "short lines": (mixed(TEXT, attachment(b64(DATA, width=4))), "slim"),
    "beyond the parts mail-parser is given": (
        mixed(*[TEXT] * 210, attachment(b64(DATA))),
        "slim",
    ),
    # what is left alone: the stdlib would note a defect, or the lines are not clean
    "bad padding": (mixed(TEXT, attachment(b64(DATA)[:-1])), "none"),
    "a stray character": (mixed(TEXT, attachment(b64(DATA).replace("\n", "*\n", 1))), "none"),
    "trailing spaces": (mixed(TEXT, attachment(b64(DATA).replace("\n", " \n"))), "none"),
    "a lone CR": (mixed(TEXT, attachment(b64(DATA).replace("\n", "\r", 1))), "none"),
    "a blank line inside": (mixed(TEXT, attachment(b64(DATA).replace("\n", "\n\n", 1))), "none"),
    "padding in the middle": (
        mixed(TEXT, attachment(b64(DATA[:301]) + "\n" + b64(DATA[:300]))),
        "none",
    ),
    "not base64 at all": (
        mixed(TEXT, attachment(b64(DATA)).replace("base64", "7bit")),
        "none",
    ),
    "a body text part": (
        mixed(
            "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
            + b64(b"line of text\n" * 300)
        ),
        "none",
    ),
}


@pytest.mark.parametrize(("raw", "expected"), CRAFTED.values(), ids=CRAFTED.keys())
def test_crafted_shapes_are_slimmed_or_left_alone(raw: bytes, expected: str) -> None:
    assert compare(raw) == expected


def test_a_part_the_pass_misreads_falls_back_to_the_whole() -> None:
    """An attachment inside an attached message: the pass sees boundary lines, not
    the tree, and slims it; the walk keeps the attached message whole (its bytes, now
    with the sentinel in them, are what is hashed), so the slim parse gives up and the
    whole parse says the same as the reference."""
    inner = mixed(TEXT, attachment(b64(DATA)), boundary="CC").decode()
    raw = mixed(TEXT, f"Content-Type: message/rfc822\n\n{inner}")
    assert compare(raw) == "whole"


def test_the_slim_copy_keeps_size_and_hash_of_what_it_replaced() -> None:
    raw = mixed(TEXT, attachment(b64(DATA)), attachment(b64(DATA[:1000]), name="c.bin"))
    found = slim(raw, above=TINY)
    assert found is not None
    sizes = sorted((p.size, p.sha256) for p in found.parts.values())
    assert sizes == sorted((len(d), hashlib.sha256(d).hexdigest()) for d in (DATA, DATA[:1000]))
    assert b64(DATA).encode() not in found.data
    assert parse_message(raw).attachments == parse_message(raw, slim_above=None).attachments


def test_a_big_attachment_is_never_in_memory_whole() -> None:
    """8 MB of attachment parsed with the default threshold: the parse's peak
    allocation stays below the attachment's own size (the whole parse made about ten
    copies of it)."""
    data = random.Random(5).randbytes(8_000_000)
    raw = mixed(TEXT, attachment(b64(data)))
    tracemalloc.start()
    try:
        parsed = parse_message(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert parsed.attachments[0].size == len(data)
    assert parsed.attachments[0].sha256 == hashlib.sha256(data).hexdigest()
    assert peak < 8_000_000, f"peak {peak / 1e6:.1f} MB"


HOSTILE_BIG = {
    "dash lines": b"From: a@b.test\n\n" + b"-\n" * 5_000_000,
    "one long base64 line": b"From: a@b.test\n\n" + b"QUFB" * 3_000_000,
    "blank lines": b"From: a@b.test\n\n" + b"QUFB\n\n" * 2_000_000,
    "base64 lines and dashes": b"From: a@b.test\n\n" + b"QUFBQUFB\n-\n" * 1_000_000,
}


@pytest.mark.parametrize("raw", HOSTILE_BIG.values(), ids=HOSTILE_BIG.keys())
def test_the_pass_is_linear_on_hostile_shapes(raw: bytes) -> None:
    with hostile.within(5, "the slimming pass over 10 MB"):
        slim(raw)


def test_a_download_of_a_big_attachment_is_decoded_from_its_run() -> None:
    """attachment_data() decodes a big part from its lines alone (no parse holding
    copies of it); a small one of the same message still comes through the walk."""
    big = random.Random(6).randbytes(3_000_000)
    small = DATA
    raw = mixed(TEXT, attachment(b64(big)), attachment(b64(small), name="small.bin"))
    listed = {a.sha256 for a in parse_message(raw).attachments}
    for data in (big, small):
        sha = hashlib.sha256(data).hexdigest()
        assert sha in listed
        assert attachment_data(raw, sha) == data
    for data in (big, small):
        tracemalloc.start()
        try:
            attachment_data(raw, hashlib.sha256(data).hexdigest())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 3 * len(big), f"peak {peak / 1e6:.1f} MB"  # the walk: about ten times
