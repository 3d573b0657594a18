"""Does a reply only thank or acknowledge? Then a closed ticket stays closed.

A requester who answers our close with "ありがとうございました" or "Thanks, got it" is
not asking for anything: reopening the ticket would put finished work back on a
member's desk and send the requester a status mail about their own thanks. The
decision is narrow on purpose — when in doubt the reply reopens, as any other:

0. the writer's signature block under the words (name, company, phone: no words of
   theirs, :func:`gateway.pipeline.parse.signatures.without_signature`), a company's
   confidentiality notice (:mod:`gateway.pipeline.parse.disclaimers`) and a phone's
   tagline are set aside;
1. politeness formulas and salutation lines are set aside (they carry no request:
   「よろしくお願いいたします」, 「田中様」, "Best regards");
2. anything in :data:`MORE` — a question mark, a request, a problem, "but", "still" —
   makes it more than thanks;
3. one phrase of :data:`THANKS` must be there;
4. what is left besides thanks and politeness (a name, 「ご対応」) stays short.

A file sent with the reply (a screenshot, a log, a signed form) is new information
whatever the words say: :func:`judge_reply` makes such a reply more than thanks, so the
reopen policy treats it as any other reply. A picture the HTML body shows in its place
(a signature logo, :attr:`Attachment.inline`) is not a file sent, nor is Outlook's
winmail.dat, whose files are listed on their own (:mod:`.files_sent`).

Pure: the new text of the reply in (without the quoted history), a verdict out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.core.model import Attachment
from gateway.pipeline.files_sent import PASTED_PICTURE_BYTES, sent_files
from gateway.pipeline.parse.disclaimers import without_disclaimer
from gateway.pipeline.parse.name_shapes import name_shaped
from gateway.pipeline.parse.quotes import without_quoted_lines
from gateway.pipeline.parse.signatures import without_signature
from gateway.pipeline.parse.taglines import without_taglines

MAX_CHARS = 400  # a longer reply is more than thanks, whatever it says
MAX_LEFT = 30  # letters left besides thanks and politeness (a name, 「ご対応」)

# Politeness that asks for nothing: removed before anything is judged.
POLITE: tuple[tuple[str, str], ...] = (
    (r"(今後とも)?(引き続き)?(どうぞ)?よろしく(お願い|おねがい)(いた|致|申し上げ|し)*ます", "…"),
    (r"お世話になって?(おり|い)ます|お世話になりました", "greeting at the top"),
    (r"お疲れ(様|さま)です", "greeting among colleagues"),
    (r"取り急ぎ(ご?(お礼|御礼))?(まで|申し上げます)?", "a quick note"),
    (r"以上(です|となります)?", "that is all"),
    (r"(また)?何か(ありましたら|あれば|ございましたら)", "if anything comes up"),
    (r"(お手数|ご迷惑)を?おかけ(いた|致)?し(まし)?た", "sorry for the trouble"),
    # an apology is a negative form that says nothing is wrong (see "not" below)
    (r"すみません(でした)?|済みません(でした)?|申し訳(あり|ござい)ません(でした)?", "sorry"),
    (r"申し訳(ない|なかった)(です)?|恐れ入ります", "sorry"),
    (r"\b(best|kind|warm)?\s*regards\b|\bsincerely\b|\bcheers\b", "an English closing"),
    (r"^\s*(hi|hello|dear)\b[^\n]*$", "an English greeting line"),
    (r"^[^\n]{1,20}(様|さま|さん|殿|御中)\s*[、,]?\s*$", "a salutation line (…様)"),
)

# More than thanks: any of these and the reply reopens the ticket.
MORE: tuple[tuple[str, str], ...] = (
    (r"[?？]", "a question"),
    (r"ください|下さい|(いただ|頂)け(ます|ません)か|もらえ(ます|ません)か|お願い", "a request"),
    (r"でしょうか|ますか|ませんか|ですか", "a question without a question mark"),
    (r"まだ|再度|もう一度|また(発生|起き|出|同じ)|相変わらず|引き続き", "still, again"),
    (
        r"できません|できない|出来ません|出来ない|エラー|不具合|問題|障害|失敗|壊れ|故障|フリーズ",
        "trouble",
    ),
    # 「ただ」 (but), not 「いただき」 (「ご対応いただきありがとうございました」) nor 「ただいま」
    (
        r"(?<!い)ただ(?!いま|今)|しかし|(です|ます|ました|でした)が|けど|けれど|一方|(^|[。、！!\s])でも",
        "but",
    ),
    # Japanese says "it does not work" by a negative verb form (動きません, つながらない,
    # 届いていないです, 届いておらず), not by a word of the list above: any negative form
    # is more than thanks (the apologies above were set aside first)
    (r"ません|ない|なかった|ておらず", "not"),
    (r"\b(please|pls|(can|could|would) (you|we)|need|want|still|again|but|however)\b", "a request"),
    (
        r"\b(not|no|doesn'?t|don'?t|isn'?t|won'?t|can'?t|didn'?t|error|issue|problem|fail\w*"
        r"|crash\w*|broken?|jam(s|med)?|stuck|freez\w*|frozen)\b",
        "a problem",
    ),
)

# Thanks and acknowledgement: one of these must be there.
THANKS: tuple[tuple[str, str], ...] = (
    (
        r"(ご対応|ご連絡|ご確認)?(いただき)?(本当に|誠に)?"
        r"(ありがと|有難|有り難)う?(ござい(ました|ます))?",
        "ありがとう…",
    ),
    (r"感謝(いた|致)?し?(ます|ております)|(お礼|御礼)申し上げます", "we are grateful"),
    (r"助かりました|助かります", "that helped"),
    (r"了解(いた|致)?し?(ました|です)?|承知(いた|致)?し?ました|かしこまりました", "understood"),
    (r"確認(いた|致)?し?(ました|できました)", "checked it"),
    (
        r"解決(いた|致)?し?(ました|できました)|(直|なお)りました"
        r"|(使え|つなが|繋が)るようになりました",
        "it is solved",
    ),
    (r"\b(many\s+)?thanks?(\s+(you|a lot|so much))?\b|\bthx\b|\bty\b", "thank you"),
    (r"\bgot it\b|\bnoted\b|\bunderstood\b|\bok(ay)?\b", "got it"),
    (r"\b(much\s+)?appreciated?\b|\bperfect\b|\bgreat\b", "appreciated"),
    (r"\b(works?|working)(\s+(now|fine|again))?\b|\bsolved\b|\bfixed\b", "it works"),
)


@dataclass(frozen=True, slots=True)
class ThanksVerdict:
    only_thanks: bool
    why: str  # the row that decided, for the event


def judge(new_text: str) -> ThanksVerdict:
    """Whether ``new_text`` (a reply's own words) only thanks or acknowledges."""
    # a phone's "Get Outlook for iOS<https://…>" under the words is not theirs, nor is
    # the signature a client put there (name, company, phone: "more words than thanks"),
    # nor a company's confidentiality notice ("… please delete it": no request)
    # nor are the quoted lines an inline answer keeps above it ("> Did it work?")
    words = without_signature(without_disclaimer(without_taglines(without_quoted_lines(new_text))))
    text = unicodedata.normalize("NFKC", words).casefold().strip()
    if not text:
        return ThanksVerdict(False, "empty")
    if len(text) > MAX_CHARS:
        return ThanksVerdict(False, "too long to be only thanks")
    for pattern, _ in POLITE:
        text = re.sub(pattern, " ", text, flags=re.MULTILINE)
    for pattern, why in MORE:
        if re.search(pattern, text, flags=re.MULTILINE):
            return ThanksVerdict(False, why)
    found = [why for pattern, why in THANKS if re.search(pattern, text)]
    if not found:
        return ThanksVerdict(False, "no thanks")
    for pattern, _ in THANKS:
        text = re.sub(pattern, " ", text)
    left = re.sub(r"[\W_]+", "", text)
    if len(left) > MAX_LEFT:
        return ThanksVerdict(False, "more words than thanks")
    return ThanksVerdict(True, found[0])


def only_courtesy(text: str) -> bool:
    """Whether ``text`` says nothing but thanks and politeness, if anything (under a
    requester's ``/close`` on their last line: 「よろしくお願いいたします。」, "Thanks!",
    a name and a signature), read as :func:`judge` reads a reply, without needing thanks."""
    words = without_signature(without_disclaimer(without_taglines(text)))
    left = unicodedata.normalize("NFKC", words).casefold().strip()
    if len(left) > MAX_CHARS:
        return False
    for pattern, _ in POLITE:
        left = re.sub(pattern, " ", left, flags=re.MULTILINE)
    if any(re.search(pattern, left, flags=re.MULTILINE) for pattern, _ in MORE):
        return False
    for pattern, _ in THANKS:
        left = re.sub(pattern, " ", left)
    if len(re.sub(r"[\W_]+", "", left)) > MAX_LEFT:
        return False
    # what is left is a name (「山田」, "Alice"), line by line and part by part: a short
    # sentence of no thanks and no trouble ("Call me at 3pm.", 「2階のプリンタもです。」)
    # is words, and a /close above it is in the middle of them
    return all(_courtesy_or_name(line) for line in words.splitlines())


def _courtesy_or_name(line: str) -> bool:
    """``line`` holds, in each part a comma sets apart, thanks or politeness, or a name
    ("Thanks, Alice", 「以上、山田」, "- John")."""
    for piece in re.split(r"[,、，]", line):
        bare = unicodedata.normalize("NFKC", piece).strip(" \t-–—ー~〜。.!")
        said = bare.casefold()
        for pattern, _ in (*POLITE, *THANKS):
            said = re.sub(pattern, " ", said, flags=re.MULTILINE)
        if re.sub(r"[\W_]+", "", said) and not name_shaped(bare):
            return False
    return True


def judge_reply(
    new_text: str, files: Sequence[Attachment], words: ThanksVerdict | None = None
) -> ThanksVerdict:
    """Whether a reply (its own words and the files it carries) only thanks: a file sent,
    or a picture pasted into the body, is new information, then the words decide
    (``words``: :func:`judge` of ``new_text`` worked out ahead, e.g. by a parse worker)."""
    if sent_files(files):  # not a logo in the body, nor Outlook's winmail.dat (.files_sent)
        return ThanksVerdict(False, "an attachment")
    if any(f.size >= PASTED_PICTURE_BYTES for f in files):
        return ThanksVerdict(False, "a pasted picture")
    return words if words is not None else judge(new_text)
