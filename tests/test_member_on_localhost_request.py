"""A member's own request is answered to them as to any requester; on an address the
operator put in ``[[members]]`` on no mail domain (``ops@localhost`` on a test machine)
too: the operator chose it, and the member's notice leaves their own request's answers
out (they come as the requester's), so dropped there, they reached them by no path."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gateway.config.settings import Member, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from tests.support.app import MEMBERS
from tests.support.pipeline import deliver, outbox
from tests.test_actions_pipeline import member_mail
from tests.test_hostile_addresses import raw_request


@pytest.mark.parametrize("address", ["ops3@example.test", "ops@localhost", "ops@relay.localhost"])
def test_a_members_own_request_is_acknowledged_and_answered(
    settings: Settings, clock: FakeClock, address: str
) -> None:
    local = Member(email=address, name="Ops Three", role="ops", locale="en")
    app = build(replace(settings, members=(*MEMBERS, local)), clock)
    try:
        tid = deliver(app, raw_request(f"Ops Three <{address}>")).ticket_id or 0
        assert [r.recipients for r in outbox(app, "acknowledgement")] == [[address]]
        sent = len(outbox(app))
        deliver(app, member_mail(app, tid, "ops@example.test", "The printer is fixed.\n"))
        relayed = [
            r for row in outbox(app)[sent:] if row.kind == "ops_reply" for r in row.recipients
        ]
        assert relayed == [address]
    finally:
        app.close()
