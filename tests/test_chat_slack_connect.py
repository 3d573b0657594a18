"""A person from another organisation in a channel shared with it (Slack Connect) is
not a member of the team, whatever address their own workspace shows for them.

Their workspace's admins set that address (an admin may change a member's e-mail, an
identity provider provisions it), so ``ops@example.test`` on a user whose home is
another workspace proves nothing about who they are: ``users.info`` says where their
home is (``team_id``), and only a user of the app's own workspace (``auth.test``'s,
or of its Enterprise Grid organisation) is a member by the address Slack shows. A
press, an approval, ``/reply`` or *Send to requester* by anyone else is refused and
changes nothing, unless ``[chat.slack.members]`` names their user id."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support import chat as c
from tests.support.pipeline import all_tickets, outbox, show
from tests.support.slack_fake import FakeSlack
from tests.support.waiting import eventually

OUTSIDER = "U0EXT0001"  # a Slack Connect guest whose own workspace says ops@example.test
OTHER_TEAM = "T0OTHER01"
COLLEAGUE = "U0GRID001"  # a member from another workspace of the app's own organisation
GRID, OTHER_GRID = "E0GRID001", "E0OTHER01"


@pytest.fixture
def chat_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    fake.add_user(OUTSIDER, "ops@example.test", "Not Ops", "en-US", team=OTHER_TEAM)
    application = build(c.chat_settings(settings, fake), clock)
    with c.slack_app(application, fake):
        yield application
    application.close()


def _ticket(app: App, fake: FakeSlack) -> int:
    fake.envelope("slash_commands", c.command())
    [opened] = fake.wait_for("views.open")
    step2 = fake.envelope("interactive", c.submission(opened["view"], c.chosen("vpn")))["view"]
    payload = c.submission(step2, c.typed("VPN がつながりません", "昨日から", os="windows"))
    assert fake.envelope("interactive", payload) == {}
    app.runner.process_pending()
    [t] = all_tickets(app)
    return int(t["id"])


@pytest.mark.parametrize("action", ["ticket_close", "ticket_assign_me", "ticket_pending"])
def test_a_guest_from_another_organisation_showing_a_members_address_changes_nothing(
    chat_app: App, fake: FakeSlack, action: str
) -> None:
    ticket_id = _ticket(chat_app, fake)
    before = show(chat_app, ticket_id)
    fake.envelope("interactive", c.press(action, ticket_id, OUTSIDER))
    [told] = fake.wait_for("chat.postEphemeral")
    assert told["user"] == OUTSIDER
    assert "not linked" in told["text"], told["text"]  # their language (en): not a member
    after = show(chat_app, ticket_id)
    assert after["events"] == before["events"]
    assert (after["state"], after["assignee"]) == (before["state"], before["assignee"])


def test_a_guests_reply_does_not_go_to_the_requester_under_a_members_name(
    chat_app: App, fake: FakeSlack
) -> None:
    ticket_id = _ticket(chat_app, fake)
    mails = len(outbox(chat_app))
    fake.envelope(
        "slash_commands",
        {**c.command(f"{ticket_id} Please send your password", OUTSIDER), "command": "/reply"},
    )
    [told] = fake.wait_for("chat.postEphemeral")
    assert "not linked" in told["text"], told["text"]
    assert len(outbox(chat_app)) == mails
    kinds = [e["kind"] for e in show(chat_app, ticket_id)["events"]]
    assert "reply" not in kinds and "answer" not in kinds


def test_the_map_may_name_a_guest_as_a_member(
    settings: Settings, clock: FakeClock, fake: FakeSlack
) -> None:
    """The operator's own word: ``[chat.slack.members]`` links the guest's user id."""
    fake.add_user(OUTSIDER, "someone@partner.test", "Partner", "en-US", team=OTHER_TEAM)
    cfg = c.chat_settings(settings, fake)
    assert cfg.chat.slack is not None
    slack = replace(cfg.chat.slack, members={OUTSIDER: "ops@example.test"})
    application = build(replace(cfg, chat=replace(cfg.chat, slack=slack)), clock)
    try:
        with c.slack_app(application, fake):
            ticket_id = _ticket(application, fake)
            fake.envelope("interactive", c.press("ticket_close", ticket_id, OUTSIDER))
            assert eventually(lambda: show(application, ticket_id)["state"] == "closed")
    finally:
        application.close()


@pytest.mark.parametrize(("their_grid", "member"), [(GRID, True), (OTHER_GRID, False)])
def test_in_an_enterprise_grid_the_organisation_counts_not_the_workspace(
    settings: Settings, clock: FakeClock, fake: FakeSlack, their_grid: str, member: bool
) -> None:
    """The app in one workspace of an Enterprise Grid organisation: a colleague whose
    home is another workspace of the same organisation is a member by their address;
    one from another organisation is not."""
    fake.enterprise = GRID
    fake.add_user(COLLEAGUE, "ops@example.test", "Ops One", "en-US", team="T0GRID002")
    fake.users[COLLEAGUE]["enterprise_user"] = {"enterprise_id": their_grid, "id": COLLEAGUE}
    application = build(c.chat_settings(settings, fake), clock)
    try:
        with c.slack_app(application, fake):
            ticket_id = _ticket(application, fake)
            fake.envelope("interactive", c.press("ticket_close", ticket_id, COLLEAGUE))
            if member:
                assert eventually(lambda: show(application, ticket_id)["state"] == "closed")
            else:
                [told] = fake.wait_for("chat.postEphemeral")
                assert "not linked" in told["text"]
                assert show(application, ticket_id)["state"] != "closed"
    finally:
        application.close()
