"""Whether an address is on a mail domain of the internet: pure, no lookup.

A sender writes what they like after the ``@``. An address literal (``x@[10.0.0.5]``,
``x@[IPv6:::1]``) sends our relay to the host it names, whatever network it is on; a
name without a dot (``root@localhost``, ``x@intranet``) is the relay's own machine or
whatever its search domain makes of it, and so is one under ``.localhost`` (RFC 6761
has resolvers answer every such name with the loopback address); a "domain" whose
last label is all digits (``x@10.0.0.5``, ``x@127.1``) is an IP address written as a
name, as no top-level domain is all digits (RFC 3696 section 2). No customer writes
from such an address, and mail to one reaches inside the team's network in the team's
name: the web form refuses them, ``/cc add`` and ``tickets add-participant`` let none
join a ticket, and nothing is written to them (:func:`gateway.pipeline.loops.never_answered`).
"""

from __future__ import annotations


def on_mail_domain(email: str) -> bool:
    """Whether ``email``'s domain is a name the internet's mail reaches (a root dot
    aside): no address literal, a dot in it, its last label neither all digits nor
    ``localhost``."""
    domain = email.rpartition("@")[2].rstrip(".").lower()
    if domain.startswith("[") or "." not in domain:
        return False
    last = domain.rsplit(".", 1)[1]
    return not last.isdigit() and last != "localhost"
