"""Turn a sender-chosen attachment name into one safe path component.

Attachment names are attacker input that ends up on disk and in download
headers: ``../../etc/passwd``, ``C:\\boot.ini``, bidi overrides that make
``exe.pdf`` read as ``fdp.exe``, and names longer than any filesystem allows
all arrive in real mail.  The original stays in ``Attachment.original_filename``
for display; everything that touches a filesystem uses this.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["extension_for", "numbered_filename", "safe_filename"]

MAX_BYTES = 180  # well under the 255-byte NAME_MAX of common filesystems
_MAX_EXT_CHARS = 16

_EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/csv": ".csv",
    "text/xml": ".xml",
    "text/enriched": ".txt",
    "text/richtext": ".txt",
    "text/rfc822-headers": ".txt",
    "text/vcard": ".vcf",
    "text/x-vcard": ".vcf",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/bmp": ".bmp",
    "image/tiff": ".tif",
    "image/webp": ".webp",
    "image/svg+xml": ".svg",
    "audio/mpeg": ".mp3",
    "video/mp4": ".mp4",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/json": ".json",
    "application/xml": ".xml",
    "application/msword": ".doc",
    "application/ms-tnef": ".dat",
    "application/vnd.ms-tnef": ".dat",
    "application/pgp-signature": ".asc",
    "application/pgp-encrypted": ".asc",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/pkcs7-mime": ".p7m",
    "application/x-pkcs7-mime": ".p7m",
    "application/ics": ".ics",
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/news": ".eml",
    "message/delivery-status": ".txt",
    "message/global-delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "message/feedback-report": ".txt",
    "message/external-body": ".txt",
    "message/partial": ".eml",
}
# what a name that is only ``.`` and one of these was meant to be: a file of that type
_KNOWN_SUFFIXES = frozenset(_EXTENSIONS.values()) | {".xlsx", ".docx", ".pptx", ".xls", ".log"}
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global", "message/news"})
# DOS device names: a name is one when the part before its first dot, with the spaces
# Windows drops at its end, is one of these (as CPython's ntpath.isreserved reads it)
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{kind}{n}" for kind in ("COM", "LPT") for n in "0123456789\u00b9\u00b2\u00b3"}
)
_FORBIDDEN = re.compile(r'[<>:"|?*]')
_SPACES = re.compile(r"\s+")
_DOTS = re.compile(r"\.{2,}")


def safe_filename(name: str | None, content_type: str, index: int) -> str:
    """Return a name that is safe as a single path component on POSIX and Windows.

    ``index`` numbers the attachment (1-based) so that nameless parts still get
    distinct, predictable names such as ``attachment-3.pdf`` or ``message-2.eml``.
    """
    ctype = (content_type or "").strip().lower()
    cleaned = _clean(name or "")
    if not cleaned:
        return _fallback(ctype, index)
    if _only_extension(name or "", cleaned):  # ".pdf": saved as "pdf" it lost its type
        return f"attachment-{index}.{cleaned}"
    return _limit(cleaned)


def _only_extension(name: str, cleaned: str) -> bool:
    """``name`` was an extension alone (``.pdf``, `` ..xlsx``): what is left of it once
    its dots go is a known file extension, not a dot-file's name (``.bashrc``)."""
    return name.strip().startswith(".") and f".{cleaned.lower()}" in _KNOWN_SUFFIXES


def numbered_filename(name: str, number: int) -> str:
    """``name`` (already safe) told apart as file ``number`` of its ticket, as browsers
    save a second ``scan.pdf``: ``scan (2).pdf``, still one safe component in the limit.
    A name without a stem worth keeping apart (``.bashrc``) gets the number at its end."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > _MAX_EXT_CHARS:
        stem, ext = name, ""
    suffix = f" ({number})" + (f".{ext}" if ext else "")
    budget = MAX_BYTES - len(suffix.encode("utf-8"))
    return (_truncate_utf8(stem, budget).rstrip(" .") or "attachment") + suffix


def extension_for(content_type: str) -> str:
    """Best-effort extension for a MIME type; deterministic, no system files."""
    ctype = (content_type or "").strip().lower()
    known = _EXTENSIONS.get(ctype)
    if known:
        return known
    if ctype.startswith("text/"):
        return ".txt"
    return ".bin"


def _fallback(ctype: str, index: int) -> str:
    if ctype in _MESSAGE_TYPES:
        return f"message-{index}.eml"
    return f"attachment-{index}{extension_for(ctype)}"


def _clean(name: str) -> str:
    text = unicodedata.normalize("NFC", name)
    text = "".join(_visible(ch) for ch in text)
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _FORBIDDEN.sub("_", text)
    text = _SPACES.sub(" ", text)
    text = _DOTS.sub(".", text)
    text = text.strip(" .")
    if text.partition(".")[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        text = "_" + text
    return text


def _visible(ch: str) -> str:
    """Drop control, format (bidi overrides, zero-width) and lone surrogate chars."""
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Cs"):
        return " " if ch in "\t\r\n" else ""
    if category in ("Zl", "Zp"):
        return " "
    return ch


def _limit(name: str) -> str:
    """Trim the stem, never the extension, until the UTF-8 form fits."""
    if len(name.encode("utf-8")) <= MAX_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > _MAX_EXT_CHARS:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    budget = MAX_BYTES - len(suffix.encode("utf-8"))
    trimmed = _truncate_utf8(stem, budget).rstrip(" .")
    return (trimmed or "attachment") + suffix


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")[:max_bytes]
    return encoded.decode("utf-8", "ignore")
