"""A Ctrl-C to the whole foreground group while the daemon's processes are still
importing (a second or more on a loaded machine) is the daemon's to answer: the
processing child and its parse process ignore SIGINT before their heavy imports,
so the log gets no KeyboardInterrupt traceback from them
(tests/test_daemon.py::test_a_signal_to_the_whole_group_is_a_quiet_stop met one)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Runs ``module`` as __main__ and stops at the first import of ``first_heavy``,
# printing what SIGINT did at that moment.
PROBE = """
import importlib.abc, runpy, signal, sys
module, first_heavy = sys.argv[1], sys.argv[2]
class Probe(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == first_heavy:
            print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN, flush=True)
            raise SystemExit(0)
        return None
sys.meta_path.insert(0, Probe())
sys.argv = [module, "0"]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize(
    ("module", "first_heavy"),
    [
        ("gateway.runtime.parse_process", "gateway.runner.parse_pipe"),
        ("gateway.runtime.processing", "gateway.config.settings"),
    ],
)
def test_sigint_is_ignored_before_the_heavy_imports(module: str, first_heavy: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module, first_heavy],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_a_ctrl_c_while_the_parse_process_starts_is_not_its_death() -> None:
    """Before its first line of ours runs, the interpreter itself starts (its site
    import): a Ctrl-C to the group then was a "Fatal Python error" traceback and a dead
    parse process (tests/test_daemon.py met one). It is started with SIGINT ignored."""
    import os
    import signal

    from gateway.runner.parse_pipe import ParsePipe
    from tests.support.mails import mail

    pipe = ParsePipe()
    try:
        ticket = pipe.submit(mail(subject="Hello"))
        assert ticket is not None
        os.kill(pipe.started[-1], signal.SIGINT)  # at once: the process is starting
        assert pipe.result(ticket, 30).subject == "Hello"
    finally:
        pipe.close()
