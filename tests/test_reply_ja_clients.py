"""A member working a ticket by reply from the mail clients Japanese teams use, each
reply built as the client sends it (its charset, transfer encoding, format=flowed,
HTML alone or beside the text, its banner over the quoted mail) and sent to the SMTP
listener with ``smtplib``: the commands are done, and the requester gets exactly the
member's words — no quote, no banner, no header block, nothing of theirs left out.

Found here: the indent of the member's first line (a Japanese paragraph's 「　」, a
command's or a code line's spaces) was cut from what the requester got, while the
lines under it kept theirs.
"""

from __future__ import annotations

import smtplib

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import client_reply, mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.smtp import crlf, listening, smtp_settings

MEMBER = "ops2@example.test"
SENDER = "Ops Two <ops2@example.test>"
REQUEST = "VPNに接続できません。\n/close\nよろしくお願いします。\n"
QUOTED = "> VPNに接続できません。\n> /close\n> よろしくお願いします。\n"
# the header block Outlook in Japanese writes over the old mail
OUTLOOK_BLOCK = (
    "差出人: Alice Example <alice@customer.test>\n送信日時: 2026年3月1日 18:00\n"
    "宛先: support@example.test\n件名: VPN\n\n" + REQUEST
)
# new Outlook and Outlook on the web, HTML alone: the words, appendonsend, the block
NEW_OUTLOOK = (
    '<html><body dir="ltr"><div class="elementToProof" style="font-family: Aptos">'
    '{cmd}</div><div class="elementToProof" style="font-family: Aptos">{words}</div>'
    '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
    '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" color="#000000">'
    "<b>差出人:</b> Alice Example &lt;alice@customer.test&gt;<br><b>送信日時:</b> 2026年3月1日"
    " 18:00<br><b>宛先:</b> support@example.test<br><b>件名:</b> VPN</font><div>&nbsp;</div>"
    "</div><div>VPNに接続できません。<br>/close<br>よろしくお願いします。</div></body></html>"
)
# Outlook for Windows (Word's HTML): MsoNormal paragraphs, the block under a top border
WORD = (
    '<html><body lang=JA style="text-justify-trim:punctuation"><div class=WordSection1>'
    "{new}<div><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0mm 0mm"
    " 0mm'><p class=MsoNormal><b>差出人<span lang=EN-US>:</span></b><span lang=EN-US> Alice"
    " Example &lt;alice@customer.test&gt;<br></span><b>送信日時<span lang=EN-US>:</span></b>"
    "<span lang=EN-US> 2026</span>年<span lang=EN-US>3</span>月<span lang=EN-US>1</span>日"
    "<br><b>宛先<span lang=EN-US>:</span></b><span lang=EN-US> support@example.test<br></span>"
    "<b>件名<span lang=EN-US>:</span></b><span lang=EN-US> VPN<o:p></o:p></span></p></div>"
    "</div><p class=MsoNormal>VPNに接続できません。</p><p class=MsoNormal>/close</p></div>"
    "</body></html>"
)
EMPTY = "<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>"


def _p(text: str) -> str:
    return f"<p class=MsoNormal><span lang=EN-US>{text}<o:p></o:p></span></p>"


GMAIL_QUOTE = (
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">2026年3月1日(日) 18:00 Alice'
    ' Example &lt;<a href="mailto:alice@customer.test">alice@customer.test</a>&gt;:<br></div>'
    '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid'
    ' rgb(204,204,204);padding-left:1ex"><div dir="ltr">VPNに接続できません。<br>/close<br>'
    "よろしくお願いします。</div></blockquote></div>"
)
IPHONE_HTML = (
    '<html><body dir="auto"><div dir="ltr">/pending</div><div dir="ltr">ログを送ってください。'
    '</div><div dir="ltr"><br></div><div dir="ltr"><br><blockquote type="cite">2026/03/01 18:00、'
    "Alice Example &lt;alice@customer.test&gt;のメール:<br><br></blockquote></div><blockquote "
    'type="cite"><div dir="ltr">VPNに接続できません。<br>/close<br></div></blockquote>'
    "</body></html>"
)

# (client, the reply's build, the state after it, the words the requester gets exactly)
CASES = [
    # Outlook for Windows in Japanese, plain text: ISO-2022-JP, CRLF, -----Original Message-----
    ("outlook-plain-iso2022jp",
     dict(body="/close\n対応しました。\n\n-----Original Message-----\n" + OUTLOOK_BLOCK,
          charset="iso-2022-jp", cte="7bit", crlf=True),
     "closed", "対応しました。"),
    # Outlook 2016 and later: the block under a rule of underscores
    ("outlook-plain-rule",
     dict(body="/pending\nログを送ってください。\n\n" + "_" * 32 + "\n" + OUTLOOK_BLOCK),
     "pending", "ログを送ってください。"),
    # Outlook for Mac in Japanese: 日付: for the date, no rule
    ("outlook-mac",
     dict(body="/close\n対応しました。\n\n差出人: Alice Example <alice@customer.test>\n"
               "日付: 2026年3月1日 日曜日 18:00\n宛先: support@example.test\n件名: VPN\n\n"
               + REQUEST, cte="quoted-printable"),
     "closed", "対応しました。"),
    # new Outlook, HTML alone: <div id="appendonsend"> and divRplyFwdMsg
    ("new-outlook-html",
     dict(body="", html=NEW_OUTLOOK.format(cmd="/close", words="対応しました。"),
          html_only=True),
     "closed", "対応しました。"),
    # Outlook's Word HTML alone: two commands, an empty paragraph, the words
    ("outlook-word-html",
     dict(body="", html=WORD.format(new=_p("/pending") + _p("/priority high") + EMPTY
                                    + _p("ログを送ってください。") + EMPTY),
          html_only=True),
     "pending", "ログを送ってください。"),
    # Thunderbird in Japanese: format=flowed; delsp=yes in ISO-2022-JP, 「…さんは書きました:」
    ("thunderbird-flowed-delsp",
     dict(body="/pending\n\nログを送ってください。\n\n2026/03/01 18:00 に Alice Example さんは"
               "書きました:\n" + QUOTED, charset="iso-2022-jp", cte="7bit", flowed="delsp"),
     "pending", "ログを送ってください。"),
    # Gmail in Japanese: text and HTML, 「2026年3月1日(日) 18:00 Alice <…>:」, gmail_quote
    ("gmail",
     dict(body="/close\n対応しました。\n\n2026年3月1日(日) 18:00 Alice Example "
               "<alice@customer.test>:\n\n" + QUOTED,
          html='<div dir="ltr"><div>/close</div><div>対応しました。</div></div><br>'
               + GMAIL_QUOTE),
     "closed", "対応しました。"),
    # the iPhone in Japanese, HTML alone: blockquote type=cite, 「…のメール:」
    ("iphone-html", dict(body="", html=IPHONE_HTML, html_only=True),
     "pending", "ログを送ってください。"),
    # Apple Mail in Japanese: quoted-printable, the attribution inside the quote
    ("apple-mail",
     dict(body="/close\n対応しました。\n\n> 2026/03/01 18:00、Alice Example "
               "<alice@customer.test>のメール:\n> \n" + QUOTED, cte="quoted-printable"),
     "closed", "対応しました。"),
    # Becky!: the attribution over two lines, ISO-2022-JP
    ("becky",
     dict(body="/close\n対応しました。\n\nOn Sun, 01 Mar 2026 18:00:00 +0900\nAlice Example "
               "<alice@customer.test> wrote:\n\n" + QUOTED, charset="iso-2022-jp", cte="7bit"),
     "closed", "対応しました。"),
    # Shuriken: 「… さんは、… に書きました：」 with a full-width colon
    ("shuriken",
     dict(body="/close\n対応しました。\n\nAlice Example さんは、2026/03/01 18:00 に書きました：\n"
               + QUOTED, charset="iso-2022-jp", cte="7bit"),
     "closed", "対応しました。"),
    # Active! mail: ----- Original Message ----- and the header block, quoted with >
    ("active-mail",
     dict(body="/close\n対応しました。\n\n----- Original Message -----\n>From: \"Alice Example\" "
               "<alice@customer.test>\n>To: support@example.test\n>Date: Sun, 01 Mar 2026 "
               "18:00:00 +0900\n>Subject: VPN\n>\n" + QUOTED.replace("> ", ">"),
          charset="iso-2022-jp", cte="7bit"),
     "closed", "対応しました。"),
    # a carrier's mail app (docomo, SoftBank): Shift_JIS, base64, From:/Sent: without spaces
    ("carrier-shift-jis",
     dict(body="/close\n対応しました。\n\n-----Original Message-----\nFrom:alice@customer.test\n"
               "Sent:Sun, 01 Mar 2026 18:00:00 +0900\nTo:support@example.test\nSubject:VPN\n\n"
               + REQUEST, charset="shift_jis"),
     "closed", "対応しました。"),
    # Samsung's mail app in Japanese: オリジナルメッセージ, full-width colons
    ("android-samsung",
     dict(body="/close\n対応しました。\n\n\n-------- オリジナルメッセージ --------\n差出人： Alice "
               "Example <alice@customer.test>\n日付： 2026/03/01 18:00 (GMT+09:00)\n宛先： "
               "support@example.test\n件名： VPN\n\n" + REQUEST),
     "closed", "対応しました。"),
    # a template's head (AL-Mail's "{FromName}>" over "> {Quote}", Becky!'s customised):
    # the quoted writer's name and ">" alone on the line over the quote
    ("template-name-head",
     dict(body="/close\n対応しました。\n\nAlice Example>\n" + QUOTED, charset="iso-2022-jp",
          cte="7bit"),
     "closed", "対応しました。"),
    ("template-name-head-ja",
     dict(body="/close\n対応しました。\n\n田中>\n" + QUOTED, charset="shift_jis"),
     "closed", "対応しました。"),
    # typed with the IME on: ／ｃｌｏｓｅ, a trailing 「　」, a full-width colon, a client's indent
    ("ime-full-width", dict(body="／ｃｌｏｓｅ　\n対応しました。\n"), "closed", "対応しました。"),
    ("ime-half-slash", dict(body="/ｐｅｎｄｉｎｇ\nログを送ってください。\n"),
     "pending", "ログを送ってください。"),
    ("ime-u3000-after", dict(body="/close\u3000\n対応しました。\n"), "closed", "対応しました。"),
    ("ime-colon", dict(body="/priority：高\n/pending\nログを送ってください。\n"),
     "pending", "ログを送ってください。"),
    ("client-indent", dict(body="\u3000/close\n対応しました。\n"), "closed", "対応しました。"),
    # a top-posted command over an answer written inline, between the quoted lines
    ("inline-answer",
     dict(body="/pending\n\n> VPNに接続できません。\n設定を送りました。\n> よろしくお願いします。\n"
               "ご確認ください。\n"),
     "pending",
     "> VPNに接続できません。\n設定を送りました。\n\n> よろしくお願いします。\nご確認ください。"),
    # the member's first line indented (a Japanese paragraph, a code line): kept as written
    ("indent-japanese",
     dict(body="/pending\n\u3000ログを送ってください。\n\u3000よろしくお願いします。\n"),
     "pending", "\u3000ログを送ってください。\n\u3000よろしくお願いします。"),
    ("indent-code",
     dict(body="/pending\n\n    sudo systemctl restart vpn\n  を実行してください。\n",
          charset="iso-2022-jp", cte="7bit"),
     "pending", "    sudo systemctl restart vpn\n  を実行してください。"),
    ("indent-no-command",
     dict(body="\u3000ログを送ってください。\n\u3000よろしくお願いします。\n"),
     "new", "\u3000ログを送ってください。\n\u3000よろしくお願いします。"),
]  # fmt: skip


def _send(team: App, raw: bytes, to: str) -> None:
    """``raw`` to the listener as the member's MTA sends it, then processed."""
    with (
        listening(smtp_settings(team.settings), team.sessions, team.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.sendmail(MEMBER, [to], crlf(raw))
    [outcome] = team.runner.process_pending()
    assert outcome.ticket_id == 1


def _words(sent: str) -> str:
    """The member's words at the top of the relayed mail: up to our own first paragraph
    (the news of a state change, else the footer)."""
    for ours in ("\n\nお問い合わせ [#1] ", "\n\n※ "):
        if ours in sent:
            return sent[: sent.index(ours)]
    raise AssertionError(sent)


@pytest.mark.parametrize(
    ("build", "state", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_members_reply_from_a_japanese_client(
    team: App, build: dict[str, object], state: str, words: str
) -> None:
    deliver(team, mail("VPN", body=REQUEST, message_id="<req@customer.test>"))
    to = reply_address(team, 1, MEMBER)
    raw = client_reply(sender=SENDER, to=to, **build)  # type: ignore[arg-type]
    _send(team, raw, to)
    assert show(team, 1)["state"] == state
    [sent] = [text_of(m) for m in outbox(team, "ops_reply")]
    assert _words(sent) == words


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        # typed with the IME in full width: the date's digits and slashes (the end of that
        # day in Tokyo), an address
        ("/due ２０２６／１２／２０", "due_at", "2026-12-20T14:59:59+00:00"),
        ("/assign ｏｐｓ＠ｅｘａｍｐｌｅ．ｔｅｓｔ", "assignee", "ops@example.test"),
        ("/priority：高", "priority", "high"),  # a full-width colon after the word
        (" /priority high", "priority", "high"),  # a client's indent
    ],
)
def test_a_command_typed_in_full_width_reads_as_its_ascii(
    team: App, line: str, key: str, value: str
) -> None:
    deliver(team, mail("VPN", body=REQUEST, message_id="<req@customer.test>"))
    to = reply_address(team, 1, MEMBER)
    _send(team, client_reply(f"{line}\nログを送ってください。\n", sender=SENDER, to=to), to)
    assert show(team, 1)[key] == value
    [sent] = [text_of(m) for m in outbox(team, "ops_reply")]
    assert _words(sent) == "ログを送ってください。"


@pytest.mark.parametrize(
    "line",
    [
        "/due ２０２６ー１２ー２０",  # the IME in hiragana mode: the hyphen key types ー
        "/due 2026−12−20",  # a Mac's IME in full width: the minus sign
        "/due 2026‐12‐20",  # a hyphen (U+2010) a word processor or a phone put
        "/due 2026–12–20",  # an en dash: Word's AutoCorrect, pasted from a document
    ],
)
def test_a_due_date_typed_with_the_imes_dash_is_that_day(team: App, line: str) -> None:
    """Refused as "not a date" while a dash between a date's numbers can be no other
    thing: how an input method left on types ``2026-12-20``."""
    deliver(team, mail("VPN", body=REQUEST, message_id="<req@customer.test>"))
    to = reply_address(team, 1, MEMBER)
    _send(team, client_reply(f"{line}\nログを送ってください。\n", sender=SENDER, to=to), to)
    assert show(team, 1)["due_at"] == "2026-12-20T14:59:59+00:00"


@pytest.mark.parametrize("text", ["2026ー12", "2026〜12〜20", "2026ー12ー", "ー2026ー12ー20"])
def test_a_long_mark_or_a_wave_dash_makes_no_date_of_what_is_none(text: str) -> None:
    """A wave dash (〜) says "from … to": no date's dash; nor is anything not a whole date."""
    from gateway.catalog.dates import date_parts

    assert date_parts(text) is None


ASKED = "> VPNに接続できません。\n"  # the line a comment answers, kept above it
COMMENTED = "VPNに接続できません。\n{mark} 設定ファイルを再配布しました。\nよろしくお願いします。\n"
# the history under the first old mail: the member's earlier answer, commented then
OLDER = (
    "\n差出人: Ops Two <ops2@example.test>\n送信日時: 2026年2月1日 10:00\n"
    "宛先: Alice Example <alice@customer.test>\n件名: RE: VPN\n\n"
    "[Ops Two] 先月の回答です。\n"
)


def _outlook(top: str, mark: str = "[Ops Two]", older: str = "") -> dict[str, object]:
    """Outlook's plain text: ``top``, then the old mail with a comment ``mark`` ed."""
    old = OUTLOOK_BLOCK.replace(REQUEST, COMMENTED.format(mark=mark))
    body = f"{top}\n\n-----Original Message-----\n{old}{older}"
    return dict(body=body, charset="iso-2022-jp", cte="7bit", crlf=True)


WORD_COMMENT = WORD.replace(
    "<p class=MsoNormal>/close</p>",
    "<p class=MsoNormal><b><i><span style='color:#2F5496'>[Ops Two] </span></i></b><span "
    "style='color:#2F5496'>設定ファイルを再配布しました。</span></p>",
)


@pytest.mark.parametrize(
    ("build", "words"),
    [
        # Outlook's "Mark my comments with": the comment inside the old mail is theirs
        (_outlook("/pending\n下記のとおり回答します。"),
         f"下記のとおり回答します。\n\n{ASKED}[Ops Two] 設定ファイルを再配布しました。"),
        # only commands on top: the comments are the answer
        (_outlook("/pending"), f"{ASKED}[Ops Two] 設定ファイルを再配布しました。"),
        # the mark as a user shortened it, a word of their name, in full width
        (_outlook("/pending", mark="［Ｏｐｓ］"),
         f"{ASKED}［Ｏｐｓ］ 設定ファイルを再配布しました。"),
        # classic Outlook sends its text beside the HTML, where the mark is bold and coloured
        ({**_outlook("/pending"), "html": WORD_COMMENT.format(new=_p("/pending"))},
         f"{ASKED}[Ops Two] 設定ファイルを再配布しました。"),
        # a comment of the member's earlier answer, in the older history: sent then
        (_outlook("/pending\n下記のとおり回答します。", mark="VPN:", older=OLDER),
         "下記のとおり回答します。"),
        # someone else's mark, or a tag, is the old mail's
        (_outlook("/pending\n下記のとおり回答します。", mark="[Alice Example]"),
         "下記のとおり回答します。"),
        (_outlook("/pending\n下記のとおり回答します。", mark="[重要]"), "下記のとおり回答します。"),
    ],
)  # fmt: skip
def test_comments_marked_with_the_members_name_in_outlooks_old_mail_are_sent(
    team: App, build: dict[str, object], words: str
) -> None:
    deliver(team, mail("VPN", body=REQUEST, message_id="<req@customer.test>"))
    to = reply_address(team, 1, MEMBER)
    _send(team, client_reply(sender=SENDER, to=to, **build), to)  # type: ignore[arg-type]
    assert show(team, 1)["state"] == "pending"
    [sent] = [text_of(m) for m in outbox(team, "ops_reply")]
    assert _words(sent) == words


def test_comments_under_a_note_are_not_sent(team: App) -> None:
    """After /note the member's words are the internal note: so are their comments."""
    deliver(team, mail("VPN", body=REQUEST, message_id="<req@customer.test>"))
    to = reply_address(team, 1, MEMBER)
    _send(team, client_reply(sender=SENDER, to=to, **_outlook("/note 電話済み")), to)  # type: ignore[arg-type]
    assert outbox(team, "ops_reply") == []


def test_a_comment_sent_before_is_not_sent_again(team: App) -> None:
    """Every mail a member answers is ours (the request or the last answer, in a
    notice), and a notice shows the answer sent: a comment in it is one sent then."""
    deliver(team, mail("VPN", body=REQUEST, message_id="<req@customer.test>"))
    to = reply_address(team, 1, MEMBER)
    _send(team, client_reply(sender=SENDER, to=to, **_outlook("/pending")), to)  # type: ignore[arg-type]
    again = _outlook("/close\n対応しました。", mark="[Ops Two]")
    _send(team, client_reply(sender=SENDER, to=to, **again), to)  # type: ignore[arg-type]
    first, last = [text_of(m) for m in outbox(team, "ops_reply")]
    assert _words(first) == f"{ASKED}[Ops Two] 設定ファイルを再配布しました。"
    assert _words(last) == "対応しました。"


@pytest.mark.parametrize(
    "line", ["/close noーresponse", "/close no−response", "/close no‐response"]
)
def test_a_close_reason_typed_with_the_imes_dash_is_that_reason(team: App, line: str) -> None:
    """Refused as an unknown reason while the dash can be no other thing there."""
    deliver(team, mail("VPN", body=REQUEST, message_id="<req@customer.test>"))
    to = reply_address(team, 1, MEMBER)
    _send(team, client_reply(f"{line}\n", sender=SENDER, to=to), to)
    ticket = show(team, 1)
    assert (ticket["state"], ticket["close_reason"]) == ("closed", "no-response")


@pytest.mark.parametrize("text", ["データー", "no ー response", "ー1", "VPNーー", "a—"])
def test_a_dash_that_joins_no_two_words_stays(text: str) -> None:
    from gateway.core.text import hyphens_between

    assert hyphens_between(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "手順は次のとおりです ->\n> 再起動\n",  # an arrow over a quote: words
        "Alice Example>\n対応しました。\n",  # no quote under it
        "mysql>\n> select 1;\n",  # a prompt
    ],
)
def test_a_line_ending_in_a_bracket_that_heads_no_quote_is_words(text: str) -> None:
    from gateway.pipeline.parse.quotes import split_reply

    assert split_reply(f"/pending\n{text}").startswith(f"/pending\n{text.split(chr(10))[0]}")
