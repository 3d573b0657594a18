"""A member's command written below their own words, as a member in a hurry types it
("Hi Alice, … /note she is upset", 「お世話になっております。/close」): never sent to the
requester. A note there is a note (the rest of the reply is kept from the requester);
any other command there is not done, because only the top of a reply is read, and the
member's transcript says so. Each reply goes the real way: a member's mail to the reply
address issued to them, parsed as it came (its quote, its HTML), then the runner."""

from __future__ import annotations

from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from gateway.core.i18n import translate
from gateway.pipeline.command_lines import BELOW_WORDS, below_words, parse_commands
from gateway.pipeline.commands import GRAMMAR
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

# Outlook's top-posting: no ">" below its rule and From:/Sent: block
OUTLOOK = (
    "\n________________________________\nFrom: Alice <alice@customer.test>\n"
    "Sent: Saturday, December 5, 2026 10:00 AM\nTo: Support <support@example.test>\n"
    "Subject: RE: [#1] VPN\n\nMy VPN fails.\n/close\n"
)


def _reply(app: App, member: str, body: str, html: str | None = None) -> None:
    """``member``'s reply to ticket 1, to the reply address issued to them."""
    to = reply_address(app, 1, member)
    msg: MIMEText | MIMEMultipart = MIMEText(body, "plain", "utf-8")
    if html is not None:
        msg = MIMEMultipart("alternative")
        msg.attach(MIMEText(body, "plain", "utf-8"))
        msg.attach(MIMEText(html, "html", "utf-8"))
    msg["From"] = member
    msg["To"] = to
    msg["Subject"] = "RE: [#1] VPN"
    deliver(app, msg.as_bytes(), envelope_to=(to,))


def _to_requester(app: App) -> str:
    [answer] = outbox(app, "ops_reply")
    return words_of(answer)


def _notes(app: App) -> list[str]:
    return [e["detail"]["text"] for e in show(app, 1)["events"] if e["kind"] == "note"]


@pytest.fixture
def asked(team: App) -> App:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    return team


@pytest.mark.parametrize(
    ("body", "said", "note"),
    [
        (
            "Hi Alice,\n\nI will check the VPN gateway today.\n\n"
            "/note she is upset, escalate if it fails again\nlog: gw2 restarted\n" + OUTLOOK,
            "I will check the VPN gateway today.",
            "she is upset, escalate if it fails again\nlog: gw2 restarted",
        ),
        (
            "アリス様\n\nお世話になっております。\n本日中に確認いたします。\n\n"
            "／ｎｏｔｅ　先方は急いでいる。部長に報告済み\n",
            "本日中に確認いたします。",
            "先方は急いでいる。部長に報告済み",
        ),
    ],
    ids=["en-outlook", "ja-ime"],
)
def test_a_note_below_the_words_is_a_note_and_never_reaches_the_requester(
    asked: App, body: str, said: str, note: str
) -> None:
    _reply(asked, "ops@example.test", body)
    text = _to_requester(asked)
    assert said in text
    assert note.splitlines()[0] not in text and "note" not in text, text
    assert "/close" not in text and "My VPN fails" not in text  # the quote neither
    assert _notes(asked) == [note]


def test_a_note_below_the_words_of_an_html_only_reply(asked: App) -> None:
    html = (
        "<div class=WordSection1><p class=MsoNormal>Hi Alice,<o:p></o:p></p>"
        "<p class=MsoNormal>I will check it today.<o:p></o:p></p>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        '<p class=MsoNormal><span style="font-family:Calibri">/note</span> '
        "<span>called her, secret</span><o:p></o:p></p></div>"
    )
    to = reply_address(asked, 1, "ops@example.test")
    msg = MIMEText(html, "html", "utf-8")
    msg["From"], msg["To"], msg["Subject"] = "ops@example.test", to, "RE: [#1] VPN"
    deliver(asked, msg.as_bytes(), envelope_to=(to,))
    text = _to_requester(asked)
    assert "I will check it today." in text and "secret" not in text, text
    assert _notes(asked) == ["called her, secret"]


@pytest.mark.parametrize(
    ("member", "body", "said"),
    [
        ("ops@example.test", "Hi Alice,\n\n/close\n\nThe VPN works now.\n" + OUTLOOK, "works now"),
        (
            "ops2@example.test",
            "アリス様\n\nお世話になっております。\n/close\n解決しました。\n",
            "解決しました",
        ),
        ("ops@example.test", "Hi Alice, fixed.\n/priority low\n/assign ops2\n", "fixed"),
        # a slip away from a command is no more for the requester than the command
        ("ops2@example.test", "確認します。\n/notr 先方に電話済み\n", "確認します"),
    ],
    ids=["en-greeting", "ja-greeting", "several", "slip"],
)
def test_a_command_below_the_words_is_not_done_not_sent_and_the_member_is_told(
    asked: App, member: str, body: str, said: str
) -> None:
    before = show(asked, 1)
    _reply(asked, member, body)
    ticket = show(asked, 1)
    assert ticket["state"] == before["state"] != "closed"
    assert (ticket["assignee"], ticket["priority"]) == (before["assignee"], before["priority"])
    text = _to_requester(asked)
    assert said in text and "/" not in text.split("Your reply")[0], text
    [transcript] = outbox(asked, "command_result")
    told = words_of(transcript)
    locale = "ja" if member.startswith("ops2") else "en"
    assert translate(BELOW_WORDS, locale) in told, told
    stray = [line for line in body.split("\n_")[0].splitlines() if line.startswith("/")]
    assert stray and all(line in told for line in stray)


@pytest.mark.parametrize(
    "body",
    [
        "Please reply /close when it works for you.\n",  # a command word inside a sentence
        "Checked the disk:\n/var/log is fine, /tmp is full.\n",  # paths are words
        "Thanks.\n> /close\nDone as you asked.\n",  # an answer below a quoted line
    ],
)
def test_words_that_only_mention_a_command_are_sent_as_written(asked: App, body: str) -> None:
    _reply(asked, "ops@example.test", body)
    text = _to_requester(asked)
    for line in body.splitlines():
        if not line.startswith(">"):
            assert line in text, text
    assert outbox(asked, "command_result") == []
    assert show(asked, 1)["state"] != "closed"


@pytest.mark.parametrize(
    ("text", "commands", "remaining", "held"),
    [
        # the top is read as before; only what is below the words changes
        ("/close\nDone.\n", [("close", "")], "Done.", []),
        ("/note all of it\nsecret\n", [("note", "all of it\nsecret")], "", []),
        # a bare /note below the words: its text is what follows it (refused when none)
        ("Hi.\n/note\nsecret\n", [("note", "secret")], "Hi.", []),
        ("Hi.\n/note\n", [("note", "")], "Hi.", []),
        # a command held back, the words around it kept in their order
        ("Hi.\n  /close  \nBye.\n", [], "Hi.\nBye.", ["/close"]),
        ("/pending\nHi.\n/open\n", [("pending", "")], "Hi.", ["/open"]),
        # a held line between blank lines leaves one blank line, not two
        ("山田様\n\n/pending\n\n確認中です。\n", [], "山田様\n\n確認中です。", ["/pending"]),
        ("Hi.\n\n/close\n\n\nBye.\n", [], "Hi.\n\n\nBye.", ["/close"]),
        # words, paths and quoted lines are words
        ("Hi.\n/etc/hosts fixed\n/frobnicate\n> /close\n", [], None, []),
    ],
)
def test_below_words(
    text: str, commands: list[tuple[str, str]], remaining: str | None, held: list[str]
) -> None:
    parsed = below_words(parse_commands(text, 20), GRAMMAR, 20)
    assert [(c.name, c.arg) for c in parsed.commands] == commands
    assert parsed.remaining == (text if remaining is None else remaining)
    assert [(n.line, n.why) for n in parsed.ignored] == [(h, BELOW_WORDS) for h in held]


@pytest.mark.parametrize(
    "above",
    ["", "アリス様\n\nお世話になっております。\n\n2026年12月6日(日) 10:00 Support <s@x.test>:\n"],
    ids=["no-attribution", "greeting-and-attribution"],
)
def test_an_inline_answer_to_a_notice_sends_no_quoted_line(asked: App, above: str) -> None:
    """A member answers point by point under the lines of our notice they quote, the
    attribution deleted, or kept under their greeting: the notice's internal lines (a
    note) between their answers are not their words, and never reach the requester;
    the answers and the greeting do (under a greeting they were all lost)."""
    body = above + (
        "> Hello Ops One,\n> news of the ticket [#1] “VPN”:\n"
        "> Alice wrote: can you restart the gateway?\n"
        "Restarted it just now.\n"
        "> Ops Two added an internal note:\n> she is upset, escalate if it fails again\n"
        "Please try again and tell me if it works.\n"
        "> The ticket is now: open\n"
    )
    _reply(asked, "ops@example.test", body)
    text = _to_requester(asked)
    assert "Restarted it just now." in text and "Please try again" in text, text
    assert ("お世話になっております。" in text) == bool(above), text
    assert "upset" not in text and "internal note" not in text and ">" not in text, text
