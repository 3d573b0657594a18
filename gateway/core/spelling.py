"""Which known word an unknown one most likely meant: "did you mean" for everything a
person types against a fixed list of words (a reply command, a catalog entry's id, a
key of the config file or of the catalog), so they all guess the same way."""

from __future__ import annotations

import difflib
from collections.abc import Collection


def meant(word: str, words: Collection[str]) -> str | None:
    """The word of ``words`` an unknown ``word`` most likely meant, or None: the one it
    begins (``/pend``, at least three letters), else the one a slip of the fingers away
    (``/clsoe``, ``/asign``, ``/closed``), as git answers "did you mean". A word near none
    (``/frobnicate``) or the start of several (``/c``) names nothing."""
    if len(word) > 40:  # no command or key is that long; and the comparison stays cheap
        return None
    begun = [w for w in words if w.startswith(word)] if len(word) >= 3 else []
    if len(begun) == 1:
        return begun[0]
    # two letters swapped (``ulr``, ``dri``): the commonest slip, which the ratio below
    # misses in a short word (``ulr``/``url`` is 0.67); one swap away from one word only
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    slipped = [w for w in words if w in swapped and w != word]
    if len(slipped) == 1:
        return slipped[0]
    near = difflib.get_close_matches(word, list(words), n=1, cutoff=0.75)
    return near[0] if near else None
