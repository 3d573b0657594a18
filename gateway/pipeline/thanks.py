"""Does a reply only thank or acknowledge? Then a closed ticket stays closed.

A requester who answers our close with "ありがとうございました" or "Thanks, got it" is
not asking for anything: reopening the ticket would put finished work back on a
member's desk and send the requester a status mail about their own thanks. The
decision is narrow on purpose — when in doubt the reply reopens, as any other:

0. the writer's signature block under the words (name, company, phone: no words of
   theirs, :func:`gateway.pipeline.parse.signatures.without_signature`), a company's
   confidentiality notice (:mod:`gateway.pipeline.parse.disclaimers`) and a phone's
   tagline are set aside;
1. politeness formulas, salutations and greetings are set aside (they carry no request:
   「よろしくお願いいたします」, 「田中様」, "Best regards", "Hi Tanaka");
2. anything in :data:`MORE` — a question mark, a request, a problem, "but", "still" —
   makes it more than thanks;
3. one phrase of :data:`THANKS` must be there;
4. every sentence is thanks or politeness (with the words that only say how much or
   what for, :data:`BESIDE`: "very much", "for the quick fix", 「迅速な」「ご対応いただき」),
   or a name: "Thanks! The chair wobbles too." is news, however short the news is
   (a budget of letters left over let short news pass as thanks).

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
MARK = "\ue000"  # where thanks or politeness stood: no letter, so nothing is left of it

# Politeness that asks for nothing: removed before anything is judged.
POLITE: tuple[tuple[str, str], ...] = (
    # in kana or in kanji (宜しくお願い致します), as much business mail writes it
    (
        r"(今後とも)?(引き続き)?(どうぞ)?(よろしく|宜しく)(お願い|おねがい)(いた|致|申し上げ|し)*ます",
        "the close of nearly every Japanese mail",
    ),
    (r"お世話になって?(おり|い)ます|お世話になりました", "greeting at the top"),
    (r"お疲れ(様|さま)です", "greeting among colleagues"),
    (r"取り急ぎ(ご?(お礼|御礼))?(まで|申し上げます)?", "a quick note"),
    (r"以上(です|となります)?|\bthat'?s all\b|\bthat is all\b", "that is all"),
    (r"(また)?何か(ありましたら|あれば|ございましたら)", "if anything comes up"),
    (r"(お手数|ご迷惑)を?おかけ(いた|致)?し(まし)?(た|て)", "sorry for the trouble"),
    (r"お忙しい(ところ|中)", "while you are busy"),
    # an apology is a negative form that says nothing is wrong (see "not" below)
    (r"すみません(でした)?|済みません(でした)?|申し訳(あり|ござい)ません(でした)?", "sorry"),
    (r"申し訳(ない|なかった)(です)?|恐れ入ります", "sorry"),
    (r"\b(best|kind|warm)?\s*regards\b|\bsincerely\b|\bcheers\b", "an English closing"),
    # the greeting and whom it greets (three words at most), not the rest of its line:
    # "Hi, the chair wobbles too" keeps its news
    (r"^[ \t]*(hi|hello|hey|dear)\b([ \t]+[^\s,.!?:;、，]+){0,3}", "an English greeting"),
    (r"\bhave a (nice|good|great) (day|weekend)\b|良い(週末|一日)を", "a wish"),
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
    (r"(大丈夫|結構)です", "that is fine"),
    (r"了解(いた|致)?し?(ました|です)?|承知(いた|致)?し?ました|かしこまりました", "understood"),
    (r"確認(いた|致)?し?(ました|できました)", "checked it"),
    (
        r"解決(いた|致)?し?(ました|できました)|(直|なお)りました"
        r"|(使え|つなが|繋が)(ます|るようになりました)|(使え|動い)ています|(つなが|繋が)りました"
        r"|動きました|動作(しました|しています)",
        "it is solved",
    ),
    (r"\b(many\s+)?thanks?(\s+(you|a lot|so much))?\b|\bthx\b|\bty\b", "thank you"),
    (r"\bgot it\b|\bnoted\b|\bunderstood\b|\bok(ay)?\b", "got it"),
    (r"\b(much\s+)?appreciated?\b|\bperfect\b|\bgreat\b", "appreciated"),
    (
        r"\b(works?|working)(\s+(now|fine|again))?\b|\b(solved|fixed|done|sorted|all good)\b",
        "it works",
    ),
)

# Beside thanks or politeness, and only there, words that say how much, for what or to
# whom: set aside in a sentence that thanks, so what is left of it is news
BESIDE: tuple[tuple[str, str], ...] = (
    # the rest of the clause after "for" ("for fixing the VPN so quickly"), up to an "and"
    # or "also" that starts news ("for the VPN and the chair wobbles too")
    (
        r"\bfor\b(?:(?!\b(?:and|also|too|plus)\b)[^,;.!?\n]){0,40}",
        "what for",
    ),
    (
        r"\b(very|so|much|a lot|lots|really|indeed|it|that|this|now|yes|yeah|received|"
        r"everyone|all|guys|team|folks|in advance|good|fine|nice|cool|awesome|sounds|"
        r"perfectly|quickly)\b",
        "how much, how well, to whom",
    ),
    (
        r"本当に|誠に|大変|どうも|早速の?|早々に?の?|迅速な|丁寧な|ご丁寧に|親切な|色々と?|"
        r"いろいろと?|夜分に|先日は|先ほどは|この度は|今回は|いつも|無事に?|おかげ(様|さま)?で|"
        r"ひとまず|とりあえず|これで|いつでも|正常に|ちゃんと|きちんと|皆様|みなさま|みなさん",
        "how much, when",
    ),
    # what the thanks are for: 「プリンタを直していただき、」「ご対応くださり」
    (
        r"[^、。,.!?\n]{0,30}?(いただき|頂き|くださり|下さり|いただいて|頂いて|くださって|"
        r"下さって|くれて)",
        "what for",
    ),
    (r"[ごお](対応|連絡|返信|回答|確認|教示|説明|手配|尽力|支援)(を|の)?", "what for"),
)
_POLITE = tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p, _ in POLITE)
_MORE = tuple((re.compile(p, re.IGNORECASE | re.MULTILINE), why) for p, why in MORE)
_THANKS = tuple((re.compile(p, re.IGNORECASE), why) for p, why in THANKS)
# each table as one pattern, for the pass over every sentence: one scan a sentence
_ANY_THANKS = re.compile("|".join(f"(?:{p})" for p, _ in THANKS), re.IGNORECASE)
_ANY_BESIDE = re.compile("|".join(f"(?:{p})" for p, _ in BESIDE), re.IGNORECASE)
_SENTENCE_END = re.compile(r"[。．.!！?？;；]+")
_COMMA = re.compile(r"[,、，]")
_NOT_LETTERS = re.compile(r"[\W_]+")
# 「田中より」: a Japanese mail signed "from Tanaka"; the name is what comes before it
_SIGNED_FROM = re.compile(r"\s*より$")


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
    text, more = _read(words)
    if not text:
        return ThanksVerdict(False, "empty")
    if more:
        return ThanksVerdict(False, more)
    found = next((why for pattern, why in _THANKS if pattern.search(text)), None)
    if found is None:
        return ThanksVerdict(False, "no thanks")
    if not _every_sentence_courtesy(text):
        return ThanksVerdict(False, "a sentence besides thanks")
    return ThanksVerdict(True, found)


def only_courtesy(text: str) -> bool:
    """Whether ``text`` says nothing but thanks and politeness, if anything (under a
    requester's ``/close`` on their last line: 「よろしくお願いいたします。」, "Thanks!",
    a name and a signature), read as :func:`judge` reads a reply, without needing thanks:
    a short sentence of no thanks and no trouble ("Call me at 3pm.", 「2階のプリンタもです。」)
    is words, and a /close above it is in the middle of them."""
    left, more = _read(without_signature(without_disclaimer(without_taglines(text))))
    return not more and _every_sentence_courtesy(left)


def _read(words: str) -> tuple[str, str]:
    """``words`` normalised with their politeness marked, and why they are more than
    courtesy whatever the sentences say ("" when neither their length nor a row of
    :data:`MORE` says so): the first steps of :func:`judge` and :func:`only_courtesy`."""
    text = unicodedata.normalize("NFKC", words).strip()
    if len(text) > MAX_CHARS:
        return text, "too long to be only thanks"
    for pattern in _POLITE:
        text = pattern.sub(MARK, text)
    return text, next((why for pattern, why in _MORE if pattern.search(text)), "")


def _every_sentence_courtesy(text: str) -> bool:
    """Every sentence of ``text`` (politeness marked) is thanks or politeness, with the
    words of :data:`BESIDE` beside them, or a name: a line of its own at the top or the
    bottom ("Alice", 「山田」), after a comma that follows thanks ("Thanks, Alice",
    「以上、山田」), or with the thanks ("Thanks Bob"). A capitalised phrase among the
    words ("Thanks! VPN Down.") is no name. Each pattern runs once a sentence: linear."""
    lines = [line for line in text.splitlines() if _said(line)]
    for at, line in enumerate(lines):
        sentences = [s for s in _SENTENCE_END.split(line) if _said(s)]
        edge = at in (0, len(lines) - 1) and len(sentences) == 1  # a line of its own
        if not all(_courtesy(sentence, edge) for sentence in sentences):
            return False
    return True


def _courtesy(sentence: str, edge: bool) -> bool:
    if MARK in sentence or _ANY_THANKS.search(sentence):
        sentence = _ANY_BESIDE.sub(MARK, sentence)  # only beside thanks: "for the update"
    sentence = _ANY_THANKS.sub(MARK, sentence)
    pieces = _COMMA.split(sentence)
    thanked = False  # a piece before this one in the sentence was thanks or politeness
    for piece in pieces:
        if not _NOT_LETTERS.sub("", piece):
            thanked = thanked or MARK in piece
            continue
        bare = piece.replace(MARK, " ").strip(" \t-–—ー~〜:")
        signed = _SIGNED_FROM.sub("", bare)  # 「田中より」: signed, wherever it stands
        if signed != bare and name_shaped(signed):
            continue
        if not (name_shaped(bare) and (edge or thanked or MARK in piece)):
            return False
    return True


def _said(text: str) -> bool:
    """``text`` holds a letter, or politeness set aside: not a blank line nor ":)"."""
    return MARK in text or bool(_NOT_LETTERS.sub("", text))


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
