"""A command's address as Outlook sends it. Outlook turns an address typed in a mail
into a link, and the plain-text part it sends beside the HTML writes that link as
``ops2@example.test<mailto:ops2@example.test>`` (older versions and some gateways with a
space, or as ``[mailto:…]``). The gateway reads the plain part, so ``/assign`` and
``/cc add`` were refused as "unknown member" or "not an e-mail address" for what the
member typed right. The text a link shows, followed by the same link, is that text."""

from __future__ import annotations

from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from gateway.pipeline import commands as c
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show


def _outlook_reply(app: App, plain: str, html: str) -> None:
    """ops@'s reply to ticket 1 as Outlook sends it: multipart/alternative."""
    to = reply_address(app, 1, "ops@example.test")
    msg = MIMEMultipart("alternative")
    msg.attach(MIMEText(plain, "plain", "utf-8"))
    msg.attach(MIMEText(html, "html", "utf-8"))
    msg["From"], msg["To"], msg["Subject"] = "ops@example.test", to, "RE: [#1] VPN"
    deliver(app, msg.as_bytes(), envelope_to=(to,))


def test_outlooks_linked_addresses_in_commands_are_read_as_typed(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    plain = (
        "/assign ops2@example.test<mailto:ops2@example.test>\n"
        "/cc add bob@customer.test<mailto:bob@customer.test>\n\n"
        "Bob will follow this too.\n"
    )
    html = (
        '<p class=MsoNormal>/assign <a href="mailto:ops2@example.test">ops2@example.test</a>'
        '</p><p class=MsoNormal>/cc add <a href="mailto:bob@customer.test">bob@customer.test'
        "</a></p><p class=MsoNormal>&nbsp;</p><p class=MsoNormal>Bob will follow this too.</p>"
    )
    _outlook_reply(team, plain, html)
    ticket = show(team, 1)
    assert ticket["assignee"] == "ops2@example.test"
    assert "bob@customer.test" in ticket["watchers"]
    refused = [e for e in ticket["events"] if e["kind"] == "command-refused"]
    assert refused == []
    assert outbox(team, "command_result")  # the transcript says what was done


@pytest.mark.parametrize(
    ("line", "arg"),
    [
        ("/assign ops2@example.test<mailto:ops2@example.test>", "ops2@example.test"),
        ("/assign ops2@example.test <mailto:ops2@example.test>", "ops2@example.test"),
        ("/assign ops2@example.test [mailto:ops2@example.test]", "ops2@example.test"),
        ("/assign OPS2@example.test<mailto:ops2@example.test>", "OPS2@example.test"),
        ("/cc add bob@customer.test<mailto:bob@customer.test>", "add bob@customer.test"),
        ("/field url https://kb.test/1<https://kb.test/1>", "url https://kb.test/1"),
        # a link to somewhere else is not the same text: kept as written
        ("/field url kb<https://kb.test/1>", "url kb<https://kb.test/1>"),
        (
            "/cc add bob@customer.test <mailto:eve@evil.test>",
            "add bob@customer.test <mailto:eve@evil.test>",
        ),
        # a note is the member's words, as written
        ("/note see a@b.test<mailto:a@b.test>", "see a@b.test<mailto:a@b.test>"),
    ],
)
def test_a_link_after_its_own_text_is_that_text(line: str, arg: str) -> None:
    [cmd] = c.parse_commands(line, 20).commands
    assert cmd.arg == arg
    assert cmd.line == line  # the transcript shows the line as it came
