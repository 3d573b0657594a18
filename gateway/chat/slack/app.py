"""The Slack app: bolt's ``AsyncApp`` with one listener per kind of request.

Listeners answer (``ack``) first and work after, as Slack asks; the work is in
:mod:`~gateway.chat.slack.intake` and :mod:`~gateway.chat.slack.buttons`. The
names below are the app's contract with its manifest (``chat/slack-manifest.yaml``):
the callback ids of the shortcuts, the form's views, the card's action ids (and the
form's Back button's, :data:`~gateway.chat.slack.modal.BACK`). A long
menu of the form (past Slack's 100 options) asks for its options as the person types
(``block_suggestion``, in Socket Mode and in HTTP mode alike).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.middleware.request_verification.async_request_verification import (
    AsyncRequestVerification,
)
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import Clock as SignatureClock
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from gateway.chat import render
from gateway.chat.slack import buttons, intake, modal, paging
from gateway.chat.slack.door import Door
from gateway.chat.slack.people import Home, People

CREATE_SHORTCUT = "create_ticket"  # message shortcut: "チケットにする / Create ticket"
SEND_SHORTCUT = "send_to_requester"  # message shortcut on a reply in a ticket's thread
REPLY_COMMAND = "/reply"

log = logging.getLogger("gateway.chat.slack")


class _GatewayTime(SignatureClock):
    """The injected clock, as the SDK's signature verifier asks for it."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class _ClockedVerification(AsyncRequestVerification):
    """Bolt's own signature check, counting Slack's five minutes on our clock (bolt's
    reads the wall clock, and would refuse what the endpoint's check took)."""

    def __init__(self, secret: str, now: Callable[[], float]) -> None:
        super().__init__(secret)
        self._clocked = SignatureVerifier(secret, clock=_GatewayTime(now))

    @property
    def verifier(self) -> SignatureVerifier:
        return self._clocked


class _Home(AsyncMiddleware):
    """Tells who-is-who (:class:`~gateway.chat.slack.people.People`) which workspace is
    the app's own: bolt's ``auth.test`` answer, asked before the first request is
    handled (and kept), so a guest from another organisation is told from a colleague."""

    def __init__(self, people: People) -> None:
        self._people = people

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # bolt passes it by this name
    ) -> BoltResponse | None:
        found = req.context.authorize_result
        if found is not None and found.bot_user_id:  # auth.test's (not a payload's word)
            self._people.home = Home(str(found.team_id or ""), str(found.enterprise_id or ""))
        return await next()


def build_app(door: Door, client: AsyncWebClient, now: Callable[[], float]) -> AsyncApp:
    """``now``: the injected clock in Unix seconds, for the signatures' five minutes."""
    slack = door.settings.chat.slack
    assert slack is not None
    http = slack.mode == "http"
    app = AsyncApp(
        client=client,
        signing_secret=slack.signing_secret if http else "unused-in-socket-mode",
        request_verification_enabled=False,  # bolt's reads wall time: ours is added below
        raise_error_for_unhandled_request=False,
    )
    if http:  # bad signature or stale timestamp (on the injected clock): 401
        app.use(_ClockedVerification(slack.signing_secret, now))
    app.use(_Home(door.people))  # after bolt's authorization, which asked auth.test

    @app.command(slack.command)
    async def ticket_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await intake.open_from_command(door, ack, body, client)

    @app.shortcut(CREATE_SHORTCUT)
    async def create_shortcut(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await intake.open_from_message(door, ack, body, client)

    @app.view(modal.ENTRY_VIEW)
    async def entry_chosen(ack: AsyncAck, view: dict[str, Any]) -> None:
        await intake.choose_entry(door, ack, view)

    @app.view(modal.FIELDS_VIEW)
    async def form_sent(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await intake.submit(door, ack, body, view)

    @app.action(modal.BACK)
    async def form_back(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """A form in pages: back to the page before."""
        await paging.back(door, ack, body, client)

    @app.block_suggestion(modal.VALUE)
    async def menu_options(ack: AsyncAck, body: dict[str, Any]) -> None:
        """A long menu of the form asks what to offer for what the person typed."""
        view = body.get("view")
        found = modal.suggestions(
            door.catalog.current,
            str(body.get("block_id", "")),
            str(body.get("value", "")),
            view if isinstance(view, dict) else {},
            door.settings.gateway.locale,
        )
        await ack(options=found)

    @app.action(re.compile("^(" + "|".join(render.BUTTONS) + ")$"))
    async def card_button(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await buttons.press(door, ack, body, action, client)

    @app.shortcut(SEND_SHORTCUT)
    async def send_shortcut(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await buttons.send_message(door, ack, body, client)

    @app.command(REPLY_COMMAND)
    async def reply_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await buttons.reply_command(door, ack, body, client)

    @app.action(re.compile(".*"))  # after every action of ours: bolt takes the first match
    async def unknown_action(ack: AsyncAck, action: dict[str, Any]) -> None:
        """A button of a card another release posted (renamed, taken out since): Slack
        waits for every press to be answered (else it shows the person an error and sends
        it again). Answered, and nothing is done."""
        await ack()
        log.info("slack: a press of %r, no button of this release: nothing done",
                 str(action.get("action_id", ""))[:80])  # fmt: skip

    return app
