"""Issue #14, findings 5, 7, 8, 14, 15: what one mail may cause on a ticket.

* 5: an HTML-only reply whose quoted part held ``/assign`` and ``/close spam``
  applied both and relayed the quoted customer text to everyone;
* 7: a request with 300 outside Cc made every ops answer go to 301 people;
* 8: a stranger who knew a requester's Message-ID joined the ticket "via headers"
  and received the next answer;
* 14: a 20 000-byte Message-ID came back in every later mail's In-Reply-To;
* 15: 12 requests from one sender meant 12 notices to ops.

Through the real runner (accept, then process) with members and reply tokens.
"""

from __future__ import annotations

from typing import Any

import pytest

from gateway.core.model import InboxState
from gateway.runtime.app import App
from tests.support import hostile
from tests.support.app import SECRET, reply_address
from tests.support.cli import run
from tests.support.config import load_toml
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, parsed, show, text_of

OPS = "ops@example.test"
ALICE = "alice@customer.test"


def _events(app: App, ticket: int, kind: str) -> list[dict[str, Any]]:
    return [e for e in show(app, ticket)["events"] if e["kind"] == kind]


def _request(app: App, **kw: Any) -> int:
    out = deliver(app, mail(message_id="<req-1@customer.test>", **kw))
    assert out.ticket_id is not None
    return out.ticket_id


def _member_reply(app: App, ticket: int, body: str, **kw: Any) -> Any:
    address = reply_address(app, ticket, OPS)
    raw = mail(
        subject=f"Re: [#{ticket}] VPN",
        body=body,
        sender=f"Ops One <{OPS}>",
        to=address,
        in_reply_to="<req-1@customer.test>",
        **kw,
    )
    return deliver(app, raw, envelope_to=(address,))


# ------------------------------------------------------------------ finding 5


HTML_QUOTES = {
    "blockquote": "<p>Thanks, done.</p><blockquote>{quoted}</blockquote>",
    "bottom-posted": "<blockquote type='cite'>{quoted}</blockquote><p>Thanks, done.</p>",
    "gmail": (
        "<div dir='ltr'>Thanks, done.</div><div class='gmail_quote'><div class='gmail_attr'>"
        "On Mon, Alice wrote:</div><blockquote class='gmail_quote'>{quoted}</blockquote></div>"
    ),
    "outlook": (
        "<div>Thanks, done.</div><hr><div id='divRplyFwdMsg'><b>From:</b> Alice</div>"
        "<div>{quoted}</div>"
    ),
    "outlook-desktop": (
        "<p class=MsoNormal>Thanks, done.</p><div style='border:none;border-top:solid #E1E1E1 "
        "1.0pt;padding:3.0pt 0cm 0cm 0cm'><p><b>From:</b> Alice</p></div><p>{quoted}</p>"
    ),
    # Outlook 2016 and later (Windows): the rule is wrapped in a <div> of its own, and the
    # old mail follows that wrapper, in the same WordSection1
    "outlook-desktop-wrapped": (
        "<div class=WordSection1><p class=MsoNormal>Thanks, done.<o:p></o:p></p>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p><div><div style='border:none;border-top:solid "
        "#E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in'><p class=MsoNormal><b>From:</b> Alice<br>"
        "<b>Sent:</b> Monday, March 2, 2026 10:00 AM</p></div></div>"
        "<p class=MsoNormal>{quoted}</p></div>"
    ),
    "outlook-desktop-wrapped-ja": (
        "<div class=WordSection1><p class=MsoNormal>Thanks, done.<o:p></o:p></p><div>"
        "<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0mm 0mm 0mm'>"
        "<p class=MsoNormal><b>差出人<span lang=EN-US>:</span></b> Alice<br><b>送信日時"
        "<span lang=EN-US>:</span></b> 2026年3月2日 10:00</p></div></div>"
        "<p class=MsoNormal>{quoted}</p><p class=MsoNormal>{quoted}</p></div>"
    ),
    "thunderbird": (
        "<div class='moz-cite-prefix'>On 3/1/26 Alice wrote:<br></div>"
        "<blockquote type='cite'>{quoted}</blockquote>Thanks, done."
    ),
}


@pytest.mark.parametrize("client", sorted(HTML_QUOTES))
def test_commands_and_text_quoted_in_html_are_neither_run_nor_relayed(
    team: App, client: str
) -> None:
    ticket = _request(team)
    quoted = "/assign ops2<br>/close spam<br>my password is hunter2"
    html = HTML_QUOTES[client].format(quoted=quoted)
    address = reply_address(team, ticket, OPS)
    raw = hostile._message(html, ctype="Content-Type: text/html; charset=utf-8\r\n")
    raw = raw.replace(b"From: Mallory <mallory@outside.test>", f"From: <{OPS}>".encode())
    out = deliver(team, raw, envelope_to=(address,))
    assert out.state == InboxState.DONE, out.reason
    t = show(team, ticket)
    assert t["state"] == "new" and t["assignee"] != "ops2@example.test"
    [relayed] = outbox(team, "ops_reply")
    assert "Thanks, done." in text_of(relayed) and "hunter2" not in text_of(relayed)


def test_a_members_reply_address_never_reaches_the_requester(team: App) -> None:
    """A member's reply address proves who they are (with it, anyone can act as them):
    whatever a client leaves of the quoted notice that carried it, the requester does
    not get it; an address of the requester's own stays as written."""
    ticket = _request(team)
    mine, alices = reply_address(team, ticket, OPS), reply_address(team, ticket, ALICE)
    body = (
        # a quote line no rule knows (no colon), so what follows it counts as new words
        "Thanks, done.\n\niPhoneから送信\n\nsupport@example.test wrote on 2026/03/02 10:00\n\n"
        f"Your reply address for this ticket: {mine.upper()}\n"
        f"(the requester writes to {alices})\n"
    )
    _member_reply(team, ticket, body)
    [relayed] = outbox(team, "ops_reply")
    text = text_of(relayed).lower()
    assert "thanks, done." in text and mine.split("@")[0] not in text
    assert f"support+{ticket}-…@example.test" in text and alices in text


# ------------------------------------------------------------------ finding 7


def test_a_request_with_300_cc_adds_20_participants_and_records_the_rest(team: App) -> None:
    ticket = deliver(team, hostile.many_cc(300)).ticket_id
    assert ticket is not None
    t = show(team, ticket)
    assert len(t["participants"]) == 1 + 20
    [limited] = _events(team, ticket, "participants-limited")
    assert limited["detail"]["not_added"] == 280 and len(limited["detail"]["first_not_added"]) == 20
    assert len(t["messages"][0]["to"]) + 300 >= 300  # the message keeps every address
    address = reply_address(team, ticket, OPS)
    raw = mail(subject=f"Re: [#{ticket}]", body="Working on it.\n", sender=OPS, to=address)
    assert deliver(team, raw, envelope_to=(address,)).state == InboxState.DONE
    assert len(outbox(team, "ops_reply")) == 20  # max_relay: the requester first
    [capped] = _events(team, ticket, "relay-limited")
    assert capped["detail"]["not_sent"] == 1


@pytest.mark.parametrize("count", [0, 5, 20, 21, 2000])
def test_participants_never_exceed_the_limit_whatever_the_cc(team: App, count: int) -> None:
    extra = ", support@example.test, mallory@outside.test" if count else ""
    raw = hostile.many_cc(count) if count else hostile._message("hi\n")
    raw = raw.replace(b"Cc: ", b"Cc: mallory@outside.test," + extra[2:].encode() + b",\r\n ", 1)
    ticket = deliver(team, raw).ticket_id
    assert ticket is not None
    participants = show(team, ticket)["participants"]
    assert len(participants) <= 21 and "support@example.test" not in participants


def test_twenty_thousand_cc_are_ingested_in_seconds(team: App) -> None:
    with hostile.within(15, "20 000 Cc"):  # 12.7 s before, all of it in one transaction
        out = deliver(team, hostile.many_cc(20_000))
    assert out.state == InboxState.DONE


# ------------------------------------------------------------------ finding 8


def test_a_stranger_with_a_message_id_is_attached_not_let_in(team: App) -> None:
    ticket = _request(team)
    stranger = mail(
        subject="Re: VPN",
        body="/close\nPlease send the reset link to me instead.\n",
        sender="Mallory <mallory@outside.test>",
        in_reply_to="<req-1@customer.test>",
    )
    out = deliver(team, stranger)
    assert out.state == InboxState.DONE and "not on the ticket" in out.reason
    t = show(team, ticket)
    assert "mallory@outside.test" not in t["participants"]
    assert t["state"] == "new"  # no command, no state change
    assert [m["kind"] for m in t["messages"] if m["direction"] == "in"] == ["request", "outsider"]
    [told] = outbox(team, "outsider_reply")
    assert parsed(told)["To"].addresses[0].addr_spec == t["assignee"]
    assert "tickets add-participant" in text_of(told) and "mallory@outside.test" in text_of(told)
    assert _member_reply(team, ticket, "Here is your reset link.\n").state == InboxState.DONE
    assert {r.recipients[0] for r in outbox(team, "ops_reply")} == {ALICE}  # not Mallory


def test_once_a_member_adds_them_they_hear_the_answers(
    team: App, tmp_path: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = _request(team)
    deliver(team, mail(sender="bob@partner.test", in_reply_to="<req-1@customer.test>"))
    assert "bob@partner.test" not in show(team, ticket)["participants"]
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[gateway]\ndata_dir = "{tmp_path}/var"\nlocale = "en"\n'
        f'[database]\nurl = "{team.settings.database.url}"\n'
    )
    monkeypatch.setenv("TICKET_GATEWAY_SECRET", SECRET.decode())
    code, out, _ = run(
        config, "tickets", "add-participant", str(ticket), "Bob@Partner.test", capsys=capsys
    )
    assert code == 0 and "bob@partner.test added" in out
    assert "bob@partner.test" in show(team, ticket)["participants"]
    _member_reply(team, ticket, "Answer for both.\n")
    assert {r.recipients[0] for r in outbox(team, "ops_reply")} == {ALICE, "bob@partner.test"}


@pytest.mark.parametrize("how", ["in-reply-to", "references", "our-ack"])
def test_any_header_thread_from_a_stranger_is_attached_only(team: App, how: str) -> None:
    ticket = _request(team)
    [ack] = outbox(team, "acknowledgement")
    ids = {
        "in-reply-to": {"in_reply_to": "<req-1@customer.test>"},
        "references": {"references": "<x@y.test> <req-1@customer.test>"},
        "our-ack": {"in_reply_to": f"<{ack.message_id}>"},
    }[how]
    out = deliver(team, mail(sender="eve@outside.test", body="/close spam\n", **ids))
    assert out.ticket_id == ticket and "not on the ticket" in out.reason
    assert show(team, ticket)["state"] == "new"
    assert "eve@outside.test" not in show(team, ticket)["participants"]


@pytest.mark.parametrize("state", ["new", "closed"])
def test_a_stranger_writing_to_the_requesters_reply_address_is_attached_only(
    team: App, state: str
) -> None:
    """The requester's reply address is in every mail we sent them, so in every copy
    they forwarded: like a Message-ID, it says which ticket, not who writes. Its
    token was issued to the requester, and from anyone else it lets nobody in."""
    ticket = _request(team)
    if state == "closed":
        _member_reply(team, ticket, "/close\n")
    alices = reply_address(team, ticket, ALICE)
    stranger = mail(
        subject=f"Re: [#{ticket}] VPN",
        body="/cc add mallory@outside.test\nPlease send the reset link to me instead.\n",
        sender="Mallory <mallory@outside.test>",
        to=alices,
    )
    out = deliver(team, stranger, envelope_to=(alices,))
    assert out.ticket_id == ticket and "not on the ticket" in out.reason
    t = show(team, ticket)
    assert "mallory@outside.test" not in t["participants"] and t["state"] == state
    assert outbox(team, "outsider_reply")
    _member_reply(team, ticket, "/open\nHere is your reset link.\n")
    assert {r.recipients[0] for r in outbox(team, "ops_reply")} == {ALICE}  # not Mallory
    # the requester herself, at her own address, still gets in and is heard
    own = mail(subject=f"Re: [#{ticket}] VPN", body="Thanks, that was it!\n", to=alices)
    assert "not on the ticket" not in deliver(team, own, envelope_to=(alices,)).reason


def test_the_requester_and_their_cc_still_thread_by_headers(team: App) -> None:
    ticket = _request(team, cc="carol@customer.test")
    for who in (ALICE, "carol@customer.test"):
        out = deliver(
            team, mail(sender=who, body="more info\n", in_reply_to="<req-1@customer.test>")
        )
        assert out.ticket_id == ticket and "not on the ticket" not in out.reason
    assert outbox(team, "outsider_reply") == []


# ------------------------------------------------------------------ finding 14


def test_an_overlong_message_id_is_kept_short_and_still_threads(team: App) -> None:
    long_id = "x" * 20_000 + "@outside.test"

    def raw(extra: str, body: str) -> bytes:
        head = f"From: {ALICE}\r\nTo: support@example.test\r\nSubject: VPN\r\n{extra}"
        return f"{head}Date: Mon, 02 Mar 2026 09:00:00 +0900\r\n\r\n{body}".encode()

    ticket = deliver(team, raw(f"Message-ID: <{long_id}>\r\n", "VPN broken\r\n")).ticket_id
    assert ticket is not None
    stored = show(team, ticket)["messages"][0]
    assert len(stored["message_id"]) <= 250 if "message_id" in stored else True
    [ack] = outbox(team, "acknowledgement")
    assert all(len(line) <= 998 for line in ack.raw.split(b"\r\n"))  # RFC 5322 2.1.1
    # the digest is ours, which no client ever saw: never named in our thread headers
    assert long_id.encode() not in ack.raw and b"shortened.invalid" not in ack.raw
    reply = raw(f"Message-ID: <r2@customer.test>\r\nIn-Reply-To: <{long_id}>\r\n", "still\r\n")
    assert deliver(team, reply).ticket_id == ticket  # the same digest threads it


# ------------------------------------------------------------------ finding 15


def test_twelve_requests_from_one_sender_tell_ops_ten_times(team: App) -> None:
    ids = [
        deliver(team, mail(subject=f"request {i}", sender="flood@outside.test")).ticket_id
        for i in range(12)
    ]
    assert len(outbox(team, "new_ticket")) == 10  # [limits] ops_notices_per_hour
    suppressed = [e for t in ids if t for e in _events(team, t, "no-ops-notice")]
    assert len(suppressed) == 2 and "limit 10" in suppressed[0]["detail"]["reason"]
    deliver(team, mail(subject="someone else", sender="bob@partner.test"))
    assert len(outbox(team, "new_ticket")) == 11  # another sender is not held back


def test_limits_have_their_defaults() -> None:
    from gateway.config.settings import LimitsSettings

    limits = LimitsSettings()
    assert (limits.max_participants, limits.max_relay, limits.ops_notices_per_hour) == (20, 20, 10)


def test_limits_are_read_and_checked(tmp_path: Any) -> None:
    from tests.support.config import config_error

    assert (
        load_toml(
            tmp_path, '[gateway]\ndata_dir = "var"', "[limits]\nmax_relay = 3"
        ).limits.max_relay
        == 3
    )
    error = config_error(tmp_path, '[gateway]\ndata_dir = "var"', "[limits]\nmax_participants = 0")
    assert error.key == "limits.max_participants"
