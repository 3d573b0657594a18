"""An entry's ``fields:`` in the catalog YAML (its parameter sheet), with every
problem's line: the form's controls, the acknowledgement's questions and the
action's document all come from what is read here.

    fields:
      - name: quantity
        type: number
        required: true
        min: 1                       # bounds of a number, inclusive (either may go)
        step: 1                      # the minimum (or 0) plus whole steps: 1 is whole numbers
        label: {ja: 数量, en: Quantity}
      - name: budget
        type: choice
        choices:                     # the value is stored; the label is what people read
          - opex                     # its own label
          - {value: capex, label: {ja: 設備投資, en: Capital expense}}
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

import yaml

from gateway.catalog.model import FIELD_TYPES, Field
from gateway.catalog.nodes import number, scalar, shown, text
from gateway.catalog.numbers import MAX_DIGITS
from gateway.core.i18n import N_, Msg
from gateway.core.spelling import meant
from gateway.core.text import normalise

_FIELD_KEYS = frozenset(
    {"name", "label", "type", "choices", "required", "example", "min", "max", "step"}
)
_CHOICE_KEYS = frozenset({"value", "label"})


class Reporter(Protocol):
    def bad(self, node: Any, message: str | Msg) -> None: ...

    def bad_in_entry(self, node: Any, key: str, problem: str | Msg) -> None: ...

    def mapping(self, node: Any, what: str | Msg, *, quiet: bool = False) -> dict[str, Any]: ...

    def names(self, pair: Any, owner: Any, what: str) -> dict[str, str]: ...

    def boolean(self, node: Any, what: str) -> bool: ...


def read_fields(r: Reporter, pair: Any) -> tuple[Field, ...]:
    """The entry's fields (``pair``: key and value nodes of ``fields``, or None); a
    field with a problem is reported and left out, so one typo costs one field."""
    if pair is None:
        return ()
    if not isinstance(pair[1], yaml.SequenceNode):
        r.bad(pair[1], N_("fields must be a list"))
        return ()
    out: list[Field] = []
    for node in pair[1].value:
        f = _field(r, node)
        if f is not None and any(o.name == f.name for o in out):
            r.bad(node, N_("duplicate field {name!r}", name=f.name))
        elif f is not None:
            out.append(f)
    return tuple(out)


def _field(r: Reporter, node: Any) -> Field | None:
    m = r.mapping(node, N_("a field"))
    if not m:
        return None
    for k, _ in m.values():
        if k.value not in _FIELD_KEYS and (near := meant(str(k.value), sorted(_FIELD_KEYS))):
            r.bad(
                k,
                N_(
                    "unknown key {key!r} in a field; did you mean {known!r}?",
                    key=k.value,
                    known=near,
                ),
            )
        elif k.value not in _FIELD_KEYS:
            r.bad(k, N_("unknown key {key!r} in a field", key=k.value))
    if "name" not in m:
        r.bad(node, N_("a field needs a 'name'"))
        return None
    name = text(r, m["name"][1], "name")
    ftype = str(scalar(m["type"][1])) if "type" in m else "text"
    if ftype not in FIELD_TYPES:
        r.bad(
            m["type"][1],
            N_(
                "unknown field type {type!r} ({types})",
                type=ftype,
                types=", ".join(FIELD_TYPES),
            ),
        )
    choices, choice_labels = _choices(r, m.get("choices"), name)
    if ftype == "choice" and not choices:
        r.bad(node, N_("field {name!r} of type choice needs a 'choices' list", name=name))
    labels = r.names(m["label"], node, "label") if "label" in m else {}
    required = "required" in m and r.boolean(m["required"][1], "required")
    example = text(r, m["example"][1], "example") if "example" in m else ""
    least, most = (_bound(r, m.get(key), ftype) for key in ("min", "max"))
    if least is not None and most is not None and least > most:
        r.bad(m["min"][1], N_("min {least} is above max {most}", least=str(least), most=str(most)))
        least = most = None
    step = _step(r, m.get("step"), ftype)
    return Field(name, labels, ftype, choices, required, example, choice_labels, least, most, step)


def _bound(r: Reporter, pair: Any, ftype: str) -> Decimal | None:
    """A ``min`` or ``max``: a finite number, on a number field only (a date or a text
    has no order a bound could mean)."""
    if pair is None:
        return None
    key = str(pair[0].value)
    if ftype != "number":
        r.bad(pair[0], N_("{key!r} applies to number fields only", key=key))
        return None
    value = number(pair[1])
    if value is None:
        r.bad(pair[1], N_("{key} must be a number, not {value!r}", key=key, value=shown(pair[1])))
        return None
    return value


def _step(r: Reporter, pair: Any, ftype: str) -> Decimal | None:
    """A ``step``: a number above 0 (of a size a value may have), on a number field only."""
    if pair is None:
        return None
    if ftype != "number":
        r.bad(pair[0], N_("{key!r} applies to number fields only", key="step"))
        return None
    value = number(pair[1])
    if value is None or value <= 0 or abs(value.adjusted()) > MAX_DIGITS:
        r.bad(pair[1], N_("step must be a number above 0, not {value!r}", value=shown(pair[1])))
        return None
    return value


def _choices(
    r: Reporter, pair: Any, field: str
) -> tuple[tuple[str, ...], dict[str, dict[str, str]]]:
    """The values, and the labels of those written ``{value: opex, label: {ja: 運用費,
    en: Operating expense}}`` (a plain ``opex`` is its own label in every language). A
    value written twice, or in two spellings a reply cannot tell apart (``mac`` and
    ``MAC``, ``ｍａｃ``: :func:`gateway.catalog.sheet.validate` compares them after NFKC and
    case folding), is a problem naming the entry and the field: a reply saying it would
    name two choices, and be refused."""
    if pair is None:
        return (), {}
    if not isinstance(pair[1], yaml.SequenceNode):
        r.bad(pair[1], N_("choices must be a list"))
        return (), {}
    values: list[str] = []
    labels: dict[str, dict[str, str]] = {}
    seen: dict[str, str] = {}  # a value as a reply is compared → as first written
    for node in pair[1].value:
        if isinstance(node, yaml.ScalarNode):
            value = str(node.value)
        else:
            m = r.mapping(node, N_("a choice"))
            for k, _ in m.values():
                if k.value not in _CHOICE_KEYS:
                    r.bad(k, N_("unknown key {key!r} in a choice (value, label)", key=k.value))
            if "value" not in m:
                if m:
                    r.bad(node, N_("a choice needs a 'value'"))
                continue
            value = text(r, m["value"][1], "value")
            if "label" in m:
                labels[value] = r.names(m["label"], node, "label")
        compared = normalise(value).strip()
        if compared in seen:
            problem = N_(
                "field {field!r}: choice {value!r} is written twice ({first!r} before it;"
                " case and width do not count): write each choice once",
                field=field,
                value=value,
                first=seen[compared],
            )
            r.bad_in_entry(node, "choices", problem)
            continue
        seen[compared] = value
        values.append(value)
    return tuple(values), labels
