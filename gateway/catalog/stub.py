"""A ready-to-paste catalog entry for terms that keep landing under the fallback.

The board's "other" panel shows the words most fallback tickets share; this
turns the top ones into an entry stub (id, names, keywords; the assignee, SLA and
fields left for the team to add) that ``catalog check`` accepts once pasted under
``entries:``. Pure: terms in, YAML text out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml

MAX_KEYWORDS = 8


def entry_stub(terms: Sequence[str], taken_ids: Sequence[str] = ()) -> str:
    """YAML for one entry (indented as an item of ``entries:``) keyed by ``terms``."""
    keywords = _keywords(terms)
    if not keywords:
        return ""
    entry = {
        "id": free_id(terms, taken_ids),
        "name": {"ja": keywords[0], "en": keywords[0]},
        "keywords": keywords,
    }
    text = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    return "".join(f"  {line}\n" for line in text.splitlines())


def free_id(terms: Sequence[str], taken: Sequence[str]) -> str:
    """The id :func:`entry_stub` gives: the first Latin word, else ``new-entry``, with a
    number where the catalog (or another stub beside it) has it already."""
    latin = next(
        (k for k in _keywords(terms) if re.fullmatch(r"[a-z][a-z0-9_-]{0,40}", k)), "new-entry"
    )
    candidate, n = latin, 2
    while candidate in taken:
        candidate, n = f"{latin}-{n}", n + 1
    return candidate


def _keywords(terms: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(t for t in terms if t.strip()))[:MAX_KEYWORDS]
