"""May this mail change this ticket in the name of this person?

A From header proves nothing, so a mail speaks for an address only through one
of two paths:

(a) it came to the reply-token address that was issued to that address for
    this ticket (the token is an HMAC of ticket and recipient, see
    :mod:`gateway.core.tokens`): the recommended path, or
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
rspamd do. Pure: bytes and strings in, a verdict out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from gateway.core import tokens
from gateway.core.i18n import N_, Msg
from gateway.pipeline.parse.charsets.headers import decode_raw_runs
from gateway.pipeline.parse.mailboxes import mailbox_pairs


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
    keys: tokens.ReplyKeys,
    gateway_address: str,
    trusted_authserv_ids: Collection[str],
    per_person_domains: Collection[str] = (),
) -> Verdict:
    """Whether the mail in ``raw`` may act for ``email`` on ticket ``ticket_id``."""
    block = original_headers(raw)
    problem = _from_problem(block, email)
    if problem is not None:
        return Verdict(False, "", problem)
    if token_issued_to(recipients, email, ticket_id, keys, gateway_address):
        return Verdict(True, "token", N_("sent to the reply address issued to you"))
    domain = email.rsplit("@", 1)[-1].lower()
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


def _authenticated(
    block: list[tuple[str, str]], domain: str, trusted_authserv_ids: Collection[str]
) -> Verdict | None:
    """A pass for ``domain`` in the topmost trusted Authentication-Results, if any."""
    for authserv_id, results in trusted_results(block, trusted_authserv_ids):
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
                    authserv_id,
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
                    authserv_id,
                )
    return None


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


def _from_problem(block: list[tuple[str, str]], email: str) -> Msg | None:
    """Why the From of the original header block speaks for nobody (None when it is fine)."""
    froms = [value for name, value in block if name == "from"]
    addresses = _addresses(froms[0]) if len(froms) == 1 else []
    if len(froms) != 1 or len(addresses) != 1:
        return N_(
            "the mail has {count} From headers or addresses where there must be exactly "
            "one, so it cannot show who sent it",
            count=max(len(froms), len(addresses)),
        )
    if addresses[0].strip().lower() != email.lower():
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


# ---------------------------------------------------------------- header parsing

MAX_HEADER_BLOCK = 256 * 1024  # bytes read for the original header block
MAX_AR_LENGTH = 8 * 1024  # an Authentication-Results longer than this counts for nothing
MAX_FROM_LENGTH = 4 * 1024  # a From longer than this names nobody we would trust
_LINE_END = re.compile(rb"\r?\n")
_FIELD_NAME = re.compile(rb"[!-9;-~]+")  # printable ASCII but ":", no space (RFC 5322)


def original_headers(raw: bytes) -> list[tuple[str, str]]:
    """``(lower-case name, unfolded value)`` of the header block as received: up to the
    first line that is neither a field nor a continuation (a blank one, a broken one)."""
    found: list[tuple[str, list[bytes]]] = []
    pos, end = 0, min(len(raw), MAX_HEADER_BLOCK)
    while pos < end:
        m = _LINE_END.search(raw, pos, end)
        line = raw[pos : m.start() if m else end]
        pos = m.end() if m else end
        if line[:1] in (b" ", b"\t") and found:
            found[-1][1].append(line.strip())
            continue
        name, colon, value = line.partition(b":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            break  # blank, or not a field: the body begins here for the MTA too
        found.append((name.decode("ascii").lower(), [value.strip()]))
    return [
        (name, b" ".join(part for part in parts if part).decode("utf-8", "replace"))
        for name, parts in found
    ]


def top_headers(raw: bytes, name: str) -> list[str]:
    """Every ``name`` header of the original header block, unfolded, in order."""
    wanted = name.lower()
    return [value for field, value in original_headers(raw) if field == wanted]


def authentication_results(raw: bytes) -> list[tuple[str, list[Result]]]:
    """``(authserv-id, results)`` for each Authentication-Results header that parses."""
    parsed = (_parse_ar(v) for v in top_headers(raw, "Authentication-Results"))
    return [ar for ar in parsed if ar is not None]


def trusted_results(
    block: list[tuple[str, str]], trusted_authserv_ids: Collection[str]
) -> list[tuple[str, list[Result]]]:
    """The topmost run of Authentication-Results from trusted authserv-ids: AR headers
    from others above it are skipped, the first one from another id below it ends it
    (what lies below was in the mail before our MTA added its own)."""
    trusted = {t.lower() for t in trusted_authserv_ids}
    run: list[tuple[str, list[Result]]] = []
    for name, value in block:
        if name != "authentication-results":
            continue
        parsed = _parse_ar(value)
        if parsed is not None and parsed[0].lower() in trusted:
            run.append(parsed)
        elif run:
            break
    return run


def _parse_ar(value: str) -> tuple[str, list[Result]] | None:
    """RFC 8601 ``authres-payload``, or None when it does not parse (then it counts for
    nothing: an attacker's odd quoting must never be read more generously than our
    MTA read it)."""
    if len(value) > MAX_AR_LENGTH:
        return None
    tokens = _tokenize(value)
    if tokens is None:
        return None
    segments: list[list[tuple[str, str]]] = [[]]
    for token in tokens:
        if token == (";", ";"):
            segments.append([])
        else:
            segments[-1].append(token)
    head = segments[0]
    if not head or head[0][0] not in ("word", "quoted") or len(head) > 2:
        return None
    if len(head) == 2 and not (head[1][0] == "word" and head[1][1].isdigit()):
        return None  # authres-version is digits
    results: list[Result] = []
    for segment in segments[1:]:
        if not segment or segment == [("word", "none")]:
            continue  # no-result (or a stray ";": nothing to read)
        result = _resinfo(segment)
        if result is None:
            return None
        results.append(result)
    return head[0][1], results


def _resinfo(tokens: list[tuple[str, str]]) -> Result | None:
    """``method[/version] = result`` then ``reason = value`` and ``ptype.property = value``."""
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        if (
            i + 2 >= len(tokens)
            or tokens[i][0] != "word"
            or tokens[i + 1] != ("=", "=")
            or tokens[i + 2][0] not in ("word", "quoted")
        ):
            return None
        pairs.append((tokens[i][1].lower(), tokens[i + 2][1]))
        i += 3
    if not pairs or "." in pairs[0][0]:
        return None
    method, result = pairs[0]
    props = dict(pairs[1:])
    if any(k != "reason" and "." not in k for k in props):
        return None
    return Result(method.split("/", 1)[0].strip(), result.lower(), props)


_WORD_END = re.compile(r'[\s;=()"]')


def _tokenize(value: str) -> list[tuple[str, str]] | None:
    """Words, quoted strings (unescaped), ``;`` and ``=``; comments and space dropped.
    None on an unclosed comment or quoted string."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(value)
    while i < n:
        c = value[i]
        if c.isspace():
            i += 1
        elif c == "(":
            i = _after_comment(value, i)
            if i < 0:
                return None
        elif c == '"':
            i, text = _quoted(value, i)
            if i < 0:
                return None
            out.append(("quoted", text))
        elif c in ";=":
            out.append((c, c))
            i += 1
        elif c == ")":
            return None
        else:
            m = _WORD_END.search(value, i)
            j = m.start() if m else n
            out.append(("word", value[i:j]))
            i = j
    return out


def _after_comment(value: str, i: int) -> int:
    depth = 0
    while i < len(value):
        c = value[i]
        if c == "\\":
            i += 2
            continue
        depth += {"(": 1, ")": -1}.get(c, 0)
        i += 1
        if depth == 0:
            return i
    return -1


def _quoted(value: str, i: int) -> tuple[int, str]:
    chars: list[str] = []
    i += 1
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            chars.append(value[i + 1])
            i += 2
        elif c == '"':
            return i + 1, "".join(chars)
        else:
            chars.append(c)
            i += 1
    return -1, ""
