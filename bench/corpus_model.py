"""What the bench corpus generator knows about its mail, and what it promises the benches.

:class:`Spec` and :class:`Corpus` are what a bench gets back (each file and what a
correct parse of it must show); :class:`Person` and :class:`Thread` are the
generator's own bookkeeping. They sit in a module of their own so the builders
(:mod:`bench.corpus_parts`, :mod:`bench.corpus_messages`) and the plan
(:mod:`bench.corpus_gen`) can share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Person:
    """A correspondent; one person always writes with the same client and charset."""

    name: str
    email: str
    lang: str  # en | ja
    charset: str  # us-ascii | utf-8 | iso-2022-jp | iso-2022-jp-nec | shift_jis
    label: str  # the charset name the client writes into Content-Type
    style: str  # plain | alternative | html
    crlf: bool
    mailer: str | None


@dataclass(slots=True)
class Thread:
    """A ticket as the generator expects the gateway to see it."""

    ticket: int
    subject: str
    requester: Person
    cc: list[Person]
    mids: list[str]
    quote: list[str]


@dataclass(frozen=True, slots=True)
class Spec:
    """One generated file and what a correct parse of it must show."""

    name: str
    kind: str  # request | reply-header | reply-tag | auto-reply | bounce
    charset: str  # iso-2022-jp+nec when NEC characters are really in it
    style: str  # plain | alternative | html | report
    ticket: int  # the ticket it should create or join
    message_id: str
    subject: str  # the decoded subject
    expect_text: tuple[str, ...]  # substrings of the parsed text (whitespace ignored)
    forbid_text: tuple[str, ...]  # must not leak into the text (script and style)
    attachment_sizes: tuple[int, ...]
    size: int = 0


@dataclass(slots=True)
class Corpus:
    folder: Path
    specs: list[Spec] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return [self.folder / s.name for s in self.specs]

    def count(self, **match: object) -> int:
        return sum(all(getattr(s, k) == v for k, v in match.items()) for s in self.specs)
