"""A member whose address changed (a rename, a new domain: a leave and a join in
``[[members]]``) answers a ticket from the new address, to the reply address issued to
the old one. It proves nothing about them and changes nothing, as before; but the
refusal said only that the mail "was not sent to the reply address issued to" the new
address, which the member never had for that ticket. It now names the old address the
reply address belongs to, and how the ticket comes to the new one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gateway.config.settings import Member, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of
from tests.test_former_member_mail import LEAVER, _worked_by_the_leaver

NEW = "ops2@new.example.test"


def test_a_reply_from_a_new_address_to_the_old_ones_says_so(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    tid, address, without = _worked_by_the_leaver(settings, clock, tmp_path)
    renamed = Member(email=NEW, name="Ops Two", role="ops", locale="en")
    app = build(replace(without, members=(*without.members, renamed)), clock)
    try:
        before = show(app, tid)["state"]
        body = "/close\nDone from my new address.\n"
        sent = mail(
            subject=f"Re: [#{tid}] account please", body=body, sender=f"Ops Two <{NEW}>", to=address
        )
        deliver(app, sent, envelope_to=(address,))
        assert show(app, tid)["state"] == before  # nothing carried out
        [refused] = outbox(app, "command_refused")
        assert refused.recipients == [NEW]
        words = words_of(refused)
        assert LEAVER in words  # whose reply address it was
        assert f"ticket-gateway tickets assign {tid} {NEW}" in words
    finally:
        app.close()
