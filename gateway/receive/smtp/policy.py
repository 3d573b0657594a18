"""Who may send to us, and to which addresses: the listener's two policy questions.

A recipient is ours when it is the gateway's address, a ``local+anything``
variant of it (reply tokens; the pipeline checks them), an alias, or
``postmaster`` (bare, or at one of their domains: RFC 5321 4.5.1 requires it;
the runner keeps that mail for the administrator); anything else is refused at
RCPT. A peer inside ``trusted_networks`` (or on the unix
socket) may send without AUTH; when users are configured, others must log in. The same
peers, and those that logged in, are our MTAs: only on their mail are the
Authentication-Results believed (``inbox.untrusted_peer``, set by the handler).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from gateway.config.settings import Settings
from gateway.core.domains import BadDomain, ascii_address, ascii_domain
from gateway.core.postmaster import is_postmaster


@dataclass(frozen=True, slots=True)
class Recipients:
    """The gateway's address, its ``local+anything`` variants, the aliases, postmaster."""

    mailboxes: tuple[tuple[str, str], ...]  # (local part, domain), lower case

    @classmethod
    def from_settings(cls, settings: Settings) -> Recipients:
        addresses = (settings.gateway.address, *settings.smtp.aliases)
        return cls(tuple(_split(a) for a in addresses))

    def accepts(self, address: str) -> bool:
        local, domain = _split(address)
        if any(domain == d and _same_mailbox(local, lp) for lp, d in self.mailboxes):
            return True
        return is_postmaster(address, [f"{lp}@{d}" for lp, d in self.mailboxes])


def _same_mailbox(local: str, mailbox: str) -> bool:
    """``support`` or ``support+<anything>``: reply tokens are checked by the pipeline."""
    return local == mailbox or (local.startswith(mailbox + "+") and len(local) > len(mailbox) + 1)


def _split(address: str) -> tuple[str, str]:
    local, _, domain = address.strip().lower().rpartition("@")
    return local, domain


class TrustedNetworks:
    """The ``trusted_networks`` CIDRs: peers there need no AUTH, and their mail's
    Authentication-Results are believed (anyone else's prove nothing unless they logged in)."""

    def __init__(self, cidrs: tuple[str, ...]) -> None:
        self.networks = tuple(ipaddress.ip_network(n) for n in cidrs)

    def trusts(self, peer: Any) -> bool:
        """``peer`` as aiosmtpd gives it: (host, port, ...) over TCP, a string on a socket."""
        if not isinstance(peer, tuple) or not peer:
            return True  # a unix socket: only local processes reach it
        try:
            ip = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
        except ValueError:
            return False
        return any(ip in net for net in self.networks)


def envelope_form(address: str) -> str:
    """``address`` with a domain that is not ASCII in its IDNA form (``help@例え.jp`` is
    ``help@xn--r8jz45g.jp``), the form the config keeps ours in and every part of the
    gateway compares: with SMTPUTF8 a client may write either, and the one was refused
    as no mailbox here. Anything else as given (a domain with no IDNA form too)."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{ascii_domain(domain)}"
    except BadDomain:
        return address


def distinct_recipients(addresses: list[str]) -> tuple[str, ...]:
    """Each mailbox once, as first named: ``Support@Example.test`` and
    ``support@example.test`` in one transaction are one recipient, compared as the
    gateway keeps every address (:func:`gateway.core.domains.ascii_address`: lower
    case, the domain as its IDNA A-label, without a final dot, which names the same
    domain). The row keeps what the client wrote first; LMTP still answers every
    RCPT it accepted."""
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(ascii_address(address.strip()), address)
    return tuple(seen.values())
