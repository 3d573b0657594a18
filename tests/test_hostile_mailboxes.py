"""A display name is never an address, and one mailbox has one form.

Python 3.11's ``getaddresses`` (before the CVE-2023-27043 fix) read a display name
holding an ``@`` as a mailbox of its own, and we decoded encoded words inside
addresses: ``=?utf-8?q?evil@x.test=2C_?= <alice@customer.test>`` — shown by every mail
client, and checked by DMARC, as from alice — was filed and acknowledged as from
``evil@x.test,``, and ``=?utf-8?q?ceo=40bank.test?=`` became ``ceo@bank.test`` behind
the border's back. And ``"support"@example.test`` or ``support@example.test.`` in a Cc
(our own address, written otherwise) made us a participant that every answer was sent
to. Through :func:`parse_message` and the real runner.
"""

from __future__ import annotations

import pytest

from gateway.pipeline import authz
from gateway.pipeline.parse.mailboxes import mailbox_pairs, quote_names
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show

ALICE = "alice@customer.test"


def _raw(from_: str, cc: str = "") -> bytes:
    head = f"From: {from_}\r\nTo: support@example.test\r\n"
    head += f"Cc: {cc}\r\n" if cc else ""
    head += "Subject: printer\r\nMessage-ID: <m-1@customer.test>\r\n"
    head += "Date: Mon, 02 Mar 2026 00:59:00 +0000\r\n"
    return (head + "\r\nThe printer is jammed.\r\n").encode()


# a name that holds an "@" (or a special, inside an encoded word), in front of alice
NAMES_THAT_LOOK_LIKE_ADDRESSES = [
    "evil@x.test",
    "=?utf-8?q?evil@x.test=2C_?=",
    "=?utf-8?q?=3Cevil@x.test=3E?=",
    "=?utf-8?q?Al=0D=0ABcc:_evil@x.test?=",
    "=?utf-8?q?a,_evil@x.test?=",
    "ops@example.test (the boss) evil@x.test",
    'x "a@b" evil@x.test',
    "=?utf-8?b?5bGx55Sw?= evil@x.test",
]


@pytest.mark.parametrize("name", NAMES_THAT_LOOK_LIKE_ADDRESSES)
def test_the_address_is_the_one_in_angle_brackets(name: str) -> None:
    parsed = parse_message(_raw(f"{name} <{ALICE}>", cc=f"{name} <bob@customer.test>, c@d.test"))
    assert parsed.from_ is not None
    assert parsed.from_.email == ALICE
    assert [a.email for a in parsed.cc] == ["bob@customer.test", "c@d.test"]
    assert "\n" not in parsed.from_.name and "\r" not in parsed.from_.name


def test_a_from_name_keeps_no_bidi_override() -> None:
    """An override in a name reverses the address shown after it (see short_name)."""
    name = "=?utf-8?q?=E2=80=AEmoc.elpmaxe@ofni=E2=81=A6x?="  # RLO ... LRI x
    parsed = parse_message(_raw(f"{name} <{ALICE}>"))
    assert parsed.from_ is not None
    assert parsed.from_.name == "moc.elpmaxe@ofnix" and parsed.from_.email == ALICE


@pytest.mark.parametrize(
    "value",
    [
        "=?utf-8?q?ceo=40bank.test?=",
        "=?utf-8?b?Y2VvQGJhbmsudGVzdA==?=",
        "<=?utf-8?q?ceo=40bank.test?=>",
    ],
)
def test_an_encoded_word_is_never_decoded_into_an_address(value: str) -> None:
    parsed = parse_message(_raw(value))
    assert parsed.from_ is None or "bank.test" not in parsed.from_.email
    assert any("encoded word where an address belongs" in d for d in parsed.defects)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ('"support"@example.test', "support@example.test"),
        ("support@example.test.", "support@example.test"),
        ('"Support"@Example.Test.', "support@example.test"),
        ('"a..b"@customer.test', '"a..b"@customer.test'),  # needs its quotes: kept
    ],
)
def test_one_mailbox_has_one_form(written: str, canonical: str) -> None:
    parsed = parse_message(_raw(ALICE, cc=written))
    assert [a.email for a in parsed.cc] == [canonical]


def test_names_that_are_plain_or_quoted_are_read_as_before() -> None:
    values = [
        '"Yamada, Taro" <t@x.test>',
        "=?iso-2022-jp?b?GyRCOzNFRBsoQg==?= <yamada@x.test>",
        "Taro Yamada <t@x.test>, hanako@x.test",
        "team: a@x.test, b@x.test;, c@x.test",
    ]
    for value in values:
        assert quote_names(value) == value


def test_quoting_is_linear_in_the_field() -> None:
    # shapes that make a scanner go back: unclosed quotes, encoded-word openers, angles
    for piece in ['"', "=?", "=?u?q?@?= ", "@<", "a@b <c@d>, ", "\\"]:
        value = piece * (60_000 // len(piece))
        assert isinstance(quote_names(value), str)


def test_a_member_named_by_their_address_is_still_one_from(team: App) -> None:
    """Clients that name a sender by their address (``=?utf-8?q?ops@example.test?=
    <ops@example.test>``) write one From: it authorises by the reply token."""
    out = deliver(team, _raw(f"Alice <{ALICE}>"))
    assert out.ticket_id is not None
    to = reply_address(team, out.ticket_id, "ops@example.test")
    raw = mail(
        subject=f"Re: [#{out.ticket_id}] printer",
        body="/pending\n",
        sender="=?utf-8?q?ops@example.test?= <ops@example.test>",
        to=to,
    )
    reply = deliver(team, raw, envelope_to=(to,))
    assert "verified by token" in reply.reason, reply.reason
    assert show(team, out.ticket_id)["state"] == "pending"


def test_the_request_is_filed_and_answered_for_the_mailbox_a_client_shows(team: App) -> None:
    out = deliver(team, _raw(f"=?utf-8?q?evil@x.test=2C_?= <{ALICE}>"))
    assert out.ticket_id is not None
    assert show(team, out.ticket_id)["requester"] == ALICE
    assert [row.recipients for row in outbox(team, "acknowledgement")] == [[ALICE]]


def test_our_own_address_written_otherwise_is_never_a_participant(team: App) -> None:
    cc = '"support"@example.test, support@example.test., "Support" <"support"@Example.Test>'
    out = deliver(team, _raw(f"Alice <{ALICE}>", cc=cc))
    assert out.ticket_id is not None
    assert show(team, out.ticket_id)["participants"] == [ALICE]
    to = reply_address(team, out.ticket_id, "ops@example.test")
    answer = mail(
        subject=f"Re: [#{out.ticket_id}] printer",
        body="Cleared.\n",
        sender="Ops One <ops@example.test>",
        to=to,
    )
    deliver(team, answer, envelope_to=(to,))
    assert [row.recipients for row in outbox(team, "ops_reply")] == [[ALICE]]


def test_authorisation_reads_the_from_as_the_parser_does() -> None:
    assert mailbox_pairs(["ops@example.test <intern@example.test>"]) == [
        ("ops@example.test", "intern@example.test")
    ]
    block = [("from", "ops@example.test <intern@example.test>")]
    assert authz._from_problem(block, "ops@example.test") is not None
    assert authz._from_problem(block, "intern@example.test") is None


# kanji whose ISO-2022-JP bytes hold an address parser's special: 世 "@", 丐 '"', 七 "<",
# 亂 ",", 丿 "(", 丙 ":", 三 ";", 俑 "\\", 丈 ">", 乂 ")"; and ESC ( B itself holds "("
RAW_JIS_NAMES = ["加藤", "山田世太郎", "田中丐", "佐藤七", "鈴木亂", "高橋丿", "伊藤丙", "渡辺三"]
RAW_JIS_NAMES += ["中村俑", "小林丈", "吉田乂"]


@pytest.mark.parametrize("name", RAW_JIS_NAMES)
@pytest.mark.parametrize("charset", ["iso-2022-jp", "shift_jis"])
def test_a_name_in_raw_japanese_bytes_keeps_its_address(name: str, charset: str) -> None:
    """Old Japanese mailers write the name raw (no encoded word): the address after it
    was lost, or a piece of the name became the address."""
    written = name.encode(charset)
    head = (
        b"From: " + written + b" <taro@example.jp>\r\nCc: " + written + b" <hanako@example.jp>\r\n"
    )
    raw = head + b"To: support@example.test\r\nSubject: x\r\nMessage-ID: <j@example.jp>\r\n"
    raw += f"Content-Type: text/plain; charset={charset}\r\n\r\nbody\r\n".encode()
    parsed = parse_message(raw)
    assert parsed.from_ is not None
    assert (parsed.from_.name, parsed.from_.email) == (name, "taro@example.jp")
    assert [(a.name, a.email) for a in parsed.cc] == [(name, "hanako@example.jp")]


def test_authorisation_reads_a_raw_jis_from_as_one_address() -> None:
    value = "加藤 <ops@example.test>".encode("iso-2022-jp").decode("ascii")
    assert authz._from_problem([("from", value)], "ops@example.test") is None
