"""A member's answer carries the files they attached to it: the requester (and every
watcher) gets them with the words, byte for byte, under their own names (Japanese
ones too); a file attached to an internal note stays inside."""

from __future__ import annotations

from email.message import EmailMessage

from gateway.pipeline.parse.attachment_data import attachment_data
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, parsed, show, text_of

OPS = "ops@example.test"
ALICE = "alice@customer.test"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40  # binary, so a byte lost shows
PDF_NAME = "接続手順書（2026年版）.pdf"
LOG = b"line one\r\nline two\r\n"


def _request(app: App) -> int:
    out = deliver(app, mail(subject="VPN down", message_id="<r-1@customer.test>"))
    assert out.ticket_id is not None
    return out.ticket_id


def _member_reply(app: App, tid: int, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = f"Ops One <{OPS}>"
    msg["To"] = reply_address(app, tid, OPS)
    msg["Subject"] = f"Re: [#{tid}] VPN down"
    msg["Message-ID"] = f"<ops-{len(body)}@example.test>"
    msg.set_content(body)
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename=PDF_NAME)
    msg.add_attachment(LOG, maintype="text", subtype="plain", filename="vpn.log")
    deliver(app, bytes(msg))


def token_of(address: str) -> str:
    return address.split("@")[0].rsplit("-", 1)[1]


def _files(row_raw: EmailMessage) -> dict[str, tuple[str, bytes]]:
    return {
        str(part.get_filename()): (part.get_content_type(), part.get_payload(decode=True))
        for part in row_raw.iter_attachments()
    }


def test_the_files_of_a_members_answer_reach_the_requester_and_the_watchers(
    team: App,
) -> None:
    tid = _request(team)
    _member_reply(team, tid, "/cc add bob@customer.test\n\nThe guide is attached.\n")
    answers = outbox(team, "ops_reply")
    assert sorted(r.recipients[0] for r in answers) == [ALICE, "bob@customer.test"]
    for row in answers:
        assert text_of(row).startswith("The guide is attached.")
        files = _files(parsed(row))
        assert set(files) == {PDF_NAME, "vpn.log"}
        assert files[PDF_NAME] == ("application/pdf", PDF)
        assert files["vpn.log"][1] == LOG  # CRLF and all
        assert parsed(row).get_content_type() == "multipart/mixed"
    sent = [m for m in show(team, tid)["messages"] if m.get("kind") == "ops_reply"]
    assert sent and all(
        [a["filename"] for a in m["attachments"]] == [PDF_NAME, "vpn.log"] for m in sent
    )


def test_a_file_attached_to_an_internal_note_reaches_nobody_outside(team: App) -> None:
    tid = _request(team)
    _member_reply(team, tid, "/note the customer's config, for us only\n")
    assert outbox(team, "ops_reply") == []
    for row in outbox(team):
        if row.recipients[0] == ALICE:
            assert list(parsed(row).iter_attachments()) == []


def test_an_answer_without_files_stays_a_plain_alternative(team: App) -> None:
    tid = _request(team)
    deliver(
        team,
        mail(
            subject=f"Re: [#{tid}] VPN down",
            body="Please restart the client.\n",
            sender=f"Ops One <{OPS}>",
            to=reply_address(team, tid, OPS),
        ),
    )
    [answer] = outbox(team, "ops_reply")
    assert parsed(answer).get_content_type() == "multipart/alternative"


def test_a_file_of_a_reply_with_a_note_below_its_words_stays_inside(team: App) -> None:
    """The words above the note go to the requester; the files go with the note."""
    tid = _request(team)
    _member_reply(team, tid, "We are on it.\n\n/note their config attached, for us only\n")
    [answer] = outbox(team, "ops_reply")
    assert text_of(answer).startswith("We are on it.") and "config" not in text_of(answer)
    for row in outbox(team):
        if row.recipients[0] == ALICE:
            assert list(parsed(row).iter_attachments()) == []


def _outlook_html_reply(app: App, tid: int, pictures: list[tuple[str, bytes]]) -> None:
    """ops@'s answer as Outlook sends an HTML reply: text and HTML, the HTML's pictures
    (the signature's logo, a picture of the quoted mail) beside it by Content-ID."""
    msg = EmailMessage()
    msg["From"] = f"Ops One <{OPS}>"
    msg["To"] = reply_address(app, tid, OPS)
    msg["Subject"] = f"RE: [#{tid}] VPN down"
    msg.set_content("The gateway is restarted.\n\nOps One\n")
    imgs = "".join(f'<img src="cid:{name}">' for name, _ in pictures)
    msg.add_alternative(f"<p>The gateway is restarted.</p><p>Ops One {imgs}</p>", subtype="html")
    html = msg.get_payload()[1]
    for name, data in pictures:
        html.add_related(
            data,
            maintype="image",
            subtype="png",
            cid=f"<{name}>",
            filename=name,
            disposition="inline",
        )
    deliver(app, bytes(msg))


def test_a_signatures_logo_shown_in_the_html_is_not_sent_as_a_file(team: App) -> None:
    """Outlook sends the signature's logo (and the quoted mail's pictures) with every
    reply, shown in place by the HTML; the text answer cannot show it there, and as a
    file it would come with every answer ("image001.png"). A big picture shown in place
    is a pasted screenshot, which goes (the thanks rule's line: PASTED_PICTURE_BYTES)."""
    tid = _request(team)
    logo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 3000
    shot = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 400  # 100 kB
    _outlook_html_reply(team, tid, [("image001.png", logo), ("image002.png", shot)])
    [answer] = outbox(team, "ops_reply")
    assert text_of(answer).startswith("The gateway is restarted.")
    assert set(_files(parsed(answer))) == {"image002.png"}


def test_a_picture_inside_an_html_alternative_can_be_read_back() -> None:
    """The bytes of a picture in the HTML branch of a multipart/alternative (Outlook's
    pasted screenshot, shown by Content-ID): listed by the parse, and found again for a
    download or a relay (the walk of each branch kept none of its files' bytes)."""
    msg = EmailMessage()
    msg["From"], msg["Subject"] = OPS, "RE: VPN"
    msg.set_content("See the screenshot.\n")
    msg.add_alternative('<p>See the screenshot.<img src="cid:shot"></p>', subtype="html")
    msg.get_payload()[1].add_related(
        PDF,
        maintype="image",
        subtype="png",
        cid="<shot>",
        filename="shot.png",
        disposition="inline",
    )
    raw = bytes(msg)
    [listed] = parse_message(raw).attachments
    assert listed.inline and attachment_data(raw, listed.sha256) == PDF


def test_a_text_file_is_relayed_with_the_charset_its_text_is_in(team: App) -> None:
    """The parse keeps a file's type without its ``charset``: a CSV that Excel wrote in
    Shift_JIS went to the requester as ``text/csv`` alone, which a client that shows
    text files in the mail (Thunderbird, Apple Mail) reads as US-ASCII. Its bytes are
    read as the parser reads unlabelled text, and the charset named."""
    tid = _request(team)
    table = "氏名,部署\r\n山田 花子,情報システム部\r\n"
    files = {
        "名簿.csv": table.encode("cp932"),
        "接続ログ（2026年3月2日の分、サーバー側とクライアント側）.log": table.encode("cp932"),
        "utf8.txt": table.encode("utf-8"),
        "euc.txt": table.encode("euc-jp"),
        "jis.txt": table.encode("iso-2022-jp"),
        "ascii.txt": b"plain, ascii\r\n",
    }
    msg = EmailMessage()
    msg["From"] = f"Ops One <{OPS}>"
    msg["To"] = reply_address(team, tid, OPS)
    msg["Subject"] = f"Re: [#{tid}] VPN down"
    msg.set_content("The lists are attached.\n")
    for name, data in files.items():
        msg.add_attachment(data, maintype="text", subtype="plain", filename=name)
    deliver(team, bytes(msg))
    [row] = outbox(team, "ops_reply")
    assert max(len(line) for line in row.raw.split(b"\r\n")) <= 78  # the charset folds too
    sent = {str(p.get_filename()): p for p in parsed(row).iter_attachments()}
    charsets = {name: part.get_content_charset() for name, part in sent.items()}
    assert charsets == {
        "名簿.csv": "shift_jis",
        "接続ログ（2026年3月2日の分、サーバー側とクライアント側）.log": "shift_jis",
        "utf8.txt": "utf-8",
        "euc.txt": "euc-jp",
        "jis.txt": "iso-2022-jp",
        "ascii.txt": None,
    }
    for name, data in files.items():
        assert sent[name].get_payload(decode=True) == data  # byte for byte, as before
        if name != "ascii.txt":
            assert sent[name].get_content() == table


def test_our_notice_a_member_attached_to_their_answer_stays_inside(team: App) -> None:
    """Outlook's "attach the original message" on reply (or a notice dragged into the
    answer) made our notice to the member one of their files: relayed to the requester,
    it gave them the member's reply address, which closes, assigns and merges in the
    member's name, and the notice's internal words. A file that names a member's reply
    address is never relayed; the member's other files are."""
    tid = _request(team)
    [notice] = outbox(team, "new_ticket")
    member = notice.recipients[0]
    theirs = reply_address(team, tid, member)
    assert theirs.encode() in notice.raw
    original = EmailMessage()
    original.set_content(notice.raw.decode("ascii"))  # Outlook: the item as it came
    original.replace_header("Content-Type", "message/rfc822")
    original.replace_header("Content-Transfer-Encoding", "7bit")
    msg = EmailMessage()
    msg["From"] = member
    msg["To"] = theirs
    msg["Subject"] = f"Re: [#{tid}] VPN down"
    msg.set_content("Please restart the client.\n")
    msg.add_attachment(LOG, maintype="text", subtype="plain", filename="vpn.log")
    msg.attach(original)
    deliver(team, bytes(msg))
    [answer] = outbox(team, "ops_reply")
    assert answer.recipients == [ALICE] and text_of(answer).startswith("Please restart")
    assert set(_files(parsed(answer))) == {"vpn.log"}
    assert token_of(theirs).encode() not in answer.raw
