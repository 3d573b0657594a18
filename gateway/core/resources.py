"""Where the package's data lives, installed or in a source checkout.

A wheel carries ``templates/`` and ``examples/`` inside the ``gateway`` package
(pyproject's force-include); a checkout or an editable install has them beside
the package.
"""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # gateway/


def templates_dir() -> Path:
    return _shipped("templates", "mail templates")


def examples_dir() -> Path:
    """The example catalog's scripts (its ``account`` action runs one from here)."""
    return _shipped("examples", "the examples")


def _shipped(name: str, what: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{what} not found; the installation is incomplete")


def module_command(module: str) -> tuple[str, ...]:
    """The command that runs one of our modules in a process of its own: this
    interpreter, with ``-P`` so that the current folder does not come first on the
    import path (``python -m`` puts it there, and a ``gateway`` folder in it, a checkout
    of another version say, would be imported instead of the installed package)."""
    return (sys.executable, "-P", "-m", module)
