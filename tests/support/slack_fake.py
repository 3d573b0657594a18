"""A local fake of Slack for the chat tests: the Web API methods the gateway calls,
the Socket Mode WebSocket, and two incoming webhooks (Teams, Slack-format).

An aiohttp server of our own on a loopback port, in a thread with its own loop.
It answers with the JSON Slack documents for each method (``{"ok": true, ...}``,
or ``{"ok": false, "error": ...}``), records every call, and can be told to
fail: ``down = "500"`` answers HTTP 500, ``"timeout"`` answers too late,
``"ratelimited"`` answers 429 with ``Retry-After`` — for the chat methods only,
so the Socket Mode connection and ``users.info`` keep working unless ``down_all``.
Blocks over Slack's documented limits (:mod:`tests.support.block_kit`, the one place
they are checked) are refused with ``invalid_blocks``, a view over them with
``invalid_arguments`` (as Slack does: no form), an ack whose view or options are over
them fails the test (Slack would show an error instead of them); and ``views.open`` with
a trigger sent more than ``trigger_life`` seconds before with ``expired_trigger_id``
(``slow`` methods make a lookup take longer than Slack's 3). ``refuse`` makes a method
answer one of Slack's errors (``chat.postEphemeral`` → ``not_in_channel`` where the bot
is not in the channel); ``refuse_in`` makes the chat methods answer one in one channel
only (``not_in_channel`` where the bot was never invited, ``channel_not_found`` in a
private channel it is not in), as Slack does; a post in the thread of a message in
``deleted`` answers ``thread_not_found``. ``conversations.open`` with one user opens the
app's direct conversation with them, ``D`` and the user's id (failing with the chat
methods). A slash command's ``response_url`` is served here too (:meth:`response_url`):
what is posted to it is kept in ``responses`` (and in ``calls`` as
``response_url:NAME``, in order with the Web API's calls); one named in ``expired``
answers as Slack does for a URL past its 30 minutes or its five uses (404
``expired_url``). With ``in_time`` set, an envelope acknowledged later than Slack waits
(3 seconds) fails the test: Slack would have shown the person an error.

Slack's windows are 3 seconds; a loaded CI machine (pytest -n 4 on two cores) can take
longer than that to handle an envelope, so they hold only in a test about them: the ack's
with ``in_time``, a trigger's with ``trigger_life = TRIGGER_LIFE``. Elsewhere a trigger
lives PATIENCE: a form that did not open in a test about something else failed that test
for a reason not its own.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from gateway.core.loop_thread import stop_accepting
from tests.support import block_kit
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

CHAT_METHODS = {"chat.postMessage", "chat.update", "chat.postEphemeral", "conversations.open"}
SLOW = 3.5  # seconds a method in ``FakeSlack.slow`` takes: past a trigger's real life
TEAM_ID = "T0TEAM01"  # the workspace the app is installed in (auth.test's team_id)
SLACK_WAITS = 3.0  # seconds Slack waits for an envelope's ack (``FakeSlack.in_time``)
TRIGGER_LIFE = 3.0  # seconds Slack lets a trigger_id open a view (``real_windows``)


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id → users.info user
    calls: list[Call] = field(default_factory=list)
    hooks: dict[str, list[Any]] = field(default_factory=lambda: {"teams": [], "webhook": []})
    down: str = ""  # "" | "500" | "timeout" | "ratelimited"
    slow: set[str] = field(default_factory=set)  # methods answered only after SLOW seconds
    down_all: bool = False
    refuse: dict[str, str] = field(default_factory=dict)  # method → the error it answers
    refuse_in: dict[str, str] = field(default_factory=dict)  # channel → chat methods' error
    responses: dict[str, list[Any]] = field(default_factory=dict)  # response_url → posts
    expired: set[str] = field(default_factory=set)  # response_urls that answer 404
    in_time: bool = False  # an ack later than SLACK_WAITS fails the test
    # seconds a trigger_id opens a view: TRIGGER_LIFE in a test about that window, else
    # a loaded machine's leeway (see the module's docstring)
    trigger_life: float = PATIENCE
    enterprise: str = ""  # the Enterprise Grid organisation of the app's workspace, if any
    # messages deleted since (their ts): a post in their thread is ``thread_not_found``, as
    # Slack answers when the message a reply would answer is gone (and had no replies)
    deleted: set[str] = field(default_factory=set)
    port: int = field(default_factory=free_port)
    _ts: int = 0
    _acks: dict[str, Any] = field(default_factory=dict)
    _acked_at: dict[str, float] = field(default_factory=dict)  # envelope id → when (monotonic)
    _triggers: dict[str, float] = field(default_factory=dict)  # trigger id → when sent
    _ws: web.WebSocketResponse | None = None

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    # ------------------------------------------------------------------ control

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def hook_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    def response_url(self, name: str) -> str:
        """A slash command's ``response_url`` served here (Slack's is under hooks.slack.com)."""
        return f"http://127.0.0.1:{self.port}/commands/{name}"

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(PATIENCE)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(PATIENCE)
        self._loop.call_soon_threadsafe(self._loop.stop)
        # the loop must have stopped before it is closed (closing a running loop raises):
        # on a loaded machine that took longer than the 5 s this waited
        self._thread.join(PATIENCE)
        self._loop.close()

    def add_user(
        self, user_id: str, email: str, name: str, locale: str = "ja-JP", team: str = ""
    ) -> None:
        """A user ``users.info`` describes; ``team``: their home workspace when it is
        another one than the app's (a Slack Connect guest from another organisation)."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": team or TEAM_ID,
            "name": name.lower().replace(" ", "."),
            "real_name": name,
            "locale": locale,
            "profile": {"email": email, "real_name": name, "display_name": name},
        }

    def of(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def wait_for(
        self, method: str, count: int = 1, timeout: float = PATIENCE
    ) -> list[dict[str, Any]]:
        assert eventually(lambda: len(self.of(method)) >= count, timeout=timeout), (
            f"{method}: {len(self.of(method))} call(s), wanted {count}; calls: "
            f"{[c.method for c in self.calls]}"
        )
        return self.of(method)

    def answered(self, name: str, count: int = 1, timeout: float = PATIENCE) -> list[Any]:
        """What was posted to :meth:`response_url` ``name``, once ``count`` posts came."""
        assert eventually(lambda: len(self.responses.get(name, [])) >= count, timeout=timeout), (
            f"response_url {name}: {self.responses}; calls: {[c.method for c in self.calls]}"
        )
        return self.responses[name]

    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    def envelope(
        self, kind: str, payload: dict[str, Any], timeout: float = PATIENCE, retry: int = 0
    ) -> Any:
        """Send a Socket Mode envelope (``slash_commands`` | ``interactive``); the ack's
        payload (``{}`` for an empty ack). ``retry``: Slack's ``retry_attempt`` (it sends
        an envelope it saw no ack for again, the same payload in a new envelope)."""
        envelope_id = str(uuid.uuid4())
        self._triggers[str(payload.get("trigger_id", ""))] = time.monotonic()
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": True,
            "retry_attempt": retry,
            "retry_reason": "timeout" if retry else "",
            "payload": payload,
        }
        sent = time.monotonic()
        asyncio.run_coroutine_threadsafe(self._send(message), self._loop).result(PATIENCE)
        assert eventually(lambda: envelope_id in self._acks, timeout=timeout), "no ack"
        answer = self._acks[envelope_id]
        waited = self._acked_at[envelope_id] - sent
        assert not self.in_time or waited <= SLACK_WAITS, (
            f"acknowledged after {waited:.1f} s: Slack gave up at {SLACK_WAITS} s"
        )
        problems = block_kit.options_problems(answer) if "options" in answer else []
        if isinstance(answer, dict) and isinstance(answer.get("view"), dict):
            problems += block_kit.view_problems(answer["view"])
        assert not problems, f"Slack would refuse this answer: {problems}"
        return answer

    # ------------------------------------------------------------------ server

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # users.info is a GET
        app.router.add_get("/link", self._socket)
        app.router.add_post("/hooks/{name}", self._hook)
        app.router.add_post("/commands/{name}", self._respond)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await self._site.start()

    async def _stop(self) -> None:
        # a client still calling (the gateway's Socket Mode reconnecting once its WebSocket
        # is closed below, a poster's retry) may connect while this stops: its socket was
        # left open when the loop stopped and failed a later test (tests/test_slack_fake_stop.py)
        if self._site is not None:
            await stop_accepting(self._site._server)
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _send(self, message: dict[str, Any]) -> None:
        assert self._ws is not None, "no Socket Mode connection"
        await self._ws.send_str(json.dumps(message, ensure_ascii=False))

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                data = json.loads(msg.data)
                if "envelope_id" in data:
                    self._acked_at[data["envelope_id"]] = time.monotonic()
                    self._acks[data["envelope_id"]] = data.get("payload") or {}
        return ws

    async def _hook(self, request: web.Request) -> web.Response:
        failing = await self._failing()
        if failing is not None:
            return failing
        self.hooks[request.match_info["name"]].append(json.loads(await request.text()))
        return web.Response(status=202, text="")

    async def _respond(self, request: web.Request) -> web.Response:
        """A post to a response_url: Slack answers ``ok`` as text, not JSON."""
        name = request.match_info["name"]
        if name in self.expired:
            self.responses.setdefault(f"{name}!expired", []).append(await request.text())
            return web.Response(status=404, text="expired_url")
        said = json.loads(await request.text())
        self.responses.setdefault(name, []).append(said)
        self.calls.append(Call(f"response_url:{name}", said))  # in order with the API's
        return web.Response(status=200, text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        if method in CHAT_METHODS or self.down_all:
            failing = await self._failing()
            if failing is not None:
                self.calls.append(Call(f"{method}!failed", params))
                return failing
        if method in self.slow:
            await asyncio.sleep(SLOW)
        sent = self._triggers.get(str(params.get("trigger_id", "")))
        if (
            method == "views.open"
            and sent is not None
            and time.monotonic() - sent > self.trigger_life
        ):
            self.calls.append(Call(f"{method}!expired", params))  # Slack: 3 s to use it
            return web.json_response({"ok": False, "error": "expired_trigger_id"})
        refused = self.refuse.get(method) or (
            self.refuse_in.get(str(params.get("channel", ""))) if method in CHAT_METHODS else None
        )
        if method == "chat.postMessage" and str(params.get("thread_ts", "")) in self.deleted:
            refused = "thread_not_found"
        if refused:
            self.calls.append(Call(f"{method}!refused", params))
            return web.json_response({"ok": False, "error": refused})
        self.calls.append(Call(method, params))
        return web.json_response(self._answer(method, params))

    async def _failing(self) -> web.Response | None:
        if self.down == "500":
            return web.Response(status=500, text="<html>internal error</html>")
        if self.down == "timeout":
            await asyncio.sleep(3)
            return web.Response(status=504, text="late")
        if self.down == "ratelimited":
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "7"}
            )
        return None

    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            grid = {"enterprise_id": self.enterprise} if self.enterprise else {}
            return {
                "ok": True,
                "user_id": "UBOT0001",
                "bot_id": "BBOT0001",
                "team_id": TEAM_ID,
                **grid,
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}
        if method == "users.info":
            user = self.users.get(str(p.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method in ("views.open", "views.update"):
            view = p["view"] if isinstance(p["view"], dict) else json.loads(p["view"])
            problems = block_kit.view_problems(view)
            if problems:  # Slack's limits (private_metadata's 3 000 among them): no form
                return {"ok": False, "error": "invalid_arguments", "problems": problems}
            return {"ok": True, "view": {"id": "V0VIEW001", "hash": "h1", **view}}
        if method == "chat.getPermalink":
            ts = str(p.get("message_ts", "")).replace(".", "")
            return {
                "ok": True,
                "permalink": f"https://example.slack.com/archives/{p.get('channel')}/p{ts}",
            }
        if method in ("chat.postMessage", "chat.update"):
            blocks = p.get("blocks")
            problems = block_kit.message_problems(
                json.loads(blocks) if isinstance(blocks, str) else blocks
            )
            if problems:
                return {"ok": False, "error": "invalid_blocks", "problems": problems}
        if method == "chat.postMessage":
            self._ts += 1
            return {"ok": True, "channel": p.get("channel"), "ts": f"1772413200.{self._ts:06d}"}
        if method == "chat.update":
            return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": "1772413299.000001"}
        if method == "conversations.open":  # the app's direct conversation with one person
            users = str(p.get("users", ""))
            if "," in users or not users:
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "channel": {"id": "D" + users}}
        return {"ok": False, "error": "unknown_method"}


async def _params(request: web.Request) -> dict[str, Any]:
    """JSON bodies (the SDK's default for most methods) and form bodies, as one dict."""
    text = await request.text()
    if request.method == "GET":
        return dict(request.query)
    if request.content_type == "application/json":
        return dict(json.loads(text or "{}"))
    params: dict[str, Any] = dict(parse_qsl(text))
    for key in ("blocks", "view"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params
