"""Which member ``/assign <member>`` (and ``tickets assign``) names, or why none.

Pure. A member is named by their address, the part before the ``@``, or their name from
``[[members]]`` as written (a space of either width, or none) or one word of it that
only one member has. A Japanese member names a colleague as a mail does, with the
honorific after the name (「/assign 佐藤さん」, 「/assign 山田様」): read as written first
(a name may end as one does, "Lee Kun"), then without it (:data:`HONORIFICS`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from gateway.core.domains import ascii_address
from gateway.core.i18n import N_, Msg
from gateway.core.text import normalise, visible

# what follows a person's name in Japanese and is not part of it, longest first
HONORIFICS = (
    "さま",  # 様 in kana
    "さん",  # the everyday one: 佐藤さん
    "くん",  # a junior colleague: 山田くん
    "様",  # formal, as to a customer
    "殿",  # formal, in business letters
    "君",  # くん in kanji
    "氏",  # the written third person: 佐藤氏
)


def member_named(word: str, members: Collection[str], names: Mapping[str, str]) -> str | Msg:
    """The address of the member ``word`` names (``members``: the configured addresses;
    ``names``: address → display name), or why there is none."""
    matches = _named(word, members, names)
    if not matches:
        bare = _without_honorific(normalise(word).strip())
        if bare is not None:
            matches = _named(bare, members, names)
    if len(matches) == 1:
        return matches[0]
    if matches:
        return N_("'{member}' names several members; write the address", member=visible(word))
    return N_("unknown member '{member}'", member=visible(word))


def _named(word: str, members: Collection[str], names: Mapping[str, str]) -> list[str]:
    wanted = word.lower()
    address = ascii_address(word.strip())  # ITO@例え.jp: the member kept as its A-label
    matches = [m for m in members if m == address or wanted == m.split("@", 1)[0]]
    if not matches:  # a name: whole without its spaces, or one of its words (a surname)
        said = "".join(normalise(word).split())  # 「山田 太郎」 as 「山田　太郎」 or 山田太郎
        matches = [m for m in members if said in _name_forms(names.get(m, ""))]
    return matches


def _without_honorific(word: str) -> str | None:
    """``word`` without the honorific it ends with, or None (none, or nothing before it)."""
    for honorific in HONORIFICS:
        if word.endswith(honorific) and word[: -len(honorific)].strip():
            return word[: -len(honorific)].strip()
    return None


def _name_forms(name: str) -> set[str]:
    words = normalise(name).split()
    return {"".join(words), *words} - {""}
