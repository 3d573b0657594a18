"""Find the new part of a reply: what the sender wrote above the quoted history.

A ticket thread already holds every earlier message, so storing each reply's
quoted copy again only buries the one new paragraph an agent needs to read.
The rules are deliberately line-based and conservative: when in doubt, keep
text (a duplicated quote is an annoyance, a lost answer is a bug).
"""

from __future__ import annotations

import re

__all__ = ["split_reply"]

_EMAIL = r"[^\s<>@]+@[^\s<>@]+"
_WROTE = (
    r"(?:wrote|writes|a\s+écrit|schrieb|escribió|ha\s+scritto|scrisse|schreef|"
    r"napisał\(a\)|napisał|skrev|kirjoitti|написал\(а\)|написал|escreveu)"
)

# A single line that starts quoted history on its own.
_HEADER_LINES = [
    re.compile(r"^-{2,}\s*Original\s+Message\s*-{2,}\s*$", re.I),
    re.compile(r"^-{2,}\s*(?:元の|オリジナル)\s*メッセージ\s*-{2,}\s*$"),
    re.compile(r"^-{2,}\s*(?:Forwarded|転送)[^\n]*-{2,}\s*$", re.I),
    re.compile(r"^-{2,}\s*Forwarded\s+message\s*-*\s*$", re.I),
    re.compile(r"^(?:Begin\s+forwarded\s+message|転送されたメッセージ)\s*[:：]\s*$", re.I),
    re.compile(r"^_{10,}\s*$"),  # Outlook's rule above its From:/Sent: block
    # Japanese attributions: "2024年1月1日 10:00 山田 <x@y>:", "…のメッセージ:", "…は書きました:"
    re.compile(r"^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日.*[:：]\s*$"),
    re.compile(r"^.*のメッセージ\s*[:：]\s*$"),
    re.compile(r"^.*書きました\s*[:：]\s*$"),
    re.compile(r"^.*(?:さん|様)から\s*[:：]\s*$"),
    re.compile(rf"^.*<{_EMAIL}>\s*[:：]\s*$"),
    re.compile(rf"^.*(?:<{_EMAIL}>|{_EMAIL}).{{0,40}}\b{_WROTE}\s*[:：]\s*$", re.I),
    re.compile(rf"^\s*(?:On|Am|Le|El|Il|Op|Em|Dnia|W\s+dniu)\b.*\b{_WROTE}\s*[:：]?\s*$", re.I),
    re.compile(r"^\s*\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}.*\b" + _WROTE + r"\s*[:：]\s*$", re.I),
]
_ON_START = re.compile(r"^\s*On\s+\S", re.I)
_ATTRIBUTION_START = re.compile(r"^\s*(?:\d|(?:On|Am|Le|El|Il|Op|Em|Dnia|W)\s)", re.I)
_WROTE_END = re.compile(rf"\b{_WROTE}\s*[:：]\s*$", re.I)

# Outlook-style header block: a From line followed closely by Sent/Date and To/Subject.
_BLOCK_FROM = re.compile(r"^\s*\**\s*(?:From|差出人|送信者|Von|De|Da|Od|От)\s*\**\s*[:：]", re.I)
_BLOCK_SENT = re.compile(
    r"^\s*\**\s*(?:Sent|Date|送信日時|日付|送信日|Gesendet|Datum|Envoyé|Enviado|Inviato|"
    r"Data|Wysłano|Отправлено)\s*\**\s*[:：]",
    re.I,
)
_BLOCK_OTHER = re.compile(
    r"^\s*\**\s*(?:To|Subject|Cc|宛先|件名|CC|An|Betreff|À|Objet|Para|Asunto|A|Oggetto|"
    r"Do|Temat|Кому|Тема)\s*\**\s*[:：]",
    re.I,
)
_QUOTED = re.compile(r"^\s*(?:>|＞)")
_SIGNATURE = re.compile(r"^--[ ]?$")


def split_reply(text: str) -> str:
    """Return the newly written part of ``text`` (a whole plain-text body).

    Cut at the first quote header ("On … wrote:", Japanese attributions,
    "-----Original Message-----", forwarded-message banners, Outlook
    From:/Sent: blocks), drop trailing ``>`` quotes, then drop the signature.
    A reply written *below* the quote (bottom-posting) keeps its unquoted lines.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _find_quote_header(lines)
    if cut is not None:
        head = lines[:cut]
        if _is_blank(head):
            head = _bottom_posted(lines[cut + 1 :])
        lines = head
    lines = _drop_trailing_quotes(lines)
    lines = _drop_signature(lines)
    return "\n".join(lines).strip("\n").rstrip()


def _find_quote_header(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or _QUOTED.match(line):
            continue
        if _is_header_line(stripped, lines, i):
            return i
        if _starts_wrapped_attribution(lines, i):
            return i
        if _starts_header_block(lines, i):
            return i
    return None


def _is_header_line(stripped: str, lines: list[str], i: int) -> bool:
    if any(p.match(stripped) for p in _HEADER_LINES):
        if stripped.startswith("_"):
            return _starts_header_block(lines, _next_nonblank(lines, i + 1))
        return True
    return False


def _starts_wrapped_attribution(lines: list[str], i: int) -> bool:
    """Mobile and webmail clients wrap long attribution lines over 2-3 lines."""
    if not _ATTRIBUTION_START.match(lines[i]) and "@" not in lines[i]:
        return False
    for end in range(i + 1, min(i + 3, len(lines))):
        last = lines[end].strip()
        ends_header = bool(last) and not _QUOTED.match(lines[end]) and last.endswith((":", "："))
        if not ends_header and not (_ON_START.match(lines[i]) and _WROTE_END.search(last)):
            continue
        window = " ".join(line.strip() for line in lines[i : end + 1])
        if len(window) > 400:
            return False
        if _ON_START.match(lines[i]) and _WROTE_END.search(window):
            return True
        if any(p.match(window) for p in _HEADER_LINES[6:]):
            return True
    return False


def _starts_header_block(lines: list[str], i: int) -> bool:
    if i >= len(lines) or not _BLOCK_FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 8] if line.strip()][:5]
    has_sent = any(_BLOCK_SENT.match(line) for line in following)
    has_other = any(_BLOCK_OTHER.match(line) for line in following)
    return has_sent and has_other


def _next_nonblank(lines: list[str], start: int) -> int:
    for j in range(start, len(lines)):
        if lines[j].strip():
            return j
    return len(lines)


def _bottom_posted(rest: list[str]) -> list[str]:
    """The attribution came first: the new text is whatever is not quoted."""
    return [line for line in rest if not _QUOTED.match(line)]


def _drop_trailing_quotes(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and (not lines[end - 1].strip() or _QUOTED.match(lines[end - 1])):
        end -= 1
    return lines[:end]


def _drop_signature(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if _SIGNATURE.match(line.rstrip("\r")):
            return lines[:i]
    return lines


def _is_blank(lines: list[str]) -> bool:
    return not any(line.strip() for line in lines)
