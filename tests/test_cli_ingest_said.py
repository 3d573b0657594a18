"""``ingest``'s line says what became of each mail in the reader's language: a reply
appended or kept unverified, a member's reply refused, machine mail, a duplicate, our
own address. The row's reason stays the English record (``inbox list --json``).

QA found ``受信箱 #3 に保存しました: ignored（duplicate of message … on ticket #1）``:
every outcome but a new ticket printed its English reason inside the Japanese line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.core.i18n import N_, translate
from gateway.pipeline.command_lines import Applied, NotRead, Refused
from gateway.runner import command_said, reply_said
from tests.support.app import MEMBERS
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
    ("record", "en"),
    [
        ("", ""),
        (", commands: 1 applied", "1 command applied"),
        (
            ", commands: 2 applied, 1 refused, 3 ignored, relayed to 2",
            "2 commands applied, 1 command refused, 3 commands ignored, relayed to 2 people",
        ),
        (", commands not verified (ignored)", "its commands ignored: the sender was not verified"),
        (", undelivered mail told: 2", "the member told of 2 undelivered mails"),
    ],
)
def test_a_replys_commands_are_said_from_their_record(record: str, en: str) -> None:
    """What ops recorded of a reply's commands (and a bounce's notice), clause by clause."""
    clauses = reply_said.ran_clauses(record)
    assert ", ".join(translate(c, "en") for c in clauses) == en
    ja = "、".join(translate(c, "ja") for c in clauses)
    assert findings(ja, "ja") == [] and (ja == "") == (en == ""), ja


def test_the_record_read_back_is_the_one_ops_writes() -> None:
    """``ran_clauses`` reads the English record ``command_said.summary`` writes: a change
    of that record's words would say nothing of the commands, so the two are tied here."""
    outcomes: list[Applied | Refused | NotRead] = [
        *(Applied(f"/x{n}", N_("x")) for n in range(2)),
        Refused("/y", N_("y")),
        *(NotRead(f"/z{n}", N_("z")) for n in range(3)),
    ]
    clauses = reply_said.ran_clauses(command_said.summary(outcomes))
    said = ", ".join(translate(c, "en") for c in clauses)
    assert said == "2 commands applied, 1 command refused, 3 commands ignored"
