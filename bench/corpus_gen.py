"""A deterministic, realistic mail corpus for the ingest benchmark.

Why synthetic: real support mail cannot go into the repository, but throughput
depends on what the mail looks like (charsets, MIME shape, attachment sizes,
how much threading the store must do), so the corpus mimics the mix a Japanese
ops team receives: English and Japanese (ISO-2022-JP, the Windows flavour of
it with NEC special characters, Shift_JIS/CP932 and UTF-8), plain, alternative
and HTML-only bodies, replies, auto-replies, bounces and some large attachments.

Everything comes from one ``random.Random(seed)``; the same seed gives the same
bytes, so two runs (or two machines) measure the same input.

Threading assumption (what the expected counts rely on): only *new requests*
open tickets, and the ingest processes files in name order, so in a fresh
database the k-th new request becomes ticket #k. Replies by subject tag use
that number and always come from the ticket's requester (a tag alone only
attaches mail from a participant); every other reply, auto-reply and bounce
points at an earlier request's Message-ID. If the gateway opens a ticket for
anything else the later tags point at the wrong ticket, and the ticket count
differs from the number of new requests, which the benchmark reports.

The generator is split by job: the vocabulary in :mod:`bench.corpus_words`, the
charset encoders in :mod:`bench.corpus_charsets`, the data model in
:mod:`bench.corpus_model`, a message's parts in :mod:`bench.corpus_parts` and the
kinds of message in :mod:`bench.corpus_messages`; this module keeps the plan
(which kind comes next) and writes the corpus and its manifest.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from bench.corpus_messages import Generator
from bench.corpus_model import Corpus, Spec

__all__ = ["MANIFEST", "Corpus", "Generator", "Spec", "extend", "generate"]

MANIFEST = ".manifest.json"  # a dot file: ``ingest <folder>`` skips it

# (weight, kind) of each message after the first one, which is always a request.
KIND_WEIGHTS = (
    (50, "request"),
    (25, "reply-header"),
    (12, "reply-tag"),
    (8, "auto-reply"),
    (5, "bounce"),
)


def generate(folder: Path, n: int, seed: int) -> Corpus:
    """Write ``n`` messages as 000001.eml … into ``folder``; returns what they are."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(folder, extend(Generator(seed), folder, 1, n))
    (folder / MANIFEST).write_text(
        json.dumps([asdict(s) for s in corpus.specs], ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return corpus


def extend(gen: Generator, folder: Path, first: int, n: int) -> list[Spec]:
    """Messages ``first`` … ``first + n - 1`` of ``gen``'s corpus into ``folder``.

    Called again with the same generator it goes on where it stopped (the same
    threads, the same ticket numbers), so a corpus of any size can be written and
    ingested a chunk at a time (``bench/ingest.py --scale``) without ever being on
    disk or in memory whole."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds = [k for _, k in KIND_WEIGHTS]
    weights = [w for w, _ in KIND_WEIGHTS]
    specs = []
    for index in range(first, first + n):
        name = f"{index:06d}.eml"
        kind = "request" if index == 1 else gen.rng.choices(kinds, weights)[0]
        if kind == "request":
            spec = gen.request(folder, name, index)
        elif kind == "auto-reply":
            spec = gen.auto_reply(folder, name, index)
        elif kind == "bounce":
            spec = gen.bounce(folder, name, index)
        else:
            spec = gen.reply(folder, name, index, by_tag=kind == "reply-tag")
        specs.append(spec)
    return specs
