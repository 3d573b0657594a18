"""A reply that names its ticket by the subject tag alone proves nothing about its sender.

Anyone can write ``From: alice@customer.test`` and ``Subject: Re: [#1] VPN``. Such a
mail used to be filed as Alice's words: it reopened a closed ticket, filled the
parameter sheet, ran its commands. Now, without a reply token and without a
trusted DKIM or DMARC pass for the sender's domain, it is still kept on the ticket
(nothing is lost, and it may well be Alice writing a new mail), but marked unverified
on the message and in the history; it changes no field, runs no command, and sends
nothing to the address it claims. Its words bring a pending ticket back to open (it may
be the requester's answer, which the no-response close must not close over). To a
closed ticket it does what a stranger's tag does: a new ticket linked to it. With proof
it is a reply as ever.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App, build
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, outbox, show, text_of
from tests.support.scheduling import set_state
from tests.support.web import member_page, rig

ALICE = "alice@customer.test"
MX = "mx.example.test"


def _opened(app: App) -> int:
    out = deliver(app, mail(subject="VPN does not connect", sender=ALICE))
    assert out.ticket_id is not None
    return out.ticket_id


def _tagged(body: str = "It works again, thanks?\n", **kw: object) -> bytes:
    return mail(subject="Re: [#1] VPN does not connect", sender=ALICE, body=body, **kw)  # type: ignore[arg-type]


def test_a_tag_only_reply_without_proof_is_kept_unverified_and_changes_nothing(
    app: App,
) -> None:
    tid = _opened(app)
    set_state(app, tid, TicketState.PENDING)
    before = len(outbox(app))
    out = deliver(app, _tagged("/close\nPlease cancel my request.\n"))
    assert out.ticket_id == tid and "unverified" in out.reason
    ticket = show(app, tid)
    assert ticket["state"] == "open"  # words for a person to read; "/close" not done
    last = ticket["messages"][-1]
    assert last["kind"] == "unverified" and "Please cancel" in last["text"]
    [event] = [e for e in ticket["events"] if e["kind"] == "unverified"]
    assert event["actor"] == ALICE and event["detail"]["commands"] == ["/close"]
    assert len(outbox(app)) == before  # nothing to the address it claims


def test_a_tag_only_reply_to_a_closed_ticket_opens_a_linked_one_and_leaves_it_closed(
    app: App,
) -> None:
    tid = _opened(app)
    set_state(app, tid, TicketState.CLOSED)
    out = deliver(app, _tagged("Still broken!\n"))
    assert out.ticket_id is not None and out.ticket_id != tid
    old = show(app, tid)
    assert old["state"] == "closed" and len(old["messages"]) == len(
        [m for m in old["messages"] if m["kind"] != "unverified"]
    )
    assert show(app, out.ticket_id)["linked_ticket"] == tid


def test_the_same_reply_sent_to_the_reply_address_is_a_reply(app: App) -> None:
    tid = _opened(app)
    set_state(app, tid, TicketState.PENDING)
    to = reply_address(app, tid, ALICE)
    out = deliver(app, _tagged(to=to), envelope_to=(to,))
    ticket = show(app, tid)
    assert ticket["state"] == "open" and ticket["messages"][-1]["kind"] == "reply", out.reason
    assert not [e for e in ticket["events"] if e["kind"] == "unverified"]


def test_a_trusted_dmarc_pass_for_the_senders_domain_proves_it_a_failing_one_does_not(
    settings: Settings, clock: FakeClock
) -> None:
    trusting = replace(settings, gateway=replace(settings.gateway, trusted_authserv_ids=(MX,)))
    app = build(trusting, clock)
    try:
        tid = _opened(app)
        set_state(app, tid, TicketState.PENDING)
        for forged in (
            f"{MX}; dmarc=fail header.from=customer.test",
            "mx.attacker.test; dmarc=pass header.from=customer.test",  # not our MTA
            f"{MX}; spf=pass smtp.mailfrom=customer.test",  # the envelope, not the From
        ):
            deliver(app, _tagged(headers={"Authentication-Results": forged}))
            assert show(app, tid)["messages"][-1]["kind"] == "unverified"
            set_state(app, tid, TicketState.PENDING)
        genuine = f"{MX}; dmarc=pass header.from=customer.test"
        deliver(app, _tagged("Now it is fine.\n", headers={"Authentication-Results": genuine}))
        ticket = show(app, tid)
        assert ticket["state"] == "open" and ticket["messages"][-1]["kind"] == "reply"
    finally:
        app.close()


def test_the_page_marks_the_unverified_mail(settings: Settings, clock: FakeClock) -> None:
    with rig(settings, clock) as r:
        tid = _opened(r.app)
        deliver(r.app, _tagged("Forged words.\n"))
        html = member_page(r, "ops@example.test", f"/tickets/{tid}")
        # read while the rig's app is open: a read after its close opened a connection
        # that nothing closed (psycopg's "deleted while still open", in a later test)
        assert [t["id"] for t in all_tickets(r.app)] == [tid]
    article = html.split("Forged words.")[0].rsplit("<article", 1)[1]
    assert 'class="badge unverified"' in article


def test_the_member_who_has_the_ticket_hears_of_it_as_unverified(team: App) -> None:
    tid = _opened(team)
    set_state(team, tid, TicketState.PENDING)
    deliver(team, _tagged("Forged words.\n"))
    [notice] = [n for n in outbox(team, "ticket_notice") if "Forged words." in text_of(n)]
    assert "未確認としてチケットに保存し" in text_of(notice)  # to Boss, who reads Japanese
    assert notice.recipients != [ALICE]


def test_an_unproven_thanks_or_bare_command_to_a_closed_ticket_opens_nothing(app: App) -> None:
    """As a proven one: thanks is no new request, nor is "/close" (README, States)."""
    tid = _opened(app)
    set_state(app, tid, TicketState.CLOSED)
    for body in ("Thank you very much!\n", "/close\n"):
        out = deliver(app, _tagged(body))
        assert out.ticket_id == tid, out.reason
    assert [t["id"] for t in all_tickets(app)] == [tid]
    ticket = show(app, tid)
    assert ticket["state"] == "closed"
    assert [m["kind"] for m in ticket["messages"][-2:]] == ["unverified", "unverified"]


def test_unproven_words_to_a_pending_ticket_open_it_and_stop_the_no_response_close(
    app: App, clock: FakeClock
) -> None:
    """Alice writes a new mail with the tag instead of replying: her answer must not be
    reminded and closed as no-response. A pending ticket comes back to open; an unproven
    thanks or bare command leaves it pending (no words to read)."""
    tid = _opened(app)
    set_state(app, tid, TicketState.PENDING)
    for body in ("Thank you!\n", "/close\n"):
        deliver(app, _tagged(body))
        assert show(app, tid)["state"] == "pending", body
    before = len(outbox(app))
    deliver(app, _tagged("The VPN still drops every ten minutes.\n"))
    ticket = show(app, tid)
    assert ticket["state"] == "open"
    [move] = [e for e in ticket["events"] if e["kind"] == "state"][-1:]
    assert move["actor"] == ALICE
    assert len(outbox(app)) == before  # no status mail to the address it claims


def test_unproven_words_are_activity_a_thanks_is_not(app: App, clock: FakeClock) -> None:
    """Words to an open ticket must be read before a stale reminder or the inventory's
    close goes over them, whoever wrote them; an unproven thanks moves nothing."""
    tid = _opened(app)
    set_state(app, tid, TicketState.OPEN)
    before = show(app, tid)["updated_at"]
    clock.advance(timedelta(days=2))
    deliver(app, _tagged("Thank you very much!\n"))
    assert show(app, tid)["updated_at"] == before
    clock.advance(timedelta(days=2))
    deliver(app, _tagged("The VPN still drops every ten minutes.\n"))
    ticket = show(app, tid)
    assert ticket["updated_at"] != before and ticket["state"] == "open"


def _told_words(app: App, prefix: str) -> set[str]:
    """The numbered words (``prefix`` N) that some member notice tells."""
    found: set[str] = set()
    for notice in outbox(app, "ticket_notice"):
        text = text_of(notice)
        found |= {w for w in (f"{prefix} {i}." for i in range(100)) if w in text}
    return found


def test_a_flood_of_unverified_mails_is_braked_like_any_notice_to_ops(
    team: App, clock: FakeClock
) -> None:
    """Anyone can write a tag under the requester's From: a hundred such mails an hour
    were a hundred items told to the member who has the ticket. They count against
    ``[limits] ops_notices_per_hour`` of their sender, as requests and strangers' mails
    do; the ones past it are kept all the same, and a ``no-ops-notice`` event says why
    the member was not told. An hour later the sender is heard again."""
    tid = _opened(team)
    clock.advance(timedelta(hours=2))  # the opening no longer counts
    for i in range(12):
        out = deliver(team, _tagged(f"Forged words {i}.\n"))
        assert out.ticket_id == tid and "unverified" in out.reason, out.reason
        clock.advance(timedelta(minutes=1))
    told = _told_words(team, "Forged words")
    assert told == {f"Forged words {i}." for i in range(10)}, told  # the limit: 10
    ticket = show(team, tid)
    assert sum(m["kind"] == "unverified" for m in ticket["messages"]) == 12  # all kept
    braked = [e for e in ticket["events"] if e["kind"] == "no-ops-notice"]
    assert len(braked) == 2 and "limit 10" in braked[0]["detail"]["reason"], braked
    assert ALICE in braked[0]["detail"]["reason"]
    clock.advance(timedelta(hours=1))
    deliver(team, _tagged("Forged words 50.\n"))
    assert "Forged words 50." in _told_words(team, "Forged words")


def test_unverified_mails_of_one_sender_and_its_requests_share_the_brake(
    team: App, clock: FakeClock
) -> None:
    """Ten requests in the hour and then an unverified mail: the eleventh notice is not
    sent, whichever way it came."""
    tid = _opened(team)
    for i in range(9):  # with the first: ten new tickets told
        deliver(team, mail(subject=f"request {i}", sender=ALICE))
    deliver(team, _tagged("Forged words 1.\n"))
    assert "Forged words 1." not in _told_words(team, "Forged words")
    assert [e for e in show(team, tid)["events"] if e["kind"] == "no-ops-notice"]
