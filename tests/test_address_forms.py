"""One mailbox, one address: an address read from a mail is kept in the form the config
file keeps a member's (:mod:`gateway.config.addresses`): lower case, its domain as its
IDNA A-label (``a@例え.jp`` is ``a@xn--r8jz45g.jp``). Written both ways it was two
participants, and a requester with a Unicode domain was never answered although our
mail can reach the A-label form without SMTPUTF8. Reply tokens are issued on that form;
one issued before (on the form the mail was written in) still verifies."""

from __future__ import annotations

import hashlib
import hmac

from gateway.core import tokens
from gateway.core.model import InboxState
from gateway.pipeline.parse.headers import addresses
from gateway.runtime.app import App
from store import tickets
from store.db import transaction
from tests.support.app import reply_address
from tests.support.pipeline import deliver, outbox, show

A_LABEL = "tanaka@xn--r8jz45g.jp"


def raw_request(sender: str, cc: str = "", message_id: str = "<req-1@customer.test>") -> bytes:
    head = f"From: {sender}\r\nTo: support@example.test\r\n"
    head += f"Cc: {cc}\r\n" if cc else ""
    head += f"Subject: printer jam\r\nMessage-ID: {message_id}\r\n"
    head += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (head + "\r\n3階のプリンタが詰まりました。\r\n").encode()


def test_a_unicode_domain_and_its_a_label_are_one_address() -> None:
    defects: list[str] = []
    field = "田中 <tanaka@例え.jp>, TANAKA@XN--R8JZ45G.JP, tanaka@例え.jp。"
    found = addresses([field], None, defects)
    assert [a.email for a in found] == [A_LABEL] * 3


def test_a_requester_with_a_unicode_domain_is_answered_at_its_a_label(team: App) -> None:
    out = deliver(team, raw_request("田中 <tanaka@例え.jp>", cc="tanaka@xn--r8jz45g.jp"))
    assert out.state == InboxState.DONE, out.reason
    assert out.ticket_id is not None
    with transaction(team.sessions) as s:
        assert tickets.participant_emails(s, out.ticket_id) == [A_LABEL]
    assert [m.recipients for m in outbox(team, "acknowledgement")] == [[A_LABEL]]


def test_a_token_is_issued_on_the_a_label_form() -> None:
    key = b"k" * 32
    assert tokens.make_token(key, 7, "tanaka@例え.jp") == tokens.make_token(key, 7, A_LABEL)


def _old_token(key: bytes, ticket_id: int, recipient: str) -> str:
    """How a token was made before addresses had one form: over the text as written."""
    msg = f"{ticket_id}:{recipient.strip().lower()}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[: tokens.TOKEN_LENGTH]


def test_tokens_issued_before_still_verify() -> None:
    keys = tokens.ReplyKeys(current=b"k" * 32)
    for issued_to, now_known_as in (
        ("tanaka@例え.jp", A_LABEL),  # a Unicode domain, now kept as its A-label
        ("alice@customer.test", "alice@customer.test"),  # ASCII: the same text
    ):
        token = tokens.ReplyToken(7, _old_token(keys.current, 7, issued_to))
        assert tokens.token_issued_to(keys, token, [now_known_as]) == now_known_as


def test_the_requesters_reply_at_either_form_threads_by_its_token(team: App) -> None:
    first = deliver(team, raw_request("tanaka@例え.jp"))
    assert first.ticket_id is not None
    to = reply_address(team, first.ticket_id, "tanaka@例え.jp")
    assert to == reply_address(team, first.ticket_id, A_LABEL)
    reply = raw_request(A_LABEL, message_id="<req-2@customer.test>")
    reply = reply.replace(b"Subject: printer jam", b"Subject: still jammed")
    again = deliver(team, reply, envelope_to=(to,))
    assert again.ticket_id == first.ticket_id


def test_a_watcher_with_a_unicode_domain_is_kept_at_its_a_label(team: App) -> None:
    deliver(team, raw_request("alice@customer.test"))
    to = reply_address(team, 1, "ops@example.test")
    answer = (
        f"From: ops@example.test\r\nTo: {to}\r\nSubject: Re: [#1] printer jam\r\n"
        "Message-ID: <ans-1@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "MIME-Version: 1.0\r\n\r\n/cc add kato@例え.jp\r\n\r\nWe are on it.\r\n"
    ).encode()
    deliver(team, answer, envelope_to=(to,))
    assert show(team, 1)["watchers"] == ["kato@xn--r8jz45g.jp"]


def test_a_comment_beside_the_at_is_no_name() -> None:
    """RFC 5322 lets a comment stand anywhere in an address; the stdlib made one beside
    the ``@`` the display name, doubled (``john(work)@x.test`` was "work work")."""
    for field, name in (
        ("john(work)@x.test", ""),
        ("john (work) @x.test", ""),
        ("john@(work)x.test", ""),
        ("John <john(work)@x.test>", "John"),
        ("john(work)@x.test (John Smith)", "John Smith"),
        ("john@x.test (John)", "John"),  # after the address: its writer's name, as ever
        ('"a(b)"@x.test', ""),  # quoted: no comment
    ):
        found = addresses([field], None, [])
        assert [(a.name, a.email) for a in found] == [
            (name, '"a(b)"@x.test' if field.startswith('"') else "john@x.test")
        ], field


def test_a_requester_is_found_by_either_spelling(team: App) -> None:
    """``tickets list --requester`` and the board's filter take the address as a person
    types it: ``Tanaka@例え.jp`` finds the requester kept as its A-label."""
    from store.ticket_query import TicketQuery, find

    ticket_id = deliver(team, raw_request("tanaka@例え.jp")).ticket_id
    with transaction(team.sessions) as s:
        for typed in ("Tanaka@例え.jp", "tanaka@XN--R8JZ45G.JP", " tanaka@例え.jp. "):
            rows, _ = find(s, TicketQuery(requester=typed))
            assert [r["id"] for r in rows] == [ticket_id], typed


def test_a_reply_address_at_a_unicode_domain_is_ours() -> None:
    """A team whose own domain is internationalised: the envelope (IMAP's, a pipe's)
    may name its reply address in Unicode; the config keeps the A-label."""
    own = "support@xn--r8jz45g.jp"
    found = tokens.parse_reply_address("Support+7-0123456789abcdef@例え.jp", own)
    assert found == tokens.ReplyToken(7, "0123456789abcdef")


def test_a_member_writing_in_upper_case_is_the_member(team: App) -> None:
    """``Ops@Example.TEST`` is the configured ``ops@example.test``: their reply address
    proves them, and their command is taken."""
    deliver(team, raw_request("alice@customer.test"))
    to = reply_address(team, 1, "ops@example.test")
    answer = (
        f"From: Ops One <Ops@Example.TEST>\r\nTo: {to}\r\nSubject: Re: [#1] printer jam\r\n"
        "Message-ID: <ans-2@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "MIME-Version: 1.0\r\n\r\n/close\r\n\r\nCleared.\r\n"
    ).encode()
    deliver(team, answer, envelope_to=(to,))
    assert show(team, 1)["state"] == "closed"
