"""A ticket page gives the ticket to any member of the team, or to nobody, as ``/assign``
by mail and ``tickets assign`` do: it had only "Assign to me", so a manager who saw on
the board that one member's work piled up could not hand a ticket on from the page,
nor could a member who took one by mistake put it back.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway

pytestmark = needs_browser


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("assign")) as gateway:
        yield gateway


def test_a_member_hands_a_ticket_to_another_and_to_nobody(gw: Gateway) -> None:
    tid = gw.mail_in("VPN につながらない", "自宅からです。\n", "sato@customer.test")
    assert gw.ticket(tid)["assignee"] == "ops@example.test"  # the entry's assignee
    page = gw.member_page()  # ops2, in Japanese
    page.goto(f"{gw.base}/tickets/{tid}")
    assert page.locator("#assign-to option:checked").inner_text() == "Ops One"
    page.select_option("#assign-to", label="Boss")
    page.fill("#note", "承認が要るので部長へ。")
    page.click("#assign")
    assert page.inner_text("#assignee") == "Boss"
    assert gw.ticket(tid)["assignee"] == "boss@example.test"
    history = page.inner_text("#history")
    assert "承認が要るので部長へ。" in history and "Ops One → Boss" in history
    page.select_option("#assign-to", label="担当者なし")
    page.click("#assign")
    assert page.inner_text("#assignee") == "担当者なし"
    assert gw.ticket(tid)["assignee"] is None
    page.context.close()


def test_an_address_outside_the_team_is_refused(gw: Gateway) -> None:
    """What the select does not offer changes nothing, whoever posts it."""
    tid = gw.mail_in("VPN が遅い", "自宅からです。\n", "ito@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{tid}")
    token = page.locator("#work input[type=hidden]").first.get_attribute("value")
    answer = page.request.post(
        f"{gw.base}/tickets/{tid}",
        form={"action": "assign", "assignee": "mallory@evil.test", "csrf": token or ""},
        headers={"Origin": gw.base},
    )
    assert answer.status == 400
    assert gw.ticket(tid)["assignee"] == "ops@example.test"
    page.context.close()
