"""The SMTP/LMTP source: a listener that answers ``250`` only once mail is stored.

``listener`` (the socket, its event loop, the graceful stop), ``protocol``
(aiosmtpd's SMTP/LMTP with enhanced status codes), ``handler`` (the answers
that are ours: recipient, sender, stored), ``policy`` (our recipients, trusted
networks) and ``auth`` (the AUTH users file).
"""

from gateway.receive.smtp.auth import Users, hash_password, load_users
from gateway.receive.smtp.handler import GatewayHandler
from gateway.receive.smtp.listener import SmtpListener
from gateway.receive.smtp.policy import Recipients, TrustedNetworks

__all__ = [
    "GatewayHandler",
    "Recipients",
    "SmtpListener",
    "TrustedNetworks",
    "Users",
    "hash_password",
    "load_users",
]
