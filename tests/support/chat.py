"""The chat tests' gateway: settings pointed at the fake Slack, the Slack app in
Socket Mode or HTTP mode, and the payloads Slack sends for each step of a flow."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from gateway.chat.poster import ChatPoster, build_poster
from gateway.chat.slack.door import WRITE_WAIT_MS
from gateway.chat.slack.listener import SlackListener
from gateway.config.settings import CatalogSettings, ChatSettings, Settings, SlackSettings
from gateway.runtime.app import App
from store import chat
from store.accept.generic import open_inbox
from store.db import transaction
from store.models import ChatOutboxRow, ChatThread
from tests.support.app import MEMBERS
from tests.support.catalogs import EXAMPLE
from tests.support.slack_fake import FakeSlack
from tests.support.waiting import eventually

TEAM = "T0TEAM01"
HELP = "C0HELP001"  # where people ask (and /ticket is used)
NOTICES = "C0NOTICE1"  # the team's notice channel
REQUESTER, OPS, STRANGER = "U0REQ0001", "U0OPS0001", "U0STR0001"
BOT_TOKEN = "xoxb-1111-2222-abcdefghijklmnop"
APP_TOKEN = "xapp-1-A111-2222-abcdefghijklmnop"
SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"


def people(fake: FakeSlack) -> None:
    fake.add_user(REQUESTER, "ito@customer.test", "伊藤 花子", "ja-JP")
    fake.add_user(OPS, "ops@example.test", "Ops One", "en-US")
    fake.add_user(STRANGER, "someone@elsewhere.test", "誰か", "ja-JP")


# each call to the fake (and the name lookup before it) may take this long: a call that
# should succeed must not fail on a loaded machine (a 1 s bound once did, resolving
# 127.0.0.1 in a full run); a test about Slack being slow passes its own (``timeout``)
CHAT_TIMEOUT = 10.0


def chat_settings(
    base: Settings, fake: FakeSlack, *, timeout: float = CHAT_TIMEOUT, **slack: Any
) -> Settings:
    """The example catalog, the test team, and Slack on the fake (``timeout``: the
    ``[chat] timeout``, in seconds)."""
    cfg = SlackSettings(
        bot_token=BOT_TOKEN,
        app_token=APP_TOKEN,
        api_url=fake.api_url,
        channel=NOTICES,
        **slack,
    )
    return replace(
        base,
        catalog=CatalogSettings(path=EXAMPLE),
        members=MEMBERS,
        chat=ChatSettings(
            slack=cfg, timeout=timedelta(seconds=timeout), retry_initial=timedelta(seconds=30)
        ),
    )


@contextmanager
def slack_app(app: App, fake: FakeSlack) -> Iterator[SlackListener]:
    """The Slack app of ``app``, connected (Socket Mode) or listening (HTTP mode)."""
    listener = SlackListener(
        app.settings,
        app.clock,
        app.catalog,
        app.sessions,
        open_inbox(app.settings.database.url, app.sessions, wait_ms=WRITE_WAIT_MS),
    )
    listener.start()
    try:
        if app.settings.chat.slack and app.settings.chat.slack.mode == "socket":
            assert eventually(fake.connected), "Socket Mode did not connect"
        yield listener
    finally:
        listener.stop()


def poster(app: App) -> ChatPoster:
    built = build_poster(app.settings, app.clock, app.sessions, app.catalog)
    built.pace = 0.0
    return built


def command(text: str = "", user: str = REQUESTER, trigger: str = "trigger-1") -> dict[str, Any]:
    return {
        "command": "/ticket",
        "text": text,
        "user_id": user,
        "channel_id": HELP,
        "team_id": TEAM,
        "trigger_id": trigger,
        "response_url": "https://hooks.slack.invalid/commands/1",
    }


def shortcut(
    callback: str, user: str, message: dict[str, Any], trigger: str = "trigger-2"
) -> dict[str, Any]:
    """A message shortcut (``create_ticket``, ``send_to_requester``) on ``message`` in
    the help channel, as Slack's interactivity payload carries it."""
    return {
        "type": "message_action",
        "callback_id": callback,
        "trigger_id": trigger,
        "team": {"id": TEAM},
        "channel": {"id": HELP},
        "user": {"id": user},
        "message": {"type": "message", **message},
    }


def submission(
    view: dict[str, Any], values: dict[str, Any], user: str = REQUESTER
) -> dict[str, Any]:
    """A ``view_submission`` of ``view`` (as views.open got it) with ``values`` typed in."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user},
        "trigger_id": "trigger-view",
        "view": {
            "id": "V0VIEW001",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": values},
            "hash": "h1",
        },
    }


def chosen(entry_id: str) -> dict[str, Any]:
    return {"entry": {"value": {"type": "static_select", "selected_option": {"value": entry_id}}}}


def typed(subject: str, text: str, **fields: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "subject": {"value": {"type": "plain_text_input", "value": subject}},
        "text": {"value": {"type": "plain_text_input", "value": text}},
    }
    for name, value in fields.items():
        if name == "os":
            values[f"field:{name}"] = {
                "value": {"type": "static_select", "selected_option": {"value": value}}
            }
        else:
            values[f"field:{name}"] = {"value": {"type": "plain_text_input", "value": value}}
    return values


_PRESSES = itertools.count(1)  # each press Slack sends has a trigger and a time of its own


def press(action: str, ticket_id: int, user: str) -> dict[str, Any]:
    """A ``block_actions`` payload: ``user`` pressed a button on the ticket's card (each
    call a press of its own, as Slack's: a retry of one sends the same payload again)."""
    n = next(_PRESSES)
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "channel": {"id": HELP},
        "trigger_id": f"trigger-button-{n}",
        "container": {"type": "message", "channel_id": HELP, "message_ts": "1772413200.000001"},
        "message": {"ts": "1772413200.000001", "text": "card"},
        "actions": [
            {
                "type": "button",
                "action_id": action,
                "block_id": f"ticket-actions:{ticket_id}",
                "value": str(ticket_id),
                "action_ts": f"1772413300.{n:06d}",
            }
        ],
    }


def threads(app: App) -> list[ChatThread]:
    with transaction(app.sessions) as s:
        return list(s.query(ChatThread).order_by(ChatThread.id))


def posts(app: App) -> list[ChatOutboxRow]:
    with transaction(app.sessions) as s:
        return list(chat.rows(s))


def signed_post(
    port: int,
    path: str,
    body: str,
    secret: str,
    *,
    now: datetime,
    age: float = 0.0,
    good: bool = True,
) -> int:
    """POST ``body`` the way Slack does (v0 signature over timestamp and body), signed
    ``age`` seconds before ``now`` (the app's clock, which Slack's window counts on);
    the status."""
    stamp = str(int(now.timestamp() - age))
    base = f"v0:{stamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not good:
        signature = signature[:-4] + "0000"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def form(payload: dict[str, Any]) -> str:
    return urlencode(payload)
