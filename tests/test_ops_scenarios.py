"""Ops work by replying, through the real pipeline with message files
(tests/data/ops/*.eml): commands, the relayed answer, the transcript, and mail
that must not be able to change anything."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import InboxState
from gateway.pipeline.commands import HELP_TEXT, HELP_TEXT_JA
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address, reply_token
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, header_of, outbox, show, text_of, words_of

DATA = Path(__file__).parent / "data" / "ops"


@pytest.fixture
def ops_app(settings: Settings, clock: FakeClock) -> Iterator[App]:
    gw = replace(
        settings.gateway,
        trusted_authserv_ids=("mx.example.test",),
        per_person_domains=("example.test",),
    )
    application = build(replace(settings, gateway=gw, members=MEMBERS), clock)
    yield application
    application.close()


def eml(app: App, name: str, ticket_id: int = 1, token_for: str = "ops@example.test") -> bytes:
    """A message file, its reply-token address issued to ``token_for`` for the ticket."""
    token = reply_token(app, ticket_id, token_for)
    return (
        (DATA / name)
        .read_bytes()
        .replace(b"@@TOKEN@@", token.encode())
        .replace(b"@@NOTICE@@", b"req-1@customer.test")
    )


def events(app: App, kind: str) -> list[dict[str, Any]]:
    return [e for e in show(app, 1)["events"] if e["kind"] == kind]


def open_ticket(app: App) -> None:
    out = deliver(app, eml(app, "request.eml"))
    assert out.ticket_id == 1


def test_member_closes_by_reply_and_the_requester_gets_only_the_answer(ops_app: App) -> None:
    open_ticket(ops_app)
    out = deliver(ops_app, eml(ops_app, "member_close.eml"))
    assert out.state == InboxState.DONE and "from ops verified by token" in out.reason
    t = show(ops_app, 1)
    assert (t["state"], t["close_reason"], t["assignee"]) == (
        "closed",
        "resolved",
        "ops2@example.test",
    )
    [state] = events(ops_app, "state")
    assert (state["actor"], state["channel"], state["new"]) == (
        "ops@example.test",
        "email",
        "closed",
    )
    assert events(ops_app, "assign")[-1]["new"] == "ops2@example.test"

    [reply] = outbox(ops_app, "ops_reply")
    assert reply.recipients == ["alice@customer.test"]
    text = words_of(reply)
    assert "we renewed the VPN gateway certificate" in text
    assert "/close" not in text and "/assign" not in text  # commands removed
    assert "> " not in text and "wrote:" not in text and "/open" not in text  # no quotes
    assert "Example IT" not in text  # nor the member's signature
    assert header_of(reply, "From").endswith(
        "<support@example.test>"
    ) or "support@example.test" in header_of(reply, "From")
    assert "req-1@customer.test" in header_of(reply, "References")  # threaded
    assert "[#1]" in header_of(reply, "Subject")

    [transcript] = outbox(ops_app, "command_result")
    assert transcript.recipients == ["ops@example.test"]
    text = words_of(transcript)
    assert "/close" in text and "applied: new → closed (resolved)" in text
    assert "applied: assigned to Ops Two" in text  # by name, as the team knows them
    assert HELP_TEXT not in text  # nothing went wrong: no grammar lecture


def test_reply_with_only_commands_relays_nothing(ops_app: App) -> None:
    open_ticket(ops_app)
    only = eml(ops_app, "member_close.eml").split(b"\n\nHello Alice")[0] + b"\n"
    deliver(ops_app, only)
    assert show(ops_app, 1)["state"] == "closed"
    assert outbox(ops_app, "ops_reply") == []
    assert len(outbox(ops_app, "command_result")) == 1


def test_reply_without_commands_is_relayed_and_gets_no_transcript(ops_app: App) -> None:
    open_ticket(ops_app)
    answer = eml(ops_app, "member_close.eml").replace(b"/close\n/assign ops2\n", b"")
    deliver(ops_app, answer)
    assert show(ops_app, 1)["state"] == "new"
    assert len(outbox(ops_app, "ops_reply")) == 1
    assert outbox(ops_app, "command_result") == []


def test_forged_member_from_changes_nothing_and_is_recorded(ops_app: App) -> None:
    open_ticket(ops_app)
    before = show(ops_app, 1)
    sent_before = len(outbox(ops_app))
    out = deliver(ops_app, eml(ops_app, "forged_close.eml"))
    assert out.state == InboxState.REJECTED and out.ticket_id == 1
    after = show(ops_app, 1)
    assert (after["state"], after["assignee"]) == (before["state"], before["assignee"])
    assert len(after["messages"]) == len(before["messages"]) + 1  # only our refusal, out
    assert all(m["message_id"] != "forged-1@evil.test" for m in after["messages"])
    [security] = events(ops_app, "security")
    assert security["detail"]["commands"] == ["/close spam", "/assign boss"]
    assert security["detail"]["told"] is True
    new_mail = outbox(ops_app)[sent_before:]
    assert [(r.kind, r.recipients) for r in new_mail] == [
        ("command_refused", ["ops@example.test"])
    ]  # the configured address, nobody else
    assert "mallory" not in str(new_mail[0].recipients)
    text = words_of(new_mail[0])
    assert "reply address issued to ops@example.test" in text and "/close spam" in text
    assert "/category <entry>" in text  # the grammar help
    assert outbox(ops_app, "ops_reply") == []


def test_forged_mail_bombing_is_rate_limited(ops_app: App) -> None:
    open_ticket(ops_app)
    forged = eml(ops_app, "forged_close.eml")
    for i in range(8):
        deliver(ops_app, forged.replace(b"forged-1@evil.test", f"forged-{i}@x".encode()))
    assert len(outbox(ops_app, "command_refused")) == 5  # auto_reply_limit per hour
    assert len(events(ops_app, "security")) == 8  # every attempt is still recorded


def test_a_member_busy_by_reply_is_still_told_their_unproven_mail_did_nothing(
    ops_app: App,
) -> None:
    """The hourly brake on refusals counted the member's transcripts too: after five
    commands by reply in an hour (an ordinary morning), a mail of theirs that proved
    nothing (sent to the support address, not their reply address) did nothing and
    they were never told, believing it done. Only the refusals count."""
    open_ticket(ops_app)
    for i in range(6):
        command = b"/open\n" if i % 2 else b"/pending\n"
        work = eml(ops_app, "member_close.eml").replace(b"/close\n/assign ops2\n", command)
        deliver(ops_app, work.replace(b"<ops-close-1@", f"<busy-{i}@".encode(), 1))
    assert len(outbox(ops_app, "command_result")) >= 5
    out = deliver(ops_app, eml(ops_app, "forged_close.eml"))
    assert out.state == InboxState.REJECTED
    [security] = events(ops_app, "security")
    assert security["detail"]["told"] is True
    assert len(outbox(ops_app, "command_refused")) == 1


def test_dkim_pass_from_an_untrusted_authserv_id_changes_nothing(ops_app: App) -> None:
    open_ticket(ops_app)
    out = deliver(ops_app, eml(ops_app, "untrusted_dkim.eml"))
    assert out.state == InboxState.REJECTED
    assert show(ops_app, 1)["state"] == "new"
    assert len(events(ops_app, "security")) == 1


def test_dkim_pass_from_our_own_mx_is_trusted(ops_app: App) -> None:
    open_ticket(ops_app)
    out = deliver(ops_app, eml(ops_app, "trusted_dkim.eml"))
    assert out.state == InboxState.DONE and "dkim" in out.reason
    assert show(ops_app, 1)["state"] == "pending"
    [reply] = outbox(ops_app, "ops_reply")
    assert "client log" in words_of(reply) and "/pending" not in words_of(reply)


def test_a_requesters_assign_is_their_words_for_the_members(ops_app: App) -> None:
    """A customer may give no /assign: the line is read as what they wrote (the boss
    hears it with the rest of the reply), not refused with a transcript that lectures
    them about commands they never meant."""
    open_ticket(ops_app)
    out = deliver(ops_app, eml(ops_app, "requester_assign.eml", token_for="alice@customer.test"))
    assert out.state == InboxState.DONE
    t = show(ops_app, 1)
    assert t["assignee"] == "boss@example.test"  # the catalog's choice, unchanged
    assert [e["new"] for e in events(ops_app, "assign")] == ["boss@example.test"]
    assert events(ops_app, "command-refused") == [] and outbox(ops_app, "command_result") == []
    [notice] = outbox(ops_app, "ticket_notice")
    assert notice.recipients == ["boss@example.test"]
    assert "/assign boss" in words_of(notice) and "Can the boss look" in words_of(notice)


def test_requester_closes_own_ticket(ops_app: App) -> None:
    open_ticket(ops_app)
    deliver(ops_app, eml(ops_app, "requester_close.eml", token_for="alice@customer.test"))
    assert show(ops_app, 1)["state"] == "closed"
    assert events(ops_app, "state")[-1]["actor"] == "alice@customer.test"


def test_unverified_requester_command_is_recorded_and_not_answered(ops_app: App) -> None:
    open_ticket(ops_app)
    sent = len(outbox(ops_app))
    unverified = eml(ops_app, "requester_close.eml").replace(  # to the plain address, by headers
        b"To: support+1-", b"To: support@example.test\nX-Was: support+1-"
    )
    out = deliver(ops_app, unverified)
    assert out.state == InboxState.DONE and "unverified" in out.reason
    assert show(ops_app, 1)["state"] == "new"
    # kept marked unverified, as a bare tag's (a Message-ID says nothing of who wrote)
    [kept] = events(ops_app, "unverified")
    assert (kept["detail"]["via"], kept["detail"]["commands"]) == ("headers", ["/close"])
    new = [(r.kind, r.recipients) for r in outbox(ops_app)[sent:]]
    assert new == [("ticket_notice", ["boss@example.test"])]  # the assignee hears of the reply
    # … and nothing answers the unverified address


def test_reply_to_someone_elses_ticket_by_tag_opens_a_new_ticket(ops_app: App) -> None:
    open_ticket(ops_app)
    out = deliver(ops_app, eml(ops_app, "other_requester_tag.eml"))
    assert out.ticket_id == 2 and "linked to #1" in out.reason
    assert show(ops_app, 1)["state"] == "new"
    assert [t["requester"] for t in all_tickets(ops_app)] == [
        "alice@customer.test",
        "bob@other.test",
    ]
    assert show(ops_app, 2)["state"] == "new"  # his /close did not close his own either


def test_member_auto_reply_changes_nothing(ops_app: App) -> None:
    open_ticket(ops_app)
    sent = len(outbox(ops_app))
    out = deliver(ops_app, eml(ops_app, "member_ooo.eml"))
    assert out.state == InboxState.DONE and "auto-reply" in out.reason
    t = show(ops_app, 1)
    assert t["state"] == "new" and t["messages"][-1]["kind"] == "auto-reply"
    assert events(ops_app, "security") == []
    assert len(outbox(ops_app)) == sent


def test_transcript_lists_applied_refused_and_ignored(ops_app: App, clock: FakeClock) -> None:
    open_ticket(ops_app)
    lines = "\n".join(
        [
            "/open",
            "/frobnicate",
            "/assign nobody",
            "/due 2026-02-30",
            "/open",  # the same as line 1: done once, reported
            "/priority high",
            # 15 more, 21 in all (one date: two dates in one reply contradict each other)
            *["/due 2026-04-01"] * 15,
            "/close",
            "",
            "Working on it.",
        ]
    )
    token = reply_address(ops_app, 1, "ops@example.test")
    deliver(
        ops_app,
        mail(
            subject="Re: [#1] VPN", body=lines + "\n", sender="Ops One <ops@example.test>", to=token
        ),
    )
    [transcript] = outbox(ops_app, "command_result")
    text = words_of(transcript)
    assert "applied: new → in progress" in text  # states as people read them
    assert "refused: unknown command /frobnicate" in text
    assert "refused: unknown member 'nobody'" in text
    assert "refused: no such date: '2026-02-30'" in text
    assert "ignored: the same command as a line above: done once" in text
    assert "ignored: only the first 20 command lines are read" in text
    assert "/category <entry>" in text  # the grammar, because something went wrong
    assert show(ops_app, 1)["state"] == "open"  # the lines past 20 were ignored
    assert len(events(ops_app, "command-refused")) == 3  # the 3 refusals above
    # a state the ticket already has is no change, as for the CLI, the web and Slack
    # (it was the state machine's refusal, with a command-refused event)
    deliver(
        ops_app,
        mail(subject="Re: [#1] VPN", body="/open\n", sender="ops@example.test", to=token),
    )
    said = words_of(outbox(ops_app, "command_result")[-1])
    assert "the ticket is already in progress: nothing changed" in said
    assert "refused" not in said
    assert len(events(ops_app, "command-refused")) == 3  # none more


def test_note_is_kept_and_never_relayed(ops_app: App) -> None:
    open_ticket(ops_app)
    token = reply_address(ops_app, 1, "ops@example.test")
    deliver(
        ops_app,
        mail(
            subject="Re: [#1] VPN",
            body="/note the customer called twice\n",
            sender="Ops One <ops@example.test>",
            to=token,
        ),
    )
    [note] = events(ops_app, "note")
    assert note["detail"]["text"] == "the customer called twice"
    assert outbox(ops_app, "ops_reply") == []


def test_transcript_in_the_members_language_shows_the_grammar(ops_app: App) -> None:
    open_ticket(ops_app)
    token = reply_address(ops_app, 1, "ops2@example.test")
    out = deliver(
        ops_app,
        mail(
            subject="Re: [#1] VPN",
            # an ASCII slash: after the full-width one, a word near no command is prose
            # (tests/test_command_fullwidth_prose.py)
            body="/ｆｒｏｂ\n",
            sender="Ops Two <ops2@example.test>",
            to=token,
        ),
    )
    assert out.state == InboxState.DONE
    [transcript] = outbox(ops_app, "command_result")
    assert transcript.recipients == ["ops2@example.test"]
    text = words_of(transcript)
    assert "使えるコマンドは次のとおりです" in text
    # the grammar in Japanese, laid out as the catalog lays it out (not refilled)
    assert HELP_TEXT_JA.strip() in text_of(transcript).replace("\r\n", "\n")
    assert "却下: /frob というコマンドはありません" in text  # verdict and reason in Japanese


def test_a_verified_member_acts_by_the_subject_tag_alone(ops_app: App) -> None:
    """Not on the ticket yet, no token, no In-Reply-To: the tag and a trusted DKIM pass."""
    open_ticket(ops_app)
    by_tag = eml(ops_app, "trusted_dkim.eml").replace(b"In-Reply-To: <req-1@customer.test>\n", b"")
    out = deliver(ops_app, by_tag.replace(b"ops@example.test", b"ops2@example.test"))
    assert out.state == InboxState.DONE and out.ticket_id == 1 and "dkim" in out.reason
    assert show(ops_app, 1)["state"] == "pending" and len(all_tickets(ops_app)) == 1


def test_an_unverified_member_with_a_tag_is_refused_never_a_new_ticket(ops_app: App) -> None:
    open_ticket(ops_app)
    sent = len(outbox(ops_app))
    out = deliver(
        ops_app,
        mail(
            subject="Re: [#1] VPN does not connect",
            body="/assign ops2\n",
            sender="Ops Two <ops2@example.test>",
        ),
    )
    assert out.state == InboxState.REJECTED and out.ticket_id == 1
    assert len(all_tickets(ops_app)) == 1  # no new ticket, no acknowledgement
    assert [(r.kind, r.recipients) for r in outbox(ops_app)[sent:]] == [
        ("command_refused", ["ops2@example.test"])
    ]
