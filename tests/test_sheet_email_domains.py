"""A parameter sheet's e-mail field keeps the address the requester typed: the local
part's case as written, the domain mapped as the config and the web form map it
(IDNA2008 with UTS #46, gateway.core.domains), so ``faß.de`` is not ``fass.de`` (the
case folding of IDNA2003 and of our matching text made it another domain); a domain
with no IDNA2008 form is refused with its reason, in the reader's language."""

from __future__ import annotations

import re
import unicodedata

import pytest

from gateway.catalog.load import parse_catalog
from gateway.catalog.model import Field
from gateway.catalog.sheet import parse_sheet, validate
from gateway.core.domains import ascii_domain
from gateway.core.i18n import translate

EMAIL = Field("contact", {"ja": "連絡先", "en": "Contact"}, type="email")
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Taro.Yamada@faß.de", "taro.yamada@faß.de"),  # ß kept: another domain than fass.de
        ("x@ΣΙΣΥΦΟΣ.gr", "x@σισυφοσ.gr"),  # UTS #46 maps capitals, as the config does
        ("x@σίσυφος.gr", "x@σίσυφος.gr"),  # a final sigma kept (IDNA2003 made it σ)
        ("Hanako@EXAMPLE.COM", "hanako@example.com"),  # compared in lower case, as everywhere
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "taro@example.com"),  # typed full width (NFKC)
        ("a@xn--fa-hia.de", "a@faß.de"),  # the A-label of faß.de, said as people read it
        ("山田@例え.jp", "山田@例え.jp"),
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
    catalog = parse_catalog(
        "entries:\n  - id: account\n    name: {ja: アカウント, en: Accounts}\n"
        "    keywords: [account]\n    fields:\n"
        "      - {name: contact, label: {ja: 連絡先, en: Contact}, type: email}\n"
        "  - id: other\n    name: Other\n    fallback: true\n    manager: m@example.test\n"
    )
    entry = next(e for e in catalog.entries if e.id == "account")
    sheet = parse_sheet(entry, "連絡先: Taro.Yamada@Faß.DE\n")
    assert sheet.values == {"contact": "taro.yamada@faß.de"} and sheet.rejected == ()
