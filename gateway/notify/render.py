"""Templates → subject, text and HTML, per kind and locale.

Each kind is three files in ``templates/<locale>/``: ``<kind>.subject.j2`` (one
line), ``<kind>.txt.j2`` and ``<kind>.html.j2``. The team's folder
(``[gateway] templates_dir``, same layout) is searched first, so any single file
can be overridden without copying the rest. ``StrictUndefined`` makes a typo in
a template an error in the render tests instead of a blank in a customer's
mail; HTML is autoescaped, text is not (it is never interpreted).

A kind that exists in ``templates/mail/`` (written once, with ``{% trans %}``
blocks whose words come from the gettext catalogs, :mod:`gateway.core.i18n`) is
rendered from there in the reader's language; the per-language folders are the
older layout the rest still uses.
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
    select_autoescape,
)

from gateway.core.i18n import Msg, translate, translations
from gateway.core.resources import templates_dir
from gateway.notify.views import View, context, kind_of

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
        self._override = override
        self._mail = templates_dir() / "mail"
        self._gettext_envs: dict[str, Environment] = {}
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
        kind = kind_of(view)
        if (self._mail / f"{kind}.subject.j2").is_file():
            return _render(self._gettext_env(loc), kind, context(view))
        names = {**context(view), "locale": loc, "states": STATE_LABELS[loc]}
        subject = self.env.get_template(f"{loc}/{kind}.subject.j2").render(names)
        return Rendered(
            subject=" ".join(subject.split()),  # one line whatever the template or data did
            text=self.env.get_template(f"{loc}/{kind}.txt.j2").render(names),
            html=self.env.get_template(f"{loc}/{kind}.html.j2").render(names),
        )

    def _gettext_env(self, locale: str) -> Environment:
        """One environment per language for ``templates/mail``: gettext installed, a
        :class:`~gateway.core.i18n.Msg` printed by a template translated."""
        if locale not in self._gettext_envs:
            folders = [*([self._override / locale, self._override] if self._override else [])]
            env = Environment(
                loader=ChoiceLoader([FileSystemLoader(str(f)) for f in [*folders, self._mail]]),
                undefined=StrictUndefined,
                autoescape=select_autoescape(
                    enabled_extensions=("html.j2",), default_for_string=False, default=False
                ),
                keep_trailing_newline=True,
                trim_blocks=True,
                lstrip_blocks=True,
                extensions=["jinja2.ext.i18n"],
                finalize=lambda v: translate(v, locale) if isinstance(v, Msg) else v,
            )
            env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
            env.globals["locale"] = locale
            self._gettext_envs[locale] = env
        return self._gettext_envs[locale]


def _render(env: Environment, kind: str, names: dict[str, object]) -> Rendered:
    subject = env.get_template(f"{kind}.subject.j2").render(names)
    return Rendered(
        subject=" ".join(subject.split()),
        text=env.get_template(f"{kind}.txt.j2").render(names),
        html=env.get_template(f"{kind}.html.j2").render(names),
    )


@lru_cache(maxsize=4)
def renderer(override: Path | None) -> Renderer:
    """Shared per override folder: the runner renders in every new-ticket transaction."""
    return Renderer(override)
