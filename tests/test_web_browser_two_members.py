"""Two members on one ticket's page at once, in a real Chromium against a real daemon.

Ops Two closes the ticket; Ops One, whose page still shows it new, then presses "Work on
it" with a note typed: the ticket was reopened, the close undone without a word (and the
requester told it was reopened), as was an assignee a colleague had just set. Now the
page knows the ticket as it was shown: a state or an assignee another member (or the
scheduler, or a reply) changed since is not overwritten; the page comes back (a 409)
saying who changed it, showing the ticket as it is now, the note still in its box, and a
press on that fresh page does what it says. A note alone changes nothing another made,
and goes in; the same member's second press (a double click) is no conflict.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway
from tests.support.pipeline import text_of
from tests.support.waiting import eventually

pytestmark = needs_browser

OTHER = "ops@example.test"  # Ops One, who reads English


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("two-members")) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def other_state(gw: Gateway) -> Any:
    """Ops One's signed-in cookies (by the mailed link)."""
    context = gw.browser.new_context(locale="en-US")
    page = context.new_page()
    sent = len(gw.outbox("sign_in"))
    page.goto(f"{gw.base}/sign-in")
    page.fill("#email", OTHER)
    page.click("button.primary")
    mails = eventually(lambda: gw.outbox("sign_in")[sent:])
    link = re.search(r"https?://\S+/sign-in/\S+", text_of(mails[-1]))
    assert link
    page.goto(link.group(0))
    page.click("#sign-in")
    page.wait_for_url("**/board")
    state = context.storage_state()
    context.close()
    return state


def _other(gw: Gateway, state: Any) -> Any:
    context = gw.browser.new_context(locale="en-US", storage_state=state)
    return context.new_page()


def _notes(gw: Gateway, tid: int) -> list[str]:
    return [e["detail"]["text"] for e in gw.ticket(tid)["events"] if e["kind"] == "note"]


def test_a_state_a_colleague_set_meanwhile_is_not_undone(gw: Gateway, other_state: Any) -> None:
    tid = gw.mail_in("プリンタの紙詰まり", "3F のプリンタです。\n", "sato@customer.test")
    two, one = gw.member_page(), _other(gw, other_state)
    two.goto(f"{gw.base}/tickets/{tid}")
    one.goto(f"{gw.base}/tickets/{tid}")
    two.click("#close")
    two.wait_for_load_state()
    assert gw.ticket(tid)["state"] == "closed"
    one.fill("#note", "I will call them tomorrow.")
    with one.expect_response(lambda r: r.request.method == "POST") as answered:
        one.click("#open")
    assert answered.value.status == 409
    assert gw.ticket(tid)["state"] == "closed"  # not undone
    assert _notes(gw, tid) == []  # nothing done: the note waits in its box
    said = one.inner_text("#conflict")
    assert "Ops Two" in said and "Nothing was changed" in said
    assert one.input_value("#note") == "I will call them tomorrow."
    assert one.inner_text("#state").startswith("Closed")  # the ticket as it is now
    assert one.get_attribute("#conflict", "role") == "alert"
    # on the page as it is now ("Reopen"), the press does what it says
    one.click("#open")
    one.wait_for_url(f"**/tickets/{tid}")
    assert gw.ticket(tid)["state"] == "open"
    assert _notes(gw, tid) == ["I will call them tomorrow."]
    one.context.close()
    two.context.close()


def test_an_assignee_a_colleague_set_meanwhile_is_not_replaced(
    gw: Gateway, other_state: Any
) -> None:
    tid = gw.mail_in("VPN につながらない", "自宅からです。\n", "ito@customer.test")
    two, one = gw.member_page(), _other(gw, other_state)
    two.goto(f"{gw.base}/tickets/{tid}")
    one.goto(f"{gw.base}/tickets/{tid}")
    two.select_option("#assign-to", "-")
    two.click("#assign")
    two.wait_for_load_state()
    assert gw.ticket(tid)["assignee"] is None
    one.select_option("#assign-to", "boss@example.test")
    with one.expect_response(lambda r: r.request.method == "POST") as answered:
        one.click("#assign")
    assert answered.value.status == 409
    assert gw.ticket(tid)["assignee"] is None
    assert "Ops Two" in one.inner_text("#conflict")
    one.select_option("#assign-to", "boss@example.test")  # again, knowing
    one.click("#assign")
    one.wait_for_url(f"**/tickets/{tid}")
    assert gw.ticket(tid)["assignee"] == "boss@example.test"
    one.context.close()
    two.context.close()


def test_a_note_and_a_double_click_are_no_conflict(gw: Gateway, other_state: Any) -> None:
    tid = gw.mail_in("会議室の予約", "来週の件です。\n", "mori@customer.test")
    two, one = gw.member_page(), _other(gw, other_state)
    two.goto(f"{gw.base}/tickets/{tid}")
    one.goto(f"{gw.base}/tickets/{tid}")
    two.click("#pending")
    two.wait_for_load_state()
    one.fill("#note", "Room 3 is free.")
    one.click("#add-note")  # a note undoes nothing: it goes in
    one.wait_for_url(f"**/tickets/{tid}")
    assert _notes(gw, tid) == ["Room 3 is free."]
    assert gw.ticket(tid)["state"] == "pending"
    # the same member pressing twice from one page (the second post after the first's
    # change) is one press, as before: no conflict with oneself
    one.goto(f"{gw.base}/tickets/{tid}")
    form = {
        "csrf": one.get_attribute("input[name=csrf]", "value") or "",
        "seen": one.get_attribute("input[name=seen]", "value") or "",
        "action": "close",
        "reason": "resolved",
    }
    first = one.context.request.post(f"{gw.base}/tickets/{tid}", form=form, max_redirects=0)
    again = one.context.request.post(f"{gw.base}/tickets/{tid}", form=form, max_redirects=0)
    assert (first.status, again.status) == (303, 303)
    assert gw.ticket(tid)["state"] == "closed"
    one.context.close()
    two.context.close()
