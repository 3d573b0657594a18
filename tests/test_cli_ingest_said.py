"""``ingest``'s line says what became of each mail in the reader's language: a reply
appended or kept unverified, a member's reply refused, machine mail, a duplicate, our
own address. The row's reason stays the English record (``inbox list --json``).

QA found ``受信箱 #3 に保存しました: ignored（duplicate of message … on ticket #1）``:
every outcome but a new ticket printed its English reason inside the Japanese line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.core.i18n import N_, NP_, translate
from gateway.pipeline.command_lines import Applied, NotRead, Refused
from gateway.runner import reply_said
from gateway.runner.commands_ran import Ran
from tests.support.app import MEMBERS, configured_reply_address
from tests.support.cli import run
from tests.support.config import members_toml, write_config
from tests.support.mails import mail
from tests.test_one_language import findings

FIRST = "<first@customer.test>"
AUTO = {"Auto-Submitted": "auto-replied"}

# each mail in the order it is ingested → the reason its row keeps (the record)
MAILS: list[tuple[str, bytes, str]] = [
    ("new", mail(message_id=FIRST), "new ticket"),
    (
        "duplicate",  # the same mail again, another copy of its bytes
        mail(message_id=FIRST, body="Hello,\nmy VPN client fails.\n"),
        "duplicate of message",
    ),
    ("unverified", mail(subject="Re: VPN", in_reply_to=FIRST), "attached unverified"),
    (
        "auto-reply on the ticket",
        mail(subject="Out of office", in_reply_to=FIRST, headers=AUTO),
        "appended (via headers, auto-reply",
    ),
    (
        "auto-reply for no ticket",
        mail(subject="Out of office", headers=AUTO),
        "auto-reply that belongs to no ticket",
    ),
    (
        "member unproven",
        mail(subject="Re: VPN", sender="Ops One <ops@example.test>", in_reply_to=FIRST),
        "not verified as ops@example.test",
    ),
    ("own address", mail(sender="support@example.test"), "sent from our own address"),
    (
        "postmaster",  # the delivering server noted where it went
        mail(to="postmaster@example.test", headers={"X-Original-To": "postmaster@example.test"}),
        "to postmaster: kept",
    ),
]
# after the ticket is closed: its requester's reply, unproven, opens a new ticket
AFTER_CLOSE: list[tuple[str, bytes, str]] = [
    (
        "reply to closed",
        mail(subject="Re: VPN", body="It fails again.\n", in_reply_to=FIRST),
        "new ticket (unverified headers of closed #1)",
    ),
]


@pytest.mark.parametrize(("locale", "language"), [("ja_JP.UTF-8", "ja"), ("C.UTF-8", "en")])
def test_each_outcome_is_said_in_one_language(
    tmp_path: Path,
    locale: str,
    language: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the team speaks the other language: nothing of it may reach the line
    config = write_config(
        tmp_path,
        secret_file=True,
        locale="en" if language == "ja" else "ja",
        extra=members_toml(MEMBERS),
    )
    monkeypatch.setenv("LC_ALL", locale)
    for name, raw, _record in [*MAILS, (None, b"", ""), *AFTER_CLOSE]:
        if name is None:
            assert run(config, "tickets", "set-state", "1", "closed", capsys=capsys).code == 0
            continue
        eml = tmp_path / f"{name}.eml"
        eml.write_bytes(raw)
        done = run(config, "ingest", str(eml), capsys=capsys)
        out = done.out
        assert (done.code, out.count("\n")) == (0, 1), (name, done)
        assert findings(out, language, [str(eml)]) == [], (name, out)
    rows = json.loads(run(config, "inbox", "list", "--json", capsys=capsys).out)
    reasons = sorted(row["reason"] for row in rows)
    for name, _raw, record in [*MAILS, *AFTER_CLOSE]:  # the record as it was, in English
        assert any(r.startswith(record) for r in reasons), (name, reasons)


@pytest.mark.parametrize(
    ("ran", "record", "en"),
    [
        (Ran(), "", ""),
        (Ran(applied=1), ", commands: 1 applied", "1 command applied"),
        (
            Ran(applied=2, refused=1, ignored=3, relayed=2),
            ", commands: 2 applied, 1 refused, 3 ignored, relayed to 2",
            "2 commands applied, 1 command refused, 3 commands ignored, relayed to 2 people",
        ),
        (
            Ran(unverified=True),
            ", commands not verified (ignored)",
            "its commands ignored: the sender was not verified",
        ),
        (
            Ran(refused_unproven="not sent to a reply address"),
            ", commands refused: not sent to a reply address",
            "the member's commands refused: the mail did not prove the member",
        ),
        (Ran(told=2), ", undelivered mail told: 2", "the member told of 2 undelivered mails"),
    ],
)
def test_what_a_replys_commands_did_is_recorded_and_said(ran: Ran, record: str, en: str) -> None:
    """What ops did with a reply's commands (and a bounce's notice), as data: the row's
    English record as it always read, and the same facts clause by clause."""
    assert ran.record() == record
    clauses = reply_said.ran_clauses(ran)
    assert ", ".join(translate(c, "en") for c in clauses) == en
    ja = "、".join(translate(c, "ja") for c in clauses)
    assert findings(ja, "ja") == [] and (ja == "") == (en == ""), ja


def test_the_record_and_the_sentence_count_the_same_outcomes() -> None:
    """The record and the clauses are both made from one count of the outcomes (no
    longer the clauses parsed back from the record): each kind is counted, in order."""
    outcomes: list[Applied | Refused | NotRead] = [
        *(Applied(f"/x{n}", N_("x")) for n in range(2)),
        Refused("/y", N_("y")),
        *(NotRead(f"/z{n}", N_("z")) for n in range(3)),
    ]
    ran = Ran.of(outcomes, relayed=1)
    assert ran.record() == ", commands: 2 applied, 1 refused, 3 ignored, relayed to 1"
    said = ", ".join(translate(c, "en") for c in reply_said.ran_clauses(ran))
    assert said == "2 commands applied, 1 command refused, 3 commands ignored, relayed to 1 person"


@pytest.mark.parametrize(("locale", "language"), [("ja_JP.UTF-8", "ja"), ("C.UTF-8", "en")])
def test_a_members_commands_are_said_in_the_cli_language(
    tmp_path: Path,
    locale: str,
    language: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A proven member's reply with commands, through ``ingest``: its line says what the
    commands and the relay did in the reader's language, the row keeps the record."""
    config = write_config(
        tmp_path,
        secret_file=True,
        locale="en" if language == "ja" else "ja",
        extra=members_toml(MEMBERS),
    )
    monkeypatch.setenv("LC_ALL", locale)
    (tmp_path / "new.eml").write_bytes(mail(message_id=FIRST))
    assert run(config, "ingest", str(tmp_path / "new.eml"), capsys=capsys).code == 0
    to = configured_reply_address(config, 1, "ops@example.test")
    reply = mail(
        subject="Re: VPN",
        sender="Ops One <ops@example.test>",
        to=to,
        in_reply_to=FIRST,
        body="/priority high\n/assign nobody@example.test\n\nWe restarted the VPN server.\n",
    )
    (tmp_path / "reply.eml").write_bytes(reply)
    done = run(config, "ingest", str(tmp_path / "reply.eml"), capsys=capsys)
    assert done.code == 0, done
    said = [
        NP_("{count} command applied", "{count} commands applied", 1, count=1),
        NP_("{count} command refused", "{count} commands refused", 1, count=1),
        NP_("relayed to {count} person", "relayed to {count} people", 1, count=1),
    ]
    joint = translate(N_(", "), language)
    assert joint.join(translate(c, language) for c in said) in done.out, done.out
    assert findings(done.out, language, [str(tmp_path / "reply.eml")]) == [], done.out
    rows = json.loads(run(config, "inbox", "list", "--json", capsys=capsys).out)
    assert next(r["reason"] for r in rows if r["id"] == 2) == (
        "appended (via token, from ops verified by token, "
        "commands: 1 applied, 1 refused, relayed to 1)"
    ), rows
