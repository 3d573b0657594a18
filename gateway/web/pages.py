"""Page templates → HTML, in the reader's language.

One Jinja environment per language, built once: ``templates/web/`` is
written once with ``{% trans %}`` blocks whose words come from the gettext
catalogs (:mod:`gateway.core.i18n`), so a Japanese page has no English
sentence in it. Autoescaping is always on (every value is text, never markup)
and ``StrictUndefined`` makes a typo an error in the tests, not a blank page.
A :class:`~gateway.core.i18n.Msg` printed by a template is translated, text loses
Unicode's bidirectional controls (as in the mails), and a
stored time goes through ``|local`` (the team's time zone, named), which reads
``timezone`` from the values every page is given (:func:`gateway.web.visit.page`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from gateway.core.domains import readable_address
from gateway.core.i18n import LOCALES, supported
from gateway.core.resources import templates_dir
from gateway.core.spans import span
from gateway.core.zone import local_time, said
from gateway.notify import labels, trans
from gateway.notify.render import said as printed
from gateway.notify.view_parts import greetable
from gateway.web import static


def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir() / "web")),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
        # a Msg or a time in the reader's words; text without bidirectional controls,
        # as in the mails: an unclosed U+202E in a subject reversed the rest of its card
        finalize=lambda value: printed(value, locale),
    )
    trans.install(env, locale)  # {% trans %}, with no space between a Japanese value and a particle
    env.globals["locale"] = locale
    env.filters["local"] = pass_context(lambda context, value: said(_local(context, value), locale))
    env.globals["static"] = static.url  # our file by its content's hash (gateway.web.static)
    env.globals["span_of"] = span  # a duration in words (a Msg, translated on print)
    # a close reason as the status mail names it (the board's "Stale" column is another word)
    env.filters["close_reason"] = labels.filters(locale)["close_reason"]
    # a sender's name as a page shows it: none when it holds a mailbox ("Ops One <ops@…>")
    env.filters["shown_name"] = lambda name: name if name and greetable(str(name)) else ""
    # an address as people read it: an internationalised domain in Unicode, not the
    # A-label (xn--…) it is kept and compared as (gateway.core.domains)
    env.filters["address"] = lambda value: readable_address(str(value)) if value else ""
    return env


def _local(context: Context, value: Any) -> str:
    """A stored time in the team's time zone (the page's ``timezone``), with its name;
    ``|local`` says it with its weekday, in the reader's form (gateway.core.zone)."""
    return local_time(value, str(context["timezone"]))


@lru_cache(maxsize=1)
def _environments() -> dict[str, Environment]:
    return {loc: environment(loc) for loc in LOCALES}


def render(name: str, locale: str, values: Mapping[str, Any]) -> str:
    return _environments()[supported(locale)].get_template(name).render(values)
