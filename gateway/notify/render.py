"""Templates → subject, text and HTML, per kind and locale.

Each kind is three files in ``templates/<locale>/``: ``<kind>.subject.j2`` (one
line), ``<kind>.txt.j2`` and ``<kind>.html.j2``. The team's folder
(``[gateway] templates_dir``, same layout) is searched first, so any single file
can be overridden without copying the rest. ``StrictUndefined`` makes a typo in
a template an error in the render tests instead of a blank in a customer's
mail; HTML is autoescaped, text is not (it is never interpreted).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    select_autoescape,
)

from gateway.core.resources import templates_dir
from gateway.notify.views import View, context, template_of

LOCALES = ("ja", "en")

# State names as mails show them; the state values themselves stay English.
STATE_LABELS: dict[str, dict[str, str]] = {
    "ja": {"new": "受付", "open": "対応中", "pending": "お客様の返信待ち", "closed": "完了"},
    "en": {"new": "new", "open": "in progress", "pending": "waiting for reply", "closed": "closed"},
}


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str  # one line, CR/LF already removed
    text: str
    html: str


class Renderer:
    """One Jinja environment for the process: templates compile once, not per mail."""

    def __init__(self, override: Path | None = None) -> None:
        loaders: list[BaseLoader] = []
        if override is not None:
            loaders.append(FileSystemLoader(str(override)))
        loaders.append(FileSystemLoader(str(templates_dir())))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            autoescape=select_autoescape(
                enabled_extensions=("html.j2",), default_for_string=False, default=False
            ),
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, view: View, locale: str) -> Rendered:
        loc = locale if locale in LOCALES else "en"
        kind = template_of(view)
        names = {**context(view), "locale": loc, "states": STATE_LABELS[loc]}
        subject = self._template(loc, kind, "subject").render(names)
        text = self._template(loc, kind, "txt").render(names)
        try:
            html = self._template(loc, kind, "html").render(names)
        except TemplateNotFound:  # a team's own kind may come without HTML
            html = self.env.get_template("_text_as_html.html.j2").render({**names, "text": text})
        return Rendered(
            subject=" ".join(subject.split()),  # one line whatever the template or data did
            text=text,
            html=html,
        )

    def _template(self, locale: str, kind: str, part: str) -> Template:
        """``<locale>/<kind>.<part>.j2``, else (a team's file for every language)
        ``<kind>.<part>.j2``."""
        name = f"{kind}.{part}.j2"
        return self.env.select_template([f"{locale}/{name}", name])


@lru_cache(maxsize=4)
def renderer(override: Path | None) -> Renderer:
    """Shared per override folder: the runner renders in every new-ticket transaction."""
    return Renderer(override)
