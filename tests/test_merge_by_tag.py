"""``/merge`` takes the target as the member sees it in the subject: with a team's tag
prefix (``[gateway] tag_prefix = "HELP"``) that is ``[HELP#1]``, which the web page's
merge box took and a reply refused as "not a ticket number"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of


@pytest.fixture
def help_desk(settings: Settings, clock: FakeClock) -> Iterator[App]:
    gw = replace(settings.gateway, tag_prefix="HELP")
    app = build(replace(settings, gateway=gw, members=MEMBERS), clock)
    yield app
    app.close()


@pytest.mark.parametrize(
    "target", ["[HELP#1]", "HELP#1", "[help#1]", "［ＨＥＬＰ＃１］", "#1", "1"]
)
def test_merge_into_the_tag_as_the_subject_shows_it(help_desk: App, target: str) -> None:
    deliver(help_desk, mail("VPN down", message_id="<r1@customer.test>"))
    deliver(help_desk, mail("VPN again", message_id="<r2@customer.test>"))
    to = reply_address(help_desk, 2, "ops@example.test")
    raw = mail(
        "Re: [HELP#2] VPN again", body=f"/merge {target}\n", sender="ops@example.test", to=to
    )
    deliver(help_desk, raw, envelope_to=(to,))
    assert show(help_desk, 2)["merged_into"] == 1, text_of(outbox(help_desk, "command_result")[-1])


@pytest.mark.parametrize("target", ["[OTHER#1]", "HELP1", "[HELP#]"])
def test_another_prefix_is_no_ticket_number(help_desk: App, target: str) -> None:
    deliver(help_desk, mail("VPN down", message_id="<r1@customer.test>"))
    deliver(help_desk, mail("VPN again", message_id="<r2@customer.test>"))
    to = reply_address(help_desk, 2, "ops@example.test")
    raw = mail("Re: VPN again", body=f"/merge {target}\n", sender="ops@example.test", to=to)
    deliver(help_desk, raw, envelope_to=(to,))
    assert show(help_desk, 2)["merged_into"] is None
    assert "not a ticket number" in text_of(outbox(help_desk, "command_result")[-1])
