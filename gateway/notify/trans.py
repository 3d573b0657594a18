"""Jinja's ``{% trans %}`` for mails and pages, filled in as :func:`translate` fills a Msg.

Jinja's own new-style gettext formats a translated string with ``rv % values``;
ours fills it placeholder by placeholder (escaping each value for HTML when the
template autoescapes, as Jinja does), so that a Japanese value meets the
catalog's particle without the space the catalog writes for Latin values
(:mod:`gateway.core.spacing`): 「ゲートウェイが」, 「tanaka@example.test が」. In HTML
a message's line breaks are joined as the text part joins them (no 「。 以下」).
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from gateway.core.i18n import Msg, translate, translations
from gateway.core.spacing import percent_joined
from gateway.core.zone import said
from gateway.notify.paragraphs import sentences_joined


def install(env: Environment, locale: str) -> None:
    """``_``/``gettext``/``ngettext`` of ``locale`` in ``env`` (new style: values by name)."""
    catalog = translations(locale)
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]

    @pass_context
    def gettext(context: Context, string: str, **values: Any) -> str:
        return _filled(context, catalog.gettext(string), _timed(values, locale))

    @pass_context
    def ngettext(context: Context, one: str, many: str, n: int, **values: Any) -> str:
        values.setdefault("num", n)
        return _filled(context, catalog.ngettext(one, many, n), _timed(values, locale))

    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)


def _timed(values: dict[str, Any], locale: str) -> dict[str, Any]:
    """A time among the values (``deadline=deadline``) in the reader's form, with its
    weekday (:class:`gateway.core.zone.Moment`), and a Msg (``entry=ticket.entry``) in
    the reader's words: Jinja formats them itself, without the environment's
    ``finalize``, so a team's template need not know which values want ``|t``."""
    return {
        k: translate(v, locale, times=True) if isinstance(v, Msg) else said(v, locale)
        for k, v in values.items()
    }


def _filled(context: Context, text: str, values: dict[str, Any]) -> str:
    """``text`` with its values; in HTML (an autoescaping template), its lines joined
    first: a ``<p>`` shows the catalog's line break inside a sentence as a space, which
    Japanese has not (:func:`sentences_joined`)."""
    if context.eval_ctx.autoescape:
        text = sentences_joined(text)
        return Markup(percent_joined(text, lambda p: str(Markup(p) % values)))
    return percent_joined(text, lambda p: str(p % values))
