"""Who pressed the button: a Slack user, their address, their language, and the member
of the team they are (or are not).

A Slack user is a member when the ``[chat.slack.members]`` map names them, else
when the e-mail address Slack shows for them (``users.info``, scope
``users:read.email``) is a ``[[members]]`` address and their home is the app's own
workspace (or its Enterprise Grid organisation). A guest from another organisation in a
shared channel (Slack Connect) shows the address their own workspace's admins gave
them, which proves nothing here: a ``users.info`` whose ``team_id`` is another
workspace's is no member by address (:func:`at_home`). Lookups are cached for a
while, so the 3-second answers Slack wants rarely wait for one; the map is not
(the daemon re-reads it on SIGHUP, :mod:`gateway.config.slack_members`): a link
taken out counts at once. A user Slack will never describe to the app (``HIDDEN``: a
person from another workspace in a shared channel) is known to have no address, not
"unknown just now": they are not asked to try again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from gateway.config.settings import Member, Settings
from gateway.config.slack_members import SlackMembers
from gateway.core.clock import Clock
from gateway.core.i18n import base_language, supported

log = logging.getLogger("gateway.chat.slack")

CACHE_FOR = timedelta(minutes=10)
# users.info's answers that say the same every time: a person the app cannot see (from
# another workspace in a shared channel, Slack Connect): no address, no member by one
HIDDEN = frozenset({"user_not_found", "user_not_visible"})


@dataclass(frozen=True, slots=True)
class Person:
    user_id: str
    email: str  # "" when Slack shows none (a bot, a missing scope)
    name: str
    slack_locale: str  # "ja" | "en" | "" from Slack's locale (ja-JP, en-US, …)
    known: bool = True  # False: Slack could not say just now (rate-limited, down)
    # their home is another organisation's workspace (Slack Connect): the address
    # shown is their admins' word, a requester's address at most, never a member's
    outside: bool = False


@dataclass(frozen=True, slots=True)
class Home:
    """The workspace the app is installed in, as ``auth.test`` says it (bolt asks it
    before any request is handled), and its Enterprise Grid organisation ("" when none)."""

    team: str
    enterprise: str = ""


def at_home(user: Mapping[str, Any], home: Home | None) -> bool:
    """Whether the ``users.info`` user ``user`` belongs to the app's own workspace or
    organisation. A user without a ``team_id`` (Slack always gives one) is taken as
    before; with one, the app's home must be known and be theirs."""
    team = str(user.get("team_id") or "")
    if not team:
        return True
    if home is None:
        return False
    grid = user.get("enterprise_user")
    theirs = str(grid.get("enterprise_id") or "") if isinstance(grid, Mapping) else ""
    ours = {home.team, home.enterprise} - {""}
    return team in ours or (bool(home.enterprise) and theirs == home.enterprise)


class People:
    def __init__(
        self,
        settings: Settings,
        client: AsyncWebClient,
        clock: Clock,
        members: SlackMembers | None = None,
    ) -> None:
        self.settings, self.client, self.clock = settings, client, clock
        self.members = members or SlackMembers(settings)  # the map in use
        self._cache: dict[str, tuple[Person, datetime]] = {}  # as Slack said, map aside
        self.home: Home | None = None  # set from auth.test's answer (gateway.chat.slack.app)

    async def lookup(self, user_id: str) -> Person:
        """The user as Slack describes them; a bare Person when Slack cannot say."""
        cached = self._cache.get(user_id)
        now = self.clock.now()
        if cached is not None and now - cached[1] < CACHE_FOR:
            return self._linked(cached[0])
        try:
            answer = await self.client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else ""
            if error not in HIDDEN:
                log.warning("users.info %s failed: %s", user_id, exc)
                return self.unknown(user_id)
            log.info("users.info %s: %s (Slack shows nothing of them)", user_id, error)
            hidden = Person(user_id, "", "", "")  # known: Slack says the same every time
            self._cache[user_id] = (hidden, now)
            return self._linked(hidden)
        except (SlackRequestError, OSError, TimeoutError, aiohttp.ClientError) as exc:
            # aiohttp's: a connection dropped, or the app's session closed as it stops
            log.warning("users.info %s failed: %s", user_id, exc)
            return self.unknown(user_id)
        user = answer.get("user") or {}
        profile = user.get("profile") or {}
        person = Person(
            user_id=user_id,
            email=str(profile.get("email") or "").strip().lower(),
            name=str(user.get("real_name") or profile.get("real_name") or user.get("name") or ""),
            slack_locale=_short(str(user.get("locale") or "")),
            outside=not at_home(user, self.home),
        )
        self._cache[user_id] = (person, now)
        return self._linked(person)

    def _linked(self, person: Person) -> Person:
        """``person`` with the address the map links them to when Slack shows none."""
        mapped = "" if person.email else self._mapped_email(person.user_id)
        return replace(person, email=mapped) if mapped else person

    def unknown(self, user_id: str) -> Person:
        """The user when Slack cannot say (now): only what the members map knows."""
        return Person(user_id, self._mapped_email(user_id), "", "", known=False)

    def member(self, person: Person) -> Member | None:
        """The team member this Slack user is: the configured map first, then the address
        Slack shows, for a user of the app's own workspace only (not a guest from another
        organisation, whose admins chose that address)."""
        mapped = self._mapped_email(person.user_id)
        if mapped:
            return self.settings.member(mapped)
        if person.outside:
            return None
        return self.settings.member(person.email) if person.email else None

    def locale(self, person: Person) -> str:
        """Slack's language for them, else the member's configured one, else the team's."""
        member = self.member(person)
        return supported(
            person.slack_locale or (member.locale if member else "") or self.settings.gateway.locale
        )

    def _mapped_email(self, user_id: str) -> str:
        return self.members.email(user_id)


def _short(locale: str) -> str:
    """``ja-JP`` → ``ja``; a language we have no catalog for → ``""`` (the pages'
    rule for Accept-Language: :func:`~gateway.core.i18n.base_language`)."""
    return base_language(locale) or ""
