"""Counting a form's submissions: whether a request is new, sent again, changed after
it was sent with its token, or over ``submissions_per_hour`` (the rate counters of
:mod:`store.web_auth`), and the keys it is counted under. Split out of
:mod:`gateway.web.intake`, whose page handling it decides for."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy.orm import Session

from gateway.pipeline.parse import submission
from gateway.web.intake_check import Checked, Entered
from store import web_auth


class Counted(Enum):
    """What :func:`count` found for a submission."""

    STORE = "store"  # new (or the same document again): into the inbox
    STORED = "stored"  # the same request from this browser, stored a moment ago: ask
    CHANGED = "changed"  # this form's token was stored with other words: ask
    LIMITED = "limited"  # over submissions_per_hour: refused for now


STORE, STORED, CHANGED, LIMITED = Counted.STORE, Counted.STORED, Counted.CHANGED, Counted.LIMITED


def count(
    session: Session, email: str, client: str, keys: tuple[str, str, str], now: datetime, limit: int
) -> Counted:
    """One hit for the address and one for the client (an IPv4 address or an IPv6 /64:
    :func:`gateway.web.guard.client_key`): :data:`STORE` while both are
    under the limit, else :data:`LIMITED`. ``keys``: the document's hash and the
    request's (:func:`request_key`). The same document again (a double click, a
    resend) was allowed once already: it is stored once, so it is not counted, and the
    browser, which shows the last answer, is told it was received, not to "try again
    later". The same request from the same browser in a new document (sent again after
    Back, which fetches a fresh form and token) within this hour or the last is
    :data:`STORED`: the requester is asked whether to send it once more (``request``
    empty: they said yes). ``token``: the form's one-time token; one stored already with
    another document (Send pressed, a word changed, Send again) is :data:`CHANGED`."""
    doc, request, token = keys
    window = web_auth.window_of(now)
    if web_auth.hits(session, f"submit-doc:{doc}", window):
        return STORE
    if web_auth.held(session, token_key(token)):
        return CHANGED
    recent = (window, window - timedelta(hours=1))
    same = f"submit-same:{request}"
    if request and any(web_auth.hits(session, same, w) for w in recent):
        return STORED
    by_address = web_auth.hit(session, f"submit-addr:{email}", window)
    by_client = web_auth.hit(session, f"submit-ip:{client}", window)
    if by_address > limit or by_client > limit:
        return LIMITED
    web_auth.hit(session, f"submit-doc:{doc}", window)
    return STORE


def stored(session: Session, request: str, now: datetime) -> None:
    """The request (:func:`request_key`) is in the inbox: the same one sent again from
    a fresh form is asked about first. Counted only once it is stored: a request the
    inbox could not take (a 503) sent again from a reloaded form is stored then. (The
    form's token is claimed by the inbox row's own transaction: :func:`token_key`.)"""
    if request:
        web_auth.hit(session, f"submit-same:{request}", web_auth.window_of(now))


def token_key(token: str) -> str:
    """The claim of a form's token: held once a document sent with it is stored, for
    as long as the token is valid. Another document with it is :data:`CHANGED`. Was
    recorded only after the inbox took the request: two documents sent with one token
    at the same instant (on two instances) both found it free and both were stored."""
    return f"submit-token:{token}"


def request_key(
    browser: str,
    entry_id: str,
    checked: Checked,
    entered: Entered,
    files: list[submission.SubmittedFile],
) -> str:
    """What makes two submissions the same request sent again, whatever their tokens:
    the browser, the entry, the address, the title, the details, the sheet and the
    files' names and bytes."""
    what = [
        browser,
        entry_id,
        checked.email,
        entered.subject,
        entered.text,
        sorted(checked.values.items()),
        [(f.filename, hashlib.sha256(f.data).hexdigest()) for f in files],
    ]
    return hashlib.sha256(json.dumps(what, ensure_ascii=False).encode()).hexdigest()
