"""May this mail change this ticket in the name of this person?

A From header proves nothing, so a mail speaks for an address only through one
of two paths:

(a) it came to the reply-token address that was issued to that address for
    this ticket (the token is an HMAC of ticket and recipient, see
    :mod:`gateway.core.tokens`): the recommended path — unless one of our MTAs
    says DMARC failed for the From's domain (whoever holds a forwarded copy of our
    mail holds the address too, and may write the member's From), or
(b) an ``Authentication-Results`` header (RFC 8601) added by one of *our* MTAs
    (its authserv-id is in ``[gateway] trusted_authserv_ids``) says DKIM
    passed for the address's domain (``header.d``, or the domain of
    ``header.i``) or DMARC passed for it (``header.from``) — and the team has
    declared that domain *per-person* (``[gateway] per_person_domains``):
    every address in it belongs to one person who alone can send as it. A
    domain-level signature says nothing about which user of the domain wrote,
    so without that declaration any colleague could act as a member.

What is trusted, precisely (issue #14):

* only the header block **as received**: it ends at the first line that is
  neither a field (``Name:`` with no space before the colon) nor a
  continuation, exactly where a border MTA and the stdlib parser end it; a
  header after such a line (which the parser's header repair would rejoin) is
  body to the MTA, never stripped by it, and never read here;
* of the Authentication-Results headers there, only the topmost run from
  trusted authserv-ids (a trusted MTA prepends its results; anything below a
  foreign one was there before our MTA saw the mail);
* each header parsed per RFC 8601: comments and quoted strings respected, so
  ``reason="x; dkim=pass"`` is a reason, not a result; a header that does
  not parse counts for nothing;
* a mail with no ``From``, more than one, or more than one address in it, or
  whose ``From`` is not the address it claims to act for, authorises nothing,
  by either path: which of two senders a signature covers is not ours to guess.

Results from any other authserv-id are ignored: anyone can write such a header.
The trusted MTA must remove Authentication-Results headers carrying its own id
from incoming mail (RFC 8601 section 5), as Postfix with OpenDKIM/OpenDMARC and
rspamd do; so the headers mean something only on mail that came *from* it. The
caller passes no trusted id for mail the listener took from a peer outside
``[smtp] trusted_networks`` that did not log in (:func:`gateway.runner.proof.trusted_ids`).
Pure: bytes and strings in, a verdict out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from gateway.core import tokens
from gateway.core.i18n import N_, Msg
from gateway.pipeline.auth_results import (
    MAX_FROM_LENGTH,
    Result,
    authentication_results,
    original_headers,
    top_headers,
    trusted_results,
)
from gateway.pipeline.parse.charsets.headers import decode_raw_runs
from gateway.pipeline.parse.mailboxes import mailbox_pairs

# what callers read through this module (tests, samples): one place to import from
__all__ = [
    "Result",
    "Verdict",
    "authentication_results",
    "original_headers",
    "top_headers",
    "trusted_results",
    "verify_sender",
    "vouches_for_words",
]


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    via: str  # "token" | "dkim" | "dmarc" | "" when refused
    why: Msg  # why it passed, or why not, said in the language of the person concerned
    via_id: str = ""  # the authserv-id whose result it was (dkim, dmarc)

    @property
    def reason(self) -> str:
        """In English, for events and logs."""
        return str(self.why)


def verify_sender(
    raw: bytes,
    recipients: Sequence[str],
    email: str,
    ticket_id: int,
    *,
    keys: tokens.ReplyKeys,
    gateway_address: str,
    trusted_authserv_ids: Collection[str],
    per_person_domains: Collection[str] = (),
    list_from: str = "",
) -> Verdict:
    """Whether the mail in ``raw`` may act for ``email`` on ticket ``ticket_id``.
    ``list_from``: the address a mailing list wrote as its From over ``email``'s
    (:mod:`gateway.pipeline.list_from`), which stands for them in the header block."""
    block = original_headers(raw)
    problem = _from_problem(block, email, list_from)
    if problem is not None:
        return Verdict(False, "", problem)
    domain = email.rsplit("@", 1)[-1].lower()
    if token_issued_to(recipients, email, ticket_id, keys, gateway_address):
        failed = _dmarc_failed(block, domain, trusted_authserv_ids)
        if failed is not None:  # the address was handed on (a forward), the From written
            return Verdict(
                False,
                "",
                N_(
                    "the mail came to the reply address issued to {email}, but {server} "
                    "found its From forged (DMARC failed for {domain}): only mail that "
                    "really comes from {email} may use that address",
                    email=email,
                    server=failed,
                    domain=domain,
                ),
            )
        return Verdict(True, "token", N_("sent to the reply address issued to you"))
    passed = _authenticated(block, domain, trusted_authserv_ids)
    if passed is not None and domain in {d.lower() for d in per_person_domains}:
        return passed
    if passed is not None:
        return Verdict(
            False,
            "",
            N_(
                "{authserv} confirmed that the mail came from {domain}, but {domain} is not "
                "declared per-person ([gateway] per_person_domains), so that proves nothing "
                "about {email}: reply to the mail we sent you (its reply address) instead",
                authserv=passed.via_id,
                domain=domain,
                email=email,
            ),
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


def vouches_for_words(
    raw: bytes,
    recipients: Sequence[str],
    email: str,
    ticket_id: int,
    *,
    keys: tokens.ReplyKeys,
    gateway_address: str,
    trusted_authserv_ids: Collection[str],
    list_from: str = "",
) -> Verdict:
    """Whether a customer's words in ``raw`` may be taken as ``email``'s on the ticket:
    the reply token issued to them, or a trusted DKIM or DMARC pass for their domain.

    Weaker than :func:`verify_sender` on purpose: it decides whether the mail is filed
    as their reply (it may move the state, fill the sheet) or kept marked unverified,
    never whether a command runs (commands still need :func:`verify_sender`). A
    domain's signature proves its mail system sent the mail, which is what every
    mail client's DMARC mark tells its reader too. ``list_from``: as for
    :func:`verify_sender`."""
    block = original_headers(raw)
    problem = _from_problem(block, email, list_from)
    if problem is not None:
        return Verdict(False, "", problem)
    if token_issued_to(recipients, email, ticket_id, keys, gateway_address):
        return Verdict(True, "token", N_("sent to the reply address issued to you"))
    domain = email.rsplit("@", 1)[-1].lower()
    passed = _authenticated(block, domain, trusted_authserv_ids)
    if passed is not None:
        return passed
    return Verdict(
        False,
        "",
        N_(  # its tag, a Message-ID or another's reply address named the ticket: no proof
            "the mail was not sent to the reply address issued to {email} for this ticket, "
            "and no trusted server confirmed (DKIM or DMARC) that it came from {domain}",
            email=email,
            domain=domain,
        ),
    )


def _authenticated(
    block: list[tuple[str, str]], domain: str, trusted_authserv_ids: Collection[str]
) -> Verdict | None:
    """A pass for ``domain`` in the topmost trusted Authentication-Results, if any.
    Two trusted headers that disagree about one method for the domain (one says pass,
    another does not) prove nothing by that method: our MTAs agree, so one of the two
    was written by someone else (a header an MTA failed to strip)."""
    run = trusted_results(block, trusted_authserv_ids)
    said = {(r.method, r.result == "pass") for _, results in run for r in _about(results, domain)}
    disputed = {method for method, ok in said if (method, not ok) in said}
    for authserv_id, results in run:
        for r in _about(results, domain):
            if r.result != "pass" or r.method in disputed:
                continue
            if r.method == "dkim":
                return Verdict(
                    True,
                    "dkim",
                    N_(
                        "DKIM signature of {domain} verified by {server}",
                        domain=domain,
                        server=authserv_id,
                    ),
                    authserv_id,
                )
            return Verdict(
                True,
                "dmarc",
                N_("DMARC pass for {domain} from {server}", domain=domain, server=authserv_id),
                authserv_id,
            )
    return None


def _dmarc_failed(
    block: list[tuple[str, str]], domain: str, trusted_authserv_ids: Collection[str]
) -> str | None:
    """The authserv-id of ours that found DMARC failed for ``domain`` (the From's), if
    one did: its From was written by someone the domain did not authorise. A reply
    token is a bearer's proof (a member who forwards our mail forwards it too), so such
    a mail acts for nobody even at the member's own reply address."""
    for authserv_id, results in trusted_results(block, trusted_authserv_ids, any_spelling=True):
        for r in results:
            if (
                r.method == "dmarc"
                and r.result == "fail"
                and r.props.get("header.from", "").lower() == domain
            ):
                return authserv_id
    return None


def _about(results: list[Result], domain: str) -> list[Result]:
    """The DKIM and DMARC results of one header that speak of ``domain``; of several
    DKIM results in one header (one per signature) a pass stands for them all, as one
    valid signature is enough (RFC 6376)."""
    dkim = [r for r in results if r.method == "dkim" and _dkim_domain(r) == domain]
    dmarc = [
        r
        for r in results
        if r.method == "dmarc" and r.props.get("header.from", "").lower() == domain
    ]
    passed = [r for r in dkim if r.result == "pass"]
    return (passed or dkim)[:1] + dmarc


def _addresses(value: str) -> list[str]:
    """The addresses of one From value, read as the parser reads them (a name holding
    "@", or written in raw JIS, is a name); none when it cannot be read (a From of
    10 000 nested comments makes the stdlib recurse to its limit): it proves nothing."""
    if len(value) > MAX_FROM_LENGTH:
        return []
    try:
        return [a for _, a in mailbox_pairs([decode_raw_runs(value)[0]]) if a]
    except Exception:  # noqa: BLE001 - unreadable is "no address", never a crash
        return []


def _from_problem(block: list[tuple[str, str]], email: str, list_from: str = "") -> Msg | None:
    """Why the From of the original header block speaks for nobody (None when it is fine).
    A list's From over ``email``'s (``list_from``) is theirs: only the reply address
    issued to them proves them then, as the list's signature is for its own domain."""
    froms = [value for name, value in block if name == "from"]
    addresses = _addresses(froms[0]) if len(froms) == 1 else []
    if len(froms) != 1 or len(addresses) != 1:
        return N_(
            "the mail has {count} From headers or addresses where there must be exactly "
            "one, so it cannot show who sent it",
            count=max(len(froms), len(addresses)),
        )
    if addresses[0].strip().lower() not in (email.lower(), list_from.lower() or email.lower()):
        return N_("the From of the header block as received is not {email}", email=email)
    return None


def token_issued_to(
    recipients: Sequence[str],
    email: str,
    ticket_id: int,
    keys: tokens.ReplyKeys,
    gateway_address: str,
) -> bool:
    """One of ``recipients`` is this ticket's reply-token address issued to ``email``."""
    for rcpt in recipients:
        token = tokens.parse_reply_address(rcpt, gateway_address)
        if (
            token is not None
            and token.ticket_id == ticket_id
            and tokens.token_issued_to(keys, token, [email]) is not None
        ):
            return True
    return False


def _dkim_domain(r: Result) -> str:
    if "header.d" in r.props:
        return r.props["header.d"].lower()
    return r.props.get("header.i", "").rsplit("@", 1)[-1].lower()
