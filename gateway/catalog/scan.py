"""Which of many literal keywords occur in a text, reading the text once.

Looking for each keyword in the whole text costs keywords × text: 6 000 keywords on a
64 KB mail took 0.6 s, on every message. An Aho–Corasick automaton over the keywords
finds all of them in one pass, in time about the text plus the occurrences. Pure
Python on purpose: a single alternation regex of the keywords is not linear under
Python's ``re`` when the keywords overlap, and the gateway adds no C dependency for
this. Built once per catalog (:func:`gateway.catalog.match.classify` keeps it).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable


class Automaton:
    """The keywords ``words`` as one automaton: a trie whose every node also knows the
    longest proper suffix of its string that is a trie node (``fail``) and every word
    that ends there (``out``: its own and those of its suffixes)."""

    __slots__ = ("_fail", "_goto", "_out")

    def __init__(self, words: Iterable[str]) -> None:
        goto: list[dict[str, int]] = [{}]
        own: list[tuple[str, ...]] = [()]
        for word in dict.fromkeys(w for w in words if w):
            node = 0
            for c in word:
                nxt = goto[node].get(c)
                if nxt is None:
                    nxt = len(goto)
                    goto[node][c] = nxt
                    goto.append({})
                    own.append(())
                node = nxt
            own[node] = (word,)
        fail = [0] * len(goto)
        out = list(own)
        queue = deque(goto[0].values())  # the root's children fail to the root
        while queue:  # breadth first: a node's suffix is done before the node
            node = queue.popleft()
            for c, child in goto[node].items():
                f = fail[node]
                while f and c not in goto[f]:
                    f = fail[f]
                fail[child] = goto[f].get(c, 0) if goto[f].get(c) != child else 0
                out[child] = own[child] + out[fail[child]]
                queue.append(child)
        self._goto, self._fail, self._out = goto, fail, out

    def found(self, text: str, confirm: Callable[[str, int], bool] | None = None) -> set[str]:
        """The words that occur in ``text``; with ``confirm``, only those for which
        ``confirm(word, start)`` holds at some occurrence (a Latin keyword on word
        boundaries). A word once confirmed is not asked about again."""
        goto, fail, out = self._goto, self._fail, self._out
        seen: set[str] = set()
        if len(goto) == 1:  # no words: nothing to read the text for
            return seen
        state = 0
        for i, c in enumerate(text):
            nxt = goto[state].get(c)
            while nxt is None and state:
                state = fail[state]
                nxt = goto[state].get(c)
            state = nxt or 0  # no edge leads back to the root: 0 only from None
            words = out[state]
            if not words:
                continue
            if confirm is None:
                seen.update(words)
                continue
            for word in words:
                if word not in seen and confirm(word, i + 1 - len(word)):
                    seen.add(word)
        return seen


class Prefixes:
    """Keywords that are one run of word characters (``printer``, ``win10``), looked for
    where a word of the text starts: such a keyword can stand as a word nowhere else.
    Each distinct word of the text is asked once, for the keyword lengths there are, so
    the cost is the text plus its words × those lengths, whatever the keywords nest
    (a, aa, aaa in "aaaa…" cost the automaton a pattern call per occurrence)."""

    __slots__ = ("_lengths", "_run", "_words")

    def __init__(self, words: Iterable[str], word_chars: str) -> None:
        self._words = frozenset(words)
        self._lengths = sorted({len(w) for w in self._words})
        self._run = re.compile(f"[{word_chars}]+")

    def found(self, text: str, confirm: Callable[[str, str], bool]) -> set[str]:
        """The keywords that begin some word of ``text`` and for which ``confirm(keyword,
        word)`` holds (the word taken alone, as it stands between non-word characters)."""
        seen: set[str] = set()
        if not self._words:
            return seen
        for word in set(self._run.findall(text)):
            for n in self._lengths:
                if n > len(word):
                    break
                head = word[:n]
                if head in self._words and head not in seen and confirm(head, word):
                    seen.add(head)
        return seen
