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

import difflib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.core.i18n import LOCALES, N_, Msg
from gateway.core.resources import templates_dir

if TYPE_CHECKING:  # Jinja and the renderer only where there is a folder to read: the
    from jinja2 import Environment  # daemon's listener renders nothing (issue #18)

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
    from gateway.notify.render import environment

    env = environment([folder], LOCALES[0], sandboxed=True)  # the extensions the syntax needs
    mistakes = [m for m in (_read(env, path) for path in _files(folder)) if m is not None]
    return sorted(mistakes, key=lambda m: (str(m.path), m.line))


def template_notes(folder: Path | None, team_kinds: Collection[str]) -> list[Msg]:
    """A file of the team's ``folder`` that no mail reads: not one of our file names,
    not a kind of the team's (``team_kinds``: the catalog's ``on_success.reply``) and
    not a piece of their own (``_…``, which their templates include). A misspelt name
    (``acknowledgment.txt.j2``) would leave the team waiting for their words in vain;
    the note names the file most likely meant."""
    if folder is None:
        return []
    ours = sorted(p.name for p in (templates_dir() / "mail").iterdir() if p.name.endswith(SUFFIX))
    kinds = sorted({name.split(".", 1)[0] for name in ours if not name.startswith("_")})
    # ``jp/``, ``ja_JP/``: templates in a folder that is no language of ours are never read
    notes: list[Msg] = [
        N_("note: {path}: no mail reads this folder (the languages are ja and en)", path=str(place))
        for place in sorted(folder.iterdir())
        if place.is_dir()
        and place.name not in LOCALES
        and any(f.name.endswith(SUFFIX) for f in place.iterdir())
    ]
    for path in sorted(_files(folder)):
        kind = path.name.split(".", 1)[0]
        if path.name in ours or kind in team_kinds or path.name.startswith("_"):
            continue
        # a misspelt kind, its part (.subject.j2, .txt.j2, .html.j2) as written
        meant = difflib.get_close_matches(kind, kinds, n=1, cutoff=0.8)
        notes.append(
            N_(
                "note: {path}: no mail reads this file (did you mean {name!r}?)",
                path=str(path),
                name=meant[0] + path.name[len(kind) :],
            )
            if meant
            else N_("note: {path}: no mail reads this file", path=str(path))
        )
    return notes


def _files(folder: Path) -> list[Path]:
    """The files the renderer may read: ``<folder>/`` and ``<folder>/<locale>/``."""
    places = [p for p in (folder, *(folder / loc for loc in LOCALES)) if p.is_dir()]
    return [f for place in places for f in place.iterdir() if f.name.endswith(SUFFIX)]


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
    from jinja2 import TemplateSyntaxError

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
