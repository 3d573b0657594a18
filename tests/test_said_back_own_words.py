"""A robot's answer to an automatic mail of ours is known by its subject holding ours
(gateway.pipeline.said_back); but a subject of ours that is only the requester's own
words (a team's template: ``Re: {{ ticket.subject }}``, an action's reply named after
the ticket) is no mark of ours. Alice's next request of the day, "VPN down again since
Monday", held "VPN down" and went unacknowledged as a robot's answer to ticket #1."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox


def test_a_requesters_next_request_is_acknowledged_when_our_subject_was_theirs(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "acknowledgement.subject.j2").write_text(
        "Re: {{ ticket.subject }}\n", encoding="utf-8"
    )
    gateway = replace(settings.gateway, templates_dir=tmp_path)
    app = build(replace(settings, gateway=gateway), clock)
    try:
        deliver(app, mail("VPN down", message_id="<v1@customer.test>"))
        clock.advance(timedelta(hours=1))
        deliver(app, mail("VPN down again since Monday", message_id="<v2@customer.test>"))
        acks = outbox(app, "acknowledgement")
        assert [r.recipients for r in acks] == [["alice@customer.test"]] * 2
    finally:
        app.close()
