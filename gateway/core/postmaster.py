"""Which recipients are our ``postmaster`` (RFC 5321 4.5.1).

Every SMTP server must accept mail for ``postmaster`` at the domains it serves,
and the bare ``postmaster`` without a domain (case-insensitive). Ours are the
domains of the gateway's address and its aliases. The listener accepts such a
recipient at RCPT; the runner keeps mail sent only there for the administrator
and never makes a ticket of it or answers it (a bounce or a complaint from
another site's mail system, whose answer could start a loop).
"""

from __future__ import annotations

from collections.abc import Collection

POSTMASTER = "postmaster"


def served_domains(own: Collection[str]) -> frozenset[str]:
    """The domains of the gateway address and its aliases, lower case."""
    return frozenset(a.rpartition("@")[2].lower() for a in own if "@" in a)


def is_postmaster(address: str, own: Collection[str]) -> bool:
    """``postmaster``, or ``postmaster@`` one of our domains; never a ``+`` variant."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return domain == POSTMASTER
    return local == POSTMASTER and domain in served_domains(own)
