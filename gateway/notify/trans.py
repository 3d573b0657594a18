"""Jinja's ``{% trans %}`` for mails and pages, filled in as :func:`translate` fills a Msg.

Jinja's own new-style gettext formats a translated string with ``rv % values``;
ours fills it placeholder by placeholder (escaping each value for HTML when the
template autoescapes, as Jinja does), so that a Japanese value meets the
catalog's particle without the space the catalog writes for Latin values
(:mod:`gateway.core.spacing`): 「ゲートウェイが」, 「tanaka@example.test が」.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from gateway.core.i18n import translations
from gateway.core.spacing import percent_joined


def install(env: Environment, locale: str) -> None:
    """``_``/``gettext``/``ngettext`` of ``locale`` in ``env`` (new style: values by name)."""
    catalog = translations(locale)
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]

    @pass_context
    def gettext(context: Context, string: str, **values: Any) -> str:
        return _filled(context, catalog.gettext(string), values)

    @pass_context
    def ngettext(context: Context, one: str, many: str, n: int, **values: Any) -> str:
        values.setdefault("num", n)
        return _filled(context, catalog.ngettext(one, many, n), values)

    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)


def _filled(context: Context, text: str, values: dict[str, Any]) -> str:
    if context.eval_ctx.autoescape:
        return Markup(percent_joined(text, lambda p: str(Markup(p) % values)))
    return percent_joined(text, lambda p: str(p % values))
