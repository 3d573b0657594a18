"""The catalog inside the pipeline: filing, assignment, the one missing-fields mail,
and the requester's answer completing the sheet."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import replace
from email.utils import parseaddr
from pathlib import Path

import pytest

from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

ALICE = "Alice Example <alice@customer.test>"  # tests.support.mails.mail's sender
CATALOG = """
entries:
  - id: purchase
    name: {ja: 購入申請, en: Purchase requests}
    keywords: [{term: purchase, weight: 3}, {term: 購入, weight: 3}]
    assignee: ops2@example.test
    fields:
      - {name: item, label: {ja: 品名, en: Item}, required: true}
      - {name: quantity, label: {ja: 数量, en: Quantity}, type: number, required: true}
      - {name: needed_by, label: {ja: 希望納期, en: Needed by}, type: date}
      - {name: budget, label: {ja: 予算区分, en: Budget}, type: choice,
         choices: [opex, {value: capex, label: {ja: 設備投資, en: Capital expense}}]}
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""


def answer(app: App, ticket_id: int, subject: str, body: str, sender: str = ALICE) -> bytes:
    """The requester's reply to our mail, to the reply address issued to them: a reply
    found by its In-Reply-To alone proves nothing about who wrote it (it is kept
    unverified and fills no field: tests/test_unverified_thread_reply.py)."""
    to = reply_address(app, ticket_id, parseaddr(sender)[1])
    return mail(subject=subject, body=body, sender=sender, to=to)


@pytest.fixture
def catalog_app(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[App]:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    application = build(
        replace(settings, catalog=CatalogSettings(path=path), members=MEMBERS), clock
    )
    yield application
    application.close()


def test_missing_field_is_asked_in_the_one_first_answer_and_the_reply_completes(
    catalog_app: App,
) -> None:
    app = catalog_app
    request = mail(
        subject="モニター購入のお願い",
        body="品名：27インチモニター\nよろしくお願いします。\n",
        message_id="<buy-1@customer.test>",
    )
    out = deliver(app, request)
    assert out.ticket_id is not None and "filed under purchase" in out.reason
    t = show(app, out.ticket_id)
    assert (t["catalog"], t["assignee"]) == ("purchase", "ops2@example.test")
    assert t["fields"] == {"item": "27インチモニター"}
    kinds = [r.kind for r in outbox(app)]
    assert sorted(kinds) == ["acknowledgement", "new_ticket"]  # one mail to the requester
    [ask] = [r for r in outbox(app) if r.kind == "acknowledgement"]
    asked = email.message_from_bytes(ask.raw, policy=email.policy.default)
    text = asked.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "受け付けました" in text  # the acknowledgement …
    assert "数量" in text and "品名" not in text  # … asking for exactly the missing field
    assert asked["To"].addresses[0].addr_spec == "alice@customer.test"
    [notice] = [r for r in outbox(app) if r.kind == "new_ticket"]
    assert notice.recipients == ["ops2@example.test"]
    notice_text = email.message_from_bytes(notice.raw, policy=email.policy.default)
    brief = notice_text.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "27インチモニター" in brief and "数量" in brief  # the sheet, filled and missing

    # a reply that still leaves it out asks nothing more; the answer fills the sheet
    deliver(
        app,
        answer(app, out.ticket_id, "Re: モニター購入のお願い", "急ぎです。\n"),
    )
    assert [r.kind for r in outbox(app)].count("acknowledgement") == 1
    deliver(
        app,
        answer(app, out.ticket_id, "Re: モニター購入のお願い", "数量：２台\n"),
    )
    assert show(app, out.ticket_id)["fields"] == {"item": "27インチモニター", "quantity": "2"}
    assert [r.kind for r in outbox(app)].count("acknowledgement") == 1
    # the assignee heard of both replies and the filled field, in one held notice
    [held] = outbox(app, "ticket_notice")
    assert held.recipients == ["ops2@example.test"] and held.held_until is not None
    told = email.message_from_bytes(held.raw, policy=email.policy.default)
    said = told.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "急ぎです。" in said and "数量" in said and "2" in said


@pytest.mark.parametrize(
    ("subject", "body", "line"),
    [
        ("モニター購入のお願い", "品名：27インチモニター\n", "  数量: 1\n"),
        ("Monitor purchase", "Item: a monitor\n", "  Quantity: 1\n"),
    ],
    ids=["ja", "en"],
)
def test_the_line_to_fill_in_is_written_with_the_label_in_the_requesters_language(
    catalog_app: App, subject: str, body: str, line: str
) -> None:
    """A Japanese customer was asked to write 'quantity: ' — an English word of our
    catalog — where 数量： is what they read above it and what the sheet reads too."""
    app = catalog_app
    out = deliver(app, mail(subject=subject, body=body, message_id="<q@c.test>"))
    [ask] = outbox(app, "acknowledgement")
    text = text_of(ask)
    assert line in text and "quantity:" not in text
    # what the mail asks them to write is what fills the sheet
    deliver(
        app,
        answer(app, out.ticket_id or 0, "Re: " + subject, line.replace(" 1", " 2").strip() + "\n"),
    )
    assert show(app, out.ticket_id or 0)["fields"]["quantity"] == "2"


def test_complete_request_asks_nothing_and_unmatched_goes_to_the_manager(
    catalog_app: App,
) -> None:
    app = catalog_app
    out = deliver(app, mail(subject="Purchase request", body="item: mouse\nquantity: 3\n"))
    assert show(app, out.ticket_id or 0)["fields"] == {"item": "mouse", "quantity": "3"}
    [ack] = outbox(app, "acknowledgement")
    assert "quantity:" not in text_of(ack)  # nothing asked
    other = deliver(app, mail(subject="Desk move", body="Can my desk move to floor 3?\n"))
    t = show(app, other.ticket_id or 0)
    assert (t["catalog"], t["assignee"]) == ("other", "boss@example.test")


def test_archived_mail_is_filed_but_not_answered(catalog_app: App) -> None:
    from datetime import UTC, datetime

    old = mail(
        subject="Purchase request", body="item: mouse\n", date=datetime(2019, 5, 1, tzinfo=UTC)
    )
    out = deliver(catalog_app, old, bulk=True)
    t = show(catalog_app, out.ticket_id or 0)
    assert t["catalog"] == "purchase"
    assert outbox(catalog_app) == []
    reasons = [e["detail"].get("reason", "") for e in t["events"] if e["kind"] == "no-auto-answer"]
    assert reasons and all("too old" in r for r in reasons)


@pytest.mark.parametrize(
    ("subject", "body", "said", "line"),
    [
        (
            "モニター購入のお願い",
            "品名：モニター\n数量：2\n希望納期：来週中\n",
            "希望納期「来週中」: 日付として読めません",
            "希望納期: 2026-04-01",
        ),
        (
            "Purchase request: monitor",
            "item: monitor\nquantity: 2\nneeded by: next week\n",
            'Needed by "next week": not a date',
            "Needed by: 2026-04-01",
        ),
    ],
    ids=["ja", "en"],
)
def test_an_optional_value_that_does_not_fit_is_told_in_the_acknowledgement(
    catalog_app: App, subject: str, body: str, said: str, line: str
) -> None:
    """A required field left out is asked for in the first answer; an optional one given
    a value that is not stored (not a date) was dropped without a word. Now the same
    mail names it, what was written and why, in the requester's language, and shows the
    line that would fill it."""
    out = deliver(catalog_app, mail(subject=subject, body=body, message_id="<o@c.test>"))
    assert "needed_by" not in show(catalog_app, out.ticket_id or 0)["fields"]  # not stored
    [ack] = outbox(catalog_app, "acknowledgement")
    text = text_of(ack)
    assert said in text, text
    assert line in text, text
    html = email.message_from_bytes(ack.raw, policy=email.policy.default).get_body(
        preferencelist=("html",)
    )
    assert html is not None and said[-8:] in html.get_content()


def test_a_choice_is_stored_as_its_value_and_shown_to_the_member_by_its_label(
    catalog_app: App,
) -> None:
    """A requester writes the label they read (設備投資); the sheet keeps the value
    (capex) and the assignee's notice, in Japanese, shows the label again."""
    body = "品名：モニター\n数量：2\n予算区分：設備投資\n"
    out = deliver(catalog_app, mail(subject="モニター購入のお願い", body=body))
    assert show(catalog_app, out.ticket_id or 0)["fields"]["budget"] == "capex"
    [notice] = outbox(catalog_app, "new_ticket")
    text = text_of(notice)
    assert "予算区分" in text and "設備投資" in text and "capex" not in text, text


REQUEST = {
    "ja": ("モニター購入のお願い", "品名：モニター\n数量：2\n"),
    "en": ("Purchase request: monitor", "item: monitor\nquantity: 2\n"),
}


@pytest.mark.parametrize(
    ("locale", "reply", "said", "line"),
    [
        (
            "ja",
            "希望納期：来週中\n",
            "希望納期「来週中」: 日付として読めません",
            "希望納期: 2026-04-01",
        ),
        (
            "en",
            "needed by: next week\n",
            'Needed by "next week": not a date',
            "Needed by: 2026-04-01",
        ),
    ],
)
def test_a_value_a_reply_gives_that_is_refused_is_told_once(
    catalog_app: App, locale: str, reply: str, said: str, line: str
) -> None:
    """The requester fills in the sheet by replying; a value that does not fit was an
    event on the ticket and nothing more, so they believed it was taken. Now one short
    answer names it, as the acknowledgement would, in their language."""
    subject, body = REQUEST[locale]
    out = deliver(catalog_app, mail(subject=subject, body=body, message_id="<r@c.test>"))
    [ack] = outbox(catalog_app, "acknowledgement")
    assert "「" not in text_of(ack) and '"' not in text_of(ack)  # nothing refused in it
    deliver(
        catalog_app,
        answer(catalog_app, out.ticket_id or 0, "Re: " + subject, reply),
    )
    assert "needed_by" not in show(catalog_app, out.ticket_id or 0)["fields"]
    [told] = outbox(catalog_app, "fields_refused")
    assert told.recipients == ["alice@customer.test"]
    text = text_of(told)
    assert said in text and line in text, text
    parsed = email.message_from_bytes(told.raw, policy=email.policy.default)
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["In-Reply-To"] is not None
    html = parsed.get_body(preferencelist=("html",))
    assert html is not None and said[-6:] in html.get_content()


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_correction_that_is_taken_is_not_answered(catalog_app: App, locale: str) -> None:
    subject, body = REQUEST[locale]
    out = deliver(catalog_app, mail(subject=subject, body=body, message_id="<t@c.test>"))
    key = "希望納期" if locale == "ja" else "needed by"
    deliver(
        catalog_app,
        answer(catalog_app, out.ticket_id or 0, "Re: " + subject, f"{key}: 2026-04-01\n"),
    )
    assert show(catalog_app, out.ticket_id or 0)["fields"]["needed_by"] == "2026-04-01"
    assert outbox(catalog_app, "fields_refused") == []


def test_a_no_reply_sender_is_not_told_of_a_refused_value(catalog_app: App) -> None:
    """A shop's system that writes from a no-reply address never reads an answer: the
    value is refused as for anyone, the mail not sent is an event, nothing goes out."""
    sender = "Shop <noreply@customer.test>"
    subject, body = REQUEST["ja"]
    out = deliver(catalog_app, mail(subject=subject, body=body, sender=sender, message_id="<n@c>"))
    deliver(
        catalog_app,
        answer(catalog_app, out.ticket_id or 0, "Re: " + subject, "希望納期：来週中\n", sender),
    )
    t = show(catalog_app, out.ticket_id or 0)
    assert any(e["kind"] == "field-rejected" for e in t["events"])
    assert outbox(catalog_app, "fields_refused") == []
    held = [e["detail"] for e in t["events"] if e["kind"] == "no-auto-answer"]
    assert any(d["mail"] == "fields_refused" for d in held), held


ONLY_THE_ITEM = {  # the required quantity left out
    "ja": ("モニター購入のお願い", "品名：モニター\n"),
    "en": ("Monitor purchase", "Item: a monitor\n"),
}


@pytest.mark.parametrize(
    ("locale", "reply", "missing", "ask", "refused"),
    [
        ("ja", "希望納期：来週中\n", "数量", "  数量: 1\n", "希望納期「来週中」"),
        ("en", "needed by: next week\n", "Quantity", "  Quantity: 1\n", 'Needed by "next week"'),
        # the refused value is itself the missing required one: asked for once, not twice
        ("ja", "数量：たくさん\n", "数量", "  数量: 1\n", "数量「たくさん」"),
        ("en", "quantity: lots\n", "Quantity", "  Quantity: 1\n", 'Quantity "lots"'),
    ],
    ids=["ja", "en", "ja-refused-required", "en-refused-required"],
)
def test_the_answer_to_a_refused_value_also_asks_for_the_required_fields_still_missing(
    catalog_app: App, locale: str, reply: str, missing: str, ask: str, refused: str
) -> None:
    """A reply whose value is refused was answered with that value alone; the required
    field the sheet still lacks went unsaid, so the requester believed the sheet done
    once they had corrected it. The answer names what is still missing, by its label in
    their language, with the line to write, as the acknowledgement does."""
    subject, body = ONLY_THE_ITEM[locale]
    out = deliver(catalog_app, mail(subject=subject, body=body, message_id="<m@c.test>"))
    deliver(catalog_app, answer(catalog_app, out.ticket_id or 0, "Re: " + subject, reply))
    assert "quantity" not in show(catalog_app, out.ticket_id or 0)["fields"]
    [told] = outbox(catalog_app, "fields_refused")
    text = text_of(told)
    assert refused in text, text
    assert text.count(ask) == 1, text  # the line that fills it, once
    [ack] = outbox(catalog_app, "acknowledgement")
    asked_first = text_of(ack)  # the same words as the acknowledgement's
    heading = next(line for line in asked_first.splitlines() if missing in line)
    assert heading in text, text
    html = email.message_from_bytes(told.raw, policy=email.policy.default).get_body(
        preferencelist=("html",)
    )
    assert html is not None and f"<li>{missing}" in html.get_content()


def test_the_answer_to_a_refused_value_asks_nothing_when_the_sheet_has_what_it_needs(
    catalog_app: App,
) -> None:
    subject, body = REQUEST["en"]
    out = deliver(catalog_app, mail(subject=subject, body=body, message_id="<f@c.test>"))
    deliver(
        catalog_app,
        answer(catalog_app, out.ticket_id or 0, "Re: " + subject, "needed by: next week\n"),
    )
    [told] = outbox(catalog_app, "fields_refused")
    assert "Needed by" in text_of(told)
    assert "Quantity" not in text_of(told) and "Item" not in text_of(told)


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_an_empty_outlook_reply_does_not_fill_the_sheet_with_the_example_it_quotes(
    catalog_app: App, locale: str
) -> None:
    """The acknowledgement shows the line to write with an example (``数量: 1``); a reply
    from Outlook with no words of its own (only a file, or sent by mistake) copies that
    mail below its From:/Sent: block unmarked, and the example was stored as the value."""
    subject, body = ONLY_THE_ITEM[locale]
    out = deliver(catalog_app, mail(subject=subject, body=body, message_id="<e@c.test>"))
    [ack] = outbox(catalog_app, "acknowledgement")
    header = (
        "差出人: support@example.test\n送信日時: 2026年3月1日 9:00\n宛先: alice@customer.test\n"
        if locale == "ja"
        else "From: support@example.test\nSent: Sunday, March 1, 2026 9:00 AM\n"
        "To: alice@customer.test\n"
    )
    quoted = header + f"Subject: {subject}\n\n" + text_of(ack)
    deliver(catalog_app, answer(catalog_app, out.ticket_id or 0, "RE: " + subject, quoted))
    assert "quantity" not in show(catalog_app, out.ticket_id or 0)["fields"]


@pytest.mark.parametrize(
    "head",
    [
        "________________________________\nFrom: Tanaka <tanaka@customer.test>\n"
        "Sent: Monday, March 2, 2026 10:00 AM\nTo: Alice <alice@customer.test>\n"
        "Subject: order\n",  # Outlook's forward, nothing written above it
        "差出人: 田中 <tanaka@customer.test>\n送信日時: 2026年3月2日 10:00\n"
        "宛先: 山田\n件名: 発注\n",
        "-----Original Message-----\nFrom: Tanaka\nSent: Monday\nSubject: order\n",
    ],
)
def test_a_request_forwarded_without_a_word_is_read_from_what_it_forwards(
    catalog_app: App, head: str
) -> None:
    """A customer forwards a colleague's order to the support address and writes
    nothing above it: the forwarded mail is the request. Its words file it and fill its
    sheet, as if they had been typed; in a reply to a ticket the same block is old mail."""
    body = head + "\nPurchase please:\nitem: monitor\nquantity: 2\n"
    out = deliver(catalog_app, mail(subject="FW: order", body=body))
    t = show(catalog_app, out.ticket_id or 0)
    assert t["catalog"] == "purchase", t["catalog"]
    assert t["fields"] == {"item": "monitor", "quantity": "2"}
    assert "item: monitor" in t["messages"][0]["new_text"]


def test_a_request_of_a_signature_alone_stays_without_words(catalog_app: App) -> None:
    """Nothing written but a signature: no words to file by (its company name is no
    request), as before; the subject alone files it."""
    body = "-- \nPurchase Dept. Example Corp\nTel 03-0000-0000\n"
    out = deliver(catalog_app, mail(subject="Desk move", body=body))
    t = show(catalog_app, out.ticket_id or 0)
    assert t["catalog"] == "other" and t["messages"][0]["new_text"] == ""


def test_a_keyword_only_in_the_signature_block_files_nothing(catalog_app: App) -> None:
    """A signature the mail client adds without a ``-- `` line (a name, a department,
    a phone) is not what the requester asks about: its words weigh nothing, and the
    words above it still do."""
    signature = "\n\n山田 太郎\n購入管理課\nTEL: 03-1234-5678\n"
    other = deliver(
        app := catalog_app, mail(subject="席替え", body="席を移りたいです。" + signature)
    )
    assert show(app, other.ticket_id or 0)["catalog"] == "other"
    bought = deliver(app, mail(subject="お願い", body="マウスを購入したいです。" + signature))
    assert show(app, bought.ticket_id or 0)["catalog"] == "purchase"


def test_a_keyword_only_in_a_signature_framed_by_rules_files_nothing(catalog_app: App) -> None:
    """A signature between two rules, with a name and a department and no phone: no
    words of the request either."""
    signature = "\n\n----\n山田 太郎\n購入管理課\n----\n"
    other = deliver(catalog_app, mail(subject="席替え", body="席を移りたいです。" + signature))
    assert show(catalog_app, other.ticket_id or 0)["catalog"] == "other"
    alone = deliver(catalog_app, mail(subject="お願い", body=signature.strip()))
    assert show(catalog_app, alone.ticket_id or 0)["catalog"] == "purchase"  # all it says
