"""Whether an address is on a mail domain of the internet: pure, no lookup.

A sender writes what they like after the ``@``. An address literal (``x@[10.0.0.5]``,
``x@[IPv6:::1]``) sends our relay to the host it names, whatever network it is on; a
name without a dot (``root@localhost``, ``x@intranet``) is the relay's own machine or
whatever its search domain makes of it, and so is one under ``.localhost`` (RFC 6761
has resolvers answer every such name with the loopback address); a "domain" whose
last label is all digits (``x@10.0.0.5``, ``x@127.1``) is an IP address written as a
name, as no top-level domain is all digits (RFC 3696 section 2); and a name under one
of :data:`PRIVATE_NAMES` is one only a private network's resolvers answer
(``metadata.google.internal``, the cloud's metadata server; ``localhost.localdomain``,
the relay's own machine). No customer writes from such an address, and mail to one
reaches inside the team's network in the team's name: the web form refuses them,
``/cc add`` and ``tickets add-participant`` let none join a ticket, and nothing is
written to them (:func:`gateway.pipeline.loops.never_answered`).
"""

from __future__ import annotations

from collections.abc import Collection

# Policy: the names a domain may not end in, each a private network's, never delegated
# on the internet (so no customer's mail is under one)
PRIVATE_NAMES = (
    "localhost",  # RFC 6761: every name under it is the loopback address
    "localdomain",  # /etc/hosts' localhost.localdomain: the machine itself
    "local",  # RFC 6762: multicast DNS, the machines on the local link
    "internal",  # ICANN (2024), for private use: metadata.google.internal
    "home.arpa",  # RFC 8375: a home network
    "corp",  # ICANN (2018) will never delegate these three: used inside networks
    "home",
    "mail",
)


def on_mail_domain(email: str, own: Collection[str] = ()) -> bool:
    """Whether ``email``'s domain is a name the internet's mail reaches (a root dot
    aside): no address literal, a dot in it, its last label not all digits, and not
    under one of :data:`PRIVATE_NAMES` — unless the team's own address (``own``: the
    gateway's address and aliases) is in the same private organisation: an intranet's
    help desk at ``support@corp.local`` answers ``taro@corp.local`` and
    ``hanako@tokyo.corp.local``, which its relay serves, never ``x@other.local``."""
    domain = _domain(email)
    if domain.startswith("[") or "." not in domain:
        return False
    if domain.rsplit(".", 1)[1].isdigit():
        return False
    if not any(domain == name or domain.endswith("." + name) for name in PRIVATE_NAMES):
        return True
    ours = _organisation(domain)
    return ours is not None and any(_organisation(_domain(a)) == ours for a in own)


def _domain(email: str) -> str:
    return email.rpartition("@")[2].rstrip(".").lower()


def _organisation(domain: str) -> str | None:
    """The private name a domain is under with the one label before it (``corp.local``
    of ``tokyo.corp.local``): one organisation's private names; None for none."""
    for name in PRIVATE_NAMES:
        if domain.endswith("." + name):
            return domain[: -len(name) - 1].rsplit(".", 1)[-1] + "." + name
    return None
