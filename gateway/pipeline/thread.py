"""Which ticket a message belongs to.

Evidence is tried in a fixed order, strongest first (what RT, Roundup and
Zammad users expect): the reply-token address, then In-Reply-To/References
against every Message-ID we stored or sent, then the subject tag. A subject tag
alone is weak: anyone can type ``[#42]``, so it only attaches a message from a
participant of ticket 42; from anyone else it opens a new ticket linked to 42.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache

from gateway.core.model import ticket_number


class ThreadVia(enum.StrEnum):
    TOKEN = "token"
    HEADERS = "headers"
    TAG = "tag"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ThreadEvidence:
    """What the store knows about the candidates, gathered before deciding."""

    token_ticket: int | None  # ticket of a reply-token address whose HMAC verified
    header_ticket: int | None  # ticket owning a Message-ID in In-Reply-To/References
    tag_ticket: int | None  # ticket named by the subject tag, if it exists
    sender_is_participant_of_tag_ticket: bool


@dataclass(frozen=True, slots=True)
class ThreadDecision:
    ticket_id: int | None  # None: open a new ticket
    via: ThreadVia
    linked_ticket_id: int | None = None  # a new ticket that names an old one


@lru_cache(maxsize=8)
def tag_pattern(prefix: str) -> re.Pattern[str]:
    """Our subject tag, ``[#42]`` or ``[HELP#42]``, in either width: a Japanese input
    method left on types it ［＃４２］ (``/merge ＃４２`` and the merge box read it so too).
    Its number is ASCII or full-width digits; no other script's. Kept per prefix: every
    mail's threading asks (building the class of each mark was 1 % of the processing
    child's time, issue #18)."""
    marks = "".join(_either_width(c) for c in f"[{prefix}#")
    return re.compile(rf"{marks}([0-9０-９]{{1,18}}){_either_width(']')}", re.IGNORECASE)


def _either_width(char: str) -> str:
    """A class of ``char`` and its full-width form (``[`` and ``［``): the printable
    ASCII characters have theirs 0xFEE0 above them."""
    if not "!" <= char <= "~":
        return re.escape(char)
    return f"[{re.escape(char)}{re.escape(chr(ord(char) + 0xFEE0))}]"


def subject_tag(subject: str, prefix: str = "") -> int | None:
    """The ticket a subject's tag names; None for none, and for a number no ticket can
    have (past :data:`MAX_ID`: on PostgreSQL the lookup failed and the mail was shunted)."""
    m = tag_pattern(prefix).search(subject)
    return ticket_number(m.group(1)) if m else None


def strip_tag(subject: str, prefix: str = "") -> str:
    return re.sub(r"\s{2,}", " ", tag_pattern(prefix).sub("", subject)).strip()


# The words mail clients put before a subject for a reply or a forward, one row each with
# the language and client that writes it. Only with its colon is a word a prefix ("VS Code
# crashes" keeps its "VS"); a word here must not be one a subject starts with before a
# colon (Hungarian TO "továbbítás" is "To:", Icelandic FS "framsent" is "FS: full").
_PREFIX_WORDS_TABLE = (
    "re",  # Latin "in the matter of": English and most clients in every language
    "fw",  # English forward: Outlook
    "fwd",  # English forward: Gmail, Thunderbird, Apple Mail
    "aw",  # German reply (Antwort): Outlook
    "wg",  # German forward (weitergeleitet): Outlook
    "sv",  # Swedish, Danish, Norwegian, Icelandic reply (svar): Outlook, Apple Mail
    "vs",  # Finnish, Estonian reply (vastaus, vastus); Danish, Norwegian forward (videresendt)
    "vb",  # Swedish forward (vidarebefordrat): Outlook
    "vl",  # Finnish forward (välitetty): Outlook
    "tr",  # French forward (transféré): Outlook
    "rif",  # Italian reply (riferimento): Outlook
    "res",  # Portuguese reply (resposta): Outlook
    "enc",  # Portuguese forward (encaminhado): Outlook
    "rv",  # Spanish forward (reenviado): Outlook
    "antw",  # Dutch reply (antwoord): Outlook
    "doorst",  # Dutch forward (doorgestuurd): Outlook
    "odp",  # Polish, Czech, Slovak reply (odpowiedź, odpověď): Outlook
    "pd",  # Polish forward (przekazanie dalej): Outlook
    "př",  # Czech forward (přeposlat): Outlook
    "vá",  # Hungarian reply (válasz): Outlook
    "odg",  # Slovenian, Croatian reply (odgovor): Outlook
    "atb",  # Latvian reply (atbilde): Outlook
    "ynt",  # Turkish reply (yanıt): Outlook
    "ilt",  # Turkish forward (ilet): Outlook, İLT matched too (case folding)
    "bls",  # Indonesian reply (balas): Outlook
    "trs",  # Indonesian forward (terusan): Outlook
    "απ",  # Greek reply (απάντηση): Outlook
    "σχετ",  # Greek reply (σχετικά): older Outlook
    "πρθ",  # Greek forward (προώθηση): Outlook
    "отв",  # Russian reply (ответ): Outlook, The Bat!
    "пересл",  # Russian forward (переслано): Outlook
    "השב",  # Hebrew reply: Outlook
    "הועבר",  # Hebrew forward: Outlook
    "회신",  # Korean reply: Outlook
    "전달",  # Korean forward: Outlook
    "返信",  # Japanese reply: Japanese clients
    "転送",  # Japanese forward: Japanese clients
    "回复",  # Chinese (simplified) reply: Foxmail, NetEase
    "回覆",  # Chinese (traditional) reply
    "答复",  # Chinese (simplified) reply: Outlook
    "转发",  # Chinese (simplified) forward
    "轉寄",  # Chinese (traditional) forward
)
# the Latin words as Japanese input methods type them in full width: Ｒｅ：Ｆｗｄ：
_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
_PREFIX_WORDS = "|".join(
    (
        *_PREFIX_WORDS_TABLE,
        *(w.translate(_FULL_WIDTH) for w in _PREFIX_WORDS_TABLE if w.isascii()),
    )
)
# one prefix: a word (group "word"), or Italian Outlook's R: (risposta) and I: (inoltro).
# "\s*(?:\[\d+\]\s*)?" and not "\s*(\[\d+\])?\s*": two whitespace runs in a row backtrack
# quadratically on "Re" + 10 000 spaces (issue #14)
_PREFIX = re.compile(
    rf"\s*(?:(?P<word>{_PREFIX_WORDS})\s*(?:\[\d+\]\s*)?|[ri])[:：][ \t]*", re.IGNORECASE
)


def _without_prefixes(subject: str) -> str:
    """``subject`` after its run of prefixes. A letter and a colon alone is a drive as
    often ("R: drive is full", "Re: R: drive is full"), so a letter counts only next to
    another letter or before another prefix ("R: R: I: …", "R: RE: …")."""
    found: list[tuple[int, bool]] = []  # each prefix's end, and whether it is a letter
    at = 0
    while (m := _PREFIX.match(subject, at)) and m.end() > at:
        found.append((m.end(), m.group("word") is None))
        at = m.end()
    end = 0
    for n, (stop, letter) in enumerate(found):
        before = n > 0 and found[n - 1][1]
        if letter and not before and n + 1 == len(found):
            break  # a lone letter at the end of the run: the subject's own words
        end = stop
    return subject[end:]


# zero-width characters: at a title's ends they are nothing a reader sees
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def base_subject(subject: str, prefix: str = "") -> str:
    """The subject without reply prefixes and our tag, for display on a new ticket."""
    bare = subject.strip().strip(_ZERO_WIDTH)
    return _without_prefixes(strip_tag(bare, prefix)).strip().strip(_ZERO_WIDTH).strip()


MAX_REFERENCED = 50  # Message-IDs looked up per message: the closest ancestors


def referenced_ids(in_reply_to: tuple[str, ...], references: tuple[str, ...]) -> list[str]:
    """In-Reply-To first, then References newest first: the closest ancestor wins.
    At most :data:`MAX_REFERENCED` of them: a header of 100 000 ids is one lookup of 50."""
    seen: dict[str, None] = {}
    for mid in (*in_reply_to[:MAX_REFERENCED], *reversed(references[-MAX_REFERENCED:])):
        seen.setdefault(mid, None)
    return list(seen)[:MAX_REFERENCED]


def resolve_thread(ev: ThreadEvidence) -> ThreadDecision:
    if ev.token_ticket is not None:
        return ThreadDecision(ev.token_ticket, ThreadVia.TOKEN)
    if ev.header_ticket is not None:
        return ThreadDecision(ev.header_ticket, ThreadVia.HEADERS)
    if ev.tag_ticket is not None:
        if ev.sender_is_participant_of_tag_ticket:
            return ThreadDecision(ev.tag_ticket, ThreadVia.TAG)
        return ThreadDecision(None, ThreadVia.NONE, linked_ticket_id=ev.tag_ticket)
    return ThreadDecision(None, ThreadVia.NONE)


# a list's tag in front of a subject ("[users] …"): a mailing list's copy of a mail that
# also came to us directly keeps its sender and gains this
_LIST_TAG = re.compile(r"^(?:\s*\[[^\]]*\])+\s*")


def same_mail(stored: tuple[str, str], arriving: tuple[str, str]) -> bool:
    """Whether a mail under a Message-ID we already hold is a copy of that mail: the
    same sender and the same subject (``(sender, subject)`` of each; a list's tag in
    front of a subject does not count). A copy by SMTP and IMAP, a resend, a list's copy
    is one; another sender's, or another subject, is another mail that reused the id."""
    (sender, subject), (sender2, subject2) = stored, arriving
    return sender.lower() == sender2.lower() and _LIST_TAG.sub("", subject).strip() == (
        _LIST_TAG.sub("", subject2).strip()
    )
