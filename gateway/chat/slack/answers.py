"""The door's own answer to one person, which only they see (ticket news goes through
the chat outbox instead).

A slash command is answered through its ``response_url``, as Slack recommends for an
answer after the ack (good for 30 minutes and five posts): it reaches the person where
they typed the command, also in a channel the bot is not in or a direct message, where
``chat.postEphemeral`` is refused (``channel_not_found``, ``not_in_channel``). Without a
usable one (none sent, expired, neither https nor this machine), and for the card's
buttons and the shortcuts (on our own card or in its thread, where the bot is),
``chat.postEphemeral``. Either way the answer is said once: the other way is tried only
when the first did not get it through.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from gateway.core.hosts import is_link_local, is_loopback
from gateway.core.proxies import ProxyError, sdk_proxy

log = logging.getLogger("gateway.chat.slack")


async def tell(
    client: AsyncWebClient,
    channel: str,
    user: str,
    text: str,
    *,
    response_url: str = "",
    timeout: timedelta = timedelta(seconds=10),
) -> None:
    """``text`` for ``user`` alone: through ``response_url`` when there is a usable one,
    else (or when it fails) as an ephemeral message in ``channel``."""
    session = getattr(client, "session", None)  # the door's: its lookups (resolving.py)
    if response_url and await _respond(response_url, text, timeout, session):
        return
    if not channel or not user:
        return
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    except (SlackApiError, SlackRequestError, OSError) as exc:
        log.warning("ephemeral message to %s failed: %s", user, exc)


def usable(url: str) -> bool:
    """https, or http to this machine only (as ``api_url``): a URL from elsewhere is not
    posted to in the clear; never a link-local address written as such (a name that
    leads to one is refused where it is looked up: :mod:`gateway.chat.slack.resolving`)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return (
        bool(host)
        and not is_link_local(host)
        and (parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host)))
    )


async def _respond(
    url: str, text: str, timeout: timedelta, session: aiohttp.ClientSession | None = None
) -> bool:
    """One ephemeral post to a command's response_url; whether Slack took it. The URL
    is a credential of sorts (anyone holding it may answer): only its host is logged."""
    host = urlsplit(url).hostname or "?"
    if not usable(url):
        log.warning("a response_url on %s that is not https (or is link-local): not used", host)
        return False
    try:
        proxy = sdk_proxy(url)
    except ProxyError as exc:
        log.warning("slack: the proxy cannot be used (%s): answering directly", exc)
        proxy = None
    seconds = max(1, int(timeout.total_seconds()))
    hook = AsyncWebhookClient(url, timeout=seconds, retry_handlers=[], session=session)
    hook.proxy = proxy  # None: direct (the SDK would read the environment its own way)
    try:
        answer = await hook.send_dict({"response_type": "ephemeral", "text": text})
    except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
        log.warning("response_url on %s failed: %s", host, exc)
        return False
    if answer.status_code != 200:  # 404 expired_url, used_url: past 30 minutes or 5 posts
        log.warning("response_url on %s answered %s %s", host, answer.status_code, answer.body[:80])
        return False
    return True
