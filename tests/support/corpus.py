"""Mail samples for the tests that run over many messages: the repository's own
fixtures (``tests/data/mail``, always there) and the shared real-world corpus
(optional, beside the repository).

The shared corpus lives outside the repository (``$TICKET_GATEWAY_CORPUS``, else
``<repo>/../shared/corpus``) because its messages come from other projects. A
fresh clone has only the own fixtures, so every use of the shared corpus goes
through this module: a test over samples gets the own ones always and the shared
ones when present, and a test of one named shared file is marked ``needs_shared``;
without the corpus, conftest skips those with the test's name and the reason
below, instead of failing to collect.

Both roots have the same layout: ``index.tsv`` with the columns ``path``,
``category`` and ``note``, paths relative to the root.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.paths import DATA, REPO

ENV = "TICKET_GATEWAY_CORPUS"
OWN_ROOT = DATA / "mail"
SHARED_ROOT = Path(os.environ.get(ENV) or REPO.parent / "shared" / "corpus")
SKIP_REASON = f"shared real-world corpus not present at {SHARED_ROOT} (set ${ENV})"

# The categories of both indexes (the shared corpus's, plus "html" for HTML-only mail).
CATEGORIES = (
    "japanese",
    "bounce",
    "auto-reply",
    "mime-edge",
    "html",
    "list",
    "reply-quoting",
    "invite-tnef",
    "plain",
)
# Automated mail that must never get an automatic answer.
MACHINE = ("bounce", "auto-reply")


def shared_present() -> bool:
    """Whether the shared corpus (its index) is where ``SHARED_ROOT`` says."""
    return (SHARED_ROOT / "index.tsv").is_file()


# Marks a test (or one parameter of it) that reads the shared corpus; conftest skips it
# when the corpus is absent, naming the test in the reason so the summary lists them.
needs_shared = pytest.mark.shared_corpus


def skip_reason(test_name: str) -> str:
    return f"{test_name}: {SKIP_REASON}"


@dataclass(frozen=True)
class Sample:
    """One message file with its index row; ``origin`` is ``own`` or ``shared``."""

    origin: str
    root: Path
    rel: str
    category: str
    note: str

    @property
    def path(self) -> Path:
        return self.root / self.rel

    @property
    def id(self) -> str:
        return f"{self.origin}:{self.rel}"

    def raw(self) -> bytes:
        """The bytes as stored: never decoded, never line-ending converted."""
        return self.path.read_bytes()


def _index(origin: str, root: Path) -> list[Sample]:
    with (root / "index.tsv").open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t")
        return [Sample(origin, root, r["path"], r["category"], r["note"]) for r in rows]


def own_samples(*categories: str) -> list[Sample]:
    """The repository's fixtures, of ``categories`` when given, in index order."""
    return [s for s in _index("own", OWN_ROOT) if not categories or s.category in categories]


def shared_samples(*categories: str) -> list[Sample]:
    """The shared corpus, of ``categories`` when given; empty when it is absent."""
    if not shared_present():
        return []
    return [s for s in _index("shared", SHARED_ROOT) if not categories or s.category in categories]


def shared(rel: str) -> Sample:
    """One named file of the shared corpus (use in tests marked ``needs_shared``)."""
    if not shared_present():
        pytest.skip(SKIP_REASON)
    [found] = [s for s in shared_samples() if s.rel == rel]
    return found


def is_machine(sample: Sample) -> bool:
    """A bounce or an auto-reply: filed under its category, or (a bounce kept for its
    line endings) under mime-edge with a note that says "bounce"."""
    return sample.category in MACHINE or "bounce" in sample.note.lower()


def sample_params(*categories: str) -> list[object]:
    """Own and shared samples of ``categories`` (all when none given) as pytest
    parameters with ids ``own:…``/``shared:…``; without the shared corpus, one skipped
    parameter ``shared-corpus`` stands for it, so the run's summary says what was not
    tested."""
    params: list[object] = [pytest.param(s, id=s.id) for s in own_samples(*categories)]
    if shared_present():
        params += [pytest.param(s, id=s.id) for s in shared_samples(*categories)]
    else:
        params.append(pytest.param(None, id="shared-corpus", marks=needs_shared))
    return params


def folder_params() -> list[object]:
    """The message folders of each origin as pytest parameters (a list of folders each:
    the own category folders, the shared ``public`` tree), for tests that ingest whole
    folders; the shared one skipped when absent."""
    own = sorted(p for p in OWN_ROOT.iterdir() if p.is_dir())
    shared_folder = pytest.param(
        [SHARED_ROOT / "public"],
        id="shared",
        marks=needs_shared,
    )
    return [pytest.param(own, id="own"), shared_folder]


def message_files(*folders: Path) -> list[Path]:
    """What ``ingest FOLDER…`` reads there: every ``.eml`` below them, sorted."""
    return sorted(p for folder in folders for p in folder.rglob("*.eml"))
