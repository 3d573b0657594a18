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
    keywords = list(dict.fromkeys(t for t in terms if t.strip()))[:MAX_KEYWORDS]
    if not keywords:
        return ""
    entry = {
        "id": _free_id(keywords, taken_ids),
        "name": {"ja": keywords[0], "en": keywords[0]},
        "keywords": keywords,
    }
    text = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    return "".join(f"  {line}\n" for line in text.splitlines())


def _free_id(keywords: Sequence[str], taken: Sequence[str]) -> str:
    latin = next((k for k in keywords if re.fullmatch(r"[a-z][a-z0-9_-]{0,40}", k)), "new-entry")
    candidate, n = latin, 2
    while candidate in taken:
        candidate, n = f"{latin}-{n}", n + 1
    return candidate
