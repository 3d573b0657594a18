"""Scalar values of composed YAML nodes, typed the way YAML's core schema types them.

The catalog is read as nodes (they keep their line numbers); the reader of
entries and the reader of actions both turn scalars into values here, and a value
put in a problem is shown here as the catalog writes it: ``[vpn]``, never the
parser's node objects.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from gateway.core import graphemes
from gateway.core.i18n import N_, Msg

_BOOL = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
SHOWN = 80  # characters of a value a problem quotes: enough to find it in the file


def scalar(node: Any) -> Any:
    """A scalar node's value, typed the way YAML's core schema would type it; a list or
    a mapping where one value was expected is its text (:func:`shown`), which no check
    for a number, a flag or a pattern takes, and which a problem quotes as written."""
    if not isinstance(node, yaml.ScalarNode):
        return shown(node)
    tag, value = node.tag, str(node.value)
    if tag.endswith(":bool"):
        return _BOOL.get(value.lower(), value)
    if tag.endswith(":int"):
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return value
    if tag.endswith(":float"):
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    return value


def number(node: Any) -> Decimal | None:
    """The finite number a scalar's characters say, quoted or not, or None: how every
    number of the catalog is read (``weight``, ``min``, ``max``, ``step``, ``retries``).
    YAML 1.1 makes ``1e3`` a text (its floats need a point) and ``1.0e3`` a number, and
    a key typed by YAML and one read as a decimal took and refused different numbers; so
    ``1e3``, ``1_000`` and ``'2'`` are numbers everywhere, and a word, a list, a hex
    ``0x10``, ``.inf`` and ``.nan`` nowhere."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    try:
        value = Decimal(str(node.value).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def flag(node: Any) -> bool | None:
    """A flag (``fallback``, ``required``), or None when it is none: ``true``/``false``,
    ``yes``/``no`` and ``on``/``off`` in any case, quoted or not. YAML 1.1 reads a bare
    ``yes`` as true and ``'yes'`` as a text; one rule for every way it is written, so a
    quote a manager adds to be safe changes nothing."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    return _BOOL.get(str(node.value).strip().lower())


def text(r: Any, node: Any, key: str) -> str:
    """A value that is a text (a name, a label, an example): a list or a mapping written
    there is a problem said on its line (``r``: the reader's reporter), not its YAML
    taken for the text ("[win, mac]" shown to a requester as the example). A scalar is
    the text as written, not typed: YAML 1.1 reads ``yes`` as true and ``5.10`` as 5.1,
    but a label ``yes`` or an example ``5.10`` (a version) is those characters."""
    if not isinstance(node, yaml.ScalarNode):
        r.bad(node, not_text(node, key))
        return shown(node)
    return str(node.value)


def not_text(node: Any, key: str) -> Msg:
    return N_("{key} must be a text, not {value!r}", key=key, value=shown(node))


def shown(node: Any) -> str:
    """``node`` in YAML's flow style (``[a, b]``, ``{a: b}``), cut at ``SHOWN``
    characters, for a problem to quote. Written only as far as the cut: a value of
    aliases of aliases ("billion laughs") would be gigabytes written out whole."""
    pieces: list[str] = []
    _flow(node, frozenset(), pieces, [SHOWN + 1])
    text = "".join(pieces)
    return graphemes.shorten(text, SHOWN)


def _flow(node: Any, seen: frozenset[int], out: list[str], left: list[int]) -> None:
    """Append ``node``'s flow text to ``out`` until ``left[0]`` characters are written."""
    if left[0] <= 0:
        return
    if isinstance(node, yaml.ScalarNode):
        _put(str(node.value), out, left)
    elif id(node) in seen:  # an alias inside what it names
        _put("…", out, left)
    elif isinstance(node, yaml.SequenceNode | yaml.MappingNode):
        inner = seen | {id(node)}
        mapping = isinstance(node, yaml.MappingNode)
        _put("{" if mapping else "[", out, left)
        for n, item in enumerate(node.value):
            if left[0] <= 0:
                return
            _put(", " if n else "", out, left)
            if mapping:
                _flow(item[0], inner, out, left)
                _put(": ", out, left)
                _flow(item[1], inner, out, left)
            else:
                _flow(item, inner, out, left)
        _put("}" if mapping else "]", out, left)
    else:
        _put(str(node), out, left)


def _put(text: str, out: list[str], left: list[int]) -> None:
    out.append(text[: max(left[0], 0)])
    left[0] -= len(text)


MERGE = "tag:yaml.org,2002:merge"


def merged(root: Any) -> Any:
    """``root`` with YAML's merge keys applied (``<<: *common``, ``<<: [*a, *b]``), as
    a loader constructing objects would: a mapping's own keys win, and of several merged
    mappings the first. The merged key and value nodes are the ones written under the
    anchor, so a problem in them is reported on the anchor's lines. A merge key naming
    something else than mappings raises the parser's error, on its line."""
    _merge(root, set())
    return root


def _merge(node: Any, seen: set[int]) -> None:
    if id(node) in seen:  # an alias: done where the anchor is (and no loop)
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            _merge(child, seen)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    own = [(k, v) for k, v in node.value if k.tag != MERGE]
    taken = {k.value for k, _ in own}
    inherited = []
    for key, value in node.value:
        if key.tag != MERGE:
            continue
        for source in _sources(key, value):
            _merge(source, seen)
            for k, v in source.value:
                if k.value not in taken:
                    taken.add(k.value)
                    inherited.append((k, v))
    node.value = inherited + own
    for _, value in own:
        _merge(value, seen)


def _sources(key: Any, value: Any) -> list[Any]:
    """The mappings one merge key names: one mapping, or a list of them."""
    found = value.value if isinstance(value, yaml.SequenceNode) else [value]
    if not all(isinstance(n, yaml.MappingNode) for n in found):
        raise yaml.constructor.ConstructorError(
            None, None, "a merge key '<<' takes a mapping or a list of mappings", key.start_mark
        )
    return list(found)


def complex_keys(root: Any) -> list[Any]:
    """The keys under ``root`` that are a list or a mapping (YAML's ``? [a, b] : c``),
    taken out of their mappings: no key of the catalog is one, and every reader looks
    keys up by their text. Handed back for the problem each is, on its line."""
    found: list[Any] = []
    _complex(root, set(), found)
    return found


def _complex(node: Any, seen: set[int], found: list[Any]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        found += [k for k, _ in node.value if not isinstance(k, yaml.ScalarNode)]
        node.value = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]
        children = [v for _, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    else:
        return
    for child in children:
        _complex(child, seen, found)
