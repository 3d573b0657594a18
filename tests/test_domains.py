"""Domain names as mail systems convert them today: IDNA2008 with UTS #46 mapping,
non-transitional (``gateway.core.domains``), not Python's IDNA2003 ``"idna"`` codec.

Known vectors come from RFC 5892/5893 and UTS #46's own examples; the properties hold
for any text: an answer is ASCII or a :class:`BadDomain` (never another exception), the
A-labels decode back through the standard library's own punycode codec, and a domain
typed full-width is the domain typed plain."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core.domains import BadDomain, ascii_domain, unicode_domain
from gateway.core.i18n import LOCALES, translate


@pytest.mark.parametrize(
    ("written", "wire"),
    [
        ("例え.jp", "xn--r8jz45g.jp"),
        ("bücher.example", "xn--bcher-kva.example"),
        # IDNA2003 made these another domain (fass.de, σ, ...): IDNA2008 keeps them
        ("faß.de", "xn--fa-hia.de"),
        ("FAẞ.DE", "xn--fa-hia.de"),  # capital sharp s maps to ß (UTS #46)
        ("ς.gr", "xn--3xa.gr"),
        ("βόλος.gr", "xn--nxasmm1c.gr"),
        # a zero-width joiner after a virama is part of the word (RFC 5892 A.2)
        ("क्\u200dष.example", "xn--11b2ezcw70k.example"),
        # width and case, and the ideographic full stop, are mapped
        ("ＥＸＡＭＰＬＥ。ｊｐ", "example.jp"),
        ("例え．ＪＰ", "xn--r8jz45g.jp"),
        ("XN--R8JZ45G.JP", "xn--r8jz45g.jp"),
        ("xn--zca.de", "xn--zca.de"),  # the A-label of ß is itself
        ("ア・b.example", "xn--b-eeu1m.example"),  # ・ in a label with kana (RFC 5892 A.9)
        ("mail.example.test", "mail.example.test"),
    ],
)
def test_known_vectors(written: str, wire: str) -> None:
    assert ascii_domain(written) == wire


@pytest.mark.parametrize(
    ("written", "named"),
    [
        ("💩.la", "U+1F4A9"),  # emoji: not in IDNA2008 (RFC 5892 category)
        ("i❤.ws", "U+2764"),
        ("☃.net", "U+2603"),
        ("a\u200db.example", "U+200D"),  # a joiner with no virama before it
        ("a\u200cb.example", "U+200C"),
        ("a・b.example", "U+30FB"),  # ・ with no kana or kanji in the label
        ("exa_mple.例え.jp", "U+005F"),
        ("a b.例え.jp", "U+0020"),
        ("aא.example", "'aא'"),  # left-to-right and Hebrew in one label (RFC 5893)
        ("\u0301a.example", "'\u0301a'"),
        ("-例え.jp", "'-例え'"),
        ("例え-.jp", "'例え-'"),
        ("例え--x.jp", "'例え--x'"),
        ("xn--a.jp", "'xn--a'"),  # not the punycode of any label
        ("xn--ss-xxx.de", "'xn--ss-xxx'"),
        ("xn--fass.de", "'xn--fass'"),
        ("例" * 70 + ".jp", "63"),
    ],
)
def test_a_domain_with_no_idna2008_form_is_refused_saying_where(written: str, named: str) -> None:
    with pytest.raises(BadDomain) as caught:
        ascii_domain(written)
    for locale in LOCALES:
        said = translate(caught.value.message, locale)
        assert named in said
        assert "Traceback" not in said and "Codepoint" not in said  # ours, not the codec's


def test_the_japanese_reason_is_japanese() -> None:
    with pytest.raises(BadDomain) as caught:
        ascii_domain("💩.la")
    ja, en = (translate(caught.value.message, locale) for locale in ("ja", "en"))
    assert ja != en and "U+1F4A9" in ja
    assert "allow" not in ja


_LABEL_CHARS = st.characters(
    categories=["Ll", "Lo", "Nd", "Mn", "Sm", "So", "Zs", "Pc", "Pd", "Cf"],
)
_DOMAINS = st.lists(st.text(_LABEL_CHARS, min_size=0, max_size=12), min_size=1, max_size=4).map(
    ".".join
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_DOMAINS, st.text(max_size=30)))
def test_any_text_is_a_wire_domain_or_a_clear_refusal(text: str) -> None:
    """Never the codec's exception: an ASCII domain, or a BadDomain said in each language."""
    try:
        wire = ascii_domain(text)
    except BadDomain as exc:
        assert all(translate(exc.message, locale) for locale in LOCALES)
        return
    assert wire.isascii() and wire == wire.lower()
    assert ascii_domain(wire) == wire  # the wire form is its own wire form
    assert ascii_domain(unicode_domain(text)) == wire  # shown, then typed back


_KANA_HAN = st.characters(min_codepoint=0x3041, max_codepoint=0x3096) | st.characters(
    min_codepoint=0x4E00, max_codepoint=0x9FFF
)
_LATIN = st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789äöüßçñéèσςλ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_KANA_HAN | _LATIN, min_size=1, max_size=10), min_size=1, max_size=3))
def test_each_a_label_is_the_standard_punycode_of_its_label(labels: list[str]) -> None:
    """Letters of Latin, Greek, kana and kanji are valid in IDNA2008 as written: each
    label comes out as ``xn--`` + RFC 3492 punycode of itself (the standard library's
    codec), or as itself when ASCII; ß and ς are not folded."""
    wire = ascii_domain(".".join([*labels, "example"])).split(".")
    assert wire[-1] == "example"
    for label, out in zip(labels, wire, strict=False):
        if label.isascii():
            assert out == label
        else:
            assert out == "xn--" + label.encode("punycode").decode("ascii")


_FULL_WIDTH = {c: chr(ord(c) - 0x21 + 0xFF01) for c in "abcdefghijklmnopqrstuvwxyz0123456789-"}


@given(st.lists(st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"), min_size=1)))
def test_a_domain_typed_full_width_is_the_domain_typed_plain(labels: list[str]) -> None:
    plain = ".".join([*labels, "例え", "jp"])
    wide = "。".join(label.translate(str.maketrans(_FULL_WIDTH)) for label in plain.split("."))
    assert ascii_domain(wide) == ascii_domain(plain)
    assert ascii_domain(plain.upper()) == ascii_domain(plain)
