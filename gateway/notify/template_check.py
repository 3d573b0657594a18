"""The team's templates read before a mail needs them: each file of ``[gateway]
templates_dir`` that does not parse, named with its line.

A file that fails when a mail needs it is logged and that mail is sent from the
built-in templates (:class:`gateway.notify.render.Renderer`), so a typo never stops
a request; but the team learns of it only from the log, after the first customer got
our words instead of theirs. ``catalog check`` and a daemon's start read every file
the renderer would look in (``<folder>/<locale>/`` and ``<folder>/``) and say what
is wrong while nobody is waiting. Only what can be known without a mail's values is
checked: the syntax, and text that is not UTF-8; an unknown name shows when rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, TemplateSyntaxError

from gateway.core.i18n import LOCALES, N_, Msg
from gateway.notify.render import environment

SUFFIX = ".j2"  # what the renderer's names end with (<kind>.subject.j2, _macros.j2)


@dataclass(frozen=True, slots=True)
class Mistake:
    path: Path
    line: int
    error: Msg  # said in the reader's language; Jinja's own words inside it stay English

    def said(self) -> Msg:
        """``path:line: error``, as ``catalog check`` prints a catalog's problems."""
        return N_("{path}:{line}: {error}", path=str(self.path), line=self.line, error=self.error)


def template_mistakes(folder: Path | None) -> list[Mistake]:
    """Every file the renderer may read from the team's ``folder`` that would fail
    to compile, in path order; [] without a folder."""
    if folder is None:
        return []
    env = environment([folder], LOCALES[0], sandboxed=True)  # the extensions the syntax needs
    mistakes: list[Mistake] = []
    for place in (folder, *(folder / loc for loc in LOCALES)):
        if not place.is_dir():
            continue
        for path in sorted(p for p in place.iterdir() if p.name.endswith(SUFFIX)):
            mistake = _read(env, path)
            if mistake is not None:
                mistakes.append(mistake)
    return sorted(mistakes, key=lambda m: (str(m.path), m.line))


def template_warnings(folder: Path | None) -> list[Msg]:
    """What a daemon's start logs of the team's templates: its mails go out from ours
    until the file is fixed, so the start goes on."""
    return [
        N_(
            "[gateway] templates_dir: {mistake}; its mails are sent from the built-in "
            "templates until it is fixed",
            mistake=m.said(),
        )
        for m in template_mistakes(folder)
    ]


def _read(env: Environment, path: Path) -> Mistake | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Mistake(path, 1, N_("cannot read it: {error}", error=exc.strerror or str(exc)))
    try:
        source = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Mistake(path, line, N_("not UTF-8 text: save {name} as UTF-8", name=path.name))
    try:
        env.parse(source, path.name, str(path))
    except TemplateSyntaxError as exc:
        return Mistake(path, exc.lineno, N_("template syntax: {error}", error=exc.message or ""))
    return None
