"""Every template kind renders in both locales from realistic view models, and the
composed mail parses back with the stdlib ``email`` package with the headers we promise:
Message-ID, Date, threading, Reply-To token address, subject tag, Auto-Submitted."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from sqlalchemy import select

from gateway.notify import compose
from gateway.notify import views as v
from gateway.notify.render import Renderer
from gateway.runtime.app import App
from store.db import transaction
from store.models import OutboxRow
from tests.support.mails import mail
from tests.support.pipeline import deliver

TEAM = v.Team("情報システム部 サポート窓口", "support@example.test")
ALICE = v.Person("alice@customer.test", "山田 花子")
OPS = v.Person("ops@example.test", "Ops One")


def _ticket(
    n: int,
    subject: str,
    state: str = "open",
    age: int = 3,
    idle: int = 1,
    assignee: str = "Ops One",
) -> v.TicketRef:
    return v.TicketRef(
        n, f"[#{n}]", subject, state, ALICE, assignee, "VPN", "2026-03-02 10:00 JST", age, idle
    )


T42 = _ticket(42, "VPN に接続できません <script>alert(1)</script>")
SAMPLES: list[v.View] = [
    v.Acknowledgement(TEAM, ALICE, T42),
    v.NewTicket(TEAM, OPS, T42, "おはようございます。\n今朝から VPN に接続できません。"),
    v.OpsReply(TEAM, ALICE, T42, OPS, "VPN クライアントを再起動してください。\nThanks & regards"),
    v.StatusChange(TEAM, ALICE, T42, "open", "pending", "ログを送っていただけますか。"),
    v.MissingFields(
        TEAM,
        ALICE,
        T42,
        (v.FieldRequest("hostname", "端末名", "PC-0123"), v.FieldRequest("os", "OS", "Windows 11")),
    ),
    v.StaleReminder(TEAM, OPS, (T42, _ticket(7, "Printer jams", "new", 12, 9)), 7),
    v.PendingReminder(TEAM, ALICE, T42, 5, 9),
    v.AutoClose(TEAM, ALICE, _ticket(42, "VPN", "closed"), 14, 14),
    v.WeeklyDigest(
        TEAM, OPS, "2026-03-02 – 2026-03-08", (T42,), (_ticket(8, "New laptop", "new", 1, 1, ""),)
    ),
    v.WeeklyDigest(TEAM, OPS, "2026-03-09 – 2026-03-15", (), ()),
    v.WeeklySummary(
        TEAM,
        v.Person("boss@example.test", "Boss"),
        "2026-03-02 – 2026-03-08",
        12,
        9,
        (v.StateCount("new", 2), v.StateCount("open", 4), v.StateCount("pending", 1)),
        (T42,),
        1,
    ),
    v.CommandResult(
        TEAM,
        OPS,
        T42,
        (
            v.CommandLine("#state pending", "open → pending"),
            v.CommandLine("#assign tanaka", "assigned to 田中"),
        ),
    ),
    v.CommandRefused(
        TEAM,
        OPS,
        T42,
        "#state flying",
        "unknown state 'flying'",
        "#state new|open|pending|closed\n#assign EMAIL",
    ),
    v.SlaOverdue(TEAM, OPS, T42, "first_response", "2026-03-02 14:00 JST"),
    v.WeeklyDigest(
        TEAM,
        OPS,
        "2026-03-02 – 2026-03-08",
        (
            v.TicketRef(
                42,
                "[#42]",
                "VPN",
                "open",
                ALICE,
                "Ops One",
                "VPN",
                "",
                9,
                8,
                "overdue",
                "2026-03-04 10:00 JST",
                True,
                "support+42-0123456789abcdef@example.test",
            ),
        ),
        (),
    ),
    v.WeeklySummary(
        TEAM,
        v.Person("boss@example.test", "Boss"),
        "2026-03-02 – 2026-03-08",
        1,
        0,
        (v.StateCount("open", 1),),
        (T42,),
        0,
        (v.NamedCount("VPN", 1),),
        (v.NamedCount("Ops One", 1),),
        (v.NamedCount("ops@example.test", 2),),
        (v.NamedCount("プロジェクター", 3),),
    ),
    v.HealthAlert(
        TEAM,
        v.Person("boss@example.test", "Boss"),
        "mailbox support@imap:993/INBOX was never polled <b>successfully</b>",
        False,
        "2026-03-02 10:00 JST",
    ),
    v.HealthAlert(
        TEAM,
        v.Person("boss@example.test", "Boss"),
        "2 shunted inbox row(s)",
        True,
        "2026-03-02 10:00 JST",
    ),
    v.OutsiderReply(
        TEAM,
        OPS,
        T42,
        v.Person("mallory@outside.test", "Mallory <b>"),
        "パスワードの再設定方法を教えてください",
        "ticket-gateway tickets add-participant 42 mallory@outside.test",
    ),
]


def test_samples_cover_every_kind() -> None:
    assert {v.kind_of(s) for s in SAMPLES} == {k.name for k in v.MAIL_KINDS.values()}


def _envelope(view: v.View, charset: str = "utf-8") -> compose.Envelope:
    ticket = getattr(view, "ticket", None)
    kind = v.kind_of(view)
    return compose.Envelope(
        kind=kind,
        sender=v.Person("support@example.test", "サポート窓口"),
        to=view.recipient,
        message_id=compose.new_message_id("example.test", 42),
        date=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        subject_tag=ticket.tag if ticket else "",
        reply_to="support+42-0123456789abcdef@example.test" if ticket else "",
        in_reply_to="req-1@customer.test" if ticket else "",
        references=("req-1@customer.test", "t42.abc@example.test") if ticket else (),
        auto_submitted=v.mail_kind(view).auto_submitted,
        ticket_id=42 if ticket else None,
        charset=charset,
    )


def _parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("view", SAMPLES, ids=lambda s: v.kind_of(s))
def test_every_template_renders_and_parses_back(view: v.View, locale: str) -> None:
    parts = Renderer().render(view, locale)
    assert parts.subject and "\n" not in parts.subject
    assert view.recipient.display in parts.text and "{{" not in parts.text
    assert "<script>" not in parts.html  # HTML is autoescaped …
    if isinstance(view, v.Acknowledgement):
        assert "<script>" in parts.text  # … plain text is not (it is never interpreted)
        assert "[#42]" in parts.text  # how to reply: keep the tag
    env = _envelope(view)
    msg = _parse(compose.compose(env, parts))
    assert msg["Message-ID"] == f"<{env.message_id}>"
    assert msg["Date"].datetime == env.date
    assert msg["Auto-Submitted"] == env.auto_submitted
    assert msg["X-Ticket-Gateway"].startswith(v.kind_of(view))
    assert msg["To"].addresses[0].addr_spec == view.recipient.email
    assert msg.get_body(("plain",)).get_content().startswith(parts.text.split("\n")[0])
    assert "</html>" in msg.get_body(("html",)).get_content()
    if env.ticket_id is not None:
        assert msg["Subject"].startswith("[#42] ")
        assert msg["In-Reply-To"] == "<req-1@customer.test>"
        assert msg["References"] == "<req-1@customer.test> <t42.abc@example.test>"
        assert msg["Reply-To"].addresses[0].addr_spec == env.reply_to
    else:
        assert "In-Reply-To" not in msg and "Reply-To" not in msg


def test_digests_are_auto_generated_and_answers_auto_replied() -> None:
    digest = _envelope(SAMPLES[8])
    ack = _envelope(SAMPLES[0])
    assert (digest.auto_submitted, ack.auto_submitted) == ("auto-generated", "auto-replied")


def test_iso_2022_jp_when_configured_and_possible() -> None:
    view = SAMPLES[0]
    parts = Renderer().render(view, "ja")
    msg = _parse(compose.compose(_envelope(view, "iso-2022-jp"), parts))
    assert msg.get_body(("plain",)).get_content_charset() == "iso-2022-jp"
    assert "お問い合わせを受け付けました" in msg["Subject"]
    assert "山田 花子 様" in msg.get_body(("plain",)).get_content()
    # a character JIS X 0208 cannot carry: UTF-8 rather than a broken mail
    odd = v.Acknowledgement(TEAM, ALICE, _ticket(42, "サーバ① が停止 🔥"))
    msg = _parse(compose.compose(_envelope(odd, "iso-2022-jp"), Renderer().render(odd, "ja")))
    assert msg.get_body(("plain",)).get_content_charset() == "utf-8"
    assert "サーバ① が停止 🔥" in msg["Subject"]


@pytest.mark.parametrize(
    "evil",
    [
        "VPN\r\nBcc: victim@evil.test",
        "VPN\nBcc: victim@evil.test",
        "VPN\rBcc: victim@evil.test",
        "VPN\u2028Bcc: victim@evil.test",
    ],
)
def test_crlf_in_subject_or_name_injects_no_header(evil: str) -> None:
    victim = v.Person("alice@customer.test", evil)
    view = v.Acknowledgement(TEAM, victim, _ticket(42, evil))
    env = _envelope(view)
    raw = compose.compose(env, Renderer().render(view, "en"))
    msg = _parse(raw)
    assert "Bcc" not in msg and b"\nBcc:" not in raw
    assert msg["Subject"].count("Bcc: victim@evil.test") == 1
    assert msg["To"].addresses[0].addr_spec == "alice@customer.test"
    assert len(msg["To"].addresses) == 1


def test_encoded_crlf_subject_from_a_real_mail_injects_no_header(app: App) -> None:
    """The subject arrives as an encoded word hiding CR/LF; our acknowledgement repeats it."""
    raw_in = mail(subject="x").replace(
        b"Subject: x", b"Subject: =?utf-8?q?VPN_down=0D=0ABcc:_victim@evil.test?="
    )
    out = deliver(app, raw_in)
    assert out.ticket_id is not None
    with transaction(app.sessions) as s:
        [row] = s.scalars(select(OutboxRow)).all()
        raw = row.raw
    msg = _parse(raw)
    assert "Bcc" not in msg and b"\nBcc:" not in raw
    assert msg["Subject"].startswith(f"[#{out.ticket_id}] ")
    assert "VPN down" in msg["Subject"]


def test_team_folder_overrides_single_templates(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "acknowledgement.subject.j2").write_text(
        "Got it: {{ ticket.subject }}\n", encoding="utf-8"
    )
    parts = Renderer(tmp_path).render(SAMPLES[0], "en")
    assert parts.subject.startswith("Got it: VPN")
    assert "We have received" not in parts.subject
    assert "thank you for contacting us" in parts.text  # not overridden: ours


def test_a_typo_in_a_template_is_an_error_not_a_blank(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "acknowledgement.subject.j2").write_text(
        "{{ ticket.subjcet }}\n", encoding="utf-8"
    )
    with pytest.raises(UndefinedError):
        Renderer(tmp_path).render(SAMPLES[0], "en")
