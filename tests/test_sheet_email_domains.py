"""A parameter sheet's e-mail field keeps the address the requester typed, its local
part in lower case, the domain mapped as the config and the web form map it (IDNA2008
with UTS #46, gateway.core.domains), so ``faß.de`` is not ``fass.de`` (the case folding
of IDNA2003 and of our matching text made it another domain), and stored as they store
it: the A-label (``xn--fa-hia.de``), which an action, a script and a comparison with a
configured address read alike. A person reads the domain as it is written
(:meth:`Field.shown`: the CLI, the pages, the mails). A domain with no IDNA2008 form is
refused with its reason, in the reader's language."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from gateway.catalog.load import parse_catalog
from gateway.catalog.model import Field
from gateway.catalog.sheet import parse_sheet, validate
from gateway.core.domains import ascii_domain
from gateway.core.i18n import translate
from gateway.pipeline.parse.message import parse_message
from gateway.runner.filing import fill_fields_from_reply
from gateway.runtime.app import App
from store import ticket_rows, tickets
from store.db import transaction
from store.models import Ticket
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail
from tests.support.pipeline import show

EMAIL = Field("contact", {"ja": "連絡先", "en": "Contact"}, type="email")
ACCOUNT = (
    "entries:\n  - id: account\n    name: {ja: アカウント, en: Accounts}\n"
    "    keywords: [account]\n    fields:\n"
    "      - {name: contact, label: {ja: 連絡先, en: Contact}, type: email}\n"
    "  - id: other\n    name: Other\n    fallback: true\n    manager: m@example.test\n"
)
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Taro.Yamada@faß.de", "taro.yamada@xn--fa-hia.de"),  # ß kept: not fass.de
        ("x@ΣΙΣΥΦΟΣ.gr", "x@xn--uxamkbbkh.gr"),  # UTS #46 maps capitals: σισυφοσ.gr
        ("x@σίσυφος.gr", "x@xn--kxa6ajbbmh.gr"),  # a final sigma kept (IDNA2003 made it σ)
        ("Hanako@EXAMPLE.COM", "hanako@example.com"),  # compared in lower case, as everywhere
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "taro@example.com"),  # typed full width (NFKC)
        ("a@xn--fa-hia.de", "a@xn--fa-hia.de"),  # the A-label itself
        ("山田@例え.jp", "山田@xn--r8jz45g.jp"),
    ],
)
def test_the_domain_is_mapped_as_the_config_maps_it_and_the_local_part_kept(
    typed: str, kept: str
) -> None:
    value, problem = validate(EMAIL, typed)
    assert (value, problem) == (kept, None)
    domain = value.rpartition("@")[2]
    typed_domain = unicodedata.normalize("NFKC", typed).rpartition("@")[2]
    assert ascii_domain(domain) == ascii_domain(typed_domain)  # the same domain
    assert validate(EMAIL, value) == (value, None)  # a stored value reads back as itself


def test_fass_and_fasz_are_two_domains() -> None:
    assert validate(EMAIL, "a@faß.de")[0] != validate(EMAIL, "a@fass.de")[0]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_domain_without_an_idna2008_form_is_refused_with_its_reason(locale: str) -> None:
    value, problem = validate(EMAIL, "taro@☃.example")  # a symbol: IDNA2003 took it
    assert value == "" and problem is not None
    said = translate(problem, locale)
    assert "U+2603" in said  # the character, by its code point
    if locale == "ja":
        assert KANA_OR_KANJI.search(said) and "not an e-mail address" not in said
    else:
        assert not KANA_OR_KANJI.search(said) and said.startswith("not an e-mail address")


def test_a_mail_answering_the_sheet_keeps_the_address_as_typed() -> None:
    catalog = parse_catalog(ACCOUNT)
    entry = next(e for e in catalog.entries if e.id == "account")
    sheet = parse_sheet(entry, "連絡先: Taro.Yamada@Faß.DE\n")
    assert sheet.values == {"contact": "taro.yamada@xn--fa-hia.de"} and sheet.rejected == ()
    assert EMAIL.shown(sheet.values["contact"], "ja") == "taro.yamada@faß.de"


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ("a@xn--fa-hia.de", "a@faß.de"),
        ("山田@xn--r8jz45g.jp", "山田@例え.jp"),
        ("a@faß.de", "a@faß.de"),  # as an older release stored it
        ("a@example.com", "a@example.com"),
        ("not an address", "not an address"),  # a text field made an e-mail one since
    ],
)
def test_a_stored_address_is_shown_with_its_domain_as_people_write_it(
    stored: str, read: str
) -> None:
    assert EMAIL.shown(stored, "en") == read
    assert Field("os", {}, type="text").shown(stored, "en") == stored  # other types as stored


def test_tickets_show_reads_it_as_written_and_json_keeps_what_the_form_keeps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "catalog.yaml").write_text(ACCOUNT, encoding="utf-8")
    config = write_config(
        tmp_path, secret_file=True, locale="en", extra='[catalog]\npath = "catalog.yaml"\n'
    )
    message = tmp_path / "req.eml"
    message.write_bytes(mail("account please", body="Contact: Taro@Faß.DE\n"))
    assert run(config, "ingest", str(message), capsys=capsys).code == 0
    data = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    assert data["fields"] == {"contact": "taro@xn--fa-hia.de"}
    shown = run(config, "tickets", "show", "1", capsys=capsys).out
    assert "taro@faß.de" in shown and "xn--" not in shown


def test_a_members_transcript_says_the_address_as_written() -> None:
    """``/field contact a@faß.de``: stored as the A-label, said back as typed."""
    from gateway.catalog.sheet import typed_said

    value, _ = validate(EMAIL, "a@faß.de")
    assert typed_said(EMAIL, value) == {"ja": "a@faß.de", "en": "a@faß.de"}


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("taro@faß.de", "Taro@Faß.DE"),  # as an older release stored it; typed again
        ("taro@faß.de", "taro@xn--fa-hia.de"),  # typed as the A-label this time
        ("taro@例え.jp", "taro@例え.jp"),
        ("taro@xn--fa-hia.de", "TARO@faß.de"),  # as this release stores it
    ],
)
def test_an_address_sent_again_is_no_change_however_its_domain_was_stored(
    app: App, stored: str, typed: str
) -> None:
    """Older releases kept the domain as typed (``faß.de``), this one its A-label: the
    same address in a reply is not a "field changed" event (nor stored again), because
    addresses are compared by their A-label; the old value stays, shown alike."""
    ticket_id = _filed_with(app, stored)
    reply = parse_message(mail("Re: account please", body=f"Contact: {typed}\n"))
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, ticket_id)
        assert ticket is not None
        result = fill_fields_from_reply(s, ticket, reply, parse_catalog(ACCOUNT), app.clock.now())
    assert result.stored == {} and result.missing == []
    assert [e for e in show(app, ticket_id)["events"] if e["kind"] == "field"] == []
    assert show(app, ticket_id)["fields"] == {"contact": stored}


def test_another_address_is_still_a_change(app: App) -> None:
    ticket_id = _filed_with(app, "taro@faß.de")
    reply = parse_message(mail("Re: account please", body="Contact: hanako@faß.de\n"))
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, ticket_id)
        assert ticket is not None
        result = fill_fields_from_reply(s, ticket, reply, parse_catalog(ACCOUNT), app.clock.now())
    assert result.stored == {"contact": "hanako@xn--fa-hia.de"}
    changed = [e for e in show(app, ticket_id)["events"] if e["kind"] == "field"]
    assert [(e["old"], e["new"]) for e in changed] == [("taro@faß.de", "hanako@xn--fa-hia.de")]


def _filed_with(app: App, stored: str) -> int:
    """A ticket under ``account`` whose sheet holds ``stored`` as its contact, written
    as the release that stored it wrote it (no event: it is history)."""
    now = app.clock.now()
    with transaction(app.sessions) as s:
        ticket = Ticket(
            subject="account please",
            requester="alice@customer.test",
            state="open",
            catalog="account",
            locale="en",
            created_at=now,
            updated_at=now,
        )
        s.add(ticket)
        s.flush()
        ticket_rows.set_field(s, ticket.id, "contact", stored, exists=False)
        return ticket.id
