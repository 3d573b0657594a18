"""Priority and saved answers through the daemon over SMTP (issue #19): real mails go
in through smtplib, on SQLite and on PostgreSQL where it answers, and what the
gateway stores and writes to its outbound maildir is what people would see.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest

from gateway.core import zone
from gateway.runtime.cli import main as cli
from tests.support.app import MEMBERS
from tests.support.config import SECRET_ENV, members_toml, write_config
from tests.support.daemon import daemon_thread
from tests.support.gateway_daemon import Gateway, words_of
from tests.support.ports import free_port

ANSWERS = Path(__file__).parent / "data" / "answers"
CATALOG = """entries:
  - id: account
    name: {ja: アカウント, en: Accounts}
    keywords: [{term: password, weight: 3}, パスワード]
    assignee: ops2@example.test
    sla:
      first_response: 4h
      resolve: 2d
      urgent: {first_response: 30m, resolve: 4h}
      high: {first_response: 2h}
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""
ITO = "ito@customer.test"


def mail(sender: str, subject: str, text: str, to: str = "support@example.test") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"], msg["Message-ID"] = format_datetime(datetime.now().astimezone()), make_msgid()
    msg.set_content(text)
    return msg


@pytest.fixture
def gw(
    tmp_path: Path,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Gateway]:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    shutil.copytree(ANSWERS, tmp_path / "answers")  # the default: beside the catalog
    port = free_port()
    extra = (
        f'[catalog]\npath = "{tmp_path / "catalog.yaml"}"\n'
        '[mail]\ncoalesce = "1s"\n[schedule]\ndigest = "off"\n' + members_toml(MEMBERS)
    )
    config = write_config(tmp_path, url=db_url, port=port, locale="ja", extra=extra)
    cli.main(["--config", str(config), "db", "upgrade"])
    with daemon_thread(config) as (ready, _stop, _result):
        assert ready.wait(30)
        yield Gateway(config, port, tmp_path / "var" / "outbound", capsys)


def _deadline(t: dict[str, Any], target: str) -> timedelta:
    at = next(d["at"] for d in t["deadlines"] if d["target"] == target)
    return datetime.fromisoformat(at) - datetime.fromisoformat(t["created_at"])


def test_a_shikyuu_request_is_urgent_and_gets_the_urgent_sla(gw: Gateway) -> None:
    gw.send(mail(ITO, "【至急】パスワードを忘れました", "ログインできません。"))
    [notice] = gw.wait_for("ops2@example.test", "new_ticket")
    t = gw.ticket(1)
    assert t["priority"] == "urgent" and t["catalog"] == "account"
    assert _deadline(t, "first_response") == timedelta(minutes=30)  # the urgent SLA
    assert _deadline(t, "resolve") == timedelta(hours=4)
    [event] = [e for e in t["events"] if e["kind"] == "priority"]
    assert (event["old"], event["new"], event["actor"]) == ("normal", "urgent", ITO)
    assert event["channel"] == "smtp" or event["channel"] == "email"
    assert event["detail"] == {"source": "subject", "marked": "【至急】"}
    text = words_of(notice)  # the member's notice: the level and its SLA, in Japanese
    assert "優先度: 緊急" in text
    created = datetime.fromisoformat(t["created_at"])
    first = zone.in_zone(created + timedelta(minutes=30), "Asia/Tokyo").said("ja")
    assert f"初回応答の期限: {first}" in text  # 2026年12月5日(土) 17:39 JST


def test_x_priority_1_is_high_and_an_unmarked_mail_is_normal(gw: Gateway) -> None:
    flagged = mail("alice@customer.test", "Password expired", "I cannot log in.")
    flagged["X-Priority"] = "1 (Highest)"
    gw.send(flagged)
    gw.wait_for("ops2@example.test", "new_ticket")
    gw.send(mail("bob@customer.test", "Password question", "How long may it be?"))
    gw.wait_for("ops2@example.test", "new_ticket", 2)
    high, normal = gw.ticket(1), gw.ticket(2)
    assert high["priority"] == "high" and normal["priority"] == "normal"
    assert _deadline(high, "first_response") == timedelta(hours=2)  # high's own target
    assert _deadline(high, "resolve") == timedelta(days=2)  # the entry's, high names none
    assert _deadline(normal, "first_response") == timedelta(hours=4)
    assert not [e for e in normal["events"] if e["kind"] == "priority"]
    listed = gw.cli("tickets", "list", "--priority", "high", "--json")
    assert [r["id"] for r in listed] == [1]


def test_answer_password_reset_sends_the_saved_text_in_japanese_after_the_members_words(
    gw: Gateway,
) -> None:
    gw.send(mail(f"伊藤 花子 <{ITO}>", "パスワードを忘れました", "ログインできません。"))
    [notice] = gw.wait_for("ops2@example.test", "new_ticket")
    reply = mail(
        "ops2@example.test",
        "Re: [#1] パスワードを忘れました",
        "/answer password-reset\n/priority low\n\n伊藤様\n\n担当の田中です。\n",
        to=str(notice["Reply-To"].addresses[0].addr_spec),
    )
    gw.send(reply)
    [answer] = gw.wait_for(ITO, "ops_reply")
    text = words_of(answer)
    own, saved = text.index("担当の田中です。"), text.index("パスワードの再設定は")
    assert own < saved  # the member's own words first, then the saved answer
    assert "伊藤 花子 様" in text and "お問い合わせ番号: [#1]" in text
    assert "/answer" not in text and "To reset your password" not in text
    [transcript] = gw.wait_for("ops2@example.test", "command_result")
    assert "password-reset" in words_of(transcript)
    t = gw.ticket(1)
    assert t["priority"] == "low"
    kinds = {e["kind"]: e for e in t["events"]}
    assert kinds["answer"]["detail"] == {"name": "password-reset", "locale": "ja"}
    assert kinds["priority"]["actor"] == "ops2@example.test"


def test_an_unknown_answer_is_refused_with_the_names_and_nothing_is_sent(gw: Gateway) -> None:
    gw.send(mail(ITO, "パスワードを忘れました", "ログインできません。"))
    [notice] = gw.wait_for("ops2@example.test", "new_ticket")
    to = str(notice["Reply-To"].addresses[0].addr_spec)
    gw.send(mail("ops2@example.test", "Re: [#1]", "/answer ../../etc/passwd\n", to=to))
    gw.send(mail("ops2@example.test", "Re: [#1]", "/answer nothing-like-it\n", to=to))
    first, second = gw.wait_for("ops2@example.test", "command_result", 2)[:2]
    assert "password-reset, vpn-client" in words_of(second)  # the names there are
    assert "password-reset" not in words_of(first)  # a path is not a name: refused as such
    assert not gw.to(ITO, "ops_reply")


def test_a_requester_may_lower_the_priority_but_not_raise_it(gw: Gateway) -> None:
    flagged = mail(ITO, "パスワードを忘れました", "ログインできません。")
    flagged["Importance"] = "high"
    gw.send(flagged)
    [ack] = gw.wait_for(ITO, "acknowledgement")
    to = str(ack["Reply-To"].addresses[0].addr_spec)  # the token issued to the requester
    gw.send(mail(ITO, "Re: [#1]", "/priority urgent\n", to=to))
    [refused] = gw.wait_for(ITO, "command_result")
    assert "依頼者は優先度を下げることはできますが、上げることはできません" in words_of(refused)
    assert gw.ticket(1)["priority"] == "high"
    gw.send(mail(ITO, "Re: [#1]", "/priority low\n", to=to))
    gw.wait_for(ITO, "command_result", 2)
    t = gw.ticket(1)
    assert t["priority"] == "low"
    [_, lowered] = [e for e in t["events"] if e["kind"] == "priority"]
    assert (lowered["old"], lowered["new"], lowered["actor"]) == ("high", "low", ITO)
    assert lowered["detail"] == {"source": "command"}


def test_an_answer_with_a_note_sends_the_answer_and_keeps_the_note(gw: Gateway) -> None:
    gw.send(mail(ITO, "パスワードを忘れました", "ログインできません。"))
    [notice] = gw.wait_for("ops2@example.test", "new_ticket")
    to = str(notice["Reply-To"].addresses[0].addr_spec)
    gw.send(
        mail("ops2@example.test", "Re: [#1]", "/answer password-reset\n/note 電話済み\n", to=to)
    )
    [answer] = gw.wait_for(ITO, "ops_reply")
    assert "パスワードの再設定は" in words_of(answer) and "電話済み" not in words_of(answer)
    notes = [e for e in gw.ticket(1)["events"] if e["kind"] == "note"]
    assert [n["detail"]["text"] for n in notes] == ["電話済み"]
