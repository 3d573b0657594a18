"""Who may watch a ticket, and who may put them there: pure rules for ``/cc``.

A watcher hears what the requester hears (status mails, relayed answers) without
being the requester. Members may add or remove anyone outside the team; a
requester may only add a colleague of their own domain (so a customer can copy
their manager, but cannot make the gateway mail a stranger); the number of
watchers is capped per ticket (``[limits] max_watchers``). The caller gathers the
facts; this module decides.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection
from dataclasses import dataclass

from gateway.core.domains import ascii_address
from gateway.core.i18n import N_, Msg
from gateway.core.text import visible

_ADDRESS = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")


class Op(enum.StrEnum):
    ADD = "add"
    REMOVE = "remove"


@dataclass(frozen=True, slots=True)
class Watch:
    """``/cc add|remove <address>``."""

    op: Op
    address: str  # normalised


def cc_command(arg: str, *, by_requester: bool) -> Watch | Msg:
    """The arguments of ``/cc``: ``add`` or ``remove``, then one address."""
    word, _, rest = arg.strip().partition(" ")
    try:
        op = Op(word.lower())
    except ValueError:
        return N_("/cc takes add or remove, then an address")
    address = normalise(rest)
    if address is None:
        return N_("not an e-mail address: '{value}'", value=visible(rest.strip()))
    if by_requester and op != Op.ADD:
        return N_("requesters may only add a colleague (/cc add)")
    return Watch(op, address)


@dataclass(frozen=True, slots=True)
class WatchFacts:
    op: Op
    address: str  # lower-cased
    by_requester: bool  # the requester asked (else a member, or the CLI)
    requester: str  # the ticket's requester, lower-cased
    watchers: Collection[str]  # the ticket's watchers now
    members: Collection[str]  # the team's addresses
    own: bool  # the address is one of the gateway's own
    limit: int  # [limits] max_watchers
    # we never write to it: a mail system's daemon, a no-reply address, or one our mail
    # cannot carry (gateway.pipeline.loops.never_answered)
    unreachable: bool = False


# Domains shared by strangers, where "the requester's own domain" names no colleague: a
# requester there may not add watchers by mail (a member may). Lower-case, exact match.
SHARED_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com",  # Google
        "googlemail.com",
        "outlook.com",  # Microsoft
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",  # Yahoo
        "yahoo.co.jp",
        "ymail.com",
        "icloud.com",  # Apple
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",  # Proton
        "protonmail.com",
        "gmx.net",  # GMX, web.de
        "gmx.de",
        "web.de",
        "docomo.ne.jp",  # Japanese carriers
        "ezweb.ne.jp",
        "au.com",
        "softbank.ne.jp",
        "i.softbank.jp",
        "nifty.com",  # Japanese providers
        "biglobe.ne.jp",
        "ocn.ne.jp",
        "so-net.ne.jp",
        "qq.com",  # China, Korea, Russia
        "163.com",
        "naver.com",
        "mail.ru",
        "yandex.ru",
    }
)


def normalise(address: str) -> str | None:
    """An address as stored (no angle brackets, in the one form of
    :func:`gateway.core.domains.ascii_address`: ``kato@例え.jp`` is
    ``kato@xn--r8jz45g.jp``, which our mail reaches), or None if it is none."""
    found = ascii_address(address.strip().strip("<>"))
    return found if _ADDRESS.fullmatch(found) else None


def pasted(text: str) -> str | None:
    """An address as a person pastes it from a mail client or a web page (``Bob Smith
    <bob@x.test>``, ``mailto:bob@x.test``), as stored, or None if it is none. A stray
    character (``bob@x.test;``) is no address: refused, never stored with it."""
    found = text.strip()
    if found[:7].lower() == "mailto:":
        found = found[7:]
    if found.endswith(">") and "<" in found:  # a display name before it, or none
        found = found[found.rindex("<") :]
    return normalise(found)


def domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


def already_watching(f: WatchFacts) -> Msg | None:
    """An add of someone who watches already, which :func:`watch_refusal` let pass: no
    change, said as done (README: "The value a ticket has already is no change"), or
    None when the add changes something."""
    if f.op == Op.ADD and f.address in f.watchers:
        return N_("{address} gets the mails already: nothing changed", address=f.address)
    return None


def watch_refusal(f: WatchFacts) -> Msg | None:
    """Why this ``/cc`` may not be done, or None when it may."""
    if f.op == Op.REMOVE:
        if f.by_requester:
            return N_("requesters may only add a colleague (/cc add)")
        if f.address not in f.watchers:
            return N_("{address} is not watching this ticket", address=f.address)
        return None
    # adding: checked in this order, the first that applies is the one the reader sees
    if f.address == f.requester:
        return N_("{address} is the requester and hears everything already", address=f.address)
    if f.own or f.address in f.members:
        return N_("{address} is one of the team's own addresses", address=f.address)
    if f.unreachable:
        return N_(
            "{address} never gets our mail (it reads no answers, or our mail cannot be "
            "addressed to it), so it cannot watch",
            address=f.address,
        )
    if f.by_requester and domain(f.requester) in SHARED_DOMAINS:
        return N_(
            "{domain} is shared by many people, so we cannot tell a colleague from a "
            "stranger there; please ask us to add them",
            domain=domain(f.requester),
        )
    if f.by_requester and domain(f.address) != domain(f.requester):
        return N_("you may only add a colleague from {domain}", domain=domain(f.requester))
    if f.address in f.watchers:  # no change, not a refusal: see already_watching
        return None
    if len(f.watchers) >= f.limit:
        return N_("a ticket has at most {n} watchers", n=f.limit)
    return None
