"""Reply-token addresses: ``<local>+<ticket>-<token>@<domain>``.

The token is an HMAC of the ticket id and the recipient the address was issued
to, keyed by the gateway secret. Nobody can reach a ticket by guessing its
number, and a token names the person it was given to, which is what later
authorisation of ops commands relies on.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

TOKEN_LENGTH = 16


def make_token(secret: bytes, ticket_id: int, recipient: str) -> str:
    msg = f"{ticket_id}:{recipient.strip().lower()}".encode()
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()[:TOKEN_LENGTH]


def reply_address(address: str, secret: bytes, ticket_id: int, recipient: str) -> str:
    local, domain = address.rsplit("@", 1)
    return f"{local}+{ticket_id}-{make_token(secret, ticket_id, recipient)}@{domain}"


@dataclass(frozen=True, slots=True)
class ReplyToken:
    ticket_id: int
    token: str


def parse_reply_address(candidate: str, address: str) -> ReplyToken | None:
    """The ticket and token in ``candidate`` if it is a token variant of ``address``."""
    local, domain = address.lower().rsplit("@", 1)
    pattern = rf"{re.escape(local)}\+(\d{{1,18}})-([0-9a-f]{{{TOKEN_LENGTH}}})@{re.escape(domain)}"
    m = re.fullmatch(pattern, candidate.strip().lower())
    return ReplyToken(int(m.group(1)), m.group(2)) if m else None


def token_issued_to(
    secret: bytes, token: ReplyToken, candidates: list[str] | tuple[str, ...]
) -> str | None:
    """Which of ``candidates`` the token was issued to, or None if it is forged."""
    for who in candidates:
        if hmac.compare_digest(make_token(secret, token.ticket_id, who), token.token):
            return who.strip().lower()
    return None


_IN_TEXT = re.compile(rf"(\+\d{{1,18}}-)[0-9a-fA-F]{{{TOKEN_LENGTH}}}(?=@)")


def mask_tokens(text: str) -> str:
    """``support+42-<token>@…`` → ``support+42-…@…`` wherever it appears in ``text``:
    a member's token is an ops credential, and logs are read by more people."""
    return _IN_TEXT.sub("\\1…", text)
