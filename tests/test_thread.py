"""Threading decisions, table-driven: token beats headers beats tag."""

from __future__ import annotations

import pytest

from gateway.core import tokens
from gateway.pipeline.thread import (
    ThreadEvidence,
    ThreadVia,
    base_subject,
    referenced_ids,
    resolve_thread,
    subject_tag,
)

SECRET = b"k" * 32


@pytest.mark.parametrize(
    ("evidence", "ticket", "via", "linked"),
    [
        (ThreadEvidence(7, 8, 9, True), 7, ThreadVia.TOKEN, None),  # token wins
        (ThreadEvidence(None, 8, 9, True), 8, ThreadVia.HEADERS, None),  # then headers
        (ThreadEvidence(None, None, 9, True), 9, ThreadVia.TAG, None),  # tag from participant
        (ThreadEvidence(None, None, 9, False), None, ThreadVia.NONE, 9),  # stranger: new+link
        (ThreadEvidence(None, None, None, False), None, ThreadVia.NONE, None),
    ],
)
def test_resolve_thread_order(
    evidence: ThreadEvidence, ticket: int | None, via: ThreadVia, linked: int | None
) -> None:
    decision = resolve_thread(evidence)
    assert (decision.ticket_id, decision.via, decision.linked_ticket_id) == (ticket, via, linked)


@pytest.mark.parametrize(
    ("subject", "prefix", "expected"),
    [
        ("Re: [#42] VPN down", "", 42),
        ("RE: VPN down [#42]", "", 42),
        ("[HELP#42] VPN", "HELP", 42),
        ("[help#42] VPN", "HELP", 42),
        ("[#42] VPN", "HELP", None),  # another prefix is not our tag
        ("Invoice #42", "", None),
        ("[#] empty", "", None),
        ("返信: [#7] ＶＰＮにつながらない", "", 7),
    ],
)
def test_subject_tag(subject: str, prefix: str, expected: int | None) -> None:
    assert subject_tag(subject, prefix) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Fwd: [#3] VPN down", "VPN down"),
        ("RE: AW: printer", "printer"),
        ("Re[2]: printer", "printer"),
        ("返信: 転送: プリンタが動かない", "プリンタが動かない"),
        ("Reply needed", "Reply needed"),
        # Italian Outlook: R: (risposta) and I: (inoltro), in a chain of prefixes
        ("R: R: R: I: FR-selca LA selcaE", "FR-selca LA selcaE"),
        ("R: RE: stampante", "stampante"),
        # alone, a letter and a colon is a drive as often as a prefix
        ("R: drive is full", "R: drive is full"),
        ("I: drive not mapped", "I: drive not mapped"),
        ("Re: R: drive is full", "R: drive is full"),
        ("RV: ENC: impressora", "impressora"),  # Spanish and Portuguese Outlook forwards
        ("回复: 转发: 打印机", "打印机"),  # Chinese replies and forwards
    ],
)
def test_base_subject(subject: str, expected: str) -> None:
    assert base_subject(subject) == expected


def test_referenced_ids_closest_first() -> None:
    assert referenced_ids(("c",), ("a", "b", "c")) == ["c", "b", "a"]


def test_token_roundtrip_and_forgery() -> None:
    addr = tokens.reply_address(
        "support@example.test", tokens.ReplyKeys(SECRET), 42, "Alice@Customer.test"
    )
    parsed = tokens.parse_reply_address(addr, "support@example.test")
    assert parsed is not None and parsed.ticket_id == 42
    assert tokens.token_issued_to(
        tokens.ReplyKeys(SECRET), parsed, ["bob@x.test", "alice@customer.test"]
    ) == ("alice@customer.test")
    # the same token for another ticket number is worthless
    forged = tokens.ReplyToken(43, parsed.token)
    assert tokens.token_issued_to(tokens.ReplyKeys(SECRET), forged, ["alice@customer.test"]) is None
    # another secret: worthless
    assert (
        tokens.token_issued_to(tokens.ReplyKeys(b"x" * 32), parsed, ["alice@customer.test"]) is None
    )
    assert tokens.parse_reply_address("support+42@example.test", "support@example.test") is None
    assert tokens.parse_reply_address(addr, "help@example.test") is None
