"""Compiled templates are shared by the process's environments (gateway.notify.compiled):
a new environment compiles nothing it compiled before, an edited file is compiled
anew, and the sandbox's code is never the plain environment's."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment
from jinja2.exceptions import SecurityError

from gateway.core.resources import templates_dir
from gateway.notify.render import environment

OURS = templates_dir() / "mail"


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles from now on."""
    seen: list[str] = []
    compile_source = Environment.compile

    def counted(
        self: Environment, source: object, name: str | None = None, *a: object, **k: object
    ) -> object:
        seen.append(str(name))
        return compile_source(self, source, name, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(Environment, "compile", counted)
    return seen


def test_a_second_environment_compiles_nothing_again(monkeypatch: pytest.MonkeyPatch) -> None:
    environment([OURS], "ja").get_template("acknowledgement.txt.j2")  # compiled, or cached
    seen = _compiles(monkeypatch)
    for locale in ("ja", "en"):
        environment([OURS], locale).get_template("acknowledgement.txt.j2")
    assert seen == []


def test_an_edited_file_is_compiled_anew(tmp_path: Path) -> None:
    page = tmp_path / "note.txt.j2"
    page.write_text("first {{ 1 + 1 }}\n", encoding="utf-8")
    assert environment([tmp_path], "en").get_template("note.txt.j2").render() == "first 2\n"
    page.write_text("second {{ 2 + 2 }}\n", encoding="utf-8")
    assert environment([tmp_path], "en").get_template("note.txt.j2").render() == "second 4\n"


def test_the_sandbox_never_runs_code_compiled_without_it(tmp_path: Path) -> None:
    """The same file compiled by the plain environment first: the sandbox's own code
    still bounds ``*`` (a team's file must not take the daemon's memory)."""
    (tmp_path / "big.txt.j2").write_text("{{ 'x' * 10000000 }}\n", encoding="utf-8")
    plain = environment([tmp_path], "en").get_template("big.txt.j2")
    assert len(plain.render()) > 10_000_000
    sandboxed = environment([tmp_path], "en", sandboxed=True).get_template("big.txt.j2")
    with pytest.raises(SecurityError):
        sandboxed.render()
