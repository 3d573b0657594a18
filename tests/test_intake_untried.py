"""Mail nobody had tried, through the real doors: each fixture of
``tests/support/mailgen/untried.py`` sent to the SMTP listener with ``smtplib`` (then
processed as the daemon does), and all of them through ``ticket-gateway ingest``.
What the ticket says is checked the way an operator reads it: requester, subject,
text, attachments saved only under their safe names, defects flagged, and an
answer for a person's request only."""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.runtime.app import App
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.corpus import OWN_ROOT
from tests.support.pipeline import inbox_rows, outbox, show
from tests.support.smtp import listening, smtp_settings


@dataclass(frozen=True)
class Expect:
    """What the gateway should make of one fixture."""

    requester: str | None  # None: no ticket (ignored)
    subject: str = ""
    text: tuple[str, ...] = ()  # words the ticket's text holds
    absent: tuple[str, ...] = ()  # words it must not hold
    files: tuple[str, ...] = ()  # the attachments' safe names, in order
    answered: bool = True  # an acknowledgement to the requester (recent mail over SMTP)
    defect: str = ""  # a word of a defect the message must carry


# From names nobody: the SMTP envelope's sender is the requester, and without an
# envelope (``ingest``) the ticket's requester says nobody is known
NOBODY = "(nobody)"
ENVELOPE = "sender@customer.test"
CASES: dict[str, Expect] = {
    "japanese/untried-cp932-labelled-jis.eml": Expect(
        "k.takahashi@customer.test",
        "プリンタ故障の件",
        ("プリンタ①が動きません。① ㈱ 髙 﨑 ～",),
        defect="labelled 'ISO-2022-JP' but has 8-bit bytes",
    ),
    "japanese/untried-utf8-labelled-jis.eml": Expect(
        "net@customer.test",
        "Network slow",
        ("ネットワークが遅い～です",),
        defect="decoded as utf-8",
    ),
    "japanese/untried-sjis-word-split.eml": Expect(
        "room@customer.test", "会議室の予約ができません", ("会議室の件です。",)
    ),
    "japanese/untried-jis-word-split.eml": Expect(
        "takasaki@customer.test", "髙﨑①の件", ("髙﨑です。",)
    ),
    "japanese/untried-utf8-bom-base64.eml": Expect(
        "bom@customer.test", "BOM in the body", ("ログインできません。",), absent=("\ufeff",)
    ),
    "japanese/untried-rfc2231-utf8-continued.eml": Expect(
        "quote@customer.test",
        "Quote attached",
        ("見積書を添付します。",),
        files=("見積書（株式会社テスト）2026年度.pdf",),
    ),
    "japanese/untried-rfc2231-shift-jis.eml": Expect(
        "bill@customer.test", "Invoice", ("請求書です。",), files=("請求書①髙橋.pdf",)
    ),
    "japanese/untried-rfc2231-iso-2022-jp.eml": Expect(
        "report@customer.test", "Report", ("報告書です。",), files=("報告書①.xlsx",)
    ),
    "japanese/untried-euc-labelled-sjis.eml": Expect(
        "db@customer.test",
        "DB error",
        ("データベースの接続エラーが出ます。",),
        defect="labelled 'Shift_JIS' but is EUC-JP",
    ),
    "japanese/untried-jis-no-reset.eml": Expect(
        "oldmailer@customer.test",
        "JIS lines",
        ("サーバが落ちました\nhost: web01 (10.0.0.5)\n確認をお願いします",),
        defect="ISO-2022-JP line ended without ESC ( B",
    ),
    "japanese/untried-cp932-raw-headers.eml": Expect(
        "hanako@customer.test", "印刷できない①", ("印刷できません。",), defect="cp932"
    ),
    "japanese/untried-iso-2022-jp-2.eml": Expect(
        "multi@customer.test", "ISO-2022-JP-2", ("Café 日本語 Ελληνικά",)
    ),
    "mime-edge/untried-traversal-names.eml": Expect(
        "files@customer.test",
        "Names that climb",
        ("four files",),
        files=("%2F.%2Fetc%2Fpasswd", "authorized_keys", "attachment-3.txt", "attachment-4.txt"),
    ),
    "mime-edge/untried-encoded-word-name-traversal.eml": Expect(
        "sales@customer.test", "Sales sheet", ("sheet attached",), files=("表.xls",)
    ),
    # the sections joined in order, the escaped one read where it stands; a section
    # number of eleven digits (*99999999999) is no section (at most three digits are
    # read): "ab''../../../cd", of which only the last step of the path is kept
    "mime-edge/untried-rfc2231-gaps.eml": Expect(
        "gaps@customer.test", "Continuations with gaps", ("gaps",), files=("cd",)
    ),
    "mime-edge/untried-base64-garbage.eml": Expect(
        "disk@customer.test",
        "Disk full",
        ("ディスクが", "more text"),
        defect="base64 with characters outside its alphabet",
    ),
    "mime-edge/untried-no-boundary-parameter.eml": Expect(
        "nob@customer.test",
        "No boundary",
        ("the words are here",),
        absent=("--xyz",),
        defect="NoBoundaryInMultipartDefect",
    ),
    "mime-edge/untried-duplicate-headers.eml": Expect(
        "first@customer.test", "first subject", ("two of each",)
    ),
    "mime-edge/untried-from-comments.eml": Expect(
        "taro@customer.test", "Comments", ("comments in From",)
    ),
    "mime-edge/untried-from-group.eml": Expect(
        "alice@customer.test", "Group", ("group syntax in From",)
    ),
    "mime-edge/untried-from-empty-group.eml": Expect(
        # no mailbox in From: its Sender is the requester (RFC 5322 3.6.2), answered
        "real@customer.test",
        "Empty group",
        ("no sender in From",),
    ),
    "mime-edge/untried-from-encoded-mailbox.eml": Expect(
        NOBODY, "Encoded mailbox", ("close",), answered=False, defect="encoded word"
    ),
    "mime-edge/untried-subject-encoded-crlf.eml": Expect(
        "crlf@customer.test", "hello Bcc: x@evil.test body", ("body",)
    ),
    "mime-edge/untried-utf16-base64.eml": Expect(
        "utf16@customer.test", "UTF-16", ("UTF-16の本文です",), absent=("\ufeff",)
    ),
    "mime-edge/untried-smime-signed.eml": Expect(
        "signer@customer.test",
        "Signed request",
        ("Disk full on file server.",),
        absent=("S/MIME",),
        files=("smime.p7s",),
    ),
    "mime-edge/untried-smime-opaque.eml": Expect(
        "opaque@customer.test", "Opaque signed", files=("smime.p7m",)
    ),
    "mime-edge/untried-pgp-mime-signed.eml": Expect(
        "pgp@customer.test", "PGP/MIME signed", ("VPN の件",), files=("signature.asc",)
    ),
    "mime-edge/untried-pgp-clearsigned.eml": Expect(
        "clear@customer.test",
        "PGP inline",
        ("Please reset my password.\n-- dash-escaped line",),
        absent=("BEGIN PGP", "Hash: SHA256"),
        defect="inline PGP signature removed, not checked",
    ),
    "mime-edge/untried-pgp-encrypted.eml": Expect(
        "secret@customer.test",
        "Encrypted",
        ("This mail is encrypted (OpenPGP) and cannot be read here",),
        files=("attachment-1.asc", "encrypted.asc"),
    ),
    "mime-edge/untried-forward-only-part.eml": Expect(
        "fwd@customer.test", "only the message", files=("元のメール.eml",)
    ),
    "mime-edge/untried-forward-nested-attachment.eml": Expect(
        "fwd2@customer.test",
        "with a file",
        ("outer text",),
        files=("with a file.eml", "inner.pdf"),  # the forwarded mail's file: the ticket's too
    ),
    "mime-edge/untried-rfc822-base64.eml": Expect(
        "fwd3@customer.test",
        "rfc822 in base64",
        ("see inner",),
        files=("inner.eml",),  # decoded, its Subject read
    ),
    "html/untried-html-table.eml": Expect(
        "table@customer.test",
        "HTML table",
        ("Hello team, <urgent> & あ", "Host Status\nweb01 down\ndb01 up", "line1\nline2\nline3"),
        absent=("<td>", "<br"),
    ),
    "html/untried-html-hidden.eml": Expect(
        "hidden@customer.test",
        "HTML hidden parts",
        ("東京 大阪", "本文\n二行目"),
        absent=("o:stuff", "secret comment", "alert", "p{}"),
    ),
    "plain/untried-flowed-delsp-ja.eml": Expect(
        "flowed@customer.test", "Flowed Japanese", ("これは長い行です。続きます。",)
    ),
    "plain/untried-flowed-signature.eml": Expect(
        "flowed2@customer.test",
        "Flowed English",
        ("This is a long line that continues here.\nFrom here a stuffed line",),
    ),
    "bounce/untried-exchange-dsn-unknown.eml": Expect(None),
    "bounce/untried-postfix-delay-plain.eml": Expect(None),
    "bounce/untried-japanese-send-error.eml": Expect(None),
    "auto-reply/untried-bracket-auto-reply.eml": Expect(
        "shop@customer.test", "【自動返信】お問い合わせありがとうございます", answered=False
    ),
    "auto-reply/untried-square-auto-send.eml": Expect(
        "forms@customer.test", "［自動送信］受付完了のお知らせ", answered=False
    ),
    "auto-reply/untried-fuzai-subject-only.eml": Expect(
        "sato@customer.test", "不在のお知らせ（自動応答）", answered=False
    ),
    "list/untried-mime-digest.eml": Expect(
        "users-request@lists.test",
        "Users Digest, Vol 5, Issue 3",
        ("Today's Topics:",),
        files=("hello.eml", "hello again.eml"),  # each by its Subject
        answered=False,
    ),
    "invite-tnef/untried-calendar-only.eml": Expect(
        "organizer@customer.test", "Invitation: sync", files=("attachment-1.ics",)
    ),
    "invite-tnef/untried-winmail-only.eml": Expect(
        "rich@customer.test", "Rich text", files=("winmail.dat",)
    ),
}


def test_every_untried_fixture_has_an_expectation() -> None:
    on_disk = sorted(p.relative_to(OWN_ROOT).as_posix() for p in OWN_ROOT.rglob("untried-*.eml"))
    assert on_disk == sorted(CASES) and len(CASES) >= 30


def _check(ticket: dict[str, object], expect: Expect, nobody: str) -> None:
    """One ticket against what its fixture should make of it; ``nobody``: the
    requester when the mail names none."""
    assert ticket["requester"] == (nobody if expect.requester == NOBODY else expect.requester)
    assert ticket["subject"] == expect.subject
    [first, *_] = ticket["messages"]  # type: ignore[misc]
    text = first["text"]
    for words in expect.text:
        assert words in text, (words, text)
    for words in expect.absent:
        assert words not in text, (words, text)
    assert [a["filename"] for a in first["attachments"]] == list(expect.files)
    if expect.defect:
        assert any(expect.defect in d for d in first["defects"]), first["defects"]


@pytest.mark.parametrize("rel", sorted(CASES))
def test_through_smtp(app: App, settings: Settings, rel: str) -> None:
    expect = CASES[rel]
    raw = (OWN_ROOT / rel).read_bytes()
    with (
        listening(smtp_settings(settings), app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.sendmail(ENVELOPE, ["support@example.test"], raw)
    [outcome] = app.runner.process_pending()
    [row] = inbox_rows(app)
    if expect.requester is None:
        assert (row.state, outcome.ticket_id, outbox(app)) == ("ignored", None, [])
        return
    assert row.state == "done" and outcome.ticket_id is not None
    ticket = show(app, outcome.ticket_id)
    _check(ticket, expect, ENVELOPE)
    acks = [o.recipients for o in outbox(app, "acknowledgement")]
    assert acks == ([[ticket["requester"]]] if expect.answered else [])


def test_through_ingest(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """All at once through ``ingest``; every attachment saved with ``tickets attachment
    -o FOLDER`` lands in that folder under the name the ticket shows."""
    config = write_config(tmp_path, url=db_url, secret_file=True)
    paths = [str(OWN_ROOT / rel) for rel in sorted(CASES)]
    ran = run(config, "ingest", *paths, capsys=capsys)
    assert ran.code == 0, ran.err
    said = dict(zip(sorted(CASES), ran.out.strip().splitlines(), strict=True))
    saved = tmp_path / "saved"
    for rel, expect in CASES.items():
        line = said[rel]
        if expect.requester is None:
            assert "ignored" in line and "ticket #" not in line, line
            continue
        ticket_id = line.split("ticket #", 1)[1].split()[0]
        shown = run(config, "tickets", "show", ticket_id, "--json", capsys=capsys)
        ticket = json.loads(shown.out)
        _check(ticket, expect, "unknown@invalid")
        for n, name in enumerate(expect.files, start=1):
            folder = saved / ticket_id
            folder.mkdir(parents=True, exist_ok=True)
            got = run(
                config, "tickets", "attachment", ticket_id, str(n), "-o", str(folder), capsys=capsys
            )
            assert got.code == 0, got.err
            assert [p.name for p in folder.iterdir()] == [name]
            (folder / name).unlink()
    assert all(p.is_dir() for p in saved.rglob("*"))  # nothing written outside the folders
