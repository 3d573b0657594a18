"""A member who answers from another address of theirs (an iPhone whose default account
is a private one, Gmail's app signed in to the wrong account) sent their answer to the
reply address we issued to them, under a From that is not theirs: it proves nothing, so
nothing is done or sent, as before. But the member believed the requester had it: they
are now told, at their configured address and in their language, that it did nothing
and from which address to send it again, instead of hearing nothing."""

from __future__ import annotations

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

BODY = "/close\n\n再起動で直ります。\n"


def _ticket(app: App) -> int:
    out = deliver(app, mail("VPN down", message_id="<r-1@customer.test>"))
    assert out.ticket_id is not None
    return out.ticket_id


def _from_other_address(app: App, tid: int, holder: str, sender: str) -> None:
    to = reply_address(app, tid, holder)
    deliver(app, mail("Re: VPN down", body=BODY, sender=sender, to=to), envelope_to=(to,))


def test_the_member_whose_reply_address_it_came_to_is_told(team: App) -> None:
    tid = _ticket(team)
    _from_other_address(team, tid, "ops2@example.test", "Ops Two <ops2@icloud.test>")
    assert show(team, tid)["state"] != "closed"  # proves nothing: nothing is done
    assert outbox(team, "ops_reply") == []  # nor sent
    [told] = outbox(team, "command_refused")
    assert told.recipients == ["ops2@example.test"]  # the configured address, never the mail's
    said = words_of(told)
    assert "ops2@icloud.test" in said and "ops2@example.test から送り直してください" in said


def test_the_member_who_has_the_ticket_gets_one_mail_not_two(team: App) -> None:
    tid = _ticket(team)
    ops2 = reply_address(team, tid, "ops2@example.test")
    deliver(team, mail("Re: VPN", body="/assign ops2\n", sender="ops2@example.test", to=ops2))
    _from_other_address(team, tid, "ops2@example.test", "ops2@icloud.test")
    assert outbox(team, "outsider_reply") == []  # not "add them as a participant"
    assert [r.recipients for r in outbox(team, "command_refused")] == [["ops2@example.test"]]


def test_a_strangers_reply_to_the_requesters_address_tells_no_member_so(team: App) -> None:
    tid = _ticket(team)
    _from_other_address(team, tid, "alice@customer.test", "mallory@elsewhere.test")
    assert outbox(team, "command_refused") == []
    assert [r.recipients for r in outbox(team, "outsider_reply")] == [["boss@example.test"]]
