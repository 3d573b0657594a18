"""Structured submissions (web form, chat modal) as JSON bytes, and back.

DESIGN.md's rule 1 holds for every door: a form post or a chat submission is
committed to the inbox before the door answers. Mail is stored as the bytes
that arrived; a submission is stored as the JSON document :func:`encode`
writes, so the runner reads every door's input from the same table. The
document carries an idempotency ``nonce`` chosen by the door (the form's
one-time token, the chat app's view id): a double click or a retried delivery
produces the same bytes, which the inbox stores once.

:func:`decode` turns the bytes into the :class:`ParsedMessage` the chain
expects (the requester as From, the text as body, attachments decoded and
hashed) plus the :class:`Submission` with the chosen entry and fields. It
never raises: a document that is not ours comes back as ``None`` with why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.core.domains import ascii_address
from gateway.core.model import Address, Attachment, LoopHeaders, ParsedMessage, Submission
from gateway.core.title import one_line
from gateway.pipeline.parse.filenames import safe_filename
from gateway.pipeline.parse.headers import short_name

SOURCES = frozenset({"web", "slack"})  # inbox sources whose rows hold a submission
FORMAT = "ticket-gateway/submission"
VERSION = 1
MAX_TEXT = 200_000  # characters of subject + text kept; the door limits far below this
MAX_FIELDS = 200
MAX_CONTENT_TYPE = 255  # a type's characters, as a mail part's (.mime; the column's size)
# type "/" subtype, RFC 2045 tokens, then anything (the parameters a client added)
_TYPE = re.compile(r"\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:;.*)?", re.S)


@dataclass(frozen=True, slots=True)
class SubmittedFile:
    filename: str  # as the person's browser or chat app named it
    content_type: str
    data: bytes


def encode(
    *,
    source: str,
    nonce: str,
    submitted_at: datetime,
    entry_id: str,
    requester_email: str,
    requester_name: str,
    subject: str,
    text: str,
    fields: Mapping[str, str],
    locale: str,
    files: Sequence[SubmittedFile] = (),
    reference: str = "",
    extra: Mapping[str, str] | None = None,
) -> bytes:
    """The inbox bytes of one submission: canonical JSON, so equal input is equal bytes."""
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "source": source,
        "nonce": nonce,
        "submitted_at": submitted_at.astimezone(UTC).isoformat(),
        "entry": entry_id,
        "requester": {"email": requester_email.strip().lower(), "name": requester_name},
        "subject": subject,
        "text": text,
        "fields": dict(fields),
        "locale": locale,
        "reference": reference,
        "extra": dict(extra or {}),
        "files": [
            {
                "filename": f.filename,
                "content_type": f.content_type,
                "data": base64.b64encode(f.data).decode("ascii"),
            }
            for f in files
        ],
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def decode(raw: bytes) -> tuple[ParsedMessage, Submission | None, str]:
    """The message and the submission, or ``(…, None, why)`` for bytes that are not one."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return _nothing(raw), None, f"not a submission document ({exc})"
    problem = _problem(doc)
    if problem is not None:
        return _nothing(raw), None, problem
    files, defects = _files(doc["files"])
    message = ParsedMessage(
        message_id=f"{doc['source']}-{hashlib.sha256(raw).hexdigest()[:32]}@synthetic.invalid",
        message_id_synthetic=True,
        in_reply_to=(),
        references=(),
        subject=one_line(str(doc["subject"]))[:998],
        # in the one form a mail's sender is kept in: a Slack profile shows the address
        # as its owner typed it (ito@例え.jp), and old rows were written before either
        from_=Address(
            short_name(_one_line(doc["requester"]["name"])),
            ascii_address(str(doc["requester"]["email"]).strip()),
        ),
        reply_to=(),
        to=(),
        cc=(),
        date=_when(doc["submitted_at"], defects),
        text=str(doc["text"])[:MAX_TEXT],
        new_text=str(doc["text"])[:MAX_TEXT],
        html="",
        attachments=files,
        loop=LoopHeaders(),
        defects=tuple(defects),
    )
    submission = Submission(
        source=doc["source"],
        entry_id=str(doc["entry"]),
        fields={str(k): str(v) for k, v in doc["fields"].items()},
        locale=str(doc["locale"]),
        reference=str(doc.get("reference", "")),
        extra={str(k): str(v) for k, v in doc.get("extra", {}).items()},
    )
    return message, submission, ""


def file_bytes(raw: bytes, index: int) -> bytes | None:
    """The ``index``-th (0-based) file of a stored submission, for a download."""
    try:
        doc = json.loads(raw.decode("utf-8"))
        return base64.b64decode(doc["files"][index]["data"], validate=True)
    except (UnicodeDecodeError, ValueError, KeyError, IndexError, TypeError, binascii.Error):
        return None


def _problem(doc: Any) -> str | None:
    """Why ``doc`` is not a submission of this format, or None."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return "not a submission document"
    if doc.get("version") != VERSION:
        return f"unknown submission version {doc.get('version')!r}"
    if doc.get("source") not in SOURCES:
        return f"unknown submission source {doc.get('source')!r}"
    requester = doc.get("requester")
    if not isinstance(requester, dict) or "@" not in str(requester.get("email", "")):
        return "a submission without a requester address"
    fields = doc.get("fields")
    if not isinstance(fields, dict) or len(fields) > MAX_FIELDS:
        return "a submission's fields must be a mapping"
    if not isinstance(doc.get("files"), list):
        return "a submission's files must be a list"
    for key in ("entry", "subject", "text", "locale", "submitted_at"):
        if not isinstance(doc.get(key), str):
            return f"a submission needs {key!r} as text"
    return None


def _files(items: list[Any]) -> tuple[tuple[Attachment, ...], list[str]]:
    out: list[Attachment] = []
    defects: list[str] = []
    for n, item in enumerate(items, start=1):
        try:
            data = base64.b64decode(item["data"], validate=True)
            original, ctype = str(item["filename"]), declared_type(str(item["content_type"]))
        except (KeyError, TypeError, ValueError, binascii.Error):
            defects.append(f"submission: file {n} is unreadable and was left out")
            continue
        out.append(
            Attachment(
                safe_filename(original, ctype, n),
                original,
                ctype,
                len(data),
                hashlib.sha256(data).hexdigest(),
            )
        )
    return tuple(out), defects


def declared_type(value: str) -> str:
    """A file's type as its client declared it, read as a mail part's is (lower case,
    the parameters left out: ``text/csv; charset=Shift_JIS`` is ``text/csv``); a value
    that is no type, or longer than the column, is ``application/octet-stream``. What
    a form post's part header says is the client's text, and a row with a type over
    255 characters was refused by PostgreSQL: the request was shunted, not filed."""
    found = _TYPE.fullmatch(value)
    if found is None or len(found.group(1)) > MAX_CONTENT_TYPE:
        return "application/octet-stream"
    return found.group(1).lower()


def _when(text: str, defects: list[str]) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        defects.append("submission: unreadable submitted_at")
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _one_line(value: object) -> str:
    return one_line(str(value))[:256]


def _nothing(raw: bytes) -> ParsedMessage:
    message_id = f"submission-{hashlib.sha256(raw).hexdigest()[:32]}@synthetic.invalid"
    return ParsedMessage.nothing(message_id, synthetic=True, is_mail=False)
