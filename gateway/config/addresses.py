"""A mail address from the config file, as the wire will carry it.

The gateway speaks plain SMTP: it never asks a relay for SMTPUTF8, so an address it
sends to or from must be ASCII on the wire. The part before ``@`` has no other
form; one with ``担当`` or ``josé`` in it would be refused by the relay (or
mangled) at the first notice, long after the start that could have said so. The
domain has one: its IDNA2008 form (``例え.jp`` is ``xn--r8jz45g.jp``), which is what is
kept. What an accepted address becomes is :func:`gateway.core.domains.ascii_address`'s
form, the one every address is kept and compared in (a mail's sender, a catalog's
assignee, the Slack member map, a sign-in): a member written either way is one
address everywhere. This module only refuses what the wire cannot carry.

The shape accepted is RFC 5321's common case: a dot-atom before ``@`` (no quoted
local parts, no comments), host-name labels after it, within the lengths a relay
takes. Lower case throughout, as every address is compared.
"""

from __future__ import annotations

import re

from gateway.core.domains import BadDomain, ascii_domain
from gateway.core.i18n import N_, Msg
from gateway.core.text import visible

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
MAX_LOCAL = 64  # octets (RFC 5321 4.5.3.1.1)
MAX_DOMAIN = 253  # octets of a domain name without its final dot
MAX_ADDRESS = 254  # what a reverse-path or forward-path holds without its brackets


class BadAddress(ValueError):
    """Why a text is no address the gateway can send to; ``message`` is for a person."""

    def __init__(self, message: Msg) -> None:
        super().__init__(str(message))
        self.message = message


def wire_address(text: str) -> str:
    """``text`` (already stripped) as the wire carries it: lower case, the domain in
    its IDNA form; :class:`BadAddress` when it cannot be one."""
    value = text.lower()
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or "@" in local:
        raise BadAddress(N_("not an e-mail address: '{value}'", value=visible(text)))
    if not local.isascii():
        raise BadAddress(
            N_(
                "'{value}': the part before @ ('{local}') is not ASCII, which mail can carry "
                "only with SMTPUTF8, and the gateway sends without it; give an ASCII address "
                "for this mailbox",
                value=visible(text),
                local=visible(local),
            )
        )
    if len(local) > MAX_LOCAL or not _LOCAL.fullmatch(local):
        raise BadAddress(N_("not an e-mail address: '{value}'", value=visible(text)))
    ascii_domain = _idna(domain, text)
    labels = ascii_domain.split(".")
    if len(ascii_domain) > MAX_DOMAIN or not all(_LABEL.fullmatch(label) for label in labels):
        raise BadAddress(N_("not an e-mail address: '{value}'", value=visible(text)))
    address = f"{local}@{ascii_domain}"
    if len(address) > MAX_ADDRESS:
        raise BadAddress(N_("not an e-mail address: '{value}'", value=visible(text)))
    return address


def _idna(domain: str, text: str) -> str:
    """The domain's IDNA2008 form (:func:`gateway.core.domains.ascii_domain`, UTS #46
    mapping: ``faß.de`` stays itself, it is not ``fass.de``); an ASCII one as written."""
    try:
        return ascii_domain(domain)
    except BadDomain as exc:
        raise BadAddress(
            N_(
                "'{value}': the domain '{domain}' has no IDNA (punycode) form: {why}; write "
                "the domain as its owner registered it",
                value=visible(text),
                domain=domain,
                why=exc.message,
            )
        ) from None
