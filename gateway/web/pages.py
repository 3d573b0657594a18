"""Page templates → HTML, in the reader's language.

One Jinja environment per language, built once: ``templates/web/`` is
written once with ``{% trans %}`` blocks whose words come from the gettext
catalogs (:mod:`gateway.core.i18n`), so a Japanese page has no English
sentence in it. Autoescaping is always on (every value is text, never markup)
and ``StrictUndefined`` makes a typo an error in the tests, not a blank page.
A :class:`~gateway.core.i18n.Msg` printed by a template is translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from gateway.core.i18n import LOCALES, Msg, supported, translate, translations
from gateway.core.resources import templates_dir


def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir() / "web")),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
        finalize=lambda value: translate(value, locale) if isinstance(value, Msg) else value,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["locale"] = locale
    return env


@lru_cache(maxsize=1)
def _environments() -> dict[str, Environment]:
    return {loc: environment(loc) for loc in LOCALES}


def render(name: str, locale: str, values: Mapping[str, Any]) -> str:
    return _environments()[supported(locale)].get_template(name).render(values)
