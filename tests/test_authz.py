"""Who may act for a member: the reply token issued to them, or a trusted
Authentication-Results header; never a From header alone."""

from __future__ import annotations

from gateway.core import tokens
from gateway.pipeline import authz

SECRET = b"test-secret-0123456789abcdef"
KEYS = tokens.ReplyKeys(SECRET)
GW = "support@example.test"
OPS = "ops@example.test"
TRUSTED = ("mx.example.test",)


def raw(*headers: str, body: str = "/close\n") -> bytes:
    head = "\r\n".join(
        (
            "From: Ops One <ops@example.test>",
            "To: support@example.test",
            "Subject: Re: [#7] VPN",
            *headers,
        )
    )
    return f"{head}\r\n\r\n{body}".encode()


PER_PERSON = ("example.test",)  # the team's own domain: one address, one person


def verify(
    message: bytes,
    recipients: tuple[str, ...] = (GW,),
    email: str = OPS,
    ticket_id: int = 7,
    per_person: tuple[str, ...] = PER_PERSON,
) -> authz.Verdict:
    return authz.verify_sender(
        message,
        list(recipients),
        email,
        ticket_id,
        keys=KEYS,
        gateway_address=GW,
        trusted_authserv_ids=TRUSTED,
        per_person_domains=per_person,
    )


def test_token_issued_to_the_member_for_this_ticket_passes() -> None:
    address = tokens.reply_address(GW, KEYS, 7, OPS)
    verdict = verify(raw(), (address,))
    assert (verdict.ok, verdict.via) == (True, "token")


def test_token_issued_to_someone_else_or_another_ticket_fails() -> None:
    alice = tokens.reply_address(GW, KEYS, 7, "alice@customer.test")
    other_ticket = tokens.reply_address(GW, KEYS, 8, OPS)
    assert not verify(raw(), (alice,)).ok
    assert not verify(raw(), (other_ticket,)).ok


def test_forged_from_without_token_or_header_fails_with_a_reason() -> None:
    verdict = verify(raw())
    assert not verdict.ok
    assert "reply address issued to ops@example.test" in verdict.reason


def test_dkim_pass_from_a_trusted_authserv_id_passes() -> None:
    ar = "Authentication-Results: mx.example.test; dkim=pass header.d=example.test"
    assert verify(raw(ar)).via == "dkim"


def test_dkim_pass_with_header_i_passes() -> None:
    ar = "Authentication-Results: mx.example.test; dkim=pass header.i=@example.test"
    assert verify(raw(ar)).ok


def test_dkim_pass_from_an_untrusted_authserv_id_is_ignored() -> None:
    ar = "Authentication-Results: mx.evil.test; dkim=pass header.d=example.test"
    assert not verify(raw(ar)).ok


def test_dkim_pass_for_another_domain_fails() -> None:
    ar = "Authentication-Results: mx.example.test; dkim=pass header.d=evil.test"
    assert not verify(raw(ar)).ok


def test_dkim_fail_fails() -> None:
    ar = "Authentication-Results: mx.example.test; dkim=fail header.d=example.test"
    assert not verify(raw(ar)).ok


def test_dmarc_pass_for_the_from_domain_passes() -> None:
    ar = (
        "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=example.test; "
        "dmarc=pass (p=reject dis=none) header.from=example.test"
    )
    assert verify(raw(ar)).via == "dmarc"


def test_multiple_headers_only_the_trusted_one_counts() -> None:
    forged = "Authentication-Results: mx.evil.test; dkim=pass header.d=example.test"
    ours = "Authentication-Results: mx.example.test; dkim=none; dmarc=fail header.from=x.test"
    assert not verify(raw(forged, ours)).ok
    good = "Authentication-Results: mx.example.test; dmarc=pass header.from=example.test"
    assert verify(raw(forged, ours, good)).ok


def test_folded_header_with_comments_and_version() -> None:
    ar = (
        "Authentication-Results: mx.example.test 1;\r\n"
        "\tspf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.test;\r\n"
        " dkim=pass (2048-bit key; unprotected) header.d=example.test\r\n"
        '    header.s=sel1 header.b="abc"'
    )
    verdict = verify(raw(ar))
    assert (verdict.ok, verdict.via) == (True, "dkim")


def test_only_the_top_header_block_is_read() -> None:
    body = "/close\n\nAuthentication-Results: mx.example.test; dkim=pass header.d=example.test\n"
    assert not verify(raw(body=body)).ok


def test_parser_reads_authserv_id_and_properties() -> None:
    [(authserv, results)] = authz.authentication_results(
        raw(
            'Authentication-Results: MX.example.test; dkim=pass reason="ok" '
            "header.d=Example.test; none"
        )
    )
    assert authserv == "MX.example.test"
    assert results == [authz.Result("dkim", "pass", {"reason": "ok", "header.d": "Example.test"})]
