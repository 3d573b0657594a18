"""The requester of a ticket merged into another writes ``/close`` (their problem went
away): the reply threads into the ticket it went on in, which someone else asked for,
and they were told "only ops members may use commands", greeted by their bare address,
of a ticket number they had never seen asked about. Nothing was wrong with their words:
it is someone else's ticket now. They are told so, in their language, by name: their
request was merged into that ticket, which its own requester or the team closes."""

from __future__ import annotations

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

OPS = "ops@example.test"


@pytest.mark.parametrize(
    ("subject", "body", "said"),
    [
        ("VPN down", "My VPN fails.\n", "merged into"),
        ("VPN に接続できません", "今朝から VPN に接続できません。\n", "統合"),
    ],
    ids=["en", "ja"],
)
def test_a_merged_requesters_close_is_explained(
    team: App, subject: str, body: str, said: str
) -> None:
    deliver(team, mail(subject, body=body, message_id="<r1@customer.test>"))
    deliver(team, mail("VPN again", sender="Bob <bob@customer.test>", message_id="<r2@c.test>"))
    to = reply_address(team, 1, OPS)
    deliver(team, mail("Re: VPN", body="/merge 2\n", sender=OPS, to=to), envelope_to=(to,))
    to = reply_address(team, 1, "alice@customer.test")
    before = len(outbox(team))
    deliver(team, mail("Re: [#1] VPN", body="/close\n", to=to), envelope_to=(to,))
    assert show(team, 2)["state"] == "new"  # Bob's ticket: not hers to close
    [told] = [r for r in outbox(team)[before:] if r.kind == "command_result"]
    text = words_of(told)
    assert said in text and "#1" in text
    assert "only ops members" not in text and "Alice Example" in text
