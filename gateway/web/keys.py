"""Keys for the pages, derived from the gateway secret: no new secret to keep.

Each use gets its own key, an HMAC of the secret with a purpose label, so a
value signed for one purpose (a form token) can never pass for another (a
CSRF token), and none of them reveals the reply-token key itself.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass


def derive(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, b"ticket-gateway/web/" + purpose.encode(), hashlib.sha256).digest()


def sign(key: bytes, value: str, length: int = 32) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:length]


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True, slots=True)
class Keys:
    csrf: bytes  # CSRF tokens: an HMAC of the visitor's CSRF cookie
    form: bytes  # the one-time token of a form (the submission's idempotency nonce)

    @classmethod
    def from_secret(cls, secret: bytes) -> Keys:
        if len(secret) < 16:
            raise ValueError("the gateway secret is too short to sign web tokens")
        return cls(csrf=derive(secret, "csrf"), form=derive(secret, "form-token"))
