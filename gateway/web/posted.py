"""A multipart form read as a stream, so an upload over the limit still yields what
was typed.

``request.post()`` reads the whole body and, past ``client_max_size``, raises 413
with every field it had read thrown away: the requester's page would be a bare
"too large", their text gone. Browsers send the inputs in the form's order, the
file input last, so reading part by part keeps the text inputs and stops keeping
file bytes once they pass ``[web] max_upload_size``. What is not read is left to
aiohttp, which drains the rest of the request before it closes the connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong

MAX_TEXT_PART = 256_000  # bytes of one text input (the longest, 20 000 characters, is 80 KB)
MAX_PARTS = 200  # inputs of one form; the rest are not read
CHUNK = 65_536


@dataclass
class SentFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Posted:
    texts: dict[str, str] = field(default_factory=dict)  # the first value of each input
    files: list[SentFile] = field(default_factory=list)  # the "files" input's chosen files
    too_large: bool = False  # the files passed the limit: none of them is kept
    # a part whose header aiohttp refuses (a file name with control characters, as
    # Chromium sends a name from disk): what came before it is kept, the rest is not read
    unreadable: bool = False


POSTED = web.RequestKey("posted", Posted)


def is_multipart(request: web.Request) -> bool:
    return request.content_type == "multipart/form-data"


async def texts(request: web.Request) -> Mapping[str, str]:
    """The text inputs of the posted form, whatever its encoding (the first value of
    each): a multipart one as :func:`read` kept it, since the CSRF check reads every
    POST first; any other from aiohttp's ``post()``, read once and cached. A page that
    asked ``post()`` for a multipart body already streamed found nothing left: a 500."""
    if is_multipart(request):
        kept = request.get(POSTED)
        return kept.texts if kept is not None else {}
    found: dict[str, str] = {}
    for name, value in (await request.post()).items():
        if isinstance(value, str):
            found.setdefault(name, value)
    return found


async def read(request: web.Request, limit: int, overhead: int) -> Posted:
    """The form of ``request`` (multipart), read once and kept on the request: files
    up to ``limit`` bytes in all, the whole body up to ``limit + overhead``."""
    if POSTED in request:
        return request[POSTED]
    posted = Posted()
    request[POSTED] = posted
    try:
        await _read_parts(request, posted, limit, overhead)
    except ValueError as exc:  # aiohttp's word for a body that is not multipart as declared
        raise web.HTTPBadRequest() from exc  # the client's fault: a 400 page, no traceback
    except LineTooLong as exc:  # a boundary or header line past 512 KiB: no browser's form
        raise web.HTTPBadRequest() from exc  # (a page that reads the form again failed on it)
    except HttpProcessingError:  # one part's header: the inputs before it are still good
        posted.unreadable, posted.files = True, []
    return posted


async def _read_parts(request: web.Request, posted: Posted, limit: int, overhead: int) -> None:
    """Fill ``posted`` part by part (see :func:`read`); raises ValueError when the body
    breaks its own framing (no boundary, cut short, no start)."""
    reader = await request.multipart()
    budget = _Budget(limit + overhead)
    files = 0
    for _ in range(MAX_PARTS):
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            break  # a nested multipart: no browser sends one for a form
        if part.filename is None:
            raw = await budget.take(part, MAX_TEXT_PART)
            posted.texts.setdefault(_text(part.name or ""), raw.decode("utf-8", errors="replace"))
            budget.spent = budget.spent or len(raw) >= MAX_TEXT_PART  # no browser's input
        else:
            data = await budget.take(part, limit - files + 1)
            files += len(data)
            # an input with no file chosen has an empty name; a chosen file of 0 bytes
            # is kept, as mail keeps an empty part
            if files <= limit and part.name == "files" and part.filename:
                kind = _text(part.headers.get("Content-Type", "application/octet-stream"))
                posted.files.append(SentFile(_text(part.filename), kind, data))
            posted.too_large = files > limit
        if posted.too_large or budget.spent:
            posted.too_large, posted.files = True, []
            break  # the rest of the body is aiohttp's to drain (or to cut off)


def _text(header_value: str) -> str:
    """A value from a part's header as text that can be written: aiohttp keeps bytes
    that are not UTF-8 (a name from an old Shift_JIS disk) as lone surrogates, which
    no encoder takes; each becomes U+FFFD, as a browser shows them."""
    raw = header_value.encode("utf-8", errors="surrogateescape")
    return raw.decode("utf-8", errors="replace")


class _Budget:
    """Bytes of the body still to be read; a part that would pass it is cut short."""

    def __init__(self, most: int) -> None:
        self.left = most
        self.spent = False

    async def take(self, part: BodyPartReader, keep: int) -> bytes:
        """At most ``keep`` bytes of the part; the part is read on (and dropped) to its
        end while the budget lasts, so the next part can be read."""
        kept = bytearray()
        while chunk := await part.read_chunk(CHUNK):
            self.left -= len(chunk)
            if self.left < 0:
                self.spent = True
                break
            if len(kept) < keep:
                kept += chunk[: keep - len(kept)]
                if len(kept) >= keep:
                    break  # enough to know it is too much
        return bytes(kept)
