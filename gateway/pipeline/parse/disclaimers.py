"""The confidentiality notice a company's mail server or client appends under every mail:
"CONFIDENTIALITY NOTICE: This e-mail … If you are not the intended recipient, please
notify …", 「本メールは機密情報を含む場合があります。誤って受信された場合は…削除して
ください」.

Nobody's words: under a member's commands only it is nothing to relay, and under a
customer's thank-you its "please" is no request (:mod:`gateway.pipeline.thanks`). Told
by shape, cautiously: only the last paragraphs of a text, each opening as a notice does
(:data:`OPENINGS`) and speaking of confidentiality and of a wrong recipient or deleting
the mail (:data:`TOPICS`, both). A paragraph of the writer's that mentions the words
(「本メールの添付は機密情報ですので、取り扱いにご注意ください」) has no wrong recipient
in it, and a notice above the writer's words is not at the end: both are words.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["without_disclaimer"]

_MAX_CHARS = 2000  # a notice is a paragraph or two: a longer one is words
_MAX_PARAGRAPHS = 3  # in two languages, and a heading of its own at most

# How a notice opens (its first line, NFKC and case-folded, marks such as ※【 aside).
OPENINGS: tuple[str, ...] = (
    # English headings and first words
    "confidentiality",
    "confidential",
    "disclaimer",
    "legal disclaimer",
    "important notice",
    "notice:",
    "privileged",
    "this e-mail",
    "this email",
    "this message",
    "the information contained",
    "the information in this",
    # Japanese: 「本メールは…」「このメールには…」「この電子メールの…」「免責事項」「機密」
    "本メール",
    "このメール",
    "この電子メール",
    "本電子メール",
    "免責",
    "機密",
    "秘密",
)
# What a notice speaks of: confidentiality, and a wrong recipient or deleting the mail.
TOPICS: tuple[re.Pattern[str], re.Pattern[str]] = (
    re.compile(r"confidential|privileged|機密|秘密"),
    re.compile(
        r"intended recipient|addressee|in error|by mistake|delete|destroy|"
        r"誤って|誤送信|誤り|心当たり|お心当たり|削除|破棄"
    ),
)
_MARKS = "※【】[]()（）*＊■□◆◇●○★☆・-–—_=~ \t"


def without_disclaimer(text: str) -> str:
    """``text`` without the notice paragraphs at its end, if it has any; else as it is."""
    paragraphs = re.split(r"\n[^\S\n]*\n", text.rstrip())
    kept = len(paragraphs)
    while kept > 0 and len(paragraphs) - kept < _MAX_PARAGRAPHS and _notice(paragraphs[kept - 1]):
        kept -= 1
    if kept == len(paragraphs):
        return text
    return "\n\n".join(paragraphs[:kept]).rstrip()


def _notice(paragraph: str) -> bool:
    folded = unicodedata.normalize("NFKC", paragraph).casefold().strip()
    if not folded or len(folded) > _MAX_CHARS:
        return False
    lines = [line.strip(_MARKS) for line in folded.splitlines()]
    first = next((line for line in lines if line), "")
    return first.startswith(OPENINGS) and all(topic.search(folded) for topic in TOPICS)
