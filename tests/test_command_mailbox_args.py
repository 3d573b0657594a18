"""An address written as a mail's header writes it, a name and the address in angle
brackets, copied from a To or Cc line (``Bob Smith <bob@customer.test>``,
「田中 太郎 <tanaka@customer.test>」, ``"Smith, Bob" <bob@…>``): ``/cc add`` was refused
("needs add or remove, then one address") and ``/assign`` named no member. The address
is what counts; the name before it is dropped. Anything else stays as it was refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.pipeline import commands as c
from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.watching import Op, Watch
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, show

CTX = c.CommandContext(
    c.Role.MEMBER,
    ("ops@example.test", "ops2@example.test"),
    ("other",),
    None,
    datetime(2026, 3, 2, tzinfo=UTC),
    "Asia/Tokyo",
    member_names={"ops@example.test": "Ops One", "ops2@example.test": "Ops Two"},
)


def decided(line: str) -> c.Action | c.Refused:
    [cmd] = c.read_commands(line, 20, c.Role.MEMBER).commands
    return c.decide(cmd, CTX)


@pytest.mark.parametrize(
    ("line", "wanted"),
    [
        ("/cc add Bob Smith <bob@customer.test>", Watch(Op.ADD, "bob@customer.test")),
        ('/cc add "Smith, Bob" <bob@customer.test>', Watch(Op.ADD, "bob@customer.test")),
        ("/cc add 田中 太郎 <tanaka@customer.test>", Watch(Op.ADD, "tanaka@customer.test")),
        ("／ｃｃ　ａｄｄ　田中 <tanaka@customer.test>。", Watch(Op.ADD, "tanaka@customer.test")),
        ("/cc remove Bob <bob@customer.test>", Watch(Op.REMOVE, "bob@customer.test")),
        ("/assign Ops Two <ops2@example.test>", c.Assign("ops2@example.test")),
        ("/assign <ops2@example.test>", c.Assign("ops2@example.test")),
        # the address after the name in brackets: how an HTML-only mail's mailto: link
        # reads as text (Outlook's @mention), and how people write it by hand
        ("/assign Ops Two (ops2@example.test)", c.Assign("ops2@example.test")),
        ("/assign @Ops Two (ops2@example.test)", c.Assign("ops2@example.test")),
        ("/cc add Bob Smith (bob@customer.test)", Watch(Op.ADD, "bob@customer.test")),
        ("/cc add 田中 太郎（tanaka@customer.test）", Watch(Op.ADD, "tanaka@customer.test")),
    ],
)
def test_a_name_and_address_as_a_header_writes_it_is_the_address(
    line: str, wanted: c.Action
) -> None:
    assert decided(line) == wanted


@pytest.mark.parametrize(
    "line",
    [
        "/cc add Bob Smith",  # no address at all
        "/cc add bob@customer.test carol@customer.test",  # two addresses
        "/cc add Bob <bob@customer.test> <carol@customer.test>",
        "/assign Somebody <nobody@example.test>",  # an address that is no member's
        "/cc add Bob (bob@customer.test) (carol@customer.test)",
        "/cc add Bob (Sales) <bob@customer.test> (carol@customer.test)",
    ],
)
def test_what_names_no_single_address_is_still_refused(line: str) -> None:
    assert isinstance(decided(line), c.Refused)


def test_a_member_adds_a_watcher_written_as_a_header_writes_it(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = "/cc add Bob Smith <bob@customer.test>\n"
    deliver(
        team,
        mail("RE: [#1] VPN", body=body, sender="Ops One <ops@example.test>", to=to),
        envelope_to=(to,),
    )
    assert "bob@customer.test" in show(team, 1)["watchers"]


def test_a_members_html_only_reply_with_mailto_links_names_the_addresses() -> None:
    """An HTML-only reply (Outlook on the web's @mention, a linked name) reads as text
    with each link's address after its words: the command takes the address."""
    html = (
        '<div>/assign <a href="mailto:ops2@example.test" id="OWAAM1">@Ops Two</a></div>'
        '<div>/cc add <a href="mailto:bob@customer.test">Bob Smith</a></div>'
    )
    commands = c.read_commands(html_to_text(html), 20, c.Role.MEMBER).commands
    assert [c.decide(cmd, CTX) for cmd in commands] == [
        c.Assign("ops2@example.test"),
        Watch(Op.ADD, "bob@customer.test"),
    ]
