"""A watcher is someone we write to (#19): an address that never reads mail (a
``MAILER-DAEMON``, a ``no-reply``) or one our mail cannot carry (an internationalised
address) is refused with the reason, never listed as "now watches" and then silently
skipped, or sent every answer to a mail system's daemon."""

from __future__ import annotations

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of


@pytest.mark.parametrize(
    # (``kato@例え.jp`` was here: its A-label form is reached, tests/test_address_forms.py)
    "address",
    ["mailer-daemon@customer.test", "no-reply@customer.test", "加藤@例え.jp"],
)
def test_a_watcher_we_never_write_to_is_refused(team: App, address: str) -> None:
    deliver(team, mail("VPN down", message_id="<r1@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = f"/cc add {address}\n\nWe are on it.\n"
    deliver(team, mail("Re: VPN", body=body, sender="ops@example.test", to=to), envelope_to=(to,))
    assert show(team, 1)["watchers"] == []
    [transcript] = outbox(team, "command_result")
    assert "refused" in text_of(transcript) and "never gets our mail" in text_of(transcript)
    assert [r.recipients for r in outbox(team, "ops_reply")] == [["alice@customer.test"]]
