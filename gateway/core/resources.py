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


def module_command(module: str, *, lean: bool = False) -> tuple[str, ...]:
    """The command that runs one of our modules in a process of its own: this
    interpreter, with ``-P`` so that the current folder does not come first on the
    import path (``python -m`` puts it there, and a ``gateway`` folder in it, a checkout
    of another version say, would be imported instead of the installed package).

    ``lean``: for a process that lives as long as the daemon (its processing child and
    parse process): ``-OO`` leaves the docstrings out of memory, 3.5 MB in the child
    and 0.7 MB in the parse process, where the daemon's processes together must stay
    under 200 MB (issue #18). Our code's asserts only narrow types. Where the
    installation is read-only (systemd's ``ProtectSystem``) Python compiles the
    modules at each start instead of reading its ``opt-2`` cache: about 0.4 s of CPU
    a start, unless ``python -OO -m compileall`` ran once after the install."""
    return (sys.executable, "-P", *(("-OO",) if lean else ()), "-m", module)


def sigint_ignored() -> None:
    """A child's ``preexec_fn``: it starts with SIGINT ignored. Ctrl-C in a terminal
    reaches the whole foreground group and is the daemon's to answer (it stops its
    processes in order); a child still starting its interpreter (the site import, before
    any line of ours can ignore it) died of it with a "Fatal Python error" traceback.
    Python keeps an inherited SIG_IGN instead of installing its KeyboardInterrupt."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
