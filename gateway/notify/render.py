"""Templates → subject, text and HTML, per kind, in the recipient's language.

Each kind is three files in ``templates/mail/``: ``<kind>.subject.j2`` (one
line), ``<kind>.txt.j2`` and ``<kind>.html.j2``, written once with ``{% trans %}``
blocks; the words come from the gettext catalogs (:mod:`gateway.core.i18n`),
so a Japanese mail has no English sentence in it and the reverse. The team's
folder (``[gateway] templates_dir``) is searched first — ``<locale>/<file>``
then ``<file>`` — so any single file can be overridden, in one language or in
all. ``StrictUndefined`` makes a typo in a template an error in the render
tests instead of a blank in a customer's mail; HTML is autoescaped, text is not
(it is never interpreted). A :class:`~gateway.core.i18n.Msg` in a view (a
refusal's reason, a field error) is translated when it is printed (inside a
``{% trans %}`` block, where Jinja formats values itself, pass it through
``|t``); the label filters of :mod:`gateway.notify.labels` name states, close
reasons, command verdicts and SLA targets. An HTML part that shows a plain-text
macro passes it through ``|plain``, which escapes it. ``wrap``
(:mod:`gateway.notify.paragraphs`) refills the paragraphs of ours a text part marks,
to lines within RFC 5322's 78 characters.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections.abc import Callable
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
    TemplateSyntaxError,
    select_autoescape,
)
from markupsafe import Markup, escape

from gateway.core.i18n import LOCALES, Msg, supported, translate
from gateway.core.resources import templates_dir
from gateway.core.title import one_line
from gateway.core.wrap import WIDTH
from gateway.core.zone import When
from gateway.notify import compiled, labels, paragraphs, trans
from gateway.notify.reader_zone import in_reader_zone
from gateway.notify.sandbox import BoundedSandbox
from gateway.notify.views import View, context, template_of
from gateway.pipeline.parse.html_text import html_to_text

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str  # one line, CR/LF already removed
    text: str
    html: str


def environment(folders: list[Path], locale: str, sandboxed: bool = False) -> Environment:
    """A Jinja environment speaking ``locale``: its gettext installed, and every
    :class:`Msg` printed by a template translated on the way out. ``sandboxed`` when a
    folder is the team's: whoever may edit a template may change a mail's words, not
    reach the daemon's modules, its secret or the shell (``''.__class__.__mro__``,
    ``cycler.__init__.__globals__``) nor take its memory (:mod:`gateway.notify.sandbox`)."""
    loaders: list[BaseLoader] = [FileSystemLoader(str(f)) for f in folders]
    kind = BoundedSandbox if sandboxed else Environment
    env = kind(
        loader=Settled(ChoiceLoader(loaders), folders),
        undefined=StrictUndefined,
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False, default=False
        ),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
        # a Msg in the reader's words, a time in the reader's form (gateway.core.zone)
        finalize=lambda value: said(value, locale),
        # compiled once for the process, not once per environment (.compiled)
        bytecode_cache=compiled.shared("mail-sandboxed" if sandboxed else "mail"),
    )
    trans.install(env, locale)  # {% trans %}, with no space between a Japanese value and a particle
    env.globals["locale"] = locale
    env.filters["t"] = lambda value: said(value, locale)  # a Msg inside {% trans %}
    # a plain-text macro's output (``_macros.j2``, ``_conversation.j2``) in an HTML part:
    # those templates do not escape, and Jinja marks a macro's output safe, so escape it
    env.filters["plain"] = lambda value: escape(str.__str__(value))
    env.filters.update(labels.filters(locale))  # {{ ticket.state|state }} …
    # our paragraphs of a plain-text part, refilled to lines within RFC 5322's 78
    env.globals["text_width"] = WIDTH  # what a text part passes a shared macro
    ambiguous = 2 if locale == "ja" else 1  # “ … → ■: full-width in a Japanese font
    env.filters["wrap"] = lambda value, width=WIDTH, hang=0: paragraphs.refill(
        str(said(value, locale)), width, hang, ambiguous
    )
    return env


# Unicode's bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069):
# in a subject or a name, an unclosed one reverses the rest of the line in a plain-text
# client (our words after it, the reply address) and makes "invoice\u202etxt.exe" read
# "…exe.txt". Our catalogs hold none; right-to-left letters themselves are kept.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def said(value: object, locale: str) -> object:
    """What a template prints: a Msg translated, a time or a day (:class:`When`) with its
    weekday, as a reader of ``locale`` reads them (their parameters too); text without
    bidirectional controls; else as it is."""
    if isinstance(value, Msg | When):
        value = translate(value, locale, times=True)
    if isinstance(value, Markup):  # escaped already: dropping characters keeps it so
        return Markup(_BIDI_CONTROLS.sub("", value))
    if isinstance(value, str):
        return _BIDI_CONTROLS.sub("", value)
    return value


class Settled(BaseLoader):
    """A loader whose templates are checked for changes on disk at most once every
    ``CHECK_EVERY`` seconds each. Jinja asks on every ``get_template``, and the runner
    renders three templates (and their macros) for each mail it queues: the file
    checks were a tenth of a mail's rendering (issue #18). An edited template is
    still used without a restart, a moment later; so is a file copied into a folder
    searched before the one it came from (the team's copy of one of ours), or taken
    out of it: the check also asks which of ``folders`` holds the name first now."""

    CHECK_EVERY = 2.0  # seconds

    def __init__(self, inner: BaseLoader, folders: list[Path] | None = None) -> None:
        self.inner = inner
        self.folders = folders or []

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        source = source.removeprefix("\ufeff")  # Notepad's byte-order mark: no text of a mail
        if uptodate is None:
            return source, filename, None
        checked = [time.monotonic()]
        first = self._first(template)

        def settled() -> bool:
            now = time.monotonic()
            if now - checked[0] < self.CHECK_EVERY:
                return True
            checked[0] = now
            return self._first(template) == first and uptodate()

        return source, filename, settled

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()

    def _first(self, template: str) -> Path | None:
        """The folder that holds ``template`` first, as the loaders search them."""
        return next((f for f in self.folders if (f / template).is_file()), None)


class Renderer:
    """One Jinja environment per language for the process: templates compile once.

    With the team's folder, a second environment per language holds our files alone:
    a team's file that fails to render (a syntax error, an unknown name, which
    ``StrictUndefined`` makes an error) is logged, with the kind and the error, and that
    mail is rendered from our files instead. A typo saved into a running daemon's
    folder must not stop requests from becoming tickets (the mail is queued in the
    ticket's transaction, so a failing render would shunt every request) nor leave a
    requester without an answer; a kind only the team has (an action's reply) has
    nothing to fall back on, and its error stands."""

    def __init__(self, override: Path | None = None) -> None:
        ours = templates_dir() / "mail"
        self._envs = {
            loc: environment(
                [*([override / loc, override] if override else []), ours],
                loc,
                sandboxed=override is not None,
            )
            for loc in LOCALES
        }
        self._ours = {loc: environment([ours], loc) for loc in LOCALES} if override else None

    def render(self, view: View, locale: str, timezone: str | None = None) -> Rendered:
        """``view`` in ``locale``; ``timezone``: the zone its reader reads times in
        (:meth:`gateway.config.settings.Settings.zone_of`), else the times as the view
        has them (the team's)."""
        if timezone is not None:
            view = in_reader_zone(view, timezone)
        try:
            return self._render(self._envs[supported(locale)], view)
        except Exception as exc:  # a team's template may raise anything ({{ 1/0 }})
            if self._ours is None or not self._has_ours(template_of(view)):
                raise
            log.error(
                "mail %s (%s) failed with the templates of [gateway] templates_dir, "
                "sent from the built-in ones: %s%s: %s",
                template_of(view),
                supported(locale),
                where_failed(exc),
                type(exc).__name__,
                exc,
            )
            return self._render(self._ours[supported(locale)], view)

    def _has_ours(self, kind: str) -> bool:
        return (templates_dir() / "mail" / f"{kind}.subject.j2").is_file()

    @staticmethod
    def _render(env: Environment, view: View) -> Rendered:
        kind = template_of(view)
        names = context(view)
        subject = env.get_template(f"{kind}.subject.j2").render(names)
        text_part = env.get_template(f"{kind}.txt.j2")
        try:
            html_part: Template | None = env.get_template(f"{kind}.html.j2")
        except TemplateNotFound:  # a team's own kind may come without HTML
            html_part = None
        if html_part is not None and _built_in(text_part) and not _built_in(html_part):
            # the team rewrote the HTML and left our text: a client showing the text
            # (and the copy a ticket keeps) must say the team's words too, read out of
            # their HTML as an HTML-only mail that comes in is read
            html = html_part.render(names)
            return Rendered(one_line(subject), html_to_text(html) + "\n", html)
        text = text_part.render(names)
        # the team rewrote the text and left our HTML: most clients show the HTML, so
        # it must say the team's words, not the ones they replaced
        if html_part is None or (_built_in(html_part) and not _built_in(text_part)):
            html = env.get_template("_text_as_html.html.j2").render({**names, "text": text})
        else:
            html = html_part.render(names)
        return Rendered(
            subject=one_line(subject),  # one line whatever the template or data did
            text=text,
            html=html,
        )


def _built_in(template: Template) -> bool:
    """Whether ``template`` is one of ours, not a file of the team's folder."""
    return template.filename is not None and _shipped_file(template.filename)


@lru_cache(maxsize=64)
def _shipped_file(filename: str) -> bool:
    """Asked for every mail we render: the folder is looked for on disk once per file
    (issue #18: the look was 1.5 % of the processing child's time)."""
    return Path(filename).parent == templates_dir() / "mail"


def where_failed(exc: BaseException) -> str:
    """``<file>:<line>: `` of the template where ``exc`` arose, or "" when no template
    line is in it: the team reads which of its files (the subject, the text, the HTML, a
    macro) and which line to fix. A syntax error carries both; Jinja rewrites the
    traceback of an error while rendering so that its frames are the templates' lines."""
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}: "
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    return f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""


@lru_cache(maxsize=4)
def renderer(override: Path | None) -> Renderer:
    """Shared per override folder: the runner renders in every new-ticket transaction."""
    return Renderer(override)
