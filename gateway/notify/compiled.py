"""Compiled templates kept for the process, shared by every Jinja environment of a kind.

Jinja compiles a template to Python once per environment; a new environment (a
:class:`~gateway.notify.render.Renderer` for another templates folder, a second one
after the catalog's mails are checked, every renderer a test builds) lexed, parsed and
compiled the same files again: about ten milliseconds each, most of the time a
mail's first rendering takes. This keeps the compiled code by the template's name and
file, as Jinja's own bytecode caches do, checked against the source's checksum when it
is loaded, so an edited file is compiled anew. In memory only: nothing is written
where another user could change the code this process runs.

An environment's options shape the code it compiles (a sandbox intercepts ``*`` and
``**``: :mod:`gateway.notify.sandbox`), so each kind of environment has a cache of its
own (:func:`shared`); the files of one folder are few, so the cache stays small.
"""

from __future__ import annotations

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

__all__ = ["Compiled", "shared"]


class Compiled(BytecodeCache):
    """Jinja's bytecode cache in a dictionary: compiled code by template name and file."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # Jinja drops it when the source changed

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()


_KINDS: dict[str, Compiled] = {}


def shared(kind: str) -> Compiled:
    """The cache of the environments of ``kind`` (one name per set of options that
    changes what is compiled: ``"mail"``, ``"mail-sandboxed"``, ``"page"``)."""
    return _KINDS.setdefault(kind, Compiled())
