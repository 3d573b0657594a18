"""A requester's ``/close`` written under their own words ("Thanks, it works now." and
then ``/close``), as people write it: commands were read only at the top, so their words
reopened the ticket, the close was not done and nobody told them. A requester has few
commands and ``/close`` on the last line of their words says one thing: it is done, as at
the top. A command anywhere else under their words (in the middle of them, or any other
command) is still not done, and now the requester is told so, in their language, with
where to write it."""

from __future__ import annotations

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

OPS = "ops@example.test"


def _pending(app: App, japanese: bool) -> int:
    request = (
        mail("VPN に接続できません", body="今朝から VPN に接続できません。\n")
        if japanese
        else mail("VPN does not connect")
    )
    first = deliver(app, request)
    assert first.ticket_id is not None
    to = reply_address(app, first.ticket_id, OPS)
    asked = mail("Re: VPN", body="/pending\n\nPlease try again.\n", sender=OPS, to=to)
    deliver(app, asked, envelope_to=(to,))
    assert show(app, first.ticket_id)["state"] == "pending"
    return first.ticket_id


def _reply(app: App, ticket_id: int, body: str) -> str:
    """Alice's reply; the transcript she gets ("" for none)."""
    to = reply_address(app, ticket_id, "alice@customer.test")
    before = len(outbox(app))
    deliver(app, mail(f"Re: [#{ticket_id}] VPN", body=body, to=to), envelope_to=(to,))
    sent = [r for r in outbox(app)[before:] if r.kind == "command_result"]
    return words_of(sent[0]) if sent else ""


@pytest.mark.parametrize(
    ("body", "japanese"),
    [
        ("Thanks, it works now.\n\n/close\n", False),
        ("Thanks, it works now.\n/close resolved\n\nBest regards,\nAlice\n", False),
        ("ご対応ありがとうございました。解決しました。\n\n／ｃｌｏｓｅ\n", True),
        # the courtesy a Japanese mail ends with, under the command, and the name
        ("解決しました。\n/close\nよろしくお願いいたします。\n山田\n", True),
        ("Works now.\n/close\nThank you!\n", False),
        # the name on the thanks' own line, as many sign: no comma, a dash, 「より」
        ("Works now.\n/close\nThank you Bob\n", False),
        ("Works now.\n/close\nThanks so much - Maria Garcia\n", False),
        ("Works now.\n/close\nBest regards Bob\n", False),
        ("解決しました。\n/close\nありがとうございました。田中より\n", True),
        ("解決しました。\n/close\nよろしくお願いいたします 山田\n", True),
        ("解決しました。\n/close\nありがとうございました！\n田中より\n", True),
        ("解決しました。\n/close\n宜しくお願い致します。\n鈴木\n", True),  # in kanji
    ],
    ids=[
        "en",
        "en-signed",
        "ja-ime",
        "ja-courtesy-under",
        "en-thanks-under",
        "en-thanks-name",
        "en-thanks-dash-name",
        "en-regards-name",
        "ja-thanks-yori",
        "ja-courtesy-name",
        "ja-yori-line",
        "ja-courtesy-kanji",
    ],
)
def test_a_close_on_the_last_line_of_the_words_is_done(
    team: App, body: str, japanese: bool
) -> None:
    ticket_id = _pending(team, japanese)
    said = _reply(team, ticket_id, body)
    assert show(team, ticket_id)["state"] == "closed"
    assert ("完了" if japanese else "closed") in said


@pytest.mark.parametrize(
    ("body", "japanese", "words"),
    [
        ("It works now.\n/close\nBut the printer fails too.\n", False, "not done"),
        ("Here is my colleague.\n/cc add bob@customer.test\n", False, "not done"),
        ("直りました。\n/close\nただ、プリンタも動きません。\n", True, "実行していません"),
        # words after it that name no problem are still words, not a name or thanks
        # (up to 30 letters of anything were taken for courtesy, and the ticket closed)
        ("It works now.\n/close\nCall me at 3pm.\n", False, "not done"),
        ("It works now.\n/close\nMy colleague has it too.\n", False, "not done"),
        ("直りました。\n/close\n2階のプリンタもです。\n", True, "実行していません"),
        # a name after thanks on one line is a name; words there are still words
        ("It works now.\n/close\nThanks, call me at 3pm.\n", False, "not done"),
        ("直りました。\n/close\nありがとうございました。経理部もです\n", True, "実行していません"),
    ],
    ids=[
        "en-middle",
        "en-cc",
        "ja-middle",
        "en-call-me",
        "en-colleague",
        "ja-also",
        "en-thanks-then-words",
        "ja-thanks-then-words",
    ],
)
def test_a_command_elsewhere_under_the_words_is_not_done_and_said(
    team: App, body: str, japanese: bool, words: str
) -> None:
    ticket_id = _pending(team, japanese)
    said = _reply(team, ticket_id, body)
    ticket = show(team, ticket_id)
    assert ticket["state"] == "open"  # their words: a person reads them
    assert words in said
    assert "bob@customer.test" not in ticket["participants"]
