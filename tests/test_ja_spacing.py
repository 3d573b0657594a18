"""No stray space before a Japanese particle (「ゲートウェイ が」), in any ja message.

The ja catalog writes a space around placeholders, right for an address or a number
(``tanaka@example.test が``) and wrong for a Japanese word. Every ja message is filled
here with a Japanese value, through the same code a mail, a page or the CLI uses
(:func:`translate` for ``{name}``, the mail templates' Jinja gettext for ``%(name)s``),
and no Japanese character may be followed by a space and a particle; the catalog's own
words (no placeholder) are held to the same rule.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from gateway.core.i18n import N_, translate
from gateway.core.spacing import PARTICLES
from gateway.notify import render
from gateway.web import pages
from tests.support.paths import REPO

PO = REPO / "gateway" / "locale" / "ja" / "LC_MESSAGES" / "messages.po"
JA = "\u3005\u3040-\u30ff\u3400-\u9fff）」』】"
STRAY = re.compile(rf"[{JA}][ \u3000]+[{PARTICLES}]|[{PARTICLES}][ \u3000]+[{JA}]")
BRACE = re.compile(r"\{(\w+)(?:![rsa])?(?::[^}]*)?\}")
PERCENT = re.compile(r"%\((\w+)\)[sdr]")
WORD = "ゲートウェイ"  # the actor of what the gateway did itself, in Japanese


def _messages() -> list[tuple[str, str, bool]]:
    """(msgid, ja text, is_python_format) of every translated ja message (plural forms
    each)."""
    with Path(PO).open("rb") as f:
        catalog = read_po(f)
    found = []
    for m in catalog:
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        texts = m.string if isinstance(m.string, tuple) else (m.string,)
        for text in texts:
            found.append((ids[0], text, "python-format" in m.flags))
    return found


MESSAGES = _messages()


def _value(name: str) -> object:
    """A Japanese word, except where the message formats a number (``{n}``, ``%(num)d``)."""
    return 3 if name in {"n", "num", "count"} else WORD


def test_the_catalogs_own_words_have_no_space_before_a_particle() -> None:
    wrong = [
        text
        for _, text, _ in MESSAGES
        if STRAY.search(PERCENT.sub("x", BRACE.sub("x", text)))  # the words around the values
    ]
    assert wrong == []


@pytest.mark.parametrize("env", [render.environment([], "ja"), pages.environment("ja")])
def test_a_japanese_value_meets_its_particle_without_a_space(env: Environment) -> None:
    wrong = []
    for msgid, text, python_format in MESSAGES:
        if python_format and PERCENT.search(text):
            values = {name: _value(name) for name in PERCENT.findall(msgid + text)}
            said = env.from_string("{{ _(m, **v) }}").render(m=msgid, v=values)
        elif BRACE.search(text):
            values = {name: _value(name) for name in BRACE.findall(msgid + text)}
            try:
                said = translate(N_(msgid, **values), "ja")
            except (ValueError, TypeError, KeyError, AttributeError, IndexError):
                continue  # a number's format ({n:,}) given a word: not this test's subject
        else:
            continue
        if STRAY.search(said):
            wrong.append(said)
    assert wrong == []


def test_a_latin_value_keeps_its_space_and_a_name_its_own() -> None:
    m = "ticket #{id}: assigned to {member}"
    assert (
        translate(N_(m, id=3, member="田中 太郎"), "ja")
        == "チケット #3: 担当者を田中 太郎にしました"
    )
    assert (
        translate(N_(m, id=3, member="tanaka@example.test"), "ja")
        == "チケット #3: 担当者を tanaka@example.test にしました"
    )


def test_a_value_that_ends_in_a_full_width_bracket_meets_its_particle_without_a_space() -> None:
    """An entry named with the id a member types (アカウント（account）): its edge is a
    full-width bracket, Japanese typography, so no space before the particle either."""
    said = translate(N_("filed under {entry}", entry="アカウント（account）"), "ja")
    assert said == "分類をアカウント（account）にしました"
    quoted = translate(N_("assigned to {member}", member="「テスト」"), "ja")
    assert quoted == "担当者を「テスト」にしました"
