"""``[web]``'s shape: where the pages listen, the address people reach them at, and
what one client may hold. Read by :mod:`gateway.config.web`; kept apart from
:mod:`gateway.config.settings` (which imports it) to keep that module short."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from gateway.core.hosts import only_here


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The pages (``gateway.web``): off unless ``[web]`` is configured, except in the
    built-in defaults, where :func:`gateway.config.load.load_settings` turns them on."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = "http://127.0.0.1:8080"  # what links in mails point at; https: Secure cookies
    # base_url was written in [web], not made from host and port (tools and tests that
    # build settings name theirs; the config reader says when it made it up)
    base_url_set: bool = True
    max_upload_size: int = 10_000_000  # a form post, attachments included
    session_lifetime: timedelta = timedelta(hours=12)  # a member's sign-in lasts this long
    sign_in_lifetime: timedelta = timedelta(minutes=15)  # a mailed sign-in link works this long
    submissions_per_hour: int = 10  # form posts per address and per client IP
    sign_ins_per_hour: int = 5  # sign-in links asked per address and per client IP
    # a request's head (line and headers) must come whole this long after the connection
    # opened or its first byte: a client that sends nothing, or trickles, holds no socket
    head_timeout: timedelta = timedelta(seconds=30)
    # a kept-alive connection waits this long for its next request: longer than a reverse
    # proxy's own idle time (nginx's upstream keepalive_timeout 60s, Caddy's 2m), so the
    # proxy closes first and never sends a request on a connection we are closing
    idle_timeout: timedelta = timedelta(seconds=150)
    # connections one client address may hold at once (a browser opens about six); a
    # proxy on this machine is not counted (see gateway.web.connections)
    connections_per_client: int = 64

    @property
    def secure(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def mail_links(self) -> bool:
        """Mails may link to the pages: they are on, at an address people can open. A
        base_url made from a loopback or wildcard bind address (http://127.0.0.1:8080,
        http://0.0.0.0:8080) opens nothing on the reader's computer: a dead link."""
        return self.enabled and (self.base_url_set or not only_here(self.host))
