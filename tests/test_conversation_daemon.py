"""The conversation loop through the daemon over SMTP (issue #13): real message files
in Japanese and English go in through smtplib, and what the gateway writes to its
outbound maildir is what the people would read.

Each scenario starts ``ticket-gateway run`` (in a thread) on a fresh data folder with
a five-person team, a catalog that gives VPN tickets to 田中 (ops2, Japanese) and
printer tickets to Ops One (ops, English), and a short coalescing window.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from gateway.runtime.cli import main as cli
from tests.support.app import MEMBERS
from tests.support.config import SECRET_ENV, members_toml, write_config
from tests.support.daemon import daemon_thread
from tests.support.gateway_daemon import Gateway, text_of, words_of
from tests.support.ports import free_port
from tests.support.waiting import eventually

DATA = Path(__file__).parent / "data" / "conversation"
CATALOG = """entries:
  - id: vpn
    name: {ja: VPN・リモートアクセス, en: VPN and remote access}
    keywords: [{term: vpn, weight: 3}]
    assignee: ops2@example.test
    sla: {first_response: 4h, resolve: 2d}
    fields:
      - {name: os, label: {ja: OS, en: Operating system}, type: choice,
         choices: [windows, macos], required: true}
      - {name: client_version, label: {ja: クライアントのバージョン, en: Client version}}
  - id: printer
    name: {ja: プリンタ, en: Printers}
    keywords: [{term: printer, weight: 3}, プリンタ, laptop]
    assignee: ops@example.test
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""
COALESCE = 3  # seconds: notices within this are one mail
ITO = "ito@customer.test"


def reply_to(msg: EmailMessage) -> str:
    return str(msg["Reply-To"].addresses[0].addr_spec)


def eml(name: str, **values: str) -> bytes:
    """A message file with its placeholders filled; ``@@DATE@@`` is now by default."""
    raw = (DATA / name).read_bytes()
    values.setdefault("DATE", format_datetime(datetime.now(UTC)))
    for key, value in values.items():
        raw = raw.replace(f"@@{key}@@".encode(), value.encode())
    return raw


def token_of(address: str) -> str:
    return address.split("@")[0].rsplit("-", 1)[1]


def quiet(check: Callable[[], bool], seconds: float = 1.5) -> bool:
    """``check`` holds for ``seconds`` (nothing more arrives that should not)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not check():
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def gw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Gateway]:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(CATALOG, encoding="utf-8")
    port = free_port()
    extra = (
        f'[catalog]\npath = "{catalog}"\n'
        f'[mail]\ncoalesce = "{COALESCE}s"\n'
        '[schedule]\ndigest = "off"\npending_reminder_after = "2s"\n'
        'pending_close_after = "4s"\nsweep_interval = "1s"\n' + members_toml(MEMBERS)
    )
    config = write_config(tmp_path, port=port, locale="ja", extra=extra)
    with daemon_thread(config) as (ready, _stop, _result):
        assert ready.wait(30)
        yield Gateway(config, port, tmp_path / "var" / "outbound", capsys)


def _vpn_ticket(gw: Gateway) -> tuple[EmailMessage, EmailMessage]:
    """伊藤's VPN request: her acknowledgement and 田中's new-ticket notice."""
    gw.send(eml("request_ja.eml"), sender=ITO)
    [ack] = gw.wait_for(ITO, "acknowledgement")
    [notice] = gw.wait_for("ops2@example.test", "new_ticket")
    return ack, notice


def test_a_members_close_with_words_is_one_mail_with_the_words_and_the_state(
    gw: Gateway,
) -> None:
    _, notice = _vpn_ticket(gw)
    before = len(gw.to(ITO))
    token = token_of(reply_to(notice))
    gw.send(eml("member_close_ja.eml", TICKET="1", TOKEN=token), sender="ops2@example.test")
    [answer] = gw.wait_for(ITO, "ops_reply")
    assert quiet(lambda: len(gw.to(ITO)) == before + 1)  # one mail, no status mail beside it
    text = words_of(answer)
    assert text_of(answer).count("伊藤様") == 1  # the member's words as written, lines and all
    assert text_of(answer).count("田中\n情報システム部") == 1
    assert "証明書を更新しました" in text and "/close" not in text and "> " not in text
    assert "完了とさせていただきました" in text and "14 日以内" in text  # the state, how to reopen
    assert text_of(answer).count("-- \n") == 1  # the team's footer, once
    assert "Auto-Submitted" not in answer  # a person's words
    assert gw.ticket(1)["state"] == "closed"


def test_a_cli_close_and_a_no_response_close_send_one_status_mail_each(gw: Gateway) -> None:
    alice = "alice@customer.test"
    gw.send(eml("request_en.eml"), sender=alice)
    gw.wait_for(alice, "acknowledgement")
    gw.cli("tickets", "set-state", "1", "closed")
    [closed] = gw.wait_for(alice, "status_change")
    assert "We have closed your request [#1] (reason: resolved)." in words_of(closed)
    assert closed["Auto-Submitted"] == "auto-generated"

    gw.send(eml("request_en.eml").replace(b"alice-req-1", b"alice-req-2"), sender=alice)
    gw.wait_for(alice, "acknowledgement", 2)
    gw.cli("tickets", "set-state", "2", "pending")
    statuses = gw.wait_for(alice, "status_change", 3)  # pending, then closed for no answer
    assert eventually(lambda: gw.ticket(2)["close_reason"] == "no-response")
    assert quiet(lambda: len(gw.to(alice, "status_change")) == 3)
    pending, no_response = (words_of(m) for m in statuses[1:])
    assert "is waiting for your reply" in pending
    assert "We have not heard from you for" in no_response and "reopen" in no_response


def test_a_requester_reply_is_one_notice_with_the_new_text_and_a_working_address(
    gw: Gateway,
) -> None:
    ack, _ = _vpn_ticket(gw)
    mine = token_of(reply_to(ack))
    reply = eml(
        "requester_reply_ja.eml", TICKET="1", TOKEN=mine, MID="ito-2@customer.test",
        TEXT="再起動しても同じです。",
    )  # fmt: skip
    gw.send(reply, sender=ITO)
    [notice] = gw.wait_for("ops2@example.test", "ticket_notice")
    text = words_of(notice)
    assert "再起動しても同じです。" in text and "伊藤 花子 からの返信" in text
    assert "お問い合わせを受け付けました" not in text  # the quoted history is not news
    # the notice's reply address is 田中's own: an answer to it reaches 伊藤
    gw.send(
        eml("member_close_ja.eml", TICKET="1", TOKEN="x")
        .replace(b"To: support+1-x@example.test", f"To: {reply_to(notice)}".encode())
        .replace(b"/close\n", b""),
        sender="ops2@example.test",
    )
    [answer] = gw.wait_for(ITO, "ops_reply")
    assert "証明書を更新しました" in words_of(answer)
    assert gw.ticket(1)["state"] == "new"  # words only: no state change, no status mail
    assert gw.to(ITO, "status_change") == []


def test_three_replies_within_the_window_are_one_notice(gw: Gateway) -> None:
    ack, _ = _vpn_ticket(gw)
    mine = token_of(reply_to(ack))
    for n, words in enumerate(["一回目です。", "二回目です。", "三回目です。"]):
        mid = f"ito-r{n}@c.test"
        gw.send(eml("requester_reply_ja.eml", TICKET="1", TOKEN=mine, MID=mid, TEXT=words), ITO)
    [notice] = gw.wait_for("ops2@example.test", "ticket_notice")
    assert quiet(lambda: len(gw.to("ops2@example.test", "ticket_notice")) == 1, COALESCE + 1)
    text = words_of(notice)
    assert all(w in text for w in ("一回目です。", "二回目です。", "三回目です。"))


def test_assign_gives_the_new_assignee_the_ticket_and_their_own_address(gw: Gateway) -> None:
    _, notice = _vpn_ticket(gw)
    assign = eml("member_close_ja.eml", TICKET="1", TOKEN=token_of(reply_to(notice)))
    body = assign.split(b"\n\n", 1)[0] + b"\n\n/assign ops\n"
    gw.send(body, sender="ops2@example.test")
    [given] = gw.wait_for("ops@example.test", "ticket_notice")
    text = words_of(given)
    assert given["Subject"].startswith("[#1] Assigned to you: ")  # Ops One reads English
    assert "gave this ticket to you" in text and "VPN and remote access" in text
    assert "Operating system: windows" in text and "/close [reason]" in text
    assert "/approve" not in text  # Ops One is no manager
    assert reply_to(given) != reply_to(notice) and "+1-" in reply_to(given)
    assert gw.ticket(1)["assignee"] == "ops@example.test"
    gw.wait_for("ops2@example.test", "command_result")  # 田中 gets the transcript …
    assert quiet(lambda: gw.to("ops2@example.test", "ticket_notice") == [])  # … no notice


def test_a_thanks_only_reply_keeps_it_closed_and_the_assignee_is_told(gw: Gateway) -> None:
    ack, notice = _vpn_ticket(gw)
    gw.send(
        eml("member_close_ja.eml", TICKET="1", TOKEN=token_of(reply_to(notice))),
        sender="ops2@example.test",
    )
    gw.wait_for(ITO, "ops_reply")
    thanks = eml(
        "requester_reply_ja.eml", TICKET="1", TOKEN=token_of(reply_to(ack)), MID="ito-3@c.test",
        TEXT="田中様\n\n早速のご対応ありがとうございました。\nつながるようになりました。\n\n伊藤",
    )  # fmt: skip
    gw.send(thanks, sender=ITO)
    [told] = gw.wait_for("ops2@example.test", "ticket_notice")
    assert "お礼の返信" in words_of(told) and "早速のご対応" in words_of(told)
    t = gw.ticket(1)
    assert t["state"] == "closed" and [e["kind"] for e in t["events"]].count("thanks") == 1
    assert gw.to(ITO, "status_change") == []  # nothing reopened, nothing to tell her


def test_a_forwarded_customer_mail_opens_the_ticket_for_the_customer(gw: Gateway) -> None:
    gw.send(eml("forward_inline_ja.eml"), sender="ops2@example.test")
    [ack] = gw.wait_for("sato@customer.test", "acknowledgement")
    assert "プリンタが出ません" in ack["Subject"]
    t = gw.ticket(1)
    assert (t["requester"], t["subject"], t["catalog"]) == (
        "sato@customer.test",
        "プリンタが出ません",
        "printer",
    )
    [created] = [e for e in t["events"] if e["kind"] == "created"]
    assert created["actor"] == "ops2@example.test" and created["detail"]["forwarded_by"]
    gw.send(eml("forward_attached_en.eml"), sender="ops@example.test")
    [bobs] = gw.wait_for("bob@customer.test", "acknowledgement")
    assert bobs["In-Reply-To"] == "<bob-1@customer.test>"  # under Bob's own mail
    assert gw.ticket(2)["requester"] == "bob@customer.test"
    # the members who forwarded were not answered as if they were the customers
    assert gw.to("ops2@example.test", "acknowledgement") == []
    assert gw.to("ops@example.test", "acknowledgement") == []


def test_live_mail_dated_a_week_ago_is_answered_an_imported_one_is_not(
    gw: Gateway, tmp_path: Path
) -> None:
    week_ago = format_datetime(datetime.now(UTC) - timedelta(days=7))
    old = eml("request_en.eml", DATE=week_ago)
    gw.send(old, sender="alice@customer.test")  # over SMTP, now: live
    gw.wait_for("alice@customer.test", "acknowledgement")

    folder = tmp_path / "import" / "archive"  # the same file in a folder import
    folder.mkdir(parents=True)
    (folder / "old.eml").write_bytes(old)
    other = tmp_path / "import"
    config = write_config(other, locale="en", extra=members_toml(MEMBERS))
    gw.capsys.readouterr()
    assert cli.main(["--config", str(config), "ingest", str(folder)]) == 0
    assert "ticket #1" in gw.capsys.readouterr().out
    assert not list((other / "var" / "outbound").glob("new/*"))  # filed, not answered


def test_a_forged_reply_over_smtp_by_message_id_fills_nothing_the_real_one_does(
    gw: Gateway,
) -> None:
    """Someone who saw 伊藤's request (its Message-ID is in every copy) writes her From
    and In-Reply-To to the support address: kept unverified, the sheet untouched. Her own
    reply, to the address our mail gave her, fills it (tests/test_unverified_thread_reply)."""
    ack, _ = _vpn_ticket(gw)
    forged = eml(
        "requester_reply_ja.eml", TICKET="1", TOKEN="x", MID="forged-1@evil.test", TEXT="OS: macos"
    ).replace(b"To: support+1-x@example.test", b"To: support@example.test")
    gw.send(forged, sender="mallory@evil.test")

    def kinds() -> list[str]:
        return [m["kind"] for m in gw.ticket(1)["messages"] if m["direction"] == "in"]

    assert eventually(lambda: kinds() == ["request", "unverified"])
    assert gw.ticket(1)["fields"]["os"] == "windows"  # as her request gave it
    mine = token_of(reply_to(ack))
    gw.send(
        eml("requester_reply_ja.eml", TICKET="1", TOKEN=mine, MID="ito-2@c.test", TEXT="OS: macos"),
        sender=ITO,
    )
    assert eventually(lambda: kinds() == ["request", "unverified", "reply"])
    assert gw.ticket(1)["fields"]["os"] == "macos"
