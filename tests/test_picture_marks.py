"""Outlook's plain-text part stands a picture the HTML shows in its place (a pasted
screenshot, a signature's logo) as ``[cid:image001.png@01DA4B2C.3D5E6F70]``: the
Content-ID the HTML points at. The ticket showed that code, and a member's answer from
Outlook carried it to the requester (under their name: a logo that is never sent with
it). The text says ``[image001.png]``, the name the picture is listed under, where it
was; anything else in brackets stays as written."""

from __future__ import annotations

from email.message import EmailMessage

from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

SHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _outlook(who: str, to: str, subject: str, words: str, cid: str) -> bytes:
    """A mail as Outlook writes one with a picture in its body: the plain part with the
    picture's stand-in, the HTML pointing at it, the picture beside by its Content-ID."""
    msg = EmailMessage()
    msg["From"] = who
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(words.format(mark=f"[cid:{cid}]"))
    html = words.format(mark=f'<img src="cid:{cid}">').replace("\n", "<br>")
    msg.add_alternative(f"<p>{html}</p>", subtype="html")
    msg.get_payload()[1].add_related(
        SHOT, "image", "png", cid=f"<{cid}>", filename="image001.png", disposition="inline"
    )
    return bytes(msg)


def test_a_picture_in_the_text_is_named_as_it_is_listed() -> None:
    raw = _outlook(
        "Yamada <yamada@customer.test>",
        "support@example.test",
        "印刷できません",
        "次のエラーが出ます。\n{mark}\n[重要] 至急お願いします。\n",
        "image001.png@01DA4B2C.3D5E6F70",
    )
    parsed = parse_message(raw)
    assert parsed.text == "次のエラーが出ます。\n[image001.png]\n[重要] 至急お願いします。"
    assert [(a.filename, a.inline) for a in parsed.attachments] == [("image001.png", True)]


def test_a_members_answer_from_outlook_carries_no_picture_code(team: App) -> None:
    tid = deliver(team, mail(subject="VPN down", message_id="<r-1@customer.test>")).ticket_id
    assert tid is not None
    ops = "ops@example.test"
    raw = _outlook(
        f"Ops One <{ops}>",
        reply_address(team, tid, ops),
        f"RE: [#{tid}] VPN down",
        "Please restart the client.\n\nOps One\n{mark}\n",
        "image002.png@01DA4B2C.3D5E6F70",
    )
    deliver(team, raw)
    [answer] = outbox(team, "ops_reply")
    assert "cid:" not in text_of(answer)
    assert "cid:" not in show(team, tid)["messages"][-2]["text"]
