"""A priority change, and a merge, reach the member who has the ticket (#19): a colleague's
``/priority urgent`` may leave them half an hour, and it notified nobody. Said in their
language; nobody hears of their own change, and a new ticket's level is in its
new-ticket notice, not a notice of its own."""

from __future__ import annotations

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, words_of


def test_the_member_who_has_the_ticket_hears_of_a_priority_change(team: App) -> None:
    deliver(team, mail("【至急】VPN down", message_id="<r1@customer.test>"))
    assert outbox(team, "ticket_notice") == []  # the new ticket's level: in new_ticket
    to = reply_address(team, 1, "ops@example.test")
    raw = mail("Re: VPN", body="/priority low\n", sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    [notice] = outbox(team, "ticket_notice")
    assert notice.recipients == ["boss@example.test"]  # the fallback entry's manager, ja
    assert "Ops One が優先度を変更しました: 緊急 → 低" in words_of(notice)


def test_nobody_hears_of_their_own_priority_change(team: App) -> None:
    deliver(team, mail("VPN down", message_id="<r1@customer.test>"))
    to = reply_address(team, 1, "boss@example.test")
    raw = mail("Re: VPN", body="/priority high\n", sender="boss@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    assert outbox(team, "ticket_notice") == []


def test_the_member_who_has_the_target_hears_of_a_merge(team: App) -> None:
    """Its mail and people grew: a duplicate's messages and requester are on it now."""
    deliver(team, mail("VPN down", message_id="<r1@customer.test>"))
    deliver(team, mail("VPN again", sender="bob@customer.test", message_id="<r2@c.test>"))
    to = reply_address(team, 2, "ops@example.test")
    raw = mail("Re: VPN", body="/merge 1\n", sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    notices = [r for r in outbox(team, "ticket_notice") if r.ticket_id == 1]
    assert [r.recipients for r in notices] == [["boss@example.test"]]
    assert "Ops One がチケット #2 をこのチケットに統合しました" in words_of(notices[0])
