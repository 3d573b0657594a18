"""An out-of-office that says what it is only in its words: no Auto-Submitted, no
X-Autoreply, no Precedence, and the subject of the mail it answers (``Re: [#1] …``), as
many Japanese company mail servers and hand-made Outlook rules send it. It came to the
requester's reply address and read as their answer: the pending ticket opened, and the
stale reminder and the no-response close waited on words nobody had written. A member's
was relayed to the requester. On a ticket it is now an auto-reply (attached, the state
kept, never answered, never relayed); a person's reply that only mentions being away
(不在) in a sentence, asks something or quotes the mail it answers still acts."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

OPS = "ops@example.test"

AWAY = {
    "ja-vacation": (
        "お世話になっております。\n"
        "誠に勝手ながら、12月28日から1月5日まで不在にしております。\n"
        "期間中にいただいたメールは、1月6日以降に順次ご返信いたします。\n"
        "ご不便をおかけいたしますが、何卒よろしくお願いいたします。\n"
    ),
    "ja-says-so": (
        "※本メールは自動返信にてお送りしております。\n山田は本日休暇をいただいております。\n"
    ),
    "ja-short": "ただいま出張のため不在にしております。戻り次第ご連絡いたします。\n",
    "en-ooo": (
        "Thank you for your message.\n\n"
        "I am out of the office until Monday, January 5, with limited access to e-mail.\n"
        "I will respond to your message when I return.\n"
    ),
    "en-says-so": "This is an automatic reply: I am on leave this week.\n",
    "en-generated": "This is an automatically generated message.\nAlice is away today.\n",
}

PEOPLE = {
    "ja-was-away": (
        "昨日は不在にしており、ご連絡が遅くなり申し訳ございません。\n"
        "ログを確認しましたが、まだ VPN につながりません。\n"
    ),
    "ja-asks": "12月28日から1月5日まで不在にしております。それまでに直りますでしょうか？\n",
    "ja-asks-us-later": (
        "12/28〜1/5 は不在のため、1月6日以降にご連絡いただけますか。\nVPN はまだつながりません。\n"
    ),
    "ja-missed-call": "不在着信がありましたので、折り返しお電話ください。\n",
    "en-was-away": "I was out of the office last week. The VPN still fails.\n",
    "en-quotes": (
        "I am out of the office until Monday; I will reply when I return.\n"
        "But the VPN is still down, please look.\n\n"
        "On Sat, Dec 5, 2026 at 10:00 Support <support@example.test> wrote:\n"
        "> Please send the log.\n"
    ),
}


def _pending(app: App) -> int:
    first = deliver(app, mail(message_id="<r1@customer.test>"))
    assert first.ticket_id is not None
    to = reply_address(app, first.ticket_id, OPS)
    body = "/pending\n\nPlease send the log.\n"
    asked = mail(f"Re: [#{first.ticket_id}] VPN", body=body, sender=OPS, to=to)
    deliver(app, asked, envelope_to=(to,))
    assert show(app, first.ticket_id)["state"] == "pending"
    return first.ticket_id


def _from_alice(app: App, ticket_id: int, body: str) -> None:
    to = reply_address(app, ticket_id, "alice@customer.test")
    said = mail(f"Re: [#{ticket_id}] VPN does not connect", body=body, to=to)
    deliver(app, said, envelope_to=(to,))


@pytest.mark.parametrize("body", AWAY.values(), ids=AWAY.keys())
def test_an_out_of_office_in_words_only_keeps_the_ticket_pending(team: App, body: str) -> None:
    ticket_id = _pending(team)
    before = len(outbox(team))
    _from_alice(team, ticket_id, body)
    ticket = show(team, ticket_id)
    assert ticket["state"] == "pending"
    assert ticket["messages"][-1]["text"].startswith(body.splitlines()[0])  # kept on it
    assert [o.kind for o in outbox(team)[before:] if "alice@customer.test" in o.recipients] == []


@pytest.mark.parametrize("body", PEOPLE.values(), ids=PEOPLE.keys())
def test_a_persons_reply_that_mentions_being_away_still_opens_it(team: App, body: str) -> None:
    ticket_id = _pending(team)
    _from_alice(team, ticket_id, body)
    assert show(team, ticket_id)["state"] == "open"


@pytest.mark.parametrize(("inline", "state"), [(True, "pending"), (False, "open")])
def test_a_notice_with_its_signature_logo_is_one_and_with_a_file_is_not(
    team: App, inline: bool, state: str
) -> None:
    """Corporate HTML notices show a logo in their signature (multipart/related, a
    Content-ID): part of how the words look, no file; a real file is a person's."""
    ticket_id = _pending(team)
    to = reply_address(team, ticket_id, "alice@customer.test")
    notice = EmailMessage()
    notice["From"], notice["To"] = "Alice Example <alice@customer.test>", to
    notice["Subject"] = f"RE: [#{ticket_id}] VPN"
    notice.set_content(AWAY["ja-vacation"])
    html = "<p>" + AWAY["ja-vacation"].replace("\n", "<br>") + '<img src="cid:logo"></p>'
    notice.add_alternative(html, subtype="html")
    logo = b"\x89PNG\r\n\x1a\n" + bytes(64)
    if inline:
        notice.get_payload()[1].add_related(logo, "image", "png", cid="<logo>")
    else:
        notice.add_attachment(logo, "image", "png", filename="log.png")
    deliver(team, bytes(notice), envelope_to=(to,))
    assert show(team, ticket_id)["state"] == state


def test_a_members_out_of_office_is_not_relayed_to_the_requester(team: App) -> None:
    ticket_id = _pending(team)
    before = len(outbox(team))
    to = reply_address(team, ticket_id, OPS)
    away = mail(f"Re: [#{ticket_id}] VPN", body=AWAY["ja-says-so"], sender=OPS, to=to)
    deliver(team, away, envelope_to=(to,))
    assert [o.kind for o in outbox(team)[before:]] == []
    assert show(team, ticket_id)["state"] == "pending"


def test_a_members_own_words_about_being_away_reach_the_requester(team: App) -> None:
    """A member may tell the requester they are away: only a notice that says it is
    automatic is kept from the requester (kept from them, nobody would know)."""
    ticket_id = _pending(team)
    to = reply_address(team, ticket_id, OPS)
    away = mail(f"Re: [#{ticket_id}] VPN", body=AWAY["en-ooo"], sender=OPS, to=to)
    deliver(team, away, envelope_to=(to,))
    [relayed] = outbox(team, "ops_reply")[-1:]
    assert "out of the office" in words_of(relayed)
