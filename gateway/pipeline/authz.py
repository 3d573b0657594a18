"""May this mail change this ticket in the name of this person?

A From header proves nothing, so a mail speaks for an address only through one
of two paths:

(a) it came to the reply-token address that was issued to that address for
    this ticket (the token is an HMAC of ticket and recipient, see
    :mod:`gateway.core.tokens`), or
(b) an ``Authentication-Results`` header (RFC 8601) added by one of *our* MTAs
    (its authserv-id is in ``[gateway] trusted_authserv_ids``) says DKIM
    passed for the address's domain (``header.d``, or the domain of
    ``header.i``) or DMARC passed for it (``header.from``).

Results from any other authserv-id are ignored: anyone can write such a header.
The trusted MTA must remove Authentication-Results headers carrying its own id
from incoming mail (RFC 8601 section 5), as Postfix with OpenDKIM/OpenDMARC and
rspamd do. Pure: bytes and strings in, a verdict out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from gateway.core import tokens
from gateway.core.i18n import N_, Msg


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    via: str  # "token" | "dkim" | "dmarc" | "" when refused
    why: Msg  # why it passed, or why not, said in the language of the person concerned

    @property
    def reason(self) -> str:
        """In English, for events and logs."""
        return str(self.why)


@dataclass(frozen=True, slots=True)
class Result:
    """One ``method=result`` of an Authentication-Results header, with its properties."""

    method: str  # dkim | dmarc | spf | …
    result: str  # pass | fail | none | …
    props: dict[str, str]  # "header.d" → "example.test"


def verify_sender(
    raw: bytes,
    recipients: Sequence[str],
    email: str,
    ticket_id: int,
    *,
    secret: bytes,
    gateway_address: str,
    trusted_authserv_ids: Collection[str],
) -> Verdict:
    """Whether the mail in ``raw`` may act for ``email`` on ticket ``ticket_id``."""
    if token_issued_to(recipients, email, ticket_id, secret, gateway_address):
        return Verdict(True, "token", N_("sent to the reply address issued to you"))
    domain = email.rsplit("@", 1)[-1].lower()
    trusted = {t.lower() for t in trusted_authserv_ids}
    for authserv_id, results in authentication_results(raw):
        if authserv_id.lower() not in trusted:
            continue
        for r in results:
            if r.method == "dkim" and r.result == "pass" and _dkim_domain(r) == domain:
                return Verdict(
                    True,
                    "dkim",
                    N_(
                        "DKIM signature of {domain} verified by {server}",
                        domain=domain,
                        server=authserv_id,
                    ),
                )
            if (
                r.method == "dmarc"
                and r.result == "pass"
                and r.props.get("header.from", "").lower() == domain
            ):
                return Verdict(
                    True,
                    "dmarc",
                    N_("DMARC pass for {domain} from {server}", domain=domain, server=authserv_id),
                )
    return Verdict(
        False,
        "",
        N_(
            "the mail was not sent to the reply address issued to {email} for this ticket, "
            "and no trusted server confirmed (DKIM or DMARC) that it came from {domain}",
            email=email,
            domain=domain,
        ),
    )


def token_issued_to(
    recipients: Sequence[str], email: str, ticket_id: int, secret: bytes, gateway_address: str
) -> bool:
    """One of ``recipients`` is this ticket's reply-token address issued to ``email``."""
    for rcpt in recipients:
        token = tokens.parse_reply_address(rcpt, gateway_address)
        if (
            token is not None
            and token.ticket_id == ticket_id
            and tokens.token_issued_to(secret, token, [email]) is not None
        ):
            return True
    return False


def _dkim_domain(r: Result) -> str:
    if "header.d" in r.props:
        return r.props["header.d"].lower()
    return r.props.get("header.i", "").rsplit("@", 1)[-1].lower()


# ---------------------------------------------------------------- header parsing


def top_headers(raw: bytes, name: str) -> list[str]:
    """Every ``name`` header of the top header block, unfolded, in order."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0].decode("utf-8", "replace")
    found: list[str] = []
    current: str | None = None
    for line in re.split(r"\r?\n", head):
        if line[:1] in (" ", "\t"):
            if current is not None:
                current += " " + line.strip()
            continue
        if current is not None:
            found.append(current)
        key, sep, value = line.partition(":")
        current = value.strip() if sep and key.strip().lower() == name.lower() else None
    if current is not None:
        found.append(current)
    return found


_COMMENT = re.compile(r"\([^()]*\)")


def authentication_results(raw: bytes) -> list[tuple[str, list[Result]]]:
    """``(authserv-id, results)`` for each Authentication-Results header (RFC 8601)."""
    out = []
    for value in top_headers(raw, "Authentication-Results"):
        text = value
        while _COMMENT.search(text):  # comments may nest: strip innermost first
            text = _COMMENT.sub(" ", text)
        parts = [p.strip() for p in text.split(";")]
        authserv = parts[0].split()[0] if parts[0].split() else ""
        out.append((authserv, [r for r in map(_result, parts[1:]) if r is not None]))
    return out


_PAIR = re.compile(r'([\w.-]+)\s*=\s*("[^"]*"|[^\s;]+)')


def _result(resinfo: str) -> Result | None:
    pairs = [(k.lower(), v.strip('"')) for k, v in _PAIR.findall(resinfo)]
    if not pairs or "." in pairs[0][0]:
        return None  # "none", or a stray property without a method
    method, result = pairs[0]
    return Result(method, result.lower(), {k: v for k, v in pairs[1:]})
