"""Issue #14, findings 2, 3 and 10: no header trick acts as a member.

* 2: an Authentication-Results header below a line the parser's repair rejoins
  (the border MTA saw it as body, so never stripped it) closed a ticket as spam;
* 3: with a trusted DKIM pass for the domain, a second ``From:`` (or any user of
  the members' domain) ran commands as ops;
* 10: ``reason="x; dkim=pass header.d=…"`` was split at the quoted ``;``.

Beyond the samples: every placement of a passing result we can think of outside
the topmost trusted run of the header block as received is generated, and so are
quotings and comments that hide a ``dkim=pass`` in a failing result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.config.settings import Settings
from gateway.core import tokens
from gateway.core.clock import FakeClock
from gateway.core.model import InboxState
from gateway.pipeline import authz
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, SECRET, reply_address
from tests.support.config import config_error, load_toml
from tests.support.pipeline import deliver, outbox, show, text_of

KEYS = tokens.ReplyKeys(SECRET)  # a pure check: any key the caller holds
GW = "support@example.test"
OPS = "ops@example.test"
MX = "mx.example.test"
PASS = f"Authentication-Results: {MX}; dkim=pass header.d=example.test"
HEAD = ["To: support@example.test", "Subject: Re: [#1] VPN"]


def block(*lines: str, body: str = "/close spam\r\n") -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode("utf-8", "surrogateescape")


def verify(raw: bytes, email: str = OPS, recipients: tuple[str, ...] = (GW,)) -> authz.Verdict:
    return authz.verify_sender(
        raw,
        list(recipients),
        email,
        1,
        keys=KEYS,
        gateway_address=GW,
        trusted_authserv_ids=(MX,),
        per_person_domains=("example.test",),
    )


def test_a_trusted_pass_at_the_top_authorises_and_is_the_control() -> None:
    assert verify(block(PASS, f"From: {OPS}", *HEAD)).via == "dkim"


# ---------------------------------------------------------------- finding 2 and class

BROKEN_LINES = [
    "this line has no colon",  # the review's sample
    "Name : value",  # obsolete syntax: a space before the colon
    "two words: value",
    "From mallory@outside.test Mon Mar  2 09:30:00 2026",  # an mbox separator
    "\u00e9t\u00e9: 8-bit name",
    "::",
    "-",
]


@pytest.mark.parametrize("broken", BROKEN_LINES)
def test_results_after_a_line_that_ends_the_header_block_are_never_read(broken: str) -> None:
    raw = block(f"From: {OPS}", *HEAD, broken, PASS)
    verdict = verify(raw)
    assert not verdict.ok and verdict.via == ""
    assert authz.authentication_results(raw) == []


PLACEMENTS = {
    "in the body": lambda: block(f"From: {OPS}", *HEAD, body=f"{PASS}\r\n/close spam\r\n"),
    "below a foreign result under ours": lambda: block(
        f"Authentication-Results: {MX}; dkim=none",
        "Authentication-Results: relay.other.test; none",
        PASS,
        f"From: {OPS}",
        *HEAD,
    ),
    "as a continuation line": lambda: block(f"From: {OPS}", *HEAD, "X-Note: a", f" {PASS}"),
    "after a bare CR": lambda: block(f"From: {OPS}", *HEAD, f"X-Note: a\r{PASS}"),
    "space before the colon": lambda: block(
        f"From: {OPS}", *HEAD, PASS.replace("Results:", "Results :")
    ),
    "after leading blank lines": lambda: b"\r\n" + block(PASS, f"From: {OPS}", *HEAD),
    "in an attached message": lambda: block(
        f"From: {OPS}",
        *HEAD,
        "Content-Type: message/rfc822",
        body=f"{PASS}\r\nFrom: {OPS}\r\n\r\n/close spam\r\n",
    ),
}


@pytest.mark.parametrize("where", sorted(PLACEMENTS))
def test_results_anywhere_but_the_topmost_trusted_run_are_ignored(where: str) -> None:
    assert not verify(PLACEMENTS[where]()).ok


@pytest.fixture
def ops_app(settings: Settings, clock: FakeClock) -> Iterator[App]:
    gw = replace(settings.gateway, trusted_authserv_ids=(MX,), per_person_domains=("example.test",))
    application = build(replace(settings, gateway=gw, members=MEMBERS), clock)
    yield application
    application.close()


def _open(app: App) -> None:
    request = block(
        "From: Alice <alice@customer.test>",
        "To: support@example.test",
        "Subject: VPN broken",
        "Message-ID: <req-1@customer.test>",
        body="My VPN fails.\r\n",
    )
    assert deliver(app, request).ticket_id == 1


def test_the_reviews_smuggled_result_closes_nothing(ops_app: App) -> None:
    _open(ops_app)
    raw = block(
        f"From: Ops One <{OPS}>",
        "To: support@example.test",
        "Subject: Re: [#1] VPN broken",
        "In-Reply-To: <req-1@customer.test>",
        "a line the header repair rejoins",
        PASS,
    )
    outcome = deliver(ops_app, raw)
    ticket = show(ops_app, 1)
    assert outcome.state == InboxState.REJECTED
    assert ticket["state"] == "new" and ticket["close_reason"] is None
    assert [e["kind"] for e in ticket["events"]].count("security") == 1


# ---------------------------------------------------------------- finding 3 and class

FROMS = {
    "two From headers": [f"From: {OPS}", "From: intern@example.test"],
    "second From first": ["From: intern@example.test", f"From: {OPS}"],
    "two addresses": [f"From: {OPS}, intern@example.test"],
    "a group": [f"From: team: {OPS}, intern@example.test;"],
    "no From": [],
    "From after a broken line": ["no colon here", f"From: {OPS}"],
    "another address": ["From: intern@example.test"],
}


@pytest.mark.parametrize("where", sorted(FROMS))
def test_anything_but_one_from_naming_the_sender_authorises_nothing(where: str) -> None:
    token = tokens.reply_address(GW, KEYS, 1, OPS)
    raw = block(PASS, *FROMS[where], *HEAD)
    assert not verify(raw).ok  # not by DKIM …
    assert not verify(raw, recipients=(token,)).ok  # … and not by the reply token either


def test_a_domain_pass_authorises_only_per_person_domains() -> None:
    raw = block(PASS, f"From: {OPS}", *HEAD)
    shared = authz.verify_sender(
        raw,
        [GW],
        OPS,
        1,
        keys=KEYS,
        gateway_address=GW,
        trusted_authserv_ids=(MX,),
    )
    assert not shared.ok
    assert "not declared per-person" in shared.reason and "per_person_domains" in shared.reason
    token = tokens.reply_address(GW, KEYS, 1, OPS)
    by_token = authz.verify_sender(
        raw, [token], OPS, 1, keys=KEYS, gateway_address=GW, trusted_authserv_ids=(MX,)
    )
    assert by_token.via == "token"  # the recommended path needs no declaration


def test_the_reviews_second_from_runs_no_command(ops_app: App) -> None:
    _open(ops_app)
    raw = block(
        PASS,
        f"From: Ops One <{OPS}>",
        "From: Intern <intern@example.test>",
        "To: support@example.test",
        "Subject: Re: [#1] VPN broken",
        "In-Reply-To: <req-1@customer.test>",
        body="/assign ops2\r\n/close spam\r\n",
    )
    outcome = deliver(ops_app, raw)
    ticket = show(ops_app, 1)
    assert outcome.state == InboxState.REJECTED and "From" in outcome.reason
    assert ticket["state"] == "new" and ticket["assignee"] != "ops2@example.test"


def test_per_person_domains_is_a_setting(tmp_path: pytest.TempPathFactory) -> None:
    loaded = load_toml(
        tmp_path,  # type: ignore[arg-type]
        '[gateway]\ndata_dir = "var"\nper_person_domains = ["Example.test", "ops.example.jp"]',
    )
    assert loaded.gateway.per_person_domains == ("example.test", "ops.example.jp")
    error = config_error(
        tmp_path,  # type: ignore[arg-type]
        '[gateway]\ndata_dir = "var"\nper_person_domains = ["*.example.test"]',
    )
    assert error.key == "gateway.per_person_domains"


# ---------------------------------------------------------------- finding 10 and class


def test_a_quoted_semicolon_does_not_split_a_result() -> None:
    ar = f'Authentication-Results: {MX}; dkim=fail reason="x; dkim=pass header.d=example.test"'
    assert not verify(block(ar, f"From: {OPS}", *HEAD)).ok
    [(_, results)] = authz.authentication_results(block(ar, f"From: {OPS}"))
    assert results == [
        authz.Result("dkim", "fail", {"reason": "x; dkim=pass header.d=example.test"})
    ]


HIDDEN = "dkim=pass header.d=example.test"
hiding = st.sampled_from(
    [
        f'reason="{HIDDEN}"',
        f'reason="a; {HIDDEN}"',
        f'reason="a\\"; {HIDDEN}"',
        f"({HIDDEN})",
        f"(a; {HIDDEN})",
        f"(a (b; {HIDDEN}) c)",
        f"(a \\) ; {HIDDEN})",
        f'reason="unclosed; {HIDDEN}',
        f"(unclosed; {HIDDEN}",
        f"reason=x ) ; {HIDDEN}",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["dkim", "dmarc", "spf"]),
    result=st.sampled_from(["fail", "none", "neutral", "temperror", "permerror"]),
    hidden=hiding,
    before=st.sampled_from(["", " (comment)", "\r\n\t"]),
)
def test_a_pass_hidden_in_quotes_or_comments_of_a_failing_result_never_counts(
    method: str, result: str, hidden: str, before: str
) -> None:
    ar = f"Authentication-Results: {MX};{before} {method}={result} {hidden}"
    assert not verify(block(ar, f"From: {OPS}", *HEAD)).ok


def test_a_huge_result_header_is_ignored_quickly() -> None:
    ar = f"Authentication-Results: {MX}; dkim=pass header.d=example.test " + "(" * 200_000
    assert not verify(block(ar, f"From: {OPS}", *HEAD)).ok


# ---------------------------------------------------------------- trusted results that disagree

DISAGREE = {
    "dkim": (
        f"Authentication-Results: {MX}; dkim=fail header.d=example.test",
        f"Authentication-Results: {MX.upper()}; dkim=pass header.d=example.test",
    ),
    "dmarc": (
        f"Authentication-Results: {MX}; dmarc=fail header.from=example.test",
        f"Authentication-Results: {MX}; dmarc=pass header.from=example.test",
    ),
    "dmarc, the pass on top": (
        f"Authentication-Results: {MX}; dmarc=pass header.from=example.test",
        f"Authentication-Results: {MX}; dmarc=none header.from=example.test",
    ),
}


@pytest.mark.parametrize("case", sorted(DISAGREE))
def test_two_trusted_results_that_disagree_prove_nothing(case: str) -> None:
    """Our MTAs never disagree about one domain: one of the two was written by someone
    else (an MTA that strips its id case-sensitively keeps ``MX.EXAMPLE.TEST``)."""
    assert not verify(block(*DISAGREE[case], f"From: {OPS}", *HEAD)).ok


def test_two_signatures_in_one_header_may_differ() -> None:
    """One MTA's verdicts on two signatures of a domain: one valid signature is enough
    (RFC 6376), as it was before."""
    both = f"Authentication-Results: {MX}; dkim=fail header.d=example.test; {PASS.split('; ')[1]}"
    assert verify(block(both, f"From: {OPS}", *HEAD)).via == "dkim"


@pytest.mark.parametrize(
    "ours",
    [
        f'Authentication-Results: {MX}; dkim=fail header.d=example.test smtp.mailfrom="a',
        f"Authentication-Results: {MX}; dkim=fail (unclosed header.d=example.test",
        f"Authentication-Results: {MX} ; dkim = fail header.d=example.test )",
        f"Authentication-Results: (border) {MX.upper()}; dkim=fail (header.d=example.test",
    ],
)
def test_our_topmost_result_unreadable_lets_nothing_below_count(ours: str) -> None:
    """A trusted MTA's own header that does not parse still ends the run: what lies
    below it must not speak for it."""
    assert not verify(block(ours, PASS, f"From: {OPS}", *HEAD)).ok


# ---------------------------------------------------------------- one id, one spelling

SPELT = {
    "capitals": f"Authentication-Results: {MX.upper()}; dkim=pass header.d=example.test",
    "one capital": "Authentication-Results: Mx.example.test; dkim=pass header.d=example.test",
    "capitals, the method ours did not speak of": (
        f"Authentication-Results: {MX.upper()}; dmarc=pass header.from=example.test"
    ),
}


@pytest.mark.parametrize("case", sorted(SPELT))
def test_our_id_spelt_otherwise_below_ours_proves_nothing(case: str) -> None:
    """Our MTA writes its id one way. A header under ours with that id in other
    capitals is one an MTA that strips its id case-sensitively let through: with
    OpenDKIM writing no result for an unsigned mail, nothing disputed the forged pass,
    which closed a ticket as ops."""
    ours = f"Authentication-Results: {MX}; spf=fail smtp.mailfrom=example.test"
    assert not verify(block(ours, SPELT[case], f"From: {OPS}", *HEAD)).ok


def test_several_headers_of_one_id_spelt_alike_still_count() -> None:
    """OpenDKIM and OpenDMARC on one host each add a header with the same id."""
    dkim = f"Authentication-Results: {MX}; dkim=pass header.d=example.test"
    dmarc = f"Authentication-Results: {MX}; dmarc=pass header.from=example.test"
    assert verify(block(dmarc, dkim, f"From: {OPS}", *HEAD)).ok
    upper = [line.replace(MX, MX.upper()) for line in (dmarc, dkim)]
    assert verify(block(*upper, f"From: {OPS}", *HEAD)).ok  # as it writes it, in capitals


# ---------------------------------------------------------------- a token with a forged From

FAIL = f"Authentication-Results: {MX}; dmarc=fail (p=none dis=none) header.from=example.test"


def test_a_reply_address_with_a_from_our_mta_found_forged_acts_for_nobody() -> None:
    """A member who forwards a ticket's mail ("FYI") hands its reply address (in the
    Reply-To, and written under the notice) to its reader, who could write the member's
    From and reply to it: the token alone made them the member. When our own MTA says
    DMARC failed for the From's domain, the From is not the member's, token or no."""
    token = tokens.reply_address(GW, KEYS, 1, OPS)
    verdict = verify(block(FAIL, f"From: {OPS}", *HEAD), recipients=(token,))
    assert not verdict.ok and "DMARC" in verdict.reason and MX in verdict.reason
    # a header in our id's other capitals slipped in under ours does not silence it
    slipped = f"Authentication-Results: {MX.upper()}; none"
    assert not verify(block(FAIL, slipped, f"From: {OPS}", *HEAD), recipients=(token,)).ok


@pytest.mark.parametrize(
    "results",
    [
        [],  # no MTA of ours says anything: the token is the proof, as it was
        [f"Authentication-Results: {MX}; dmarc=none header.from=example.test"],
        [f"Authentication-Results: {MX}; dmarc=pass header.from=example.test"],
        [f"Authentication-Results: {MX}; dmarc=fail header.from=other.test"],  # not the From's
        [f"Authentication-Results: {MX}; dkim=fail header.d=example.test"],  # a footer breaks it
        ["Authentication-Results: relay.other.test; dmarc=fail header.from=example.test"],
    ],
)
def test_a_reply_address_still_proves_its_member_otherwise(results: list[str]) -> None:
    token = tokens.reply_address(GW, KEYS, 1, OPS)
    assert verify(block(*results, f"From: {OPS}", *HEAD), recipients=(token,)).via == "token"


def test_a_forwarded_reply_address_closes_nothing(ops_app: App) -> None:
    _open(ops_app)
    token = reply_address(ops_app, 1, "ops2@example.test")  # Ops Two reads Japanese
    raw = block(
        FAIL,
        "From: Ops Two <ops2@example.test>",
        f"To: {token}",
        "Subject: Re: [#1] VPN broken",
        body="/close spam\r\n",
    )
    outcome = deliver(ops_app, raw, envelope_to=(token,))
    ticket = show(ops_app, 1)
    assert outcome.state == InboxState.REJECTED and ticket["state"] == "new"
    assert [e["kind"] for e in ticket["events"]].count("security") == 1
    [told] = outbox(ops_app, "command_refused")
    assert told.recipients == ["ops2@example.test"]
    assert "DMARC 認証に失敗" in text_of(told)
