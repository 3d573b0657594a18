"""Stage "no words": a mail with no text of its own gets the text of what it carries.

A customer's calendar invite, a mail they attached without a word, an S/MIME blob: the
ticket showed nothing (:mod:`gateway.pipeline.no_words` decides what it shows). The
text is written in the language its reader reads the ticket in: the ticket's, or for
a new ticket the one its acknowledgement will be in (Japanese when the subject or the
carried words are, English when there is a subject, else the team's).

A member's own invite (or encrypted mail) gets the same text, but only as what its
ticket shows (``Arrival.shown``): their parsed words stay empty, as words we wrote
must never be read as their commands nor as a forward's header block; their attached
mail is their forward, which files the original (:mod:`gateway.pipeline.forward`).
"""

from __future__ import annotations

from dataclasses import replace

from gateway.core.text import has_japanese
from gateway.pipeline.no_words import MEMBER_KINDS, stand_in, without_files_inside, wordless
from gateway.pipeline.parse.attachment_data import attachment_data
from gateway.runner.arrival import Arrival
from store import tickets


def fill_in(a: Arrival) -> Arrival:
    """``a`` with the carried text as its text and new text, or unchanged."""
    msg = a.msg
    if a.submission is not None or not wordless(msg) or not msg.attachments:
        return a
    kinds = MEMBER_KINDS if a.settings.member(a.sender) is not None else None

    def attached(sha256: str) -> bytes | None:
        return attachment_data(a.row.raw, sha256)

    zone = a.settings.gateway.timezone
    ticket = tickets.get(a.session, a.thread.ticket_id) if a.thread.ticket_id else None
    if ticket is not None:
        locale = ticket.locale or a.settings.gateway.locale
    else:
        probe = stand_in(msg, attached, "en", zone, kinds)
        if not probe:
            return a
        locale = (
            "ja"
            if has_japanese(msg.subject) or has_japanese(without_files_inside(probe, "en"))
            else ("en" if msg.subject.strip() else a.settings.gateway.locale)
        )
    text = stand_in(msg, attached, locale, zone, kinds)
    if not text:
        return a
    if kinds is not None:
        return replace(a, shown=text)
    # the files' names are shown, not read: the words file the ticket (no_words)
    new_text = without_files_inside(text, locale)
    return replace(a, parsed=replace(msg, text=text, new_text=new_text))
