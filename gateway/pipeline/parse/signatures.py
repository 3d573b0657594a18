"""A signature block on its own: the name, title, company and phone lines a mail client
(Outlook above all) adds under what was typed, with no ``-- `` line above it.

Under a reply of commands only it is not the writer's words: a member's ``/close`` sent
the requester a mail holding only the member's name and phone number. Told apart from
words by what every line looks like, never by guessing at meaning:

* every line is short, and none is a sentence (no full stop but a company's "Inc.", no
  question or exclamation mark, no Japanese verb ending: 「です」「ください」);
* every line is contact-like (a phone or fax number, an address, a URL, a postal code,
  with nothing beside it but labels: "New URL: https://…" and "Call 03-…" are answers),
  a company (株式会社, Inc., Ltd.), a title or department (Manager, 情報システム部 課長),
  or a rule of dashes or underscores (in any width: ＴＥＬ：０３…), but for the name and
  a company without a suffix, where a signature has them (:func:`_free_lines_fit`):
  the name on top, on one line (also in brackets, 「山田太郎」, or of kanji and kana
  apart, 「山田 はなこ」) or on two in two scripts (「山田 太郎」 over "Yamada Taro"), or
  beside a title; "Acme" under "Senior Engineer"; a closing ("Best regards,", 「以上」)
  over it all;
* and at least one line is a contact or a company (a name and a title alone may be all
  someone meant to say), or the writer's own name (:func:`writer_names`: their display
  name, a word of it, their address's local part): "Best regards," over "John" is a
  signature from John, words from anyone else.

So "Done", 「済みです」, "Fixed." or a name alone are words, and so is a short answer above
a signature ("Done" over the name, 「完了」 over "All Done": two lines that are not one
name in two scripts): when in doubt, the text is sent (:func:`only_signature` says no).
:func:`without_signature` takes such a block off the end of a text, for a judge of its
words (:mod:`gateway.pipeline.thanks`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from gateway.pipeline.parse.name_shapes import (
    japanese_name,
    name_piece,
    name_shaped,
    person_shaped,
    two_scripts,
)
from gateway.pipeline.parse.writer_names import name_key, unbracketed, writer_names

__all__ = ["only_framed", "only_signature", "without_signature", "writer_names"]

_MAX_LINE = 80  # a signature's line is short: a longer one is a sentence
_MAX_LINES = 12  # a signature is a few lines: a longer text is words
_MAX_NAME_WORDS = 5  # the one free line is a name, not a sentence

# A rule a signature starts with or is drawn in (Outlook's underscores, Japanese boxes
# with their corners, ┏━━━┓, and the marks Japanese writers draw one with: ――――,
# ☆★☆★, ◆◇◆◇, 〓〓〓〓, +-+-+-, //////).
_CORNER = "[┏┓┗┛┌┐└┘╔╗╚╝]?"
_RULE = re.compile(rf"{_CORNER}[-_=─━*~＝ー・.―〓☆★◆◇■□●○◎+#/]{{4,}}{_CORNER}")
# An office extension with its label: a short number that is a phone's all the same
_EXTENSION_ITEM = r"(?:内線|ext|extension)\s*[.:]?\s*\d{1,6}(?!\d)"
_EXTENSION = re.compile(_EXTENSION_ITEM, re.IGNORECASE)
# A contact line holds a contact item (an address, a URL, a phone or fax number, a postal
# code) and nothing else but labels ("Tel:", 「内線」), an extension number and separators:
# "New URL: https://…" or "Call 03-…" is an answer, not a signature's line.
_ITEMS = re.compile(
    rf"{_EXTENSION_ITEM}|"  # an extension, labelled: 「内線: 1234」, "ext. 1234"
    r"[^\s@<>]+@[^\s@<>]+\.[a-z]{2,}|(?:https?://|www\.)\S+|"  # an address, a URL
    r"\+?\(?\d[\d ().-]{6,}\d|(?<!\d)\d{3}-\d{4}(?!\d)",  # a phone number, a postal code
    re.IGNORECASE,
)
_POSTAL = re.compile(r"\d{3}-\d{4}")  # 100-0001
# a name, then an address in angle or round brackets: "Ichiro Sato <sato@example.test>"
_NAMED_ADDRESS = re.compile(
    r"([^<>()@]{1,60}?)\s*(?:<[^\s<>@]+@[^\s<>@]+>|\([^\s()@]+@[^\s()@]+\))"
)
_PHONE_DIGITS = 9  # a run of digits is a phone number from this many digits on
_LABELS = re.compile(
    r"telephone|tel|phone|mobile|mob|cell|fax|direct|office|e-?mail|mail|web|url|ext|"
    r"[tmfep](?=[\s.:：])|"  # "T: +81 …", "M. 090 …"
    r"電話|携帯|内線|直通|代表|メール|ＴＥＬ|ＦＡＸ|[\s:：|｜/／,、()（）.\-・]|\d{1,5}",
    re.IGNORECASE,
)
# an address line: a postal mark, a prefecture and a city or ward (東京都千代田区), or a
# city or ward and the block's numbers at the line's end, a building after them at most
# (大阪市北区梅田1-2-3 梅田ビル5F, 千代田区丸の内1-1-1; not 「港区の1-2を確認」)
_PLACE = re.compile(
    r"〒|(?:都|道|府|県)\S{0,10}?(?:市|区|町|村|郡)|"
    r"[市区町村]\S{0,12}?\d{1,4}(?:[-−‐ー]\d{1,4}){1,2}"
    r"(?:\s*\S{0,20}?(?:ビル|タワー|館|棟|階|F|号室|号))?$"
)
# a company: 株式会社, (株), Inc., Ltd., Co., Ltd., GmbH, K.K.
_COMPANY = re.compile(
    r"株式会社|有限会社|合同会社|[（(]株[)）]|㈱|"
    r"\b(?:Inc|Ltd|LLC|LLP|Corp|Corporation|Co|GmbH|K\.K|plc|Limited|Company)\b\.?",
    re.IGNORECASE,
)
# a title or department: English words, and Japanese ones at a word's end
_TITLE = re.compile(
    r"\b(?:manager|engineer|director|officer|lead|head|specialist|administrator|admin|"
    r"consultant|president|ceo|cto|cio|cfo|vp|analyst|architect|coordinator|support|"
    r"service desk|help ?desk|sales|department|dept|division|div|team|group|operations)\b|"
    r"(?:部|課|室|係|グループ|チーム|センター|本部|支店|営業所|部長|課長|係長|主任|担当|"
    r"マネージャー|エンジニア|リーダー)(?=$|[\s/／|｜])",
    re.IGNORECASE,
)
# a sentence: a Japanese verb ending, or a question or exclamation mark anywhere
_SENTENCE = re.compile(r"です|ます|ました|ません|ください|下さい|お願い|[?？!！。]")
# a full stop at a line's end that is an abbreviation's, not a sentence's: a company's
# ("Example Inc.") or a title's ("System Administration Dept.", "IT Div.")
_COMPANY_STOP = re.compile(
    r"\b(?:Inc|Ltd|Co|Corp|K\.K|plc|Dept|Div|Sr|Jr|Mgr|Dir|Assoc)\.$", re.IGNORECASE
)


def without_signature(text: str, names: Sequence[str] = ()) -> str:
    """``text`` without the signature block at its end (:func:`only_signature`), if it has
    one under its words: what a judge of the words reads ("Thank you!" above a name, a
    company and a phone number is only thanks). The longest such block is taken, of the
    last :data:`_MAX_LINES` lines that are not blank, and only where the words end: under
    a blank line or a rule, or under a line that ends a sentence or a closing
    (「よろしくお願いいたします」, "Regards,"); "新しい担当者" over a name and a phone is
    what the writer says. Without one, ``text`` as it is. ``names``: the writer's
    (:func:`writer_names`)."""
    lines = text.rstrip().splitlines()
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for start in filled[-_MAX_LINES:]:
        cut = start > 0 and _words_end(lines[start - 1])
        if cut and only_signature("\n".join(lines[start:]), names):
            return _above(lines, start, text)
    framed = _framed_at(lines, filled, names)
    return text if framed is None else _above(lines, framed, text)


def _above(lines: list[str], start: int, text: str) -> str:
    """The words above the signature block at ``start``; ``text`` whole when there are
    none but rules above it: a request whose whole body is framed is what it says."""
    for line in lines[:start]:
        if line.strip() and not _is_rule(line):
            return "\n".join(lines[:start]).rstrip()
    return text


def only_framed(text: str, names: Sequence[str] = ()) -> bool:
    """Whether ``text`` is a signature framed by rules and nothing else (blank lines
    aside): what a block of :func:`_framed_at` is, under commands."""
    lines = text.rstrip().splitlines()
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return bool(filled) and _framed_at(lines, filled, names) == filled[0]


_MAX_FRAMED = 6  # lines between two rules that may be a signature: a name, a company, …


def _framed_at(lines: list[str], filled: list[int], names: Sequence[str]) -> int | None:
    """Where the signature framed by rules at the end of ``lines`` starts (its upper
    rule), or None: the last line that is not blank (of ``filled``) a rule, another
    within :data:`_MAX_FRAMED` lines above it, and between them only what a signature
    holds (:func:`_framed_lines`). Clients draw one so with no phone or address line
    (「----」 over 「山田 太郎」 and 「エグザンプル」 or 「購入管理課」, then 「----」),
    which :func:`only_signature` alone does not take for one."""
    if not filled or not _is_rule(lines[filled[-1]]):
        return None
    inner: list[str] = []
    for i in reversed(filled[-(_MAX_FRAMED + 2) : -1]):
        if _is_rule(lines[i]):
            return i if inner and _framed_lines(inner[::-1], names) else None
        inner.append(_read(lines[i]))
    return None


def _framed_lines(lines: list[str], names: Sequence[str]) -> bool:
    """The lines a rule frames are a signature's: each short and no sentence, a contact,
    a company, a title or the writer's name, or else shaped as a name (a company
    without its suffix is: "Acme Widgets", 「エグザンプル」); and one of them a person's
    name ("John Smith", 「山田 太郎」, the writer's) or, beside a company or a department,
    a name in one word (「山田」). A pasted log ("ERROR 500 at /var/www"), a list of
    hosts or a sentence is no signature, and stays the request's words."""
    kinds: list[str] = []
    for line in lines:
        if len(line) > _MAX_LINE or _sentence(line):
            return False
        kind = _kind(line, names)
        if kind == _FREE and not (_name_words(line) and name_shaped(line)):
            return False
        kinds.append(kind)
    if _OWN in kinds or _NAMED in kinds or any(person_shaped(line) for line in lines):
        return True
    return _FREE in kinds and (_CONTACT in kinds or _TITLE_LINE in kinds)


def _read(line: str) -> str:
    """``line`` as it is judged: in NFKC (an IME types ＴＥＬ：０３…), without the sides of
    a box drawn around the block (┃山田 太郎┃, │…│) or the spaces around it."""
    return unicodedata.normalize("NFKC", line).strip().strip(_BOX_SIDES).strip()


_BOX_SIDES = "┃│║"  # a box's sides, drawn at a line's edges (| is a name's separator)


def _is_rule(line: str) -> bool:
    return _RULE.fullmatch(_read(line)) is not None


def _words_end(line: str) -> bool:
    """The line above a signature block: blank, a rule, or the end of the words."""
    line = _read(line)
    return not line or bool(_RULE.fullmatch(line)) or line.endswith(_COMMA) or _sentence(line)


_COMMA = (",", "、")  # "Best regards," above the name (NFKC: ， is ,)

# A closing the first line of a block may be, over the name ("Best regards,", 「以上」):
# a habit of the writer's or their client's, no answer. Alone it is words (no block
# follows), and "Thanks!", "Thanks, it works" or 「以上、よろしくお願いいたします」 is a
# sentence.
_CLOSING = re.compile(
    r"(?:(?:(?:with\s+)?(?:best|kind|warm|warmest|many)\s+)?(?:regards|thanks|wishes)|"
    r"best|cheers|all\s+the\s+best|respectfully|"
    r"sincerely(?:\s+yours)?|yours\s+(?:sincerely|truly)|thank\s+you|br)[,.]?|"
    r"(?:以上|敬具|草々|拝)[、。,.]?",  # Japanese: "that is all", a letter's closing
    re.IGNORECASE,
)


# What a line of a signature block is (a sentence or a long line ends the judgement).
_CONTACT = "contact"  # a phone, an address, a URL, a company: what makes it a signature
_TITLE_LINE = "title"  # a title or department alone: "Senior Engineer", 「情報システム部 課長」
_NAMED = "named"  # a title beside something else, the name: "Taro Yamada | Manager"
_FREE = "free"  # none of those: a name, a company without a suffix ("Acme"), or words
_OWN = "own"  # the writer's own name (writer_names): theirs, as a phone number is


def only_signature(text: str, names: Sequence[str] = ()) -> bool:
    """Whether ``text`` is a signature block and nothing else (blank lines aside). Each
    line is read in NFKC: an IME types ＴＥＬ：０３－１２３４－５６７８ and ＊＊＊＊.
    ``names``: the writer's (:func:`writer_names`); a line that is one of them is as
    much a signature's as a phone number ("Best regards," over "John", from John)."""
    lines = [_read(line) for line in text.splitlines()]
    lines = ["" if _RULE.fullmatch(line) else line for line in lines]
    if not any(lines) or sum(map(bool, lines)) > _MAX_LINES:
        return False
    first = next(i for i, line in enumerate(lines) if line)
    if _CLOSING.fullmatch(lines[first]):  # "Best regards," over the name: a habit
        lines[first] = ""
    kinds: list[str | None] = []  # None: a blank line
    for line in lines:
        if line and (len(line) > _MAX_LINE or _sentence(line)):
            return False
        kinds.append(_kind(line, names) if line else None)
    if _CONTACT not in kinds and _OWN not in kinds:
        return False
    if _FREE in kinds and not {_CONTACT, _TITLE_LINE, _NAMED} & set(kinds):
        return False  # the writer's name and a word: 「山田」 under 「完了」 signs the answer
    return _free_lines_fit(lines, kinds)


def _kind(line: str, names: Sequence[str]) -> str:
    if _contact(line) or _COMPANY.search(line):
        return _CONTACT
    if names and _own_name(line, names):
        return _OWN
    if _TITLE.search(line):
        return _NAMED if _names_someone(line) else _TITLE_LINE
    return _FREE


def _free_lines_fit(lines: list[str], kinds: list[str | None]) -> bool:
    """Whether the free lines are where a signature has them, in the numbers it has:

    * at the top, right above the block's first known line, the name: one line, or two
      when they are the same name in two scripts (「山田 太郎」 over "Yamada Taro" or
      「やまだ たろう」); never above a title that names someone already ("Done" over
      "Taro Yamada | Manager" is an answer);
    * further down, each right below or right above a line of the block: with the name
      on top, right above a title, up to two (the company without a suffix and its
      place: "Acme", "Austin, Texas"); with the name on top above a company or a phone,
      none; with no name on top, one (Japanese order: company, title, then the name)."""
    block = [i for i, kind in enumerate(kinds) if kind is not None]
    first = next(i for i in block if kinds[i] != _FREE)
    top = [i for i in block if i < first]
    inner = [i for i in block if i > first and kinds[i] == _FREE]
    if top and not _top_name(lines, kinds, top, first):
        return False
    if not all(_name_words(lines[i]) and _beside_block(kinds, i) for i in inner):
        return False
    # with the name on top: two under a title, none under a company; else one
    limit = (2 if kinds[first] == _TITLE_LINE else 0) if top else 1
    return len(inner) <= limit


def _top_name(lines: list[str], kinds: list[str | None], top: list[int], first: int) -> bool:
    """The free lines above the first known line of the block are its writer's name."""
    if _NAMED in kinds or len(top) > 2 or top[-1] + 1 != first:
        return False
    if kinds[first] == _OWN:  # the name is there: above it only itself in another script
        return len(top) == 1 and japanese_name(lines[top[0]])  # "Done" over "John": words
    if len(top) == 2:
        a, b = top
        return b == a + 1 and two_scripts(lines[a], lines[b])
    return _name_words(lines[top[0]]) and name_shaped(lines[top[0]])


def _own_name(line: str, names: Sequence[str]) -> bool:
    """The line is the writer's name: one of ``names`` alone, or beside the same name
    in another script (「山田太郎 (Taro Yamada)」 from Taro Yamada); never in a
    sentence ("John will call you" is words) or beside a label. Japanese sign-offs
    around it are the writer's too: 「山田より」 (from Yamada), 「山田拝」, a dash before
    it (「－山田」), a department after an at sign (「山田@情シス」) or apart (「情報システム部
    山田」)."""
    if not _name_words(line):
        return False
    dashes = _DASHES.match(line)
    line = line[dashes.end() :] if dashes else line
    line = line.removesuffix("より").removesuffix("拝").rstrip()
    pieces = [p for p in _OWN_PIECES.split(unbracketed(line)) if p.strip()]
    own = [name_key(p) in names for p in pieces]
    if any(own) and all(o or name_piece(p.split()) for o, p in zip(own, pieces, strict=True)):
        return True
    # beside a department or a title, apart (「情報システム部 山田」「山田 課長」); 「完了 山田」
    # is an answer signed, and so words
    words = line.split()
    own = [name_key(w) in names for w in words]
    return any(own) and all(o or _TITLE.search(w) for o, w in zip(own, words, strict=True))


# what a Japanese sign-off puts before the writer's name (NFKC: － is -): a dash or two;
# after it 「より」 (from) or 「拝」 (a letter's humble close), taken off as they stand
_DASHES = re.compile(r"[-―ー—~]+\s*")  # matched at the line's start only
_OWN_PIECES = re.compile(r"[/|｜,、()（）@]")  # a name line's parts, and an at sign: 山田@情シス


def _beside_block(kinds: list[str | None], i: int) -> bool:
    """Right below a line of the block, or right above a known one."""
    below = kinds[i + 1] if i + 1 < len(kinds) else None
    return kinds[i - 1] is not None or (below is not None and below != _FREE)


def _name_words(line: str) -> bool:
    """A few words and no label ("担当: 山田" is an answer): may be a name or a company."""
    return len(line.split()) <= _MAX_NAME_WORDS and ":" not in line and "：" not in line


# what parts a title line holds: "Taro Yamada | Service Desk Manager", "Manager, Sales"
_PARTS = re.compile(r"\s*[|｜/／,、]\s*|\s+[-–—]\s+")


def _names_someone(line: str) -> bool:
    """A title line with a part that is no title, company or contact: the name beside
    the title ("Taro Yamada | Service Desk Manager")."""
    parts = [p for p in _PARTS.split(line) if p.strip()]
    return any(not (_TITLE.search(p) or _COMPANY.search(p) or _contact(p)) for p in parts)


def _sentence(line: str) -> bool:
    if _SENTENCE.search(line):
        return True
    return line.endswith((".", "．")) and _COMPANY_STOP.search(line) is None


def _contact(line: str) -> bool:
    """A line of contact items, labels and separators only, an address line, or a name
    with its e-mail address in brackets after it (a header's way, or an HTML
    signature's linked name read as text: "Ichiro Sato (sato@example.test)")."""
    if _PLACE.search(line):
        return True
    named = _NAMED_ADDRESS.fullmatch(line)
    if named is not None and name_shaped(named.group(1)):
        return True
    found = False
    rest: list[str] = []
    end = 0
    for m in _ITEMS.finditer(line):
        item = m.group()
        if _EXTENSION.fullmatch(item):
            pass  # 「内線: 1234」: four digits, and a phone's
        elif item[-1].isdigit() and "@" not in item and "/" not in item:
            digits = sum(ch.isdigit() for ch in item)
            if digits < _PHONE_DIGITS and not _POSTAL.fullmatch(item):
                continue  # a short number: a date, a count, not a phone
        found = True
        rest.append(line[end : m.start()])
        end = m.end()
    rest.append(line[end:])
    return found and all(_LABELS.sub("", piece) == "" for piece in rest)
