"""Reply-token addresses: ``<local>+<ticket>-<token>@<domain>``.

The token is an HMAC of the ticket id and the recipient the address was issued
to. Nobody can reach a ticket by guessing its number, and a token names the
person it was given to, which is what later authorisation of ops commands
relies on.

The HMAC's key is bound to the database: :func:`bound_key` derives it from the
gateway secret *and* the random id the database got when it was created
(``store.installation``). Ticket numbers start again in a new database, so an
address issued by the old one (the same secret, a move from SQLite to
PostgreSQL) must not verify there and land on another ticket. Tickets that
existed before a database had its id keep their old, unbound addresses
(:class:`ReplyKeys` ``legacy``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from gateway.core.domains import ascii_address, readable_address
from gateway.core.model import ticket_number

TOKEN_LENGTH = 16


def bound_key(secret: bytes, database_id: str) -> bytes:
    """The token key of one database: the secret, specialised to the database's id."""
    return hmac.new(secret, b"reply-token:" + database_id.encode(), hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class ReplyKeys:
    """The keys of one database: ``current`` makes and checks every address;
    ``legacy`` (the bare secret) still checks addresses of tickets up to
    ``legacy_upto``, issued before the database had an id."""

    current: bytes
    legacy: bytes = b""
    legacy_upto: int = 0

    def candidates(self, ticket_id: int) -> tuple[bytes, ...]:
        if self.legacy and ticket_id <= self.legacy_upto:
            return (self.current, self.legacy)
        return (self.current,)


def make_token(key: bytes, ticket_id: int, recipient: str) -> str:
    """The token of ``recipient`` in its one form (:func:`ascii_address`): issued to
    ``a@例え.jp`` or to ``a@xn--r8jz45g.jp``, it is one token."""
    return _hmac(key, ticket_id, ascii_address(recipient.strip()))


def _hmac(key: bytes, ticket_id: int, recipient: str) -> str:
    msg = f"{ticket_id}:{recipient}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:TOKEN_LENGTH]


def _issued_forms(recipient: str) -> tuple[str, ...]:
    """The texts a token of ``recipient`` may have been made over: its one form, and
    as a token made before addresses had one form was (the address lowered as it was
    written: a Unicode domain, a root dot)."""
    one = ascii_address(recipient.strip())
    forms = (one, recipient.strip().lower(), readable_address(one))
    return tuple(dict.fromkeys(forms))


def reply_address(address: str, keys: ReplyKeys, ticket_id: int, recipient: str) -> str:
    local, domain = address.rsplit("@", 1)
    return f"{local}+{ticket_id}-{make_token(keys.current, ticket_id, recipient)}@{domain}"


@dataclass(frozen=True, slots=True)
class ReplyToken:
    ticket_id: int
    token: str


def parse_reply_address(candidate: str, address: str) -> ReplyToken | None:
    """The ticket and token in ``candidate`` if it is a token variant of ``address``."""
    local, domain = ascii_address(address).rsplit("@", 1)
    pattern = rf"{re.escape(local)}\+(\d{{1,18}})-([0-9a-f]{{{TOKEN_LENGTH}}})@{re.escape(domain)}"
    m = re.fullmatch(pattern, ascii_address(candidate.strip()))  # 例え.jp: xn--r8jz45g.jp
    ticket_id = ticket_number(m.group(1)) if m else None  # past every id: no token of ours
    return ReplyToken(ticket_id, m.group(2)) if m and ticket_id is not None else None


def token_issued_to(
    keys: ReplyKeys, token: ReplyToken, candidates: list[str] | tuple[str, ...]
) -> str | None:
    """Which of ``candidates`` the token was issued to, or None if it is forged."""
    for key in keys.candidates(token.ticket_id):
        for who in candidates:
            for form in _issued_forms(who):
                if hmac.compare_digest(_hmac(key, token.ticket_id, form), token.token):
                    return ascii_address(who.strip())
    return None


_IN_TEXT = re.compile(rf"(\+\d{{1,18}}-)[0-9a-fA-F]{{{TOKEN_LENGTH}}}(?=@)")


def mask_tokens(text: str) -> str:
    """``support+42-<token>@…`` → ``support+42-…@…`` wherever it appears in ``text``:
    a member's token is an ops credential, and logs are read by more people."""
    return _IN_TEXT.sub("\\1…", text)


# a URL's user part: what follows "scheme://" up to an "@" before the host's end. The
# class stops at "/", so the runs after two "://" never overlap: linear in the text.
_USER_PART = re.compile(r"(?<=://)([^/\s@]*)@")


def _masked_user(found: re.Match[str]) -> str:
    user, colon, _password = found.group(1).partition(":")
    return f"{user}:…@" if colon else "…@"  # a user part without ":" is a token itself


# The words of a query parameter's name that say its value is a credential, the name
# split at "_", "-" and "." and read without case (``X-Amz-Signature``, ``api_key``):
SECRET_WORDS = frozenset(
    {
        "sig",  # Azure's shared access signature, many signed links
        "signature",  # AWS presigned URLs (X-Amz-Signature), others' signed links
        "token",  # access_token, X-Amz-Security-Token, a bare token
        "key",  # Google's key=, api_key, access_key
        "apikey",  # the same, written as one word
        "secret",  # client_secret
        "password",  # what a form-built URL carries
        "passwd",
        "pwd",
        "credential",  # X-Amz-Credential: the access key id
        "auth",  # auth=, x-auth
    }
)

# a query parameter after "?", "&" or ";" up to the URL's end (space, "#", the next one);
# the classes exclude their own ends, so each match is one run: linear in the text
_PARAMETER = re.compile(r"([?&;])([^=&;#\s?]+)=([^&;#\s]*)")
_URL = re.compile(r"://\S*")  # a URL in the text: from its "://" to the next space


def _says_secret(name: str) -> bool:
    words = re.split(r"[_.\-]+", name.lower())
    return bool(SECRET_WORDS.intersection(words)) or name.lower().replace("_", "") in SECRET_WORDS


def names_secret(name: str) -> bool:
    """Whether a parameter or option named ``name`` (``api_key``, ``--token``) holds a
    credential, by :data:`SECRET_WORDS`: its value is shown masked."""
    return _says_secret(name.lstrip("-"))


def _masked_parameter(found: re.Match[str]) -> str:
    start, name, value = found.groups()
    return f"{start}{name}=…" if value and _says_secret(name) else found.group(0)


# incoming webhooks whose path is the credential: host → the path's segments shown (the
# rest, whoever holds it posts as the team, is masked)
HOOK_PATHS: dict[str, int] = {
    "hooks.slack.com": 3,  # /services/T…/B…/<secret>
    "hooks.slack-gov.com": 3,  # GovSlack, the same
    "discord.com": 3,  # /api/webhooks/<id>/<token>
    "discordapp.com": 3,  # Discord's older host, the same
    "hooks.zapier.com": 3,  # /hooks/catch/<account>/<hook>/
}
# a URL's host (after any user part, already masked) and its path, up to "?", "#" or a space
_HOST_PATH = re.compile(r"://(?:[^/\s@]*@)?([^/\s?#]*)(/[^\s?#]*)?")


def _masked_path(url: str) -> str:
    """A known incoming webhook's credential (:data:`HOOK_PATHS`), and on any host a path
    segment after one whose name says secret (IFTTT's ``/with/key/<key>``,
    ``/token/<token>``). Segments, not a pattern: linear in the text."""
    found = _HOST_PATH.match(url)
    if found is None or not found.group(2):
        return url
    segments = found.group(2).split("/")  # the first is "", before the path's "/"
    shown = HOOK_PATHS.get(found.group(1).lower().rsplit(":", 1)[0])
    if shown is not None and any(segments[shown + 1 :]):
        masked = [*segments[: shown + 1], "…"]
    else:
        masked = [
            "…" if seg and i > 0 and _says_secret(segments[i - 1]) else seg
            for i, seg in enumerate(segments)
        ]
    return url[: found.start(2)] + "/".join(masked) + url[found.end(2) :]


def _masked_query(url: re.Match[str]) -> str:
    return _PARAMETER.sub(_masked_parameter, _masked_path(url.group(0)))


def mask_url_passwords(text: str) -> str:
    """``http://bob:<password>@proxy`` → ``http://bob:…@proxy``,
    ``…?sig=<signature>&sv=1`` → ``…?sig=…&sv=1`` (a parameter whose name says secret,
    :data:`SECRET_WORDS`), and a credential in the path (``hooks.slack.com/services/T…/B…/…``,
    :func:`_masked_path`), wherever a URL is in ``text``: for every line a person or a
    log reads (a database URL in a configuration error, a proxy's in a library's debug
    line, a webhook's target on a ticket and in its failure mail)."""
    if "://" not in text:
        return text
    return _URL.sub(_masked_query, _USER_PART.sub(_masked_user, text))


# the keys of a dumped Msg (gateway.core.i18n.dump) that are our own words, never a
# URL: left as they are, so that the message is still found in the catalogs
_OWN_WORDS = frozenset({"msgid", "plural"})


def mask_url_passwords_in(data: object) -> object:
    """``data`` (JSON-like: text, mappings, lists, as an event's detail or a dumped Msg
    keeps them) with :func:`mask_url_passwords` applied to every text in it (a dumped
    Msg's own words aside): one masking, for what is recorded now and for the rows an
    older release recorded (migration 0021)."""
    if isinstance(data, str):
        return mask_url_passwords(data)
    if isinstance(data, Mapping):
        return {
            key: value if key in _OWN_WORDS else mask_url_passwords_in(value)
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [mask_url_passwords_in(value) for value in data]
    return data


def is_own_address(email: str, own: Collection[str]) -> bool:
    """One of ``own`` (the gateway address and its aliases) or a ``+token`` variant."""
    email = email.lower()
    return email in own or _token_variant(email, own)


def _token_variant(sender: str, own: Collection[str]) -> bool:
    if "@" not in sender:
        return False
    local, domain = sender.rsplit("@", 1)
    return any(
        local.startswith(o.rsplit("@", 1)[0] + "+") and o.endswith("@" + domain)
        for o in own
        if "@" in o
    )
