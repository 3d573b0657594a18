"""Whether the listener can believe any Authentication-Results from another machine.

Authentication-Results prove a sender only on mail from a peer that may write them:
one in ``[smtp] trusted_networks``, the unix socket, or a session that logged in
(:mod:`gateway.runner.proof`, RFC 8601 section 5: our MTA strips forged copies, so the
headers mean something only on mail it relayed). A site that names authserv-ids,
listens beyond this machine without logins, and trusts no address but this machine's
believes none of the results on mail from elsewhere: the MTA that writes them is on
another machine and belongs in ``trusted_networks``, or the listener is open wider than
it needs. Said once at start and by ``status`` (code ``relay_networks_unset``).
"""

from __future__ import annotations

import ipaddress

from gateway.config.settings import Settings
from gateway.core.i18n import N_, Msg

# names that reach this machine only; any other name may resolve to an outside address
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def relays_unlisted(settings: Settings) -> Msg | None:
    """Why mail from other machines proves no sender by DKIM/DMARC; None when it can
    (or no authserv-id is trusted, or only this machine reaches the listener)."""
    smtp = settings.smtp
    ids = settings.gateway.trusted_authserv_ids
    if not ids or smtp.auth_users_file is not None or _only_this_machine(smtp.host):
        return None
    if any(not ipaddress.ip_network(n).is_loopback for n in smtp.trusted_networks):
        return None  # a relay is listed: the admin said where the MTA is
    return N_(
        "[smtp] host = {host} takes mail from other machines without a login, and [smtp] "
        "trusted_networks names only this machine: the Authentication-Results of {ids} "
        "are believed only on mail from a peer in trusted_networks (or one that logged "
        "in), so no mail from another machine proves its sender by DKIM or DMARC. Add the "
        "address of the MTA that writes them to [smtp] trusted_networks, or listen on "
        "127.0.0.1 or a unix socket",
        host=smtp.host,
        ids=", ".join(ids),
    )


def _only_this_machine(host: str) -> bool:
    """A unix socket, a loopback address or name: no other machine connects."""
    if host.startswith("/") or host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False
