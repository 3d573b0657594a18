"""The public door: the catalog's entries and a form per entry.

A valid submission is encoded (:func:`gateway.pipeline.parse.submission.encode`)
and stored in the inbox with source ``web`` before the page answers: only a
committed row gets the ``303`` to the "received" page, and the runner, woken
at once, files it under the chosen entry and mails the acknowledgement. A
database that is locked or away gets a 503 with the form and everything typed
still in it, and nothing is written half. Limits: the request size
(``[web] max_upload_size``: attachments over it bring the form back, typed text
kept, see :mod:`gateway.web.posted`), submissions per address and per client per hour.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from urllib.parse import unquote

from aiohttp import web

from gateway.catalog.model import Entry
from gateway.core.clock import day_in
from gateway.core.errors import TransientError
from gateway.core.i18n import N_, Msg
from gateway.core.title import one_line
from gateway.pipeline.parse import submission
from gateway.web import form_token, guard, posted, submit_count
from gateway.web.context import WebContext
from gateway.web.guard import client_ip, client_key
from gateway.web.intake_check import (
    FIELD_PREFIX,
    MAX_SUBJECT,
    MAX_TEXT,
    Entered,
    check,
    entered_from,
    first_to_fix,
    left_over,
    to_fix,
    typed_lines,
)
from gateway.web.number_input import number_input
from gateway.web.submit_count import CHANGED, LIMITED, STORE, STORED
from gateway.web.visit import ctx_of, page, see_other, visitor
from store.accept.contract import Claim, Claimed, Incoming

routes = web.RouteTableDef()
CSRF_LOST = N_(
    "For your security the form could not be sent: the page had expired. Nothing was "
    "sent yet, and everything you typed is still here. Please check it and send the "
    "form again."
)

CHOOSE_AGAIN = N_("Please choose the attachments again.")
CHANGED_AFTER_SENT = N_(
    "This form was already sent a moment ago, and it was received. What you changed "
    "since is below and was not sent. To send it as another request, press the button "
    "again."
)
ALREADY_SENT = N_(
    "You sent this same request a few minutes ago, and it was received: nothing was "
    "sent now. To send it once more as another request, press the button again."
)


def _again(errors: dict[str, Msg], files: list[submission.SubmittedFile]) -> dict[str, Msg]:
    """``errors``, and, when files were chosen, a word next to the attachments: a
    browser never fills a file input back in, so the form that comes back has lost
    them (a 503's "nothing was lost" is about what was typed)."""
    if files and "files" not in errors:
        return {**errors, "files": CHOOSE_AGAIN}
    return errors


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    """Every entry of the catalog with its name and description."""
    catalog = ctx_of(request).catalog()
    return page(request, "index.html.j2", {"entries": catalog.entries})


def _entry(request: web.Request) -> Entry:
    entry = ctx_of(request).catalog().entry(request.match_info["entry"])
    if entry is None:
        raise web.HTTPNotFound()
    return entry


@routes.get("/new/{entry}")
async def form(request: web.Request) -> web.Response:
    """An entry's form; an id the catalog no longer has (an old bookmark, a link in an
    old mail) is a 404 that says the form was removed or renamed and lists the kinds
    of request offered now, not the bare "not found" that left the reader nowhere."""
    ctx = ctx_of(request)
    entry = ctx.catalog().entry(request.match_info["entry"])
    if entry is None:
        return _written_otherwise(request)
    token = form_token.issue(ctx.keys.form, ctx.now())
    return _form(request, entry, Entered(), {}, token)


@routes.get("/new/{entry}/")
async def form_slash(request: web.Request) -> web.Response:
    """``/new/vpn/``: the form's address with a slash a link or a person added."""
    return _written_otherwise(request)


# what may follow an address copied or typed by hand: a space, the sentence's full stop
_AFTER_ADDRESS = " 。、.,"


def _written_otherwise(request: web.Request) -> web.Response:
    """The form whose id the path writes otherwise (``VPN``, ``ｖｐｎ`` typed with the
    input method on, ``vpn。`` copied with its sentence's full stop, a slash after it):
    a redirect to it. It said the form was removed while it was there; an entry's id
    is lower-case ASCII (gateway.catalog.reader). Else the "removed" page."""
    typed = unicodedata.normalize("NFKC", request.match_info["entry"])
    meant = ctx_of(request).catalog().entry(typed.strip(_AFTER_ADDRESS).lower())
    if meant is not None:
        raise see_other(f"/new/{meant.id}")
    return _gone(request, {}, opened=False)


@routes.get("/new/{entry}/sent")
async def sent(request: web.Request) -> web.Response:
    return page(request, "sent.html.j2", {"entry": _entry(request)})


@routes.post("/new/{entry}")
@guard.keeps_typed_input
async def submit(request: web.Request) -> web.StreamResponse:
    ctx = ctx_of(request)
    entry = ctx.catalog().entry(request.match_info["entry"])
    sent = await _posted(request)
    if entry is None:  # removed by a catalog reload while the form was open
        return _gone(request, sent.texts)
    texts = sent.texts
    files = [
        submission.SubmittedFile(_filename(f.filename), f.content_type, f.data) for f in sent.files
    ]
    entered = entered_from(texts, entry)
    token = texts.get("form_token", "")
    when = form_token.issued_at(ctx.keys.form, token, ctx.now())
    if guard.csrf_refused(request):  # the cookie was lost while they typed: nothing stored
        kept = token if when is not None else form_token.issue(ctx.keys.form, ctx.now())
        lost = {"": CSRF_LOST}
        if files or sent.too_large or sent.unreadable:
            lost["files"] = CHOOSE_AGAIN
        return _form(request, entry, entered, lost, kept, status=403)
    if when is None:  # forged, or left open too long: a fresh form, nothing lost
        fresh = form_token.issue(ctx.keys.form, ctx.now())
        expired = {"": N_("The form was open too long. Please check it and send it again.")}
        return _form(request, entry, entered, _again(expired, files), fresh, status=400)
    if sent.unreadable:  # a file's name aiohttp cannot read: what was typed comes back
        unnamed = {
            "files": N_(
                "The name of an attachment could not be read (it has unusual characters). "
                "Please rename the file and choose it again."
            )
        }
        return _form(request, entry, entered, unnamed, token, status=400)
    if sent.too_large:  # everything typed comes back; the files have to be smaller
        big = {
            "files": N_(
                "The attachments are larger than {n} MB in all. Please choose smaller files.",
                n=_mb(ctx),
            )
        }
        return _form(request, entry, entered, big, token, status=413)
    today = day_in(ctx.now(), ctx.settings.gateway.timezone)  # what 4/1 counts from
    checked = check(entry, entered, len(files), ctx.settings.own_addresses, today)
    leftovers = left_over(texts, entry)
    if leftovers:  # a reload changed the sheet while the form was open: say so, show them
        changed = {
            "": N_(
                "The form was changed while it was open: a field you filled in is no longer "
                "asked for, or has another name. Nothing was sent yet. What you typed there "
                "is below; please check the form and send it again."
            ),
            **checked.errors,
        }
        return _form(request, entry, entered, _again(changed, files), token, 400, leftovers)
    if not checked.ok:
        return _form(request, entry, entered, _again(checked.errors, files), token, status=400)
    locale = visitor(request).locale
    raw = submission.encode(
        source="web",
        nonce=token,
        submitted_at=when,
        entry_id=entry.id,
        requester_email=checked.email,
        requester_name=checked.name,
        subject=entered.subject,
        text=entered.text,
        fields=checked.values,
        locale=locale,
        files=files,
        reference=str(request.url.relative()),
    )
    # the same request from this browser (its CSRF cookie), unless sent once more on purpose
    request_key = submit_count.request_key(visitor(request).csrf, entry.id, checked, entered, files)
    if texts.get("again") == "1":
        request_key = ""
    try:
        counted = await ctx.write(
            submit_count.count,
            checked.email,
            client_key(request),  # an IPv6 /64 is one client
            (hashlib.sha256(raw).hexdigest(), request_key, token),
            ctx.now(),
            ctx.settings.web.submissions_per_hour,
        )
        if counted == CHANGED:  # sent already, then changed: a fresh form, nothing lost
            fresh = form_token.issue(ctx.keys.form, ctx.now())
            changed = {"": CHANGED_AFTER_SENT}
            return _form(request, entry, entered, _again(changed, files), fresh, 409)
        if counted == STORED:  # this browser sent the same a moment ago: ask, lose nothing
            asked = {"": ALREADY_SENT}
            return _form(request, entry, entered, _again(asked, files), token, 409, again=True)
        if counted == LIMITED:
            limited = {"": N_("Too many requests in a short time. Please try again later.")}
            return _form(request, entry, entered, _again(limited, files), token, status=429)
        if counted == STORE:  # the token claimed with the row: of two at once, one is stored
            claim = Claim(submit_count.token_key(token), when)
            ip = f"web:{client_ip(request)}"
            await ctx.accept([Incoming(raw, "web", ip, checked.email, (), claim=claim)])
    except Claimed:  # another document took this token meanwhile (another instance)
        fresh = form_token.issue(ctx.keys.form, ctx.now())
        changed = {"": CHANGED_AFTER_SENT}
        return _form(request, entry, entered, _again(changed, files), fresh, 409)
    except TransientError:
        down = {
            "": N_(
                "We could not store your request just now. Please send it again in a "
                "minute: nothing was lost of what you typed."
            )
        }
        return _form(request, entry, entered, _again(down, files), token, status=503)
    if counted == STORE and request_key:  # stored; a failure here loses only the question
        with contextlib.suppress(TransientError):
            await ctx.write(submit_count.stored, request_key, ctx.now())
    ctx.nudge()
    raise see_other(f"/new/{entry.id}/sent")


def _gone(request: web.Request, texts: dict[str, str], *, opened: bool = True) -> web.Response:
    """The answer to a form whose entry the catalog no longer has (a reload removed or
    renamed it while the form was open): nothing stored, what was typed shown to copy,
    and the entries offered now. Not the bare "not found", which lost the typing.
    ``opened`` false: the form itself was asked for (an old bookmark), nothing typed."""
    values = {
        "opened": opened,
        "subject": one_line(texts.get("subject", ""))[:MAX_SUBJECT],
        "text": typed_lines(texts.get("text", ""))[:MAX_TEXT],
        "entries": ctx_of(request).catalog().entries,
    }
    return page(request, "form_gone.html.j2", values, status=404)


async def _posted(request: web.Request) -> posted.Posted:
    """The form as sent: a multipart one as a stream (an upload over the limit keeps
    what was typed), any other (no browser sends one here) from ``post()``."""
    ctx = ctx_of(request)
    if posted.is_multipart(request):
        limit = ctx.settings.web.max_upload_size
        return await posted.read(request, limit, guard.FORM_OVERHEAD)
    return posted.Posted(texts=dict(await posted.texts(request)))


def _mb(ctx: WebContext) -> str:
    """The upload limit in MB as a person reads it: 10, or 0.5."""
    return f"{ctx.settings.web.max_upload_size / 1_000_000:.1f}".removesuffix(".0")


def _filename(sent: str) -> str:
    """As the person named it: some clients percent-encode a UTF-8 name (RFC 5987 style);
    browsers send the rest as it is but for ``"``, escaped as ``%22`` (the HTML
    standard's multipart encoding; its CR and LF escapes stay as sent, a name of one
    line)."""
    if sent.isascii() and re.search(r"%[89A-Fa-f][0-9A-Fa-f]", sent):
        try:
            return unquote(sent, errors="strict")
        except UnicodeDecodeError:
            return sent
    return sent.replace("%22", '"')


def _form(
    request: web.Request,
    entry: Entry,
    entered: Entered,
    errors: dict[str, Msg],
    token: str,
    status: int = 200,
    leftovers: list[str] | None = None,
    *,
    again: bool = False,
) -> web.Response:
    return page(
        request,
        "form.html.j2",
        {
            "entry": entry,
            "leftovers": leftovers or [],
            "again": again,  # the next press sends the same request once more
            "entered": entered,
            "errors": errors,
            "first": first_to_fix(entry, errors),
            "to_fix": to_fix(entry, errors),  # the error summary's links, in the page's order
            "form_token": token,
            "prefix": FIELD_PREFIX,
            "max_upload_mb": _mb(ctx_of(request)),
            "number_input": number_input,
        },
        status=status,
    )
