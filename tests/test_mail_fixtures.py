"""The repository's own mail fixtures are what their generator builds, are all
indexed, cover every category, keep their line endings, and are not copies of the
shared corpus.

Every test that runs "over all messages" relies on these files being there: if a
category lost its fixtures, those tests would quietly check less, so this module
fails instead.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from tests.support.corpus import (
    CATEGORIES,
    OWN_ROOT,
    message_files,
    needs_shared,
    own_samples,
    shared_samples,
)
from tests.support.mailgen import render

# What each category must at least hold for the tests over it to mean something.
MINIMUM = {
    "japanese": 10,
    "bounce": 8,
    "auto-reply": 6,
    "mime-edge": 15,
    "html": 3,
    "list": 3,
    "reply-quoting": 10,
    "invite-tnef": 1,
    "plain": 2,
}


def test_committed_files_are_what_the_generator_builds() -> None:
    built = render()
    on_disk = {
        p.relative_to(OWN_ROOT).as_posix(): p.read_bytes()
        for p in OWN_ROOT.rglob("*")
        if p.is_file()
    }
    stale = sorted(rel for rel in built if on_disk.get(rel) != built[rel])
    extra = sorted(set(on_disk) - set(built))
    assert not stale and not extra, (
        f"run `python -m tests.support.mailgen`: differs {stale}, not generated {extra}"
    )


def test_index_lists_every_message_file_once() -> None:
    indexed = [s.rel for s in own_samples()]
    assert len(indexed) == len(set(indexed))
    files = [p.relative_to(OWN_ROOT).as_posix() for p in message_files(OWN_ROOT)]
    assert sorted(indexed) == files
    assert all(s.category == s.rel.split("/")[0] for s in own_samples())


def test_every_category_has_enough_fixtures() -> None:
    assert set(MINIMUM) == set(CATEGORIES)
    counts = Counter(s.category for s in own_samples())
    short = {c: counts[c] for c, least in MINIMUM.items() if counts[c] < least}
    assert not short, f"too few own fixtures: {short}"
    assert all(s.note for s in own_samples())


@pytest.mark.parametrize(
    ("rel", "eol"),
    [
        ("mime-edge/crlf-sendmail-bounce.eml", b"\r\n"),
        ("mime-edge/cr-only-exim-bounce.eml", b"\r"),
        ("mime-edge/bom-and-blank-lines.eml", b"\r\n"),
    ],
)
def test_line_endings_survive(rel: str, eol: bytes) -> None:
    """git must not normalise these (.gitattributes: ``*.eml binary``)."""
    raw = (OWN_ROOT / rel).read_bytes()
    lone = raw.replace(b"\r\n", b"")
    if eol == b"\r\n":
        assert raw.count(b"\r\n") > 5 and b"\n" not in lone and b"\r" not in lone
    else:
        assert raw.count(b"\r") > 5 and b"\n" not in raw


def test_mixed_line_endings_are_mixed() -> None:
    raw = (OWN_ROOT / "mime-edge/mixed-line-endings.eml").read_bytes()
    assert b"\r\n" in raw and b"\r" in raw.replace(b"\r\n", b"") and b"\n" in raw


@needs_shared
def test_no_fixture_is_a_copy_of_the_shared_corpus() -> None:
    shared = {hashlib.sha256(s.raw()).hexdigest(): s.rel for s in shared_samples()}
    assert shared
    copies = {
        s.rel: shared[d]
        for s in own_samples()
        if (d := hashlib.sha256(s.raw()).hexdigest()) in shared
    }
    assert not copies
