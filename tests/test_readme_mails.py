"""The README's table of "The other mails, by their subject and first line" is what
the gateway sends.

An admin reads that table to know what their members and customers will get; it had
drifted (a transcript began 「チケット [#42] へのコマンドを…」 there, 「[#42] へのコマンドを…」
in the mail) with no test to say so. Each row is compared with the Japanese rendering
of the samples of its kind (``tests.support.samples``): the subject, and the body's
first sentence after the greeting. Numbers and times are the samples' own, as are
the ticket's subject and the entry's name, so those are read as placeholders; "…" in a
cell ends what is compared.
"""

from __future__ import annotations

import re

import pytest

from gateway.notify import views as v
from gateway.notify.render import Renderer
from tests.support.paths import REPO
from tests.support.samples import SAMPLES

README = (REPO / "README.md").read_text(encoding="utf-8")
# what the samples hold where the README's example has its own words
_DATA = {"<script>alert(1)</script>": "", "Accounts": "アカウント"}
# a time as a reader reads it, or in the plain form some samples give it in
_WHEN = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日\(.\)\s+\d{1,2}:\d{2}\s+[A-Z]+|\d{4}-\d{2}-\d{2} \d{2}:\d{2} [A-Z]+"
)


def _table() -> list[tuple[str, str, str]]:
    """(kind, subject, first line) of each row."""
    section = README.split("The other mails, by their subject and first line:", 1)[1]
    rows = []
    for line in section.split("\n\n", 2)[1].splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append((cells[0].strip("`"), cells[1], cells[2]))
    return rows


def _plain(text: str) -> str:
    """``text`` with the samples' data as the README's, numbers as N, spaces dropped (a
    wrapped line's end is no difference)."""
    for sample, readme in _DATA.items():
        text = text.replace(sample, readme)
    text = _WHEN.sub("WHEN", text)
    return re.sub(r"\d+", "N", "".join(text.split()))


def _matches(readme: str, sent: str) -> bool:
    """Whether what the README shows (up to a "…") is how ``sent`` reads."""
    return any(_plain(sent).startswith(_plain(part)) for part in readme.split(" / "))


def _rendered(kind: str) -> list[tuple[str, str]]:
    """(subject, first paragraph after the greeting) of each sample of ``kind``."""
    found = []
    for view in SAMPLES:
        if v.kind_of(view) == kind:
            mail = Renderer().render(view, "ja")
            paragraphs = [p for p in mail.text.split("\n\n") if p.strip()]
            found.append((mail.subject, paragraphs[1]))
    return found


def test_the_table_lists_kinds_there_are() -> None:
    assert len(_table()) >= 10
    assert {kind for kind, _, _ in _table()} <= {k.name for k in v.MAIL_KINDS.values()}


@pytest.mark.parametrize(("kind", "subject", "first"), _table(), ids=lambda x: str(x)[:20])
def test_each_row_is_what_the_mail_says(kind: str, subject: str, first: str) -> None:
    rendered = _rendered(kind)
    assert rendered, f"no sample of {kind}"
    head = [part.split("…")[0] for part in subject.split(" / ")]
    assert any(_matches(" / ".join(head), s) for s, _ in rendered), (subject, rendered)
    start = first.split("…")[0]
    assert any(_matches(start, body) for _, body in rendered), (first, rendered)
