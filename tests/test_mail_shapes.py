"""What a ticket shows from a few shapes of mail (fixtures: tests/data/shapes/).

* A forward (attached as message/rfc822, or in-line) of a mail with no body: the
  ticket's text was empty. It shows a line naming the forwarded mail (its subject,
  sender, date), as Zammad or osTicket would show the mail, in the ticket's language.
* multipart/alternative whose text/plain part is only a signature ("-- " and a name,
  a company, a phone; a Japanese rule of ― over the same) beside the words in text/html:
  the ticket showed the signature. Now the HTML's text.
* ``ingest`` of an mbox file: each message's ``From_`` line names its envelope sender,
  kept on the inbox row as ``ingest -`` keeps Postfix's: the requester of a message
  with no From. Not MAILER-DAEMON: Python's ``mailbox`` writes it for any message it
  has no sender for, so in an mbox it names nobody (a bounce is known by its headers).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.core.model import Address
from gateway.pipeline.carried_mail import empty_mail_line
from gateway.pipeline.parse.message import parse_message
from gateway.receive import mbox
from gateway.receive.files import RawInput, read_inputs
from gateway.runtime.app import App
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.pipeline import deliver, show

DATA = Path(__file__).parent / "data" / "shapes"


def _raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _incoming(team: App, ticket_id: int = 1) -> dict[str, Any]:
    return [m for m in show(team, ticket_id)["messages"] if m["direction"] == "in"][-1]


# --- a forward of a mail with no body ---------------------------------------------------


def test_a_members_attached_forward_of_an_empty_mail_names_the_mail(team: App) -> None:
    out = deliver(team, _raw("forward_attached_empty.eml"))
    assert out.ticket_id is not None
    ticket = show(team, out.ticket_id)
    assert ticket["requester"] == "bob@customer.test"
    line = (
        'A forwarded mail with no text: "Printer on 3F" from Bob Builder '
        "<bob@customer.test>, sent Mon, Mar 2, 2026, 08:40 JST."
    )
    message = _incoming(team, out.ticket_id)
    assert (message["text"], message["new_text"]) == (line, line)


def test_a_members_inline_forward_of_an_empty_mail_names_the_mail(team: App) -> None:
    out = deliver(team, _raw("forward_inline_empty.eml"))
    assert out.ticket_id is not None
    assert show(team, out.ticket_id)["requester"] == "alice@customer.test"
    assert _incoming(team, out.ticket_id)["new_text"] == (
        'A forwarded mail with no text: "VPN down" from Alice Example '
        "<alice@customer.test>, sent Mon, 2 Mar 2026 09:00:00 +0900."
    )


def test_a_customers_attached_japanese_mail_with_no_body_is_named_in_japanese(
    team: App,
) -> None:
    deliver(team, _raw("customer_attached_empty_ja.eml"))
    assert _incoming(team)["text"] == (
        "本文のない転送メール: 「プリンターの件」（差出人: 佐藤 一郎 <sato@customer.test>、"
        "送信日時: 2026年3月2日(月) 8:40 JST）"
    )


def test_the_line_without_a_date_a_sender_or_a_subject() -> None:
    assert empty_mail_line("", None, None, "en", "Asia/Tokyo") == (
        'A forwarded mail with no text: "(no subject)" from (unknown sender).'
    )
    assert empty_mail_line("VPN", Address("", "a@b.test"), "", "ja", "Asia/Tokyo") == (
        "本文のない転送メール: 「VPN」（差出人: a@b.test）"
    )


# --- a plain part of a signature only, the words in the HTML ----------------------------


def test_a_plain_part_of_only_a_signature_gives_way_to_the_html() -> None:
    msg = parse_message(_raw("alternative_signature_en.eml"))
    assert msg.text.startswith("The printer on floor 3 jams on every page since Monday.")
    assert msg.new_text == "The printer on floor 3 jams on every page since Monday."


def test_a_japanese_signature_under_a_rule_gives_way_to_the_html() -> None:
    msg = parse_message(_raw("alternative_signature_ja.eml"))
    assert msg.text.startswith("VPNに接続できません。至急確認をお願いします。")
    assert "VPNに接続できません。" in msg.new_text


def test_words_above_the_signature_keep_the_plain_part() -> None:
    raw = _raw("alternative_signature_en.eml").replace(
        b"LS0gCkpvaG4gU21pdGgKQWNtZSBJbmMuClRlbDogKzEgNTU1IDEyMyA0NTY3Cg==",
        b"SGVsbG8sIHNlZSBiZWxvdy4KLS0gCkpvaG4gU21pdGgK",  # "Hello, see below.\n-- \nJohn Smith\n"
    )
    assert parse_message(raw).new_text == "Hello, see below."


@pytest.mark.parametrize(
    "plain",
    [
        "－－\n山田 太郎\nエグザンプル\n",  # the full-width signature line
        "----\n山田 太郎\nエグザンプル\n----\n",  # a signature framed by rules, no phone
    ],
)
def test_a_plain_part_of_a_japanese_signature_alone_gives_way_to_the_html(plain: str) -> None:
    msg = EmailMessage()
    msg["From"] = "山田 太郎 <yamada@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "VPN"
    msg.set_content(plain)
    msg.add_alternative(
        "<p>VPNに接続できません。</p><p>山田 太郎<br>エグザンプル</p>", subtype="html"
    )
    parsed = parse_message(bytes(msg))
    assert parsed.text.startswith("VPNに接続できません。"), parsed.text


# --- the envelope sender of an mbox's From_ lines -----------------------------------------


@pytest.mark.parametrize(
    ("line", "sender"),
    [
        (b"From carol@customer.test Sat Dec  5 21:00:00 2026\n", "carol@customer.test"),
        (b"From MAILER-DAEMON Sat Dec  5 21:00:00 2026\n", None),  # Python's mailbox: nobody
        (b"From - Sat Dec  5 21:00:00 2026\n", None),  # Thunderbird: nobody
        (b"From 1234567890@xxx Thu Jan 01 00:00:00 +0000 2026\n", None),  # Gmail's takeout
        (b"From ???@??? Mon Mar 02 09:00:00 2026\n", None),  # Eudora
        (b"From root Tue Dec  1 23:59:59 2026\n", None),  # a local user somewhere else
        (b"From  Mon Mar  2 09:00:00 2026\n", None),  # none named
    ],
)
def test_an_mbox_from_line_names_a_sender_only_when_it_is_an_address(
    line: bytes, sender: str | None
) -> None:
    assert mbox.mbox_sender(line) == sender


def _mbox(tmp_path: Path) -> Path:
    """The fixture, dated now (an import of old mail is filed, never answered)."""
    now = format_datetime(datetime.now(UTC)).encode()
    text = b"".join(
        b"Date: " + now + b"\n" if line.startswith(b"Date: ") else line
        for line in _raw("envelope.mbox").splitlines(keepends=True)
    )
    path = tmp_path / "mail.mbox"
    path.write_bytes(text)
    return path


def test_reading_an_mbox_keeps_each_envelope_sender(tmp_path: Path) -> None:
    found = [i for i in read_inputs([str(_mbox(tmp_path))]) if isinstance(i, RawInput)]
    assert [i.envelope_from for i in found] == [
        "carol@customer.test",
        "dave@customer.test",
        None,
        None,
    ]
    assert not any(i.raw.startswith(b"From ") for i in found)


def test_ingest_of_an_mbox_files_a_mail_without_from_for_its_envelope_sender(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))
    ran = run(config, "ingest", str(_mbox(tmp_path)), capsys=capsys)
    assert ran.code == 0, ran.out
    listing = json.loads(run(config, "tickets", "list", "--json", capsys=capsys).out)
    requesters = {t["subject"]: t["requester"] for t in listing}
    assert requesters["Badge reader"] == "carol@customer.test"
    assert requesters["Monitor flickers"] == "dave@customer.test"
    unanswered = {}
    for t in listing:
        shown = json.loads(
            run(config, "tickets", "show", str(t["id"]), "--json", capsys=capsys).out
        )
        reasons = [e["detail"]["reason"] for e in shown["events"] if e["kind"] == "no-auto-answer"]
        unanswered[t["subject"]] = reasons
    # as through the pipe, a mail with no From is filed for its envelope sender but not
    # answered; a mail with a From under Python's "From MAILER-DAEMON" is answered
    assert unanswered == {
        "Badge reader": [],
        "Monitor flickers": ["no sender address"],
        "Delivery report": ["no sender address"],
        "Projector lamp": [],
    }
    con = sqlite3.connect(f"{tmp_path}/gateway.db")
    try:
        rows = con.execute("SELECT envelope_from FROM inbox ORDER BY id").fetchall()
        acked = con.execute("SELECT recipients FROM outbox WHERE kind = 'acknowledgement'")
        assert sorted(json.loads(r) for (r,) in acked) == [
            ["carol@customer.test"],
            ["erin@customer.test"],
        ]
    finally:
        con.close()
    assert rows == [("carol@customer.test",), ("dave@customer.test",), (None,), (None,)]
