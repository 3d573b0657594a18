"""How the chat poster talks to Slack's Web API and to incoming webhooks.

Two answers besides success, as exceptions the poster maps to its table:

* :class:`ChatDown` — try later: a 5xx, a timeout, a refused connection, a
  rate limit (429, with Slack's ``Retry-After``), an expired or revoked token
  (the operator can fix it without losing what waits);
* :class:`ChatRefused` — this post can never succeed as it is (an unknown or
  archived channel, a bot not invited, a payload Slack calls invalid, a host at a
  link-local address, which is never dialled: a webhook action's run fails at it too).

Blocking calls with a timeout, from the poster's own thread; no retries of
their own (``retry_handlers=[]``): the chat outbox's backoff is the one retry.
The proxy of the environment is taken as for webhook actions
(:func:`gateway.core.proxies.sdk_proxy`), not as slack_sdk would take it alone. Every
connection looks its host up within the timeout too (:mod:`gateway.chat.dialing`).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.webhook import WebhookClient, WebhookResponse

from gateway.actions.dial import Lookup, system_lookup
from gateway.chat import dialing, failures
from gateway.core.backoff import retry_after
from gateway.core.i18n import Msg
from gateway.core.os_errors import os_error
from gateway.core.proxies import ProxyError, sdk_proxy

# Slack errors that mean "not like this, not ever" for one post
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "msg_too_long",
        "msg_blocks_too_long",  # the blocks' texts together past Slack's limit
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "message_not_found",
        "cant_update_message",
        "cannot_reply_to_message",  # a thread that takes no replies
        "thread_not_found",  # the message a reply would answer was deleted
        "edit_window_closed",
        "restricted_action",  # and every restricted_action_… (RESTRICTED)
        "messages_tab_disabled",  # a direct message to someone who turned them off
        "invalid_arguments",
    }
)
RESTRICTED = "restricted_action"  # …_read_only_channel, …_thread_locked: an admin's rule
# Slack errors that refuse a reply in one thread, not a post in its channel: a card
# meant for the thread of the message it came from goes into the channel itself
NO_THREAD = frozenset({"thread_not_found", "cannot_reply_to_message"})
# Slack errors that say every post fails now, not this one: the others wait with it
WHOLE_SERVICE = frozenset(
    {
        "invalid_auth",  # the token: fixed by the operator, then everything goes
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "team_access_not_granted",
        "fatal_error",  # Slack's own trouble
        "internal_error",
        "service_unavailable",
        "request_timeout",
    }
)


ANSWER_LIMIT = 65_536  # bytes of a webhook's answer read (it is not kept)


class ChatDown(Exception):
    """Temporary: the service or our access to it is down; ``retry_after`` in seconds.
    ``said``: why, in each reader's language (:mod:`gateway.chat.failures`); ``str()``
    is English. ``whole``: every post to the service would fail now (so the others
    wait too); false: an error of this post's, which is tried again alone."""

    def __init__(
        self, why: Msg | str, retry_after: float | None = None, *, whole: bool = True
    ) -> None:
        super().__init__(str(why))
        self.said = why
        self.retry_after = retry_after
        self.whole = whole


class ChatRefused(Exception):
    """Permanent for this post; ``said`` as on :class:`ChatDown`; ``error``: Slack's
    error code (``not_in_channel`` …), "" when another service refused."""

    def __init__(self, why: Msg | str, error: str = "") -> None:
        super().__init__(str(why))
        self.said = why
        self.error = error


class SlackApi:
    """``chat.postMessage`` and ``chat.update`` with the bot token (and
    ``conversations.open``, for a direct message)."""

    def __init__(
        self, token: str, api_url: str, timeout: timedelta, lookup: Lookup = system_lookup
    ) -> None:
        # why the environment's proxy cannot be used: every call is down
        self.unusable: Msg | str = ""
        try:
            proxy = sdk_proxy(api_url)
        except ProxyError as exc:
            proxy, self.unusable = None, failures.proxy_unusable(exc.msg, exc.where)
        self.within, self.lookup = timeout.total_seconds(), lookup
        self.client = _Client(
            lookup,
            self.within,
            token=token,
            base_url=api_url,
            timeout=max(1, int(timeout.total_seconds())),
            retry_handlers=[],
            proxy=proxy,
        )
        self.client.proxy = proxy  # None: direct (the SDK read the environment when None)

    def post(self, channel: str, body: dict[str, Any], thread_ts: str = "") -> str:
        """The new message's ts."""
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        data = self._call("chat_postMessage", channel=channel, unfurl_links=False, **extra, **body)
        return str(data.get("ts", ""))

    def direct(self, user: str, text: str) -> str:
        """``text`` in the app's direct conversation with ``user`` (``conversations.open``
        first: the bot scope ``im:write``); the message's ts."""
        data = self._call("conversations_open", users=user)
        found = data.get("channel")
        channel = str(found.get("id", "")) if isinstance(found, dict) else ""
        if not channel:
            raise ChatDown(failures.slack_error("conversations.open: no channel"))
        return self.post(channel, {"text": text})

    def update(self, channel: str, ts: str, body: dict[str, Any]) -> None:
        self._call("chat_update", channel=channel, ts=ts, **body)

    def respond(self, url: str, text: str) -> bool:
        """``text`` to one person through a command's ``response_url``, seen by them
        alone (:mod:`gateway.chat.slack.answers`); whether Slack took it (past its 30
        minutes or five posts, or not https: no, and nothing else is tried)."""
        from gateway.chat.slack.answers import usable  # aiohttp's: only on this rare path

        if not usable(url):
            return False
        try:
            proxy = sdk_proxy(url)
        except ProxyError:
            proxy = None
        hook = _Hook(self.lookup, self.within, url, timeout=self.client.timeout, retry_handlers=[])
        hook.proxy = proxy  # None: direct (the SDK would read the environment its own way)
        try:
            answer = hook.send_dict({"response_type": "ephemeral", "text": text})
        except (SlackRequestError, OSError, ValueError):
            return False
        return answer.status_code == 200

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        if self.unusable:
            raise ChatDown(self.unusable)
        try:
            response = getattr(self.client, method)(**kwargs)
        except SlackApiError as exc:
            raise _classify(exc) from None
        except (SlackRequestError, OSError, ValueError) as exc:  # timeouts, refused, not JSON
            late = dialing.timed_out_lookup(exc)
            if late is not None:
                raise ChatDown(failures.lookup_timed_out(late.host, self.within)) from None
            if (refused := dialing.link_local(exc)) is not None:  # again, refused again
                raise ChatRefused(failures.link_local(refused.host, refused.address)) from None
            raise ChatDown(failures.unreachable(os_error(exc))) from None
        data = response.data
        return data if isinstance(data, dict) else {}


def _classify(exc: SlackApiError) -> ChatDown | ChatRefused:
    response = exc.response
    status = getattr(response, "status_code", 0)
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    error = str(data.get("error", "")) if isinstance(data, dict) else ""
    if status == 429 or error == "ratelimited":
        return ChatDown(failures.rate_limited(), _retry_after(response.headers))
    if status >= 500 or status == 408 or not error:
        return ChatDown(failures.slack_status(status, error))
    if error in PERMANENT or error.startswith(RESTRICTED):
        return ChatRefused(failures.slack_refused(error), error)
    # an expired token: fixable, and everything waits for it; an error of this post's
    # (a missing scope for a direct message, a code Slack added since): it waits alone
    return ChatDown(failures.slack_error(error), whole=error in WHOLE_SERVICE)


class Webhook:
    """An incoming webhook (Teams Workflows, or Slack-format: Mattermost, Rocket.Chat).

    One POST, redirects never followed: a client that follows one turns the POST into a
    GET of the new place (a sign-in page in front of the chat server answers that with
    200), so the notice would count as posted and never arrive. The timeout bounds the
    whole exchange, not each read: an endpoint that sends a byte now and then would
    otherwise hold the poster, and every Slack card waiting behind it, for good."""

    def __init__(self, url: str, timeout: timedelta, lookup: Lookup = system_lookup) -> None:
        self.url, self.timeout, self.lookup = url, timeout.total_seconds(), lookup

    def post(self, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:  # the environment's proxy as the Web API takes it, not urllib's own reading
            proxy = sdk_proxy(self.url)
        except ProxyError as exc:  # named but unusable: never a direct call instead
            raise ChatDown(failures.proxy_unusable(exc.msg, exc.where)) from None
        made: list[http.client.HTTPConnection] = []  # what the watchdog cuts
        opener = urllib.request.build_opener(  # an empty ProxyHandler: direct
            urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else {}),
            _NoRedirect,
            *dialing.handlers(self.lookup, self.timeout, made=made),
        )
        expired = threading.Event()
        watchdog = threading.Timer(self.timeout, _cut, (made, expired))
        watchdog.daemon = True
        watchdog.start()
        try:
            with opener.open(request, timeout=self.timeout) as answer:
                answer.read(ANSWER_LIMIT)
            if expired.is_set():  # cut half-way: what was read is not an answer
                raise TimeoutError
        except urllib.error.HTTPError as exc:
            if exc.code in (408, 429) or exc.code >= 500:
                raise ChatDown(
                    failures.webhook_status(exc.code), _retry_after(exc.headers)
                ) from None
            if 300 <= exc.code < 400:
                raise ChatRefused(failures.webhook_redirect(exc.code)) from None
            raise ChatRefused(failures.webhook_status(exc.code)) from None
        except (OSError, http.client.HTTPException) as exc:  # refused, unreachable, cut
            late = dialing.timed_out_lookup(exc)
            if late is not None:
                raise ChatDown(failures.lookup_timed_out(late.host, self.timeout)) from None
            if (refused := dialing.link_local(exc)) is not None:  # again, refused again
                raise ChatRefused(failures.link_local(refused.host, refused.address)) from None
            if expired.is_set() or isinstance(exc, TimeoutError):
                raise ChatDown(failures.webhook_silent(self.timeout)) from None
            raise ChatDown(failures.webhook_unreachable(os_error(exc))) from None
        finally:
            watchdog.cancel()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is the answer (an HTTPError), never a new request elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Client(WebClient):
    """slack_sdk's Web API client, its connections :mod:`~gateway.chat.dialing`'s (the
    SDK's own way of sending, less the gzip of ``admin.analytics.getFile``, not used)."""

    def __init__(self, lookup: Lookup, within: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._dialing = (lookup, within)

    def _perform_urllib_http_request_internal(
        self, url: str, req: urllib.request.Request
    ) -> dict[str, Any]:
        answer = _open(self._dialing, url, req, self.proxy, self.ssl, self.timeout)
        body = answer.read().decode(answer.headers.get_content_charset() or "utf-8")
        return {"status": answer.code, "headers": answer.headers, "body": body}


class _Hook(WebhookClient):
    """slack_sdk's webhook client (a command's response_url), connecting as
    :class:`_Client` does."""

    def __init__(self, lookup: Lookup, within: float, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self._dialing = (lookup, within)

    def _perform_http_request_internal(
        self, url: str, req: urllib.request.Request
    ) -> WebhookResponse:
        answer = _open(self._dialing, url, req, self.proxy, self.ssl, self.timeout)
        body = answer.read().decode(answer.headers.get_content_charset() or "utf-8")
        return WebhookResponse(
            url=url, status_code=answer.status, body=body, headers=answer.headers
        )


def _open(
    dialing_: tuple[Lookup, float],
    url: str,
    req: urllib.request.Request,
    proxy: str | None,
    context: Any,
    timeout: int,
) -> Any:
    """``req`` sent as slack_sdk sends it (through ``proxy``, else urllib's default
    opener's way), each connection looked up within ``dialing_``'s seconds."""
    if not url.lower().startswith("http"):  # never file:// or ftp:// (as the SDK)
        raise SlackRequestError(f"Invalid URL detected: {url}")
    chain: list[Any] = (
        [urllib.request.ProxyHandler({"http": proxy, "https": proxy})] if proxy else []
    )
    chain += dialing.handlers(*dialing_, context=context)
    return urllib.request.build_opener(*chain).open(req, timeout=timeout)


def _cut(made: list[http.client.HTTPConnection], expired: threading.Event) -> None:
    """The exchange's deadline: a read blocked on the socket returns at once."""
    expired.set()
    for conn in made:
        if conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)


# any instant: delay-seconds are read without one
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _retry_after(headers: Any) -> float | None:
    """Seconds the service asks us to wait (:func:`gateway.core.backoff.retry_after`); an
    HTTP date is read against the answer's own ``Date`` (the server's clock: no clock of
    ours at this edge), and without one it is not read."""
    try:
        value, said_at = _header(headers, "Retry-After"), _header(headers, "Date")
    except AttributeError:
        return None
    now = EPOCH  # delay-seconds need no clock
    if not value.strip().isdigit():  # an HTTP date: only against the answer's Date
        try:
            now = parsedate_to_datetime(said_at)
        except (TypeError, ValueError, IndexError):
            return None
        now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    wait = retry_after(value, now)
    return wait.total_seconds() if wait is not None else None


def _header(headers: Any, name: str) -> str:
    """A header's first value as text, whatever shape the client keeps headers in."""
    value = headers.get(name) or headers.get(name.lower())
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value)
