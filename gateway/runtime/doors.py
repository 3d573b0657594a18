"""The daemon's doors that listen on a socket: SMTP/LMTP, the pages, the Slack app.

Each has its own event loop thread. They start together before the daemon
says READY: when one cannot bind its port, the ones already listening are
stopped again and the start fails with a configuration error naming the key,
so a half-started daemon never answers on some doors and not others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.config.settings import Settings
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_
from gateway.core.os_errors import os_error
from gateway.receive.smtp import SmtpListener
from gateway.runtime.app import App
from gateway.runtime.schema_watch import SchemaWatch, WatchedInbox
from store.accept.generic import open_inbox

if TYPE_CHECKING:  # imported only when their door is configured (issue #18: memory)
    from gateway.chat.slack.listener import SlackListener
    from gateway.web.server import WebServer


@dataclass
class Doors:
    listener: SmtpListener
    web: WebServer | None
    slack: SlackListener | None

    def start(self, settings: Settings) -> None:
        """All of them, or none: a door that cannot listen stops the others again."""
        started: list[Callable[[], None]] = []
        try:
            _bind(self.listener.start, settings, _smtp_key(settings), _smtp_where(settings))
            started.append(lambda: self.listener.stop(grace=0))
            if self.web is not None:
                where = f"{settings.web.host}:{settings.web.port}"
                _bind(self.web.start, settings, "web.port", where)
                started.append(self.web.stop)
            if self.slack is not None:
                _bind(self.slack.start, settings, "chat.slack.http_port", "")
        except BaseException:
            for stop in reversed(started):
                stop()
            raise

    def alive(self) -> bool:
        return (
            self.listener.alive()
            and (self.web is None or self.web.alive())
            and (self.slack is None or self.slack.alive())
        )

    def stop_apps(self) -> None:
        """The pages and the Slack app first: a form post in flight still gets its answer
        (or its 503); a Slack submission not yet committed is not acknowledged."""
        if self.web is not None:
            self.web.stop()
        if self.slack is not None:
            self.slack.stop()


def open_doors(
    app: App,
    stored: Callable[[], None],
    queued: Callable[[], None],
    listener: SmtpListener,
    watch: SchemaWatch,
) -> Doors:
    """The configured doors around the SMTP listener, built but not started.

    ``stored`` wakes the runner (a form or a Slack submission was stored), ``queued``
    the sender (a page queued mail: a sign-in link). ``watch``: once another release
    changed the schema, they store nothing and the pages answer 503."""
    return Doors(listener, _web_server(app, stored, queued, watch), _slack(app, stored, watch))


def _slack(app: App, nudge: Callable[[], None], watch: SchemaWatch) -> SlackListener | None:
    """The Slack app, when ``[chat.slack]`` is configured; it stores through the inbox."""
    if app.settings.chat.slack is None:
        return None  # nothing of Slack imported: 8 MB of the daemon's memory (issue #18)
    from gateway.chat.slack.door import WRITE_WAIT_MS
    from gateway.chat.slack.listener import SlackListener

    inbox = open_inbox(app.settings.database.url, app.sessions, wait_ms=WRITE_WAIT_MS)
    acceptor = WatchedInbox(inbox, watch)
    return SlackListener(
        app.settings,
        app.clock,
        app.catalog,
        app.sessions,
        acceptor,
        on_stored=nudge,
        members=app.slack_members,
    )


def _web_server(
    app: App, stored: Callable[[], None], queued: Callable[[], None], watch: SchemaWatch
) -> WebServer | None:
    """The pages (``[web]``), or None when they are off."""
    cfg = app.settings.web
    if not cfg.enabled:
        return None  # nor aiohttp and the pages imported: 9 MB of the daemon's memory
    from gateway.web.context import WebContext
    from gateway.web.server import WebServer

    ctx = WebContext(
        settings=app.settings,
        sessions=app.sessions,
        clock=app.clock,
        catalog=lambda: app.catalog.current,
        open_acceptor=lambda: WatchedInbox(
            open_inbox(app.settings.database.url, app.sessions), watch
        ),
        nudge=stored,
        wake_sender=queued,
        gate=lambda: watch.refuse(ask=False),  # no query on the event loop: cached
    )
    return WebServer(ctx, cfg.host, cfg.port)


def _smtp_key(settings: Settings) -> str:
    """The key to blame when the listener cannot bind: a unix socket is ``host`` alone."""
    return "smtp.host" if settings.smtp.host.startswith("/") else "smtp.port"


def _smtp_where(settings: Settings) -> str:
    smtp = settings.smtp
    return smtp.host if smtp.host.startswith("/") else f"{smtp.host}:{smtp.port}"


def _bind(start: Callable[[], None], settings: Settings, key: str, where: str) -> None:
    try:
        start()
    except OSError as exc:
        error = os_error(exc)
        message = (
            N_("cannot listen on {where}: {error}", where=where, error=error)
            if where
            else N_("cannot listen: {error}", error=error)
        )
        raise ConfigError(settings.source, key, message) from None
