"""A "thanks" that carries a file is new information: it goes through the reopen policy
like any other reply to a closed ticket (reopened within ``reopen_window``, a new linked
ticket after it), while a plain thanks still keeps the ticket closed. A picture the
HTML body shows in its place (a signature logo: ``multipart/related`` with a
Content-ID) is part of how the words look, not a file sent: it does not count."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from gateway.core.clock import FakeClock
from gateway.core.model import Attachment, TicketState
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.thanks import PASTED_PICTURE_BYTES, judge, judge_reply
from gateway.runtime.app import App
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, show

ALICE = "alice@customer.test"
PDF = b"%PDF-1.4\n" + b"0" * 2000
LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


def _file(inline: bool) -> Attachment:
    return Attachment("a.pdf", "a.pdf", "application/pdf", 10, "0" * 64, inline=inline)


def test_a_file_makes_a_reply_more_than_thanks() -> None:
    assert judge("Thanks!").only_thanks
    said = judge_reply("Thanks!", [_file(inline=False)])
    assert (said.only_thanks, said.why) == (False, "an attachment")
    assert judge_reply("Thanks!", [_file(inline=True)]).only_thanks  # a logo in the body
    pasted = replace(_file(inline=True), size=PASTED_PICTURE_BYTES)  # a screenshot in it
    assert (judge_reply("Thanks!", [pasted]).only_thanks, judge_reply("ok", [pasted]).why) == (
        False,
        "a pasted picture",
    )
    assert judge_reply("Thanks!", []).only_thanks
    # the words worked out ahead (a parse worker's foresight) are used as they are
    assert not judge_reply("Thanks!", [], judge("Thanks, but no.")).only_thanks


def _thanks(
    tid: int, app: App, *, attach: bool = False, logo: bool = False, picture: bytes = LOGO
) -> bytes:
    """Alice's thanks; ``logo``: with a picture the HTML body shows by its Content-ID
    (``picture``: a signature's logo, or a pasted screenshot)."""
    msg = EmailMessage()
    msg["From"] = f"Alice <{ALICE}>"
    msg["To"] = reply_address(app, tid, ALICE)
    msg["Subject"] = f"Re: [#{tid}] VPN"
    msg["Message-ID"] = make_msgid(domain="customer.test")
    msg.set_content("ありがとうございました。\n")
    if logo:  # Outlook's signature: the HTML shows the logo by its Content-ID
        msg.add_alternative("<p>ありがとうございました。</p><img src='cid:logo@c'>", subtype="html")
        html = msg.get_payload()[1]
        html.add_related(
            picture, "image", "png", cid="<logo@c>", filename="image001.png", disposition="inline"
        )
    if attach:
        msg.add_attachment(PDF, "application", "pdf", filename="見積書.pdf")
    return bytes(msg)


def _closed(app: App) -> int:
    tid = deliver(app, mail(subject="VPN down")).ticket_id or 0
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.change_state(
            s, ticket, TicketState.CLOSED, app.clock.now(), actor="cli:root", channel="cli"
        )
    return tid


def test_the_parse_tells_a_signature_logo_from_a_file(team: App) -> None:
    tid = _closed(team)
    parsed = parse_message(_thanks(tid, team, attach=True, logo=True))
    assert [(a.original_filename, a.inline) for a in parsed.attachments] == [
        ("image001.png", True),
        ("見積書.pdf", False),
    ]


def test_thanks_with_a_file_reopens_within_the_window(team: App) -> None:
    tid = _closed(team)
    deliver(team, _thanks(tid, team, attach=True))
    t = show(team, tid)
    assert t["state"] == "open"
    assert "thanks" not in [e["kind"] for e in t["events"]]
    assert [a["filename"] for a in t["messages"][-1]["attachments"]] == ["見積書.pdf"]


def test_thanks_with_a_file_after_the_window_opens_a_linked_ticket(
    team: App, clock: FakeClock
) -> None:
    tid = _closed(team)
    clock.advance(timedelta(days=30))
    deliver(team, _thanks(tid, team, attach=True))
    assert show(team, tid)["state"] == "closed"
    assert len(all_tickets(team)) == 2  # as any reply long after the close


def test_plain_thanks_and_a_signature_logo_keep_it_closed(team: App) -> None:
    tid = _closed(team)
    deliver(team, _thanks(tid, team))
    deliver(team, _thanks(tid, team, logo=True))
    t = show(team, tid)
    assert t["state"] == "closed"
    assert [e["kind"] for e in t["events"]].count("thanks") == 2


def test_thanks_with_a_pasted_screenshot_reopens(team: App) -> None:
    """「ありがとうございました」 with a screenshot pasted into the HTML body (inline, by its
    Content-ID, as a mail client pastes it): the picture shows what still goes wrong."""
    tid = _closed(team)
    screenshot = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 400  # 100 kB
    deliver(team, _thanks(tid, team, logo=True, picture=screenshot))
    assert show(team, tid)["state"] == "open"
