"""A member's forward relayed to the requester carries no forwarded header block.

A member who forwards a mail to the ticket's reply address (a vendor's answer, or our
own mail to them) with nothing written above the banner sends what it forwards: that
is relayed to the requester. The header block the client wrote over it ("From: …",
"Date: …", "To: …", 差出人/送信日時/宛先/件名) names internal addresses and is not the
member's words: it is left out of the relayed answer (the ticket keeps the whole mail).
Each mail goes the real way (the reply address issued to the member, the runner); the
pure function is tested on each client's form, on a real Gmail forward of the shared
corpus when it is there, and on hostile text for linear time.
"""

from __future__ import annotations

from email.mime.text import MIMEText

import pytest

from gateway.pipeline.parse.forward_headers import (
    BANNERS,
    begins_with_banner,
    without_forward_headers,
)
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.corpus import needs_shared, shared
from tests.support.cpu import cpu_within
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

INTERNAL = "vendor-desk@partner.example.test"  # what must never reach the requester
QUADRATIC = 30.0  # CPU seconds: only a quadratic reading gets near it (see test_priority)

# One forward per client, as each writes it in plain text, over the vendor's answer.
FORWARDS = {
    "gmail": (
        "---------- Forwarded message ---------\n"
        f"From: Vendor Desk <{INTERNAL}>\n"
        "Date: Sat, Dec 5, 2026 at 10:00 AM\n"
        "Subject: Re: VPN gateway\n"
        "To: Ops One <ops@example.test>\n"
        "Cc: noc@example.test\n\n\n"
    ),
    "gmail-ja": (
        "---------- 転送メッセージ ---------\n"
        f"差出人: ベンダー窓口 <{INTERNAL}>\n"
        "日付: 2026年12月5日(土) 10:00\n"
        "件名: Re: VPN gateway\n"
        "宛先: <ops@example.test>\n\n\n"
    ),
    "thunderbird": (
        "-------- Forwarded Message --------\n"
        "Subject: \tRe: VPN gateway\n"
        "Date: \tSat, 5 Dec 2026 10:00:00 +0900\n"
        f"From: \tVendor Desk <{INTERNAL}>\n"
        "To: \tOps One <ops@example.test>,\n"
        " noc@example.test\n\n\n"
    ),
    "thunderbird-ja": (
        "-------- 転送メッセージ --------\n"
        "件名: \tRe: VPN gateway\n"
        "日付: \tSat, 5 Dec 2026 10:00:00 +0900\n"
        f"差出人: \tベンダー窓口 <{INTERNAL}>\n"
        "宛先: \tops@example.test\n\n"
    ),
    "apple-mail": (
        "Begin forwarded message:\n\n"
        f"From: Vendor Desk <{INTERNAL}>\n"
        "Subject: Re: VPN gateway\n"
        "Date: 5 December 2026 at 10:00:00 JST\n"
        "To: Ops One <ops@example.test>\n\n"
    ),
    "apple-mail-ja": (
        "転送されたメッセージ:\n\n"
        f"差出人: ベンダー窓口 <{INTERNAL}>\n"
        "件名: Re: VPN gateway\n"
        "日付: 2026年12月5日 10:00:00 JST\n"
        "宛先: ops@example.test\n\n"
    ),
    "outlook": (
        "-----Original Message-----\n"
        f"From: Vendor Desk <{INTERNAL}> \n"
        "Sent: Saturday, December 5, 2026 10:00 AM\n"
        "To: Ops One <ops@example.test>\n"
        "Subject: RE: VPN gateway\n\n"
    ),
    "outlook-web": (
        "________________________________\n"
        f"From: Vendor Desk <{INTERNAL}>\n"
        "Sent: Saturday, December 5, 2026 10:00 AM\n"
        "To: Ops One <ops@example.test>\n"
        "Subject: RE: VPN gateway\n\n"
    ),
    "outlook-ja": (
        "________________________________\n"
        f"差出人: ベンダー窓口 <{INTERNAL}>\n"
        "送信日時: 2026年12月5日 10:00\n"
        "宛先: 運用 <ops@example.test>\n"
        "件名: RE: VPN gateway\n\n"
    ),
}
VENDOR = "The gateway firmware 4.2 fixes the VPN drop; please update.\n"


@pytest.mark.parametrize("client", FORWARDS)
def test_each_clients_header_block_goes_and_the_text_stays(client: str) -> None:
    out = without_forward_headers(FORWARDS[client] + VENDOR)
    assert out.strip() == VENDOR.strip(), out


@pytest.mark.parametrize("client", FORWARDS)
def test_a_block_below_the_words_goes_and_the_words_stay(client: str) -> None:
    out = without_forward_headers(
        "Hi Alice,\nsee the vendor's answer.\n\n" + FORWARDS[client] + VENDOR
    )
    assert "see the vendor's answer." in out and "firmware 4.2" in out
    assert INTERNAL not in out and "ops@example.test" not in out, out


def test_every_banner_row_has_a_comment() -> None:
    assert all(pattern and comment for pattern, comment in BANNERS)


@pytest.mark.parametrize(
    "text",
    [
        # a travel plan, a member's own "To:" line, a rule of their own: their words
        "From: Copenhagen\nDate: Monday\nTo: Oslo\n",
        "To: all customers on floor 3\nThe printer works again.\n",
        "__________________\nThe printer works again.\n",
        # a banner with no header under it names no one
        "---------- Forwarded message ---------\nThe printer works again.\n",
    ],
    ids=["travel-plan", "to-line", "rule", "bare-banner"],
)
def test_the_writers_own_lines_stay(text: str) -> None:
    assert without_forward_headers(text) == text


def test_a_block_whose_banner_the_quote_finder_took_off_goes_too() -> None:
    """Thunderbird's block starts with Subject (no Outlook shape): it is known by the
    banner above it, which :func:`split_reply` takes off a forward with no words."""
    body = FORWARDS["thunderbird"] + VENDOR
    assert begins_with_banner("\n" + body) and not begins_with_banner(VENDOR)
    under = body.split("\n", 1)[1]  # what the quote finder keeps
    assert without_forward_headers(under, banner_cut=True).strip() == VENDOR.strip()
    # with no banner taken off, lines at the top are the writer's
    own = "Subject: the VPN\nDate: Monday\n\nIt works again.\n"
    assert without_forward_headers(own) == own


OURS = frozenset({"support@example.test"})
OUR_NOTICE = (
    "---------- Forwarded message ---------\n"
    "From: Support <support+1-0123456789abcdef@example.test>\n"
    "Date: Sat, Dec 5, 2026 at 10:00 AM\n"
    "Subject: [#1] VPN\n"
    "To: Ops One <ops@example.test>\n\n"
    "Ops One,\n\nTicket [#1] was updated.\nNote by Boss: the customer is upset, escalate.\n"
)


@pytest.mark.parametrize("above", ["", "Hi Alice,\nthe vendor answered:\n\n"])
def test_our_own_mail_forwarded_is_not_the_writers(above: str) -> None:
    """A block whose sender is one of our addresses heads our mail to the member (a
    notice, with its notes): it goes, and all under it, as a quote of it would."""
    out = without_forward_headers(above + OUR_NOTICE, own=OURS)
    assert "upset" not in out and "support+1-" not in out, out
    assert out.strip() == above.strip()


def test_a_vendors_answer_over_our_own_mail_keeps_the_answer() -> None:
    ours = FORWARDS["outlook-ja"].replace(
        f"ベンダー窓口 <{INTERNAL}>", "サポート <support@example.test>"
    )
    text = FORWARDS["gmail"] + VENDOR + "\n" + ours + "社内メモ: 先方は急いでいる\n"
    out = without_forward_headers(text, own=OURS)
    assert "firmware 4.2" in out and "社内メモ" not in out and INTERNAL not in out, out


def test_nested_forwards_lose_every_block() -> None:
    text = FORWARDS["gmail"] + "FYI\n\n" + FORWARDS["outlook-ja"] + VENDOR
    out = without_forward_headers(text)
    assert INTERNAL not in out and "ops@example.test" not in out, out
    assert "FYI" in out and "firmware 4.2" in out


@pytest.mark.parametrize(
    "text",
    [
        "---------- Forwarded message ---------\n" + "From: x\n" * 200_000,
        "Begin forwarded message:\n" * 200_000,
        "From: a@b\n" * 200_000,
        "________________________________\n" * 200_000,
        " " * 1_000_000 + "\n" + "From:" + " " * 1_000_000,
        "\n" * 1_000_000,
    ],
    ids=["long-block", "banners", "froms", "rules", "spaces", "blank-lines"],
)
def test_hostile_text_costs_linear_time(text: str) -> None:
    cpu_within(QUADRATIC, lambda: without_forward_headers(text))


@needs_shared
def test_a_real_gmail_forward_loses_its_header_block() -> None:
    """mikel-mail's Gmail forward, as a member's words with nothing above the banner."""
    msg = parse_message(shared("public/mikel-mail/iso2022jp-filename-fwd.eml").raw())
    banner = msg.text.index("---------- Forwarded message")
    out = without_forward_headers(msg.text[banner:])
    assert "xxxxxxx@xxxxxxxxxx.com" not in out and "Date: May 8, 2005" not in out, out
    assert "Test attachments oddly encoded with japanese charset." in out


# --- the real way: the member's mail to the reply address, then the runner


def _forward(app: App, member: str, body: str) -> None:
    to = reply_address(app, 1, member)
    msg = MIMEText(body, "plain", "utf-8")
    msg["From"], msg["To"], msg["Subject"] = member, to, "Fwd: [#1] VPN"
    deliver(app, msg.as_bytes(), envelope_to=(to,))


@pytest.fixture
def asked(team: App) -> App:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    return team


@pytest.mark.parametrize("client", FORWARDS)
def test_a_members_forward_reaches_the_requester_without_its_header_block(
    asked: App, client: str
) -> None:
    _forward(asked, "ops@example.test", FORWARDS[client] + VENDOR)
    answers = outbox(asked, "ops_reply")
    if client.startswith("outlook"):
        # Outlook's block copies the old mail unmarked: nothing written, nothing relayed
        assert answers == []
        return
    [answer] = answers
    text = words_of(answer)
    assert "firmware 4.2" in text, text
    assert INTERNAL not in text and "ops@example.test" not in text, text
    [kept] = [
        m["text"]
        for m in show(asked, 1)["messages"]
        if m["direction"] == "in" and m["from"] == "ops@example.test"
    ]
    assert INTERNAL in kept  # the ticket keeps the whole mail: the team sees who wrote it


@pytest.mark.parametrize("member", ["ops@example.test", "ops2@example.test"])
def test_a_members_forward_of_our_own_mail_relays_nothing(asked: App, member: str) -> None:
    """Forwarding a ticket mail (our notice, its notes in it) back instead of replying:
    nothing in it is the member's words, and nothing of it reaches the requester."""
    _forward(asked, member, OUR_NOTICE)
    assert outbox(asked, "ops_reply") == []


@pytest.mark.parametrize(
    ("member", "body", "said"),
    [
        # a Gmail forward whose vendor answer itself quotes an Outlook exchange unmarked
        (
            "ops@example.test",
            FORWARDS["gmail"] + VENDOR + "\n" + FORWARDS["outlook"] + "My VPN drops.\n",
            "firmware 4.2",
        ),
        # 「転送メッセージ」 over a Japanese Outlook block of the vendor's own history
        (
            "ops2@example.test",
            FORWARDS["gmail-ja"]
            + "ファームウェア 4.2 で直ります。\n\n"
            + FORWARDS["outlook-ja"]
            + "切れます。\n",
            "ファームウェア 4.2",
        ),
    ],
    ids=["gmail-over-outlook", "gmail-ja-over-outlook-ja"],
)
def test_a_forward_with_older_history_loses_every_block(
    asked: App, member: str, body: str, said: str
) -> None:
    _forward(asked, member, body)
    [answer] = outbox(asked, "ops_reply")
    text = words_of(answer)
    assert said in text and INTERNAL not in text and "ops@example.test" not in text, text


def test_a_reply_that_quotes_a_forward_relays_only_the_words(asked: App) -> None:
    body = (
        "Hi Alice, the vendor confirmed the fix.\n\n"
        "On Sat, Dec 5, 2026 at 10:00 AM Support <support@example.test> wrote:\n"
        "> ---------- Forwarded message ---------\n"
        f"> From: Vendor Desk <{INTERNAL}>\n"
        "> Date: Sat, Dec 5, 2026 at 9:00 AM\n>\n> Fixed in 4.2.\n"
    )
    _forward(asked, "ops@example.test", body)
    [answer] = outbox(asked, "ops_reply")
    text = words_of(answer)
    assert "the vendor confirmed the fix." in text and INTERNAL not in text, text
