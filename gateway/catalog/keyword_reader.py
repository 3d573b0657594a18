"""An entry's ``keywords`` and ``negative`` in the catalog YAML, with every problem's
line: the terms and patterns :mod:`gateway.catalog.match` looks for.

    keywords:
      - vpn                          # a term: a whole word (Latin), a substring (CJK)
      - {term: リモートアクセス, weight: 2}
      - {regex: 'anyconnect|globalprotect'}   # RE2: linear time
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Protocol

import yaml

from gateway.catalog.linear import compile_keyword
from gateway.catalog.model import Keyword
from gateway.catalog.nodes import not_text, number, shown
from gateway.core.i18n import N_, Msg
from gateway.core.text import for_matching, is_cjk, keyword_form, same_script

_KEYWORD_KEYS = frozenset({"term", "regex", "weight"})


class Reporter(Protocol):
    def bad(self, node: Any, message: str | Msg) -> None: ...
    def bad_in_entry(self, node: Any, key: str, problem: str | Msg) -> None: ...

    def mapping(self, node: Any, what: str | Msg, *, quiet: bool = False) -> dict[str, Any]: ...


def read_keywords(r: Reporter, pair: Any) -> tuple[Keyword, ...]:
    """An entry's ``keywords`` or ``negative`` (``pair``: key and value nodes, or None);
    a keyword with a problem is reported and left out."""
    if pair is None:
        return ()
    key = str(pair[0].value)
    if not isinstance(pair[1], yaml.SequenceNode):  # said with the key as written
        r.bad_in_entry(pair[1], key, _not_a_list(pair[1]))
        return ()
    return _once(k for n in pair[1].value if (k := _keyword(r, n, key)) is not None)


def _once(keywords: Iterable[Keyword]) -> tuple[Keyword, ...]:
    """Each keyword once, where it is first written, at the highest weight it is given:
    ``vpn``, ``VPN`` and ``ＶＰＮ`` (or one pattern twice) are one word to the matcher,
    and a word counts once per place however often the entry lists it."""
    kept: dict[tuple[bool, str, bool], Keyword] = {}
    for kw in keywords:
        same = (kw.regex is not None, kw.text, kw.same_script)
        first = kept.setdefault(same, kw)
        if kw.weight > first.weight:
            kept[same] = replace(first, weight=kw.weight)
    return tuple(kept.values())


def _keyword(r: Reporter, node: Any, where: str) -> Keyword | None:
    """One keyword of ``where`` (``keywords`` or ``negative``). A negative keyword's
    ``weight`` was taken and never used (any one found vetoes the entry): a problem
    naming the entry, said for a keyword that is otherwise kept (one mistake in a
    keyword, one problem)."""
    kw = _read_keyword(r, node, where)
    weight = _written_weight(node)
    if kw is not None and where == "negative" and weight is not None:
        r.bad_in_entry(
            weight,
            where,
            N_("a weight does nothing here: any negative keyword found vetoes the entry"),
        )
    return kw


def _written_weight(node: Any) -> Any:
    """The ``weight`` value node of a keyword written as a mapping, or None."""
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if k.value == "weight"), None)


def _read_keyword(r: Reporter, node: Any, where: str) -> Keyword | None:
    """A regex that cannot be used is said with its entry and ``where``, as ``catalog
    check`` lists many."""
    if isinstance(node, yaml.ScalarNode):
        return _term_of(r, node, 1.0)
    m = r.mapping(node, N_("a keyword"))
    if not isinstance(node, yaml.MappingNode):  # said: one mistake, one problem
        return None
    for k, _ in m.values():
        if k.value not in _KEYWORD_KEYS:
            r.bad(k, N_("unknown key {key!r} in a keyword (term, regex, weight)", key=k.value))
    weight = _weight(r, m.get("weight"))
    if ("term" in m) == ("regex" in m):
        r.bad(node, N_("a keyword needs exactly one of 'term' and 'regex'"))
        return None
    key = "term" if "term" in m else "regex"
    if not isinstance(m[key][1], yaml.ScalarNode):
        r.bad(m[key][1], not_text(m[key][1], key))
        return None
    if key == "term":
        return _term_of(r, m["term"][1], weight)
    pattern = str(m["regex"][1].value)
    compiled, problem = compile_keyword(pattern)  # RE2: linear time (issue #14)
    if compiled is None:
        why = problem or N_("bad regular expression {pattern!r}", pattern=pattern)
        r.bad_in_entry(m["regex"][1], where, why)
        return None
    return Keyword(source=pattern, text=pattern, weight=weight, regex=compiled)


def _not_a_list(node: Any) -> Msg:
    """What a ``keywords`` or ``negative`` that is no list is told: a word written alone
    (``negative: survey``) is shown in brackets, which is the list meant."""
    if isinstance(node, yaml.ScalarNode) and (node.tag.endswith(":null") or not node.value):
        return N_("must be a list: write the keywords in [ ], or leave the key out")
    value = shown(node)
    return N_("must be a list, not {value!r}: write [{value}]", value=value)


def _term_of(r: Reporter, node: Any, weight: float) -> Keyword | None:
    """A ``term`` keyword, or None with the problem said: one left empty (YAML's
    ``~``/``null`` too, never the word "null") matches nothing, and one of marks alone
    (``ー``, ``-``) nearly every mail; neither is what anyone meant."""
    source = "" if node.tag.endswith(":null") else str(node.value)
    kw = _term(source, weight)
    if not kw.text:
        r.bad(node, N_("an empty keyword: write a word, or leave the line out"))
        return None
    if not any(c.isalnum() for c in kw.text.replace("ー", "")):
        r.bad(
            node,
            N_(
                "keyword {keyword!r} has no letter or digit: nearly every mail would hold it",
                keyword=source,
            ),
        )
        return None
    return kw


def _weight(r: Reporter, pair: Any) -> float:
    if pair is None:
        return 1.0
    value = number(pair[1])  # as min and max are read: 1e3 is 1000 (YAML 1.1: a text)
    weight = float(value) if value is not None else 0.0
    # 1.0e+400 is a float's infinity (no score JSON can hold) and 1e-400 its 0
    if not 0 < weight < math.inf:
        r.bad(pair[1], N_("weight must be a number above 0, not {value!r}", value=shown(pair[1])))
        return 1.0
    return weight


def _term(source: str, weight: float) -> Keyword:
    normalised = for_matching(source).strip()
    text = keyword_form(normalised)
    return Keyword(
        source=source,
        text=text,
        weight=weight,
        cjk=is_cjk(text),
        same_script=is_cjk(text) and same_script(normalised),
    )
