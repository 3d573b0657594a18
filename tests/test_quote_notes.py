"""Lotus Notes / HCL Notes write the header of the quoted history without colons: the
sender (a Notes name, "Taro Yamada/Sales/ACME@ACME", or an address), the date and time,
then "To", "cc", "Subject" (「宛先」「件名」 in Japanese Notes) each on a line of its own or
at the end of a line of the table Notes draws, the value under it. Not recognised, the
old mail under it was relayed to the requester as the member's words (and its /close
read as a command). A Notes reply copies the old mail unmarked: all of it is old."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.quotes import split_reply
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

OLD = "VPN が使えません。\n/close\n"

# the header of the quoted history as Notes writes it in plain text, by version and language
NOTES_HEADERS = {
    "notes-6": (
        "Taro Yamada/Sales/ACME@ACME\n2026/12/05 10:00\n\nTo\nsupport@example.test\ncc\n\n"
        "Subject\nRe: [#1] VPN\n\n"
    ),
    "notes-7-columns": (
        "             Taro Yamada/Sales/ACME@ACME\n"
        "             12/05/2026 10:00 AM                                        To\n"
        "                                              support@example.test\n"
        "                                                                        cc\n"
        "\n"
        "                                                                   Subject\n"
        "                                              Re: [#1] VPN\n\n"
    ),
    "notes-ja": (
        "山田 太郎/営業部/ACME@ACME\n2026/12/05 10:00\n\n宛先\nsupport@example.test\ncc\n\n"
        "件名\nRe: [#1] VPN\n\n"
    ),
    "notes-ja-address": (
        '"山田 太郎" <taro@acme.test>\n2026/12/05 10:00\n\n宛先\n'
        "support@example.test\ncc\n\n件名\nRe: [#1] VPN\n\n"
    ),
    "notes-address-columns": (
        "alice@customer.test\n2026-12-05 10:00              To  support@example.test\n"
        "                                cc\n                           Subject  Re: VPN\n\n"
    ),
}


@pytest.mark.parametrize("header", NOTES_HEADERS.values(), ids=NOTES_HEADERS.keys())
def test_a_notes_header_starts_the_quoted_history(header: str) -> None:
    assert split_reply(f"Restarted the server.\n\n{header}{OLD}") == "Restarted the server."


@pytest.mark.parametrize("header", NOTES_HEADERS.values(), ids=NOTES_HEADERS.keys())
def test_a_notes_header_with_nothing_above_is_all_old_mail(header: str) -> None:
    assert split_reply(f"{header}{OLD}") == ""


@pytest.mark.parametrize(
    "text",
    [
        # a writer's own lines that have some of the pieces, never all of them
        "Taro Yamada/Sales/ACME@ACME\n2026/12/05 10:00 に電話しました。\n",
        "To\nthe team: the VPN works again.\nSubject\nclosed\n",
        "alice@customer.test\n2026/12/05 10:00\nTo do: restart\nSubject to change\n",
    ],
)
def test_lines_with_some_of_a_notes_header_are_words(text: str) -> None:
    assert split_reply(text) == text.strip()


def test_a_members_close_from_notes_relays_no_history(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = "/pending\n\n確認します。\n\n" + NOTES_HEADERS["notes-ja"] + OLD
    deliver(
        team, mail("Re: [#1] VPN", body=body, sender="ops@example.test", to=to), envelope_to=(to,)
    )
    assert show(team, 1)["state"] == "pending"
    [sent] = outbox(team, "ops_reply")
    assert "確認します。" in text_of(sent)
    assert "VPN が使えません" not in text_of(sent)
    assert "ACME" not in text_of(sent)


@pytest.mark.parametrize(
    "attribution",
    [
        '"Taro Yamada" <taro@acme.test> wrote on 2026/12/05 10:00:00:',
        "Taro Yamada/Sales/ACME@ACME wrote on 12/05/2026 10:00:00 AM:",
        "山田 太郎 <taro@acme.test> が 2026/12/05 10:00:00 に書きました:",
    ],
)
def test_notes_internet_style_attribution_starts_the_quoted_history(attribution: str) -> None:
    """Notes' "Reply with Internet-style History": one line, the date after the name."""
    text = f"Restarted the server.\n\n{attribution}\n\n> {OLD}"
    assert split_reply(text) == "Restarted the server."


def test_a_sentence_that_says_wrote_on_a_date_is_words() -> None:
    text = "I wrote on 2026/12/05 to the vendor:\nno answer yet.\n"
    assert split_reply(text) == text.strip()
