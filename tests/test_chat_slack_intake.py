"""The ``/ticket`` form against messages and moments the happy path never meets: a long
pasted log full of quotes and line breaks, Japanese with emoji and ZWJ sequences made
into a ticket, a mention of the whole channel; and Slack unable to say who submitted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from gateway.catalog.load import load_catalog
from gateway.chat.slack import modal, modal_check
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support import chat as c
from tests.support.catalogs import EXAMPLE
from tests.support.pipeline import all_tickets, inbox_rows, show
from tests.support.slack_fake import FakeSlack

FAMILY = "👨‍👩‍👧‍👦"  # one emoji of four people and three zero-width joiners


def _mrkdwn(value: object) -> Iterator[str]:
    """The texts of a post's blocks that Slack reads as markup."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            yield str(value.get("text", ""))
        for inner in value.values():
            yield from _mrkdwn(inner)
    elif isinstance(value, list):
        for item in value:
            yield from _mrkdwn(item)


def _units(text: str) -> int:
    """Length as Slack's limits count it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize(
    "line",
    [
        '{"level": "error", "msg": "VPN \\"tunnel\\" down"}\n',  # a pasted JSON log
        f"接続できません{FAMILY}🙏\n\n",  # Japanese, emoji beyond the BMP, blank lines
    ],
)
def test_a_long_message_opens_the_form_within_slacks_limits(
    chat_app: App, fake: FakeSlack, line: str
) -> None:
    said = (line * 400)[:2900]
    message = {"ts": "1772400000.000100", "text": said, "user": "U0X"}
    fake.envelope("interactive", c.shortcut("create_ticket", c.REQUESTER, message))
    [opened] = fake.wait_for("views.open")
    assert _units(opened["view"]["private_metadata"]) <= 3000  # Slack's limit, or no form
    answer = fake.envelope("interactive", c.submission(opened["view"], c.chosen("vpn")))
    assert _units(answer["view"]["private_metadata"]) <= 3000
    text = next(b for b in answer["view"]["blocks"] if b.get("block_id") == "text")
    prefilled = text["element"]["initial_value"]
    assert said.startswith(prefilled) and len(prefilled) >= 1000  # the start, much of it
    assert not prefilled.endswith("\u200d")  # no emoji cut inside its sequence


def test_a_message_with_mentions_becomes_a_ticket_that_pings_nobody(
    chat_app: App, fake: FakeSlack
) -> None:
    said = f"<!channel> <@{c.OPS}> VPN が落ちます {FAMILY} <!subteam^S0TEAM|@ops-team> 至急"
    message = {"ts": "1772400000.000200", "text": said, "user": "U0X"}
    fake.envelope("interactive", c.shortcut("create_ticket", c.REQUESTER, message))
    [opened] = fake.wait_for("views.open")
    answer = fake.envelope("interactive", c.submission(opened["view"], c.chosen("vpn")))
    text = next(b for b in answer["view"]["blocks"] if b.get("block_id") == "text")
    prefilled = text["element"]["initial_value"]
    assert prefilled == f"@channel @Ops One VPN が落ちます {FAMILY} @ops-team 至急"
    values = c.typed("*urgent* <https://evil.example|click>", prefilled, os="linux")
    assert fake.envelope("interactive", c.submission(answer["view"], values)) == {}
    chat_app.runner.process_pending()
    [t] = all_tickets(chat_app)
    assert FAMILY in json.dumps(show(chat_app, t["id"]), ensure_ascii=False)
    c.poster(chat_app).drain()
    posts = fake.of("chat.postMessage")
    assert posts
    for text in [str(p.get("text", "")) for p in posts] + [t for p in posts for t in _mrkdwn(p)]:
        assert "<!channel>" not in text and f"<@{c.OPS}>" not in text  # no ping
        assert "<https://evil" not in text  # no link of theirs in our posts


def test_a_submission_when_slack_cannot_say_who_sent_it_asks_to_try_again(
    chat_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    fake.envelope("slash_commands", c.command())
    [opened] = fake.wait_for("views.open")
    step2 = fake.envelope("interactive", c.submission(opened["view"], c.chosen("vpn")))["view"]
    clock.advance(timedelta(minutes=15))  # a form filled slowly: who sent it is asked again
    fake.refuse["users.info"] = "ratelimited"
    ack = fake.envelope("interactive", c.submission(step2, c.typed("VPN", "", os="linux")))
    assert ack["response_action"] == "errors"
    assert "もう一度" in ack["errors"]["subject"] and "メール" not in ack["errors"]["subject"]
    assert [r for r in inbox_rows(chat_app) if r.source == "slack"] == []


def test_the_ticket_commands_words_reach_the_form_as_typed(chat_app: App, fake: FakeSlack) -> None:
    """Slack sends a command's ``&``, ``<`` and ``>`` as entities, escaping on or off."""
    fake.envelope("slash_commands", c.command("R&amp;D の VPN &lt;東京&gt; が落ちる 🙏🏽"))
    [opened] = fake.wait_for("views.open")
    answer = fake.envelope("interactive", c.submission(opened["view"], c.chosen("vpn")))
    text = next(b for b in answer["view"]["blocks"] if b.get("block_id") == "text")
    assert text["element"]["initial_value"] == "R&D の VPN <東京> が落ちる 🙏🏽"


@pytest.mark.parametrize("door", ["command", "shortcut"])
def test_words_cut_to_the_forms_length_never_split_an_emoji(
    chat_app: App, fake: FakeSlack, door: str
) -> None:
    """Words past what the form carries (2 000 characters) are cut between whole
    characters: an emoji sequence that straddles the cut goes whole, never as the first
    person of a family (👨 alone, its joiners and the others dropped)."""
    typed = "あ" * 1998 + FAMILY + "ここまで"
    if door == "command":
        fake.envelope("slash_commands", c.command(typed))
    else:
        message = {"ts": "1772400000.000100", "text": typed, "user": "U0X"}
        fake.envelope("interactive", c.shortcut("create_ticket", c.REQUESTER, message))
    [opened] = fake.wait_for("views.open")
    answer = fake.envelope("interactive", c.submission(opened["view"], c.chosen("vpn")))
    text = next(b for b in answer["view"]["blocks"] if b.get("block_id") == "text")
    assert text["element"]["initial_value"] == "あ" * 1998


def test_a_number_field_is_slacks_number_input_with_the_catalogs_rules(
    chat_app: App, fake: FakeSlack
) -> None:
    """The example catalog's quantity is a whole number of at least 1: the modal's input
    is Block Kit's number input holding those rules (Slack then refuses 0 and 2.5 in the
    person's client), and a value that reaches us anyway is refused under its field in
    the sheet's words, as the web form and mail refuse it; a good one is stored."""
    fake.envelope("slash_commands", c.command())
    [opened] = fake.wait_for("views.open")
    step2 = fake.envelope("interactive", c.submission(opened["view"], c.chosen("purchase")))["view"]
    quantity = next(b for b in step2["blocks"] if b.get("block_id") == "field:quantity")
    element = quantity["element"]
    assert element["type"] == "number_input"
    assert (element["is_decimal_allowed"], element["min_value"]) == (False, "1")
    assert "max_value" not in element
    item = next(b for b in step2["blocks"] if b.get("block_id") == "field:item")
    assert item["element"]["type"] == "plain_text_input"

    def sent(number: str) -> dict[str, object]:
        values = c.typed("ノートPCの購入", "", item="ノートPC")
        values["field:quantity"] = {"value": {"type": "number_input", "value": number}}
        return dict(fake.envelope("interactive", c.submission(step2, values)))

    refused = sent("2.5")
    assert refused["response_action"] == "errors"
    assert refused["errors"] == {"field:quantity": "整数にしてください"}
    assert sent("3") == {}
    chat_app.runner.process_pending()
    [t] = all_tickets(chat_app)
    assert show(chat_app, t["id"])["fields"]["quantity"] == "3"


def test_a_subject_of_only_characters_nobody_sees_is_no_subject() -> None:
    """A zero-width space (Slack puts them around what it escapes, and a paste brings
    them) made a subject that passed "Please write a subject" and filed a ticket
    titled "(no subject)"; the web form reads its title the same way."""
    vpn = load_catalog(EXAMPLE).entry("vpn")
    assert vpn is not None
    form = modal.typed({"state": {"values": c.typed("\u200b\ufeff", "", os="linux")}}, vpn)
    assert modal_check.errors(vpn, form, "ja") == {"subject": "件名を入力してください。"}
    kept = modal.typed({"state": {"values": c.typed("\u200bVPN\u200b", "", os="linux")}}, vpn)
    assert kept.subject == "VPN" and modal_check.errors(vpn, kept, "ja") == {}
