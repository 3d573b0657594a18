"""A site on SQLite never imports SQLAlchemy's PostgreSQL dialect: 2-3 MB in every
process that has it, and the daemon's processes together stay under 200 MB only with a
few MB to spare (issue #18). It came in twice by a side door: an ``ARRAY`` type from
the dialect (the row claims), then a partial index's ``postgresql_where`` on a model,
which SQLAlchemy checks by loading the dialect when the model is defined."""

from __future__ import annotations

import subprocess
import sys

# what the daemon's processes import before the first mail (the doors, the processing
# child, the models every query goes through)
MODULES = ("gateway.runtime.daemon", "gateway.runtime.processing", "store.models")


def test_the_daemons_modules_bring_no_postgresql_dialect() -> None:
    probe = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.postgresql')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout


def test_the_daemons_workers_run_without_docstrings() -> None:
    """The processing child and its parse process live as long as the daemon: ``-OO``
    keeps their docstrings out of memory (about 4 MB of the daemon's 200). Their
    imports must work so."""
    from gateway.runtime import parse_process, processing

    for command in (processing.CHILD, parse_process.COMMAND):
        assert command[:3] == (sys.executable, "-P", "-OO"), command
    probe = (
        "import sys\n"
        "import gateway.runtime.processing_child, gateway.runtime.parse_process\n"
        "from gateway.core.resources import module_command\n"
        "print(sys.flags.optimize, module_command.__doc__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-OO", "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.split() == ["2", "None"], out.stdout
