"""Scalar values of composed YAML nodes, typed the way YAML's core schema types them.

The catalog is read as nodes (they keep their line numbers); the reader of
entries and the reader of actions both turn scalars into values here.
"""

from __future__ import annotations

from typing import Any

import yaml

_BOOL = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def scalar(node: Any) -> Any:
    """A scalar node's value, typed the way YAML's core schema would type it."""
    if not isinstance(node, yaml.ScalarNode):
        return node.value
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
