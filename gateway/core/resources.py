"""Where the package's data lives, installed or in a source checkout.

A wheel carries ``templates/`` inside the ``gateway`` package (pyproject's
force-include); a checkout or an editable install has it beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # gateway/


def templates_dir() -> Path:
    for candidate in (_PACKAGE / "templates", _PACKAGE.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("mail templates not found; the installation is incomplete")
