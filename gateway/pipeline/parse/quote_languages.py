"""How mail clients head the quoted history, language by language: the words of their
attribution lines, the labels of Outlook's From:/Sent: block, and the words of the
"-----Original Message-----" separator. :mod:`.quotes`, :mod:`.quote_tail` and
:mod:`.header_blocks` build their patterns from this one table, so a language is added
in one row, not in four patterns that drift apart.

Every pattern built here is an alternation of literal words (spaces inside a word stand
for any run of white space), anchored or set off by fixed text on both sides: matching
one costs time linear in the line, whatever the line holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "LANGUAGES",
    "OPENINGS",
    "ORIGINAL",
    "OTHERS",
    "SENDER",
    "SENT",
    "VERBS",
    "Words",
    "alternation",
    "cjk_wrote",
    "own_attribution",
    "verb_before_name",
]


@dataclass(frozen=True)
class Words:
    """One language's words for the head of a quote (empty where its clients have none)."""

    openings: tuple[str, ...] = ()  # an attribution's first word: "Am" 05.12.2026 …
    verbs: tuple[str, ...] = ()  # "wrote", at the end ("… a écrit :") or before the name
    verbs_before_name: tuple[str, ...] = ()  # "… schrieb Alice:": the name after the verb
    cjk_verbs: tuple[str, ...] = ()  # verbs written without a space before them (写道)
    sender: tuple[str, ...] = ()  # Outlook's From: label
    sent: tuple[str, ...] = ()  # Outlook's Sent: (or Date:) label
    to: tuple[str, ...] = ()  # Outlook's To: and Cc: labels
    subject: tuple[str, ...] = ()  # Outlook's Subject: label
    original: tuple[str, ...] = ()  # "-----Original Message-----"'s words
    me: tuple[str, ...] = ()  # the writer naming themself by the verb: "I wrote", "schrieb ich"
    cjk_me: tuple[str, ...] = ()  # … in a language written without spaces: 「我 写道」

    @property
    def others(self) -> tuple[str, ...]:
        """The block's labels besides From and Sent (To, Cc, Subject): where the quote
        cutter needs only to know a line is one of the block's."""
        return (*self.to, *self.subject)


# One row per language. English and Japanese rows hold what their clients write too;
# Japanese attributions other than these words are rules of their own in quotes.py.
# ``me`` only where the writer's "I wrote" fits the row's verbs: French "j'ai écrit",
# Spanish "escribí", Italian "ho scritto", Portuguese "escrevi", Polish "napisałem" and
# Finnish "kirjoitin" are other words than the clients' (a écrit, escribió, …).
LANGUAGES: dict[str, Words] = {
    # English: Gmail, Apple Mail, Thunderbird ("On … wrote:"), Outlook, mailing lists
    "en": Words(
        openings=("On",),
        verbs=("wrote", "writes"),
        sender=("From",),
        sent=("Sent", "Date"),
        to=("To", "Cc"),
        subject=("Subject",),
        original=("Original Message",),
        me=("I",),
    ),
    # Japanese: Outlook's and Outlook Express's labels (attributions: quotes.py's rules)
    "ja": Words(
        sender=("差出人", "送信者", "送信元"),  # 送信元: some mobile and webmail clients
        sent=("送信日時", "日時", "日付", "送信日"),
        to=("宛先", "あて先", "CC"),
        subject=("件名",),
        original=("元のメッセージ", "オリジナル メッセージ"),
        cjk_me=("私", "わたし", "僕", "小生"),  # 「私が書きました:」
    ),
    # German: "Am 05.12.2026 um 10:00 schrieb Alice:", Outlook's Von:/Gesendet:
    "de": Words(
        openings=("Am",),
        verbs=("schrieb",),
        verbs_before_name=("schrieb",),
        sender=("Von",),
        sent=("Gesendet", "Datum"),
        to=("An", "Cc"),
        subject=("Betreff",),
        original=("Ursprüngliche Nachricht",),
        me=("ich",),
    ),
    # French: "Le 5 déc. 2026 à 10:00, Alice a écrit :", Outlook's De :/Envoyé :
    "fr": Words(
        openings=("Le",),
        verbs=("a écrit",),
        sender=("De",),
        sent=("Envoyé", "Envoyé le", "Date"),
        to=("À", "A", "Cc"),
        subject=("Objet",),
        original=("Message d'origine", "Message d’origine"),
    ),
    # Spanish: "El 5 dic 2026, a las 10:00, Alice escribió:", Outlook's De:/Enviado el:
    "es": Words(
        openings=("El",),
        verbs=("escribió",),
        sender=("De",),
        sent=("Enviado", "Enviado el", "Fecha"),
        to=("Para", "CC"),
        subject=("Asunto",),
        original=("Mensaje original",),
    ),
    # Italian: "Il giorno … Alice ha scritto:", Outlook's Da:/Inviato:
    "it": Words(
        openings=("Il",),
        verbs=("ha scritto", "scrisse"),
        sender=("Da",),
        sent=("Inviato", "Data"),
        to=("A", "Cc"),
        subject=("Oggetto",),
        original=("Messaggio originale",),
    ),
    # Portuguese: "Em 5 de dez. de 2026, Alice escreveu:", Outlook's De:/Enviada em:
    "pt": Words(
        openings=("Em",),
        verbs=("escreveu",),
        sender=("De",),
        sent=("Enviado", "Enviada em", "Enviado em", "Data"),
        to=("Para", "Cc"),
        subject=("Assunto",),
        original=("Mensagem original",),
    ),
    # Dutch: "Op 5 dec. 2026 om 10:00 schreef Alice:", Outlook's Van:/Verzonden:
    "nl": Words(
        openings=("Op",),
        verbs=("schreef",),
        verbs_before_name=("schreef",),
        sender=("Van",),
        sent=("Verzonden", "Datum"),
        to=("Aan", "CC"),
        subject=("Onderwerp",),
        original=("Oorspronkelijk bericht",),
        me=("ik",),
    ),
    # Swedish: "Den 5 dec. 2026 kl. 10:00 skrev Alice:", Outlook's Från:/Skickat:
    "sv": Words(
        openings=("Den",),
        verbs=("skrev",),
        verbs_before_name=("skrev",),
        sender=("Från",),
        sent=("Skickat", "Datum"),
        to=("Till", "Kopia"),
        subject=("Ämne",),
        original=("Ursprungligt meddelande",),
        me=("jag",),
    ),
    # Danish and Norwegian: "Den 05.12.2026 kl. 10.00 skrev Alice:", Outlook's Fra:/Sendt:
    "da-no": Words(
        openings=("Den",),
        verbs=("skrev",),
        verbs_before_name=("skrev",),
        sender=("Fra",),
        sent=("Sendt", "Dato"),
        to=("Til", "Kopi", "Cc"),
        subject=("Emne",),
        original=("Oprindelig meddelelse", "Opprinnelig melding"),
        me=("jeg", "eg"),
    ),
    # Finnish: Thunderbird's "… kirjoitti:" (the date first)
    "fi": Words(verbs=("kirjoitti",)),
    # Polish: "W dniu 05.12.2026 o 10:00, Alice pisze:", "Dnia … napisał(a):", Od:/Wysłano:
    "pl": Words(
        openings=("W dniu", "Dnia"),
        verbs=("napisał(a)", "napisała", "napisał", "pisze"),
        sender=("Od",),
        sent=("Wysłano", "Data"),
        to=("Do", "DW"),
        subject=("Temat",),
        original=("Wiadomość oryginalna", "Oryginalna wiadomość"),
    ),
    # Russian: "05.12.2026 10:00, Алиса пишет:", "… написал(а):", Outlook's От:/Отправлено:
    "ru": Words(
        verbs=("написал(а)", "написала", "написал", "пишет"),
        sender=("От",),
        sent=("Отправлено", "Дата"),
        to=("Кому", "Копия"),
        subject=("Тема",),
        original=("Исходное сообщение",),
        me=("я",),
    ),
    # Chinese: "在 2026/12/5 10:00, 王丽 写道:", Gmail's "… 于2026年12月5日 10:00写道：",
    # Outlook's 发件人:/发送时间: (simplified) and 寄件者:/寄件日期: (traditional)
    "zh": Words(
        cjk_verbs=("写道", "寫道"),
        sender=("发件人", "寄件者", "寄件人"),
        sent=("发送时间", "日期", "寄件日期", "傳送時間"),
        to=("收件人", "抄送", "收件者", "副本"),
        subject=("主题", "主旨"),
        original=("原始邮件", "原始郵件"),
        cjk_me=("我",),
    ),
    # Korean: Gmail's "2026년 12월 5일 (토) 오전 10:00, Alice <a@b>님이 작성:", Outlook's
    # 보낸 사람:/보낸 날짜:
    "ko": Words(
        cjk_verbs=("작성",),
        sender=("보낸 사람",),
        sent=("보낸 날짜", "날짜"),
        to=("받는 사람", "참조"),
        subject=("제목",),
        original=("원본 메시지",),
        cjk_me=("제가", "내가"),
    ),
}


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal ``words``, longest first, a space inside a word
    standing for any run of white space."""
    unique = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(r"\s+".join(re.escape(part) for part in w.split()) for w in unique)


def _all(field: str) -> tuple[str, ...]:
    return tuple(w for row in LANGUAGES.values() for w in getattr(row, field))


OPENINGS = alternation(_all("openings"))  # "On|Am|Le|…|W\s+dniu"
VERBS = alternation(_all("verbs"))  # "wrote|schrieb|a\s+écrit|…"
VERBS_BEFORE_NAME = alternation(_all("verbs_before_name"))  # "schrieb|schreef|skrev"
CJK_VERBS = alternation(_all("cjk_verbs"))  # "写道|寫道|작성"
ME = alternation(_all("me"))  # "I|ich|ik|jag|jeg|eg|я"
CJK_ME = alternation(_all("cjk_me"))  # "私|我|제가|…"
SENDER = alternation(_all("sender"))
SENT = alternation(_all("sent"))
OTHERS = alternation(_all("others"))
ORIGINAL = alternation(_all("original"))

_OPENING = re.compile(rf"\s*(?:(?:{OPENINGS})\s|\d)", re.I)
_VERB_BEFORE_NAME = re.compile(rf"\b(?:{VERBS_BEFORE_NAME})\b", re.I)
_MAX_NAME = 100  # "schrieb Alice Meyer <alice@…>:": a name, not a sentence
_COLONS = (":", "：")
# a time or a numeric date ("10:00", "10.00", "05.12.26"): every client writes one; the
# writer's "Den 5 december skrev jag:" or 「我在2026年写道：」 has none
_CLOCK = re.compile(r"\d[:.：]\d")
_CJK_VERBS = tuple(w for row in LANGUAGES.values() for w in row.cjk_verbs)
# the writer as the one who wrote: "… I wrote:", "… schrieb ich:", 「…我 写道:」, 「…私が
# 書きました:」 (Japanese Thunderbird's verb, a rule of quotes.py's, not the table's)
_OWN = re.compile(
    rf"(?:(?<!\w)(?:{ME})\s+(?:{VERBS})|\b(?:{VERBS_BEFORE_NAME})\s+(?:{ME})"
    rf"|(?:{CJK_ME})\s*(?:が|は)?\s*(?:{CJK_VERBS}|書きました))\s*[:：]$",
    re.I,
)


def verb_before_name(s: str) -> bool:
    """ "Am 05.12.2026 um 10:00 schrieb Alice Meyer:" (German, Dutch and Scandinavian
    clients put the name after the verb): an opening word or a date first, a time or a
    numeric date before the verb, a short name between it and the colon. The writer's
    "Am Montag schrieb ich dem Kunden:" has neither."""
    if not s.endswith(_COLONS) or _OPENING.match(s) is None:
        return False
    verb = _VERB_BEFORE_NAME.search(s)
    if verb is None or _CLOCK.search(s, 0, verb.start()) is None:
        return False
    name = s[verb.end() : -1].strip()
    return 0 < len(name) <= _MAX_NAME


def cjk_wrote(s: str) -> bool:
    """ "在 2026/12/5 10:00, 王丽 写道:", "Alice <a@b> 于2026年12月5日 10:00写道：",
    "2026년 12월 5일 (토) 오전 10:00, Alice <a@b>님이 작성:": the verb right before the
    colon, and a time or an address in the line (a writer's 「他写道：」 has neither)."""
    if not s.endswith(_COLONS) or not s[:-1].rstrip().endswith(_CJK_VERBS):
        return False
    return "@" in s or _CLOCK.search(s) is not None


def own_attribution(s: str) -> bool:
    """An attribution line that names the writer themself ("Am 05.12.2026 schrieb ich:",
    "On 05.12.2026, I wrote:", 「在 2026/12/5 10:00, 我 写道:」): what it heads is their
    own earlier mail, quoted again (a reminder)."""
    return s.endswith(_COLONS) and _OWN.search(s) is not None
