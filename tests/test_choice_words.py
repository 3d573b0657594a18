"""A choice field's value as people read it: by the choice's label in their language.

The sheet stores a choice as its value (``capex``); the web form, Slack, the
acknowledgement, the ticket page's sheet and ``tickets show`` show its label
(設備投資（CAPEX）). ``/category``'s and ``/field``'s transcripts said the stored value,
and the page's history and the assignee's notice said it too. A transcript answers a
member who types values, so it says the label with the value beside it, as it names an
entry (``macOS (mac)``; not again where the label says it: ``Capital expense (CAPEX)``);
the page, the notice and ``tickets show`` say the label, as the sheet beside them does.
A choice without a label is its value.

The example catalog's ``purchase`` entry (``budget``: opex, capex with labels) and the
members ops@ (en) and boss@ (ja, the entry's assignee)."""

from __future__ import annotations

import html

from gateway.catalog.load import load_catalog
from gateway.catalog.model import Entry, Field
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.pipeline import commands as c
from gateway.runner.command_said import changed
from tests.support.app import MEMBERS, reply_address
from tests.support.catalogs import EXAMPLE
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of
from tests.support.web import Rig, member_page, rig
from tests.test_web_history import _history


def _purchase() -> Entry:
    entry = load_catalog(EXAMPLE).entry("purchase")
    assert entry is not None
    return entry


def _said(entry: Entry, action: c.Action, taken: dict[str, str] | None = None) -> dict[str, str]:
    m = changed(action, "open", taken, entry)
    return {loc: translate(m, loc) for loc in ("en", "ja")}


def test_category_says_a_choice_it_took_by_its_label_and_value() -> None:
    said = _said(_purchase(), c.SetCategory("purchase"), {"budget": "capex"})
    assert said["en"] == (
        "filed under Purchase requests (purchase); from the request: "
        "Budget (budget) = Capital expense (CAPEX)"
    )
    assert said["ja"] == (
        "分類を購入申請（purchase）にしました。依頼の本文から入れた項目: "
        "予算区分（budget） = 設備投資（CAPEX）"
    )


def test_field_says_the_field_and_the_choice_as_the_member_reads_them() -> None:
    said = _said(_purchase(), c.SetField("budget", "opex"))
    assert said["en"] == "field Budget (budget) set to Operating expense (OPEX)"
    assert said["ja"] == "予算区分（budget）を経費（OPEX）にしました"


def test_a_label_that_does_not_say_the_value_has_it_beside() -> None:
    """The value a member types (/field os mac) beside a label that does not show it."""
    os = Field(
        "os",
        {"ja": "OS", "en": "OS"},
        "choice",
        ("windows", "mac"),
        choice_labels={"mac": {"ja": "マック", "en": "macOS"}},
    )
    entry = Entry(id="laptop", names={"en": "Laptops"}, fields=(os,))
    said = _said(entry, c.SetField("os", "mac"))
    assert said == {
        "en": "field OS (os) set to macOS (mac)",
        "ja": "OS（os）をマック（mac）にしました",
    }
    taken = _said(entry, c.SetCategory("laptop"), {"os": "mac"})
    assert taken["ja"].endswith("OS（os） = マック（mac）")


def test_a_value_without_a_label_is_said_as_it_is() -> None:
    plain = Entry(
        id="laptop",
        names={"en": "Laptops"},
        fields=(
            Field("os", {"en": "OS"}, "choice", ("windows", "mac")),  # os: OS (os)
            Field("serial", {"ja": "シリアル", "en": "Serial"}),
        ),
    )
    assert _said(plain, c.SetField("os", "mac"))["en"] == "field OS (os) set to mac"
    assert _said(plain, c.SetField("serial", "X1"))["ja"] == "シリアル（serial）を X1 にしました"
    assert _said(plain, c.SetCategory("laptop"), {"os": "windows"})["en"].endswith(
        "from the request: OS (os) = windows"
    )


def _member_mail(r: Rig, tid: int, body: str, member: str = "ops@example.test") -> bytes:
    name = {m.email: m.name for m in MEMBERS}[member]
    to = reply_address(r.app, tid, member)
    return mail(subject=f"Re: [#{tid}]", body=body, sender=f"{name} <{member}>", to=to)


def test_a_field_set_by_reply_reads_by_its_label_in_the_transcript_notice_and_page(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock) as r:
        body = "品名：モニター\n数量：2\n予算区分：経費\n"
        tid = deliver(r.app, mail(subject="モニター購入のお願い", body=body)).ticket_id or 0
        assert show(r.app, tid)["catalog"] == "purchase"
        deliver(r.app, _member_mail(r, tid, "/field budget 設備投資\n"))
        assert show(r.app, tid)["fields"]["budget"] == "capex"

        [transcript] = outbox(r.app, "command_result")
        assert "field Budget (budget) set to Capital expense (CAPEX)" in words_of(transcript)
        # the assignee (boss@, ja) hears of it by the labels of their language
        [notice] = outbox(r.app, "ticket_notice")
        said = words_of(notice)
        assert "予算区分" in said and "経費（OPEX） → 設備投資（CAPEX）" in said, said
        assert "opex →" not in said and "→ capex" not in said, said

        pages = {
            loc: html.unescape("\n".join(_history(member_page(r, who, f"/tickets/{tid}"))))
            for loc, who in (("ja", "boss@example.test"), ("en", "ops@example.test"))
        }
    assert "予算区分: 経費（OPEX） → 設備投資（CAPEX）" in pages["ja"], pages["ja"]
    assert "Budget: Operating expense (OPEX) → Capital expense (CAPEX)" in pages["en"]
