"""The Slack app's event loop, in a thread of its own (like the SMTP listener's).

Socket Mode (the default) opens a WebSocket to Slack, so nothing listens on our
side and no public URL is needed behind a firewall; a connection that fails at
start is tried again with a backoff while mail goes on. HTTP mode serves the
app's endpoint with aiohttp (``AppRunner``/``TCPSite`` inside this loop), where
Slack's signature is checked before the body is read: a bad or missing one, or a
timestamp that is not a number or more than five minutes off the injected clock, is
answered 401; a signed body that is not a payload, 400; bolt then checks it again, on
the same clock. The same signed press, command or shortcut again (a retry, a replay)
is answered and not acted on; so is the same payload in an envelope Socket Mode sends
again (:class:`_Once`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.orm import Session, sessionmaker

from gateway.actions.dial import Lookup, system_lookup
from gateway.catalog.load import CatalogHolder
from gateway.chat.slack.app import build_app
from gateway.chat.slack.door import Door
from gateway.chat.slack.people import People
from gateway.chat.slack.resolving import guarded_session
from gateway.config.settings import Settings, SlackSettings
from gateway.config.slack_members import SlackMembers
from gateway.core.backoff import Backoff
from gateway.core.clock import Clock
from gateway.core.loop_thread import LoopThread, stop_accepting
from gateway.core.proxies import ProxyError, sdk_proxy
from store.accept.contract import InboxAcceptor

log = logging.getLogger("gateway.chat.slack")

MAX_AGE = 5 * 60  # seconds a signed request stays good (Slack's own rule)
STAMP_DIGITS = 12  # a Unix time in seconds has 10 digits until the year 2286
# what a request answered again only acts once in (its view's answer is idempotent: the
# form's submission is stored once by its view's id, and the answer is the form again);
# a long menu's options for what was typed change nothing, and answered with nothing
# the menu would show nothing (the same words typed again may be the same bytes)
ANSWERED_AGAIN = frozenset({"view_submission", "view_closed", "block_suggestion"})

# the most an HTTP request may hold: a press or a command is a few kilobytes, but a
# form's page comes back whole when it is sent (its blocks, every menu's options, what
# was typed): 97 fields of 100 options each, in Japanese, are megabytes url-encoded
MAX_BODY = 32 * 2**20
LARGE_ANSWER = 2**20  # an answer past this (a form's next page) is sent as a stream

Pinned = TypeVar("Pinned", AsyncWebClient, SocketModeClient)


def _proxy(api_url: str) -> str | None:
    """The proxy of the environment, as webhook actions and the poster take it (the
    WebSocket goes where the Web API goes)."""
    try:
        return sdk_proxy(api_url)
    except ProxyError as exc:
        log.warning("slack: the proxy cannot be used (%s): connecting directly", exc)
        return None


def _pinned(client: Pinned, proxy: str | None) -> Pinned:
    """``client`` with ``proxy`` and nothing else: given None, the SDK reads the
    environment its own way (see :func:`gateway.core.proxies.sdk_proxy`)."""
    client.proxy = proxy
    return client


def _verified(secret: bytes, body: bytes, headers: Mapping[str, str], now: float) -> bool:
    """Slack signed these bytes, at most five minutes before or after ``now`` (the
    injected clock's, in Unix seconds, so the window is tested by moving the clock).
    Checked before anything reads the body, so a request from anyone else is a 401
    whatever it holds (bolt checks again, on the same clock; alone it answers a timestamp
    that is not a number, or a body that is not UTF-8, with a 500)."""
    stamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= STAMP_DIGITS):
        return False  # not a time of ours; and int() refuses past 4300 digits
    if abs(now - int(stamp)) > MAX_AGE:
        return False
    base = b"v0:" + stamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


class Seen:
    """The requests taken in the last ``2 * MAX_AGE`` seconds, by their body's digest.

    A signed request stays good for five minutes either way of its timestamp, so the
    same bytes may come again: Slack sending them again (``X-Slack-Retry-Num``, with a
    new timestamp and signature over the same body), a proxy repeating a POST, anyone
    who saw them. A press, a command or a shortcut acts once: Slack's own are never the
    same twice (each has its trigger and action time). Oldest first, pruned as it goes:
    memory is bounded by what Slack signs in ten minutes."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """``clock``: seconds, the same clock as the signature's window."""
        self._clock = clock
        self._taken: dict[bytes, float] = {}  # digest → when, in insertion order

    def again(self, body: bytes) -> bool:
        """Whether ``body`` was taken within the window; else it is taken now."""
        now = self._clock()
        while self._taken:  # the oldest first: stop at the first still in the window
            oldest, when = next(iter(self._taken.items()))
            if now - when <= 2 * MAX_AGE:
                break
            del self._taken[oldest]
        digest = hashlib.sha256(body).digest()
        if digest in self._taken:
            return True
        self._taken[digest] = now
        return False


class _Once(AsyncMiddleware):
    """Socket Mode's :class:`Seen`: Slack sends an envelope whose ack it did not see
    again (``retry_attempt`` above 0, after a dropped connection), the same payload in a
    new envelope. Such a press, command or shortcut taken already is answered (acked)
    and not acted on again; a form's view is answered again (:data:`ANSWERED_AGAIN`).
    What Slack sends as new is acted on (its own duplicates are keyed: /reply's trigger)."""

    def __init__(self, seen: Seen) -> None:
        self._seen = seen

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # bolt passes it by this name
    ) -> BoltResponse | None:
        body = req.body if isinstance(req.body, dict) else {}
        kind = str(body.get("type", ""))
        same = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8", "replace")
        taken = bool(body) and kind not in ANSWERED_AGAIN and self._seen.again(same)
        attempt = (req.headers.get("x-slack-retry-num") or ["0"])[0]  # bolt's, from the envelope
        if taken and attempt.isascii() and attempt.isdigit() and int(attempt) > 0:
            log.info(
                "slack: the same %s again (Socket Mode retry %s): answered, not acted on",
                kind or body.get("command", "request"),
                attempt,
            )
            return BoltResponse(status=200, body="")
        return await next()


async def _answer(answer: BoltResponse) -> web.Response:
    """bolt's answer as aiohttp sends it. A form's next page (every menu's options) can
    be megabytes: given as a stream, as aiohttp asks of a large body (in one piece it
    warns that the loop may stall while it is written)."""
    if len(answer.body) <= LARGE_ANSWER:
        return await to_aiohttp_response(answer)
    content_type = answer.headers.pop("content-type", ["application/json"])[0]
    return web.Response(
        status=answer.status,
        body=io.BytesIO(answer.body.encode("utf-8")),
        headers=answer.first_headers_without_set_cookie(),
        content_type=content_type.split(";")[0].strip(),
    )


def _unix_seconds(clock: Clock) -> Callable[[], float]:
    """The injected clock as Slack's timestamps count: seconds since 1970."""
    return lambda: clock.now().timestamp()


class SlackListener:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        catalog: CatalogHolder,
        sessions: sessionmaker[Session],
        acceptor: InboxAcceptor,
        *,
        on_stored: Callable[[], None] = lambda: None,
        members: SlackMembers | None = None,
        lookup: Lookup = system_lookup,
    ) -> None:
        """``members``: the member map in use (the daemon's, re-read on SIGHUP);
        ``lookup``: how the app's calls look names up (:mod:`.resolving`)."""
        slack = settings.chat.slack
        assert slack is not None, "SlackListener needs [chat.slack]"
        self.slack: SlackSettings = slack
        self._args = (settings, clock, catalog, sessions, acceptor, on_stored)
        self._members, self._lookup = members or SlackMembers(settings), lookup
        self._session: aiohttp.ClientSession | None = None
        self._background = LoopThread("slack-app", "Slack")
        self._loop, self._thread = self._background.loop, self._background.thread
        self._door: Door | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0  # HTTP mode: where it listens (the real port when 0 was asked)

    def start(self, timeout: float = 10.0) -> None:
        """Build the app; HTTP mode binds now (OSError when the port is taken)."""
        self._background.start(self._open(), timeout)

    def alive(self) -> bool:
        return self._background.alive()

    def connected(self) -> bool:
        """Socket Mode: the WebSocket is up (for tests and status)."""
        client = self._socket.client if self._socket is not None else None
        session = getattr(client, "current_session", None)
        return session is not None and not session.closed

    def stop(self, timeout: float = 5.0) -> None:
        if not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout)
        except (TimeoutError, RuntimeError) as exc:
            log.warning("slack app did not close cleanly: %s", exc)
        finally:
            self._background.close()
            if self._door is not None:
                self._door.close()

    async def _open(self) -> None:
        settings, clock, catalog, sessions, acceptor, on_stored = self._args
        timeout = max(1, int(settings.chat.timeout.total_seconds()))
        proxy = _proxy(self.slack.api_url)
        # every call of the app, never to a link-local address (the WebSocket aside: its
        # URL is the one Slack's apps.connections.open gives, asked through this session)
        self._session = session = guarded_session(timeout, self._lookup)
        client = _pinned(
            AsyncWebClient(
                token=self.slack.bot_token,
                base_url=self.slack.api_url,
                timeout=timeout,
                session=session,
            ),
            proxy,
        )
        people = People(settings, client, clock, self._members)
        self._door = Door(settings, clock, catalog, sessions, acceptor, people, on_stored)
        app = build_app(self._door, client, _unix_seconds(clock))
        if self.slack.mode == "http":
            await self._serve_http(app)
        else:  # an envelope Slack sends again (no ack seen) holds the same payload
            app.use(_Once(Seen(_unix_seconds(clock))))
            web_client = AsyncWebClient(
                base_url=self.slack.api_url, timeout=timeout, session=session
            )
            self._socket = AsyncSocketModeHandler(
                app, self.slack.app_token, web_client=_pinned(web_client, proxy), proxy=proxy
            )
            _pinned(self._socket.client, proxy)  # the WebSocket too
            self._connecting = asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        """Socket Mode: keep trying until connected (the SDK reconnects after that)."""
        backoff = Backoff(1.0, 60.0)
        while self._socket is not None:
            try:
                await self._socket.connect_async()  # type: ignore[no-untyped-call]
                log.info("slack: connected in Socket Mode")
                return
            except Exception as exc:  # noqa: BLE001 - Slack down or refusing: try again later
                delay = backoff.failed()
                log.warning(
                    "slack: Socket Mode connection failed, retrying in %.0fs: %s", delay, exc
                )
                await asyncio.sleep(delay)

    async def _serve_http(self, app: AsyncApp) -> None:
        secret = self.slack.signing_secret.encode()
        now = _unix_seconds(self._args[1])
        seen = Seen(now)

        async def endpoint(request: web.Request) -> web.Response:
            try:
                raw = await request.read()
            except web.HTTPRequestEntityTooLarge:  # said, not only answered
                log.warning(
                    "slack: a request of %s bytes refused: past the endpoint's %s MiB",
                    request.content_length,
                    MAX_BODY // 2**20,
                )
                raise
            if not _verified(secret, raw, request.headers, now()):
                return web.json_response({"error": "invalid request"}, status=401)
            try:
                raw.decode("utf-8")  # Slack sends UTF-8; aiohttp would guess otherwise
                bolt_request = await to_bolt_request(request)
            except (ValueError, TypeError, AttributeError, KeyError) as exc:
                log.warning("slack: a signed request that is not a payload: %s", exc)
                return web.json_response({"error": "not a payload"}, status=400)
            if not isinstance(bolt_request.body, dict):
                return web.json_response({"error": "not a payload"}, status=400)
            kind = str(bolt_request.body.get("type", ""))
            if kind not in ANSWERED_AGAIN and seen.again(raw):  # answered: Slack stops
                log.info(
                    "slack: the same %s again (retry %s): answered, not acted on",
                    kind or bolt_request.body.get("command", "request"),
                    request.headers.get("X-Slack-Retry-Num", "-"),
                )
                return web.Response(status=200)
            return await _answer(await app.async_dispatch(bolt_request))

        webapp = web.Application(client_max_size=MAX_BODY)
        webapp.router.add_post(self.slack.http_path, endpoint)
        self._runner = web.AppRunner(webapp, access_log=None)
        await self._runner.setup()
        self._site = site = web.TCPSite(self._runner, self.slack.http_host, self.slack.http_port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.slack.http_port
        log.info(
            "slack: HTTP endpoint on %s:%s%s", self.slack.http_host, self.port, self.slack.http_path
        )

    async def _close(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
        if self._socket is not None:
            socket, self._socket = self._socket, None
            await socket.close_async()  # type: ignore[no-untyped-call]
        if self._site is not None:  # a connection Slack made meanwhile is closed too
            await stop_accepting(self._site._server)
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()  # its kept-alive connections: closed on the next turn
            await asyncio.sleep(0)  # … which comes before the loop stops
