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
  or a rule of dashes or underscores, except at most one line, the name, which is a few
  words right above one of those lines;
* and at least one line is a contact or a company (a name and a title alone may be all
  someone meant to say).

So "Done", 「済みです」, "Fixed." or a name alone are words, and so is a short answer above
a signature (two lines that are neither contact nor title: the answer and the name):
when in doubt, the text is sent (:func:`only_signature` says no).
"""

from __future__ import annotations

import re

__all__ = ["only_signature"]

_MAX_LINE = 80  # a signature's line is short: a longer one is a sentence
_MAX_LINES = 12  # a signature is a few lines: a longer text is words
_MAX_NAME_WORDS = 5  # the one free line is a name, not a sentence

# A rule a signature starts with or is drawn in (Outlook's underscores, Japanese boxes).
_RULE = re.compile(r"[-_=─━*~＝ー・.]{4,}")
# A contact line holds a contact item (an address, a URL, a phone or fax number, a postal
# code) and nothing else but labels ("Tel:", 「内線」), an extension number and separators:
# "New URL: https://…" or "Call 03-…" is an answer, not a signature's line.
_ITEMS = re.compile(
    r"[^\s@<>]+@[^\s@<>]+\.[a-z]{2,}|(?:https?://|www\.)\S+|"  # an address, a URL
    r"\+?\(?\d[\d ().-]{6,}\d|(?<!\d)\d{3}-\d{4}(?!\d)",  # a phone number, a postal code
    re.IGNORECASE,
)
_POSTAL = re.compile(r"\d{3}-\d{4}")  # 100-0001
_PHONE_DIGITS = 9  # a run of digits is a phone number from this many digits on
_LABELS = re.compile(
    r"telephone|tel|phone|mobile|mob|cell|fax|direct|office|e-?mail|mail|web|url|ext|"
    r"[tmfep](?=[\s.:：])|"  # "T: +81 …", "M. 090 …"
    r"電話|携帯|内線|直通|代表|メール|ＴＥＬ|ＦＡＸ|[\s:：|｜/／,、()（）.\-・]|\d{1,5}",
    re.IGNORECASE,
)
# an address line: a postal mark, or a prefecture and a city or ward (東京都千代田区)
_PLACE = re.compile(r"〒|(?:都|道|府|県)\S{0,10}?(?:市|区|町|村|郡)")
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
    r"service desk|help ?desk|sales|department|dept|division|team|group|operations)\b|"
    r"(?:部|課|室|係|グループ|チーム|センター|本部|支店|営業所|部長|課長|係長|主任|担当|"
    r"マネージャー|エンジニア|リーダー)(?=$|[\s/／|｜])",
    re.IGNORECASE,
)
# a sentence: a Japanese verb ending, or a question or exclamation mark anywhere
_SENTENCE = re.compile(r"です|ます|ました|ません|ください|下さい|お願い|[?？!！。]")
# a full stop at a line's end that is a company's, not a sentence's: "Example Inc."
_COMPANY_STOP = re.compile(r"\b(?:Inc|Ltd|Co|Corp|K\.K|plc)\.$", re.IGNORECASE)


def only_signature(text: str) -> bool:
    """Whether ``text`` is a signature block and nothing else (blank lines aside)."""
    lines = [line.strip() for line in text.splitlines()]
    lines = ["" if _RULE.fullmatch(line) else line for line in lines]
    if not any(lines) or sum(map(bool, lines)) > _MAX_LINES:
        return False
    free = 0  # lines that are neither contact, company nor title: the name, at most one
    contact = False
    for i, line in enumerate(lines):
        if not line:
            continue
        if len(line) > _MAX_LINE or _sentence(line):
            return False
        if _contact(line) or _COMPANY.search(line):
            contact = True
        elif not _TITLE.search(line) and not _name(lines, i):
            return False
        elif not _TITLE.search(line):
            free += 1
    return contact and free <= 1


def _name(lines: list[str], i: int) -> bool:
    """The line at ``i`` may be the name a signature starts with: a few words, right
    above (no blank line, no rule) a line of the block. "Done", then a blank line and
    the signature, is an answer."""
    if len(lines[i].split()) > _MAX_NAME_WORDS or i + 1 >= len(lines):
        return False
    below = lines[i + 1]
    return bool(below) and bool(_contact(below) or _COMPANY.search(below) or _TITLE.search(below))


def _sentence(line: str) -> bool:
    if _SENTENCE.search(line):
        return True
    return line.endswith((".", "．")) and _COMPANY_STOP.search(line) is None


def _contact(line: str) -> bool:
    """A line of contact items, labels and separators only, or an address line."""
    if _PLACE.search(line):
        return True
    found = False
    rest: list[str] = []
    end = 0
    for m in _ITEMS.finditer(line):
        item = m.group()
        if item[-1].isdigit() and "@" not in item and "/" not in item:
            digits = sum(ch.isdigit() for ch in item)
            if digits < _PHONE_DIGITS and not _POSTAL.fullmatch(item):
                continue  # a short number: a date, a count, not a phone
        found = True
        rest.append(line[end : m.start()])
        end = m.end()
    rest.append(line[end:])
    return found and all(_LABELS.sub("", piece) == "" for piece in rest)
