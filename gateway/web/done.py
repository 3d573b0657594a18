"""What a member's press on a ticket's page did, said on the page it comes back to.

A press is a POST answered by a redirect to the ticket's page (so Back or a reload never
sends it again); that page came back silent, and a screen reader user had to read it all
again to learn whether the note was added. The redirect now carries a short cookie naming
the ticket and what was done; the ticket's page says it once, in a live region
(``role=status``), and drops the cookie, so a reload or Back does not say it again and the
page's address stays the ticket's own.
"""

from __future__ import annotations

import re

from aiohttp import web

from gateway.core.i18n import N_, Msg
from gateway.web.visit import cookie_name, drop_cookie, set_cookie

DONE_COOKIE = "tg_done"
SAY_FOR = 60  # seconds: the redirect is followed at once; a stale one says nothing later

# what a press did, by its name (the ticket page's ``action``, the merge box's), in words
DONE: dict[str, Msg] = {
    "note": N_("Note added."),  # "Add note", or a note typed before another button
    "assign": N_("Assignee changed."),  # "Assign to me", "Change assignee"
    "pending": N_("The ticket now waits for the requester."),  # "Wait for the requester"
    "open": N_("The ticket is in progress."),  # "Work on it", "Reopen"
    "close": N_("Ticket closed."),  # "Close", with its reason
    "approve": N_("The action was approved; it runs shortly."),  # a manager's "Approve"
    "merged": N_("Ticket #{source} was merged into this one."),  # the merge box, on the target
    "unmerged": N_("The merge was undone."),  # "Undo the merge"
}
# the cookie's value: the page's ticket, what was done (a note with it), a merged ticket
_VALUE = re.compile(r"([0-9]{1,10})\.([a-z]+)(\.noted)?(?:\.([0-9]{1,10}))?")


def tell(
    request: web.Request,
    answer: web.HTTPSeeOther,
    ticket_id: int,
    what: str,
    *,
    noted: bool = False,
    source: int | None = None,
) -> web.HTTPSeeOther:
    """``answer`` (the redirect to ``ticket_id``'s page) with what was done, to be said
    there: ``what`` a key of :data:`DONE`, ``noted`` a note added with it, ``source``
    the ticket merged into it."""
    value = f"{ticket_id}.{what}" + (".noted" if noted else "") + (f".{source}" if source else "")
    set_cookie(request, answer, DONE_COOKIE, value, max_age=SAY_FOR)
    return answer


def told(request: web.Request, ticket_id: int) -> list[Msg]:
    """What the press that led to ``ticket_id``'s page did, in words (nothing when the
    cookie names another ticket, or nothing was pressed)."""
    found = _VALUE.fullmatch(request.cookies.get(cookie_name(request, DONE_COOKIE), ""))
    if found is None or int(found.group(1)) != ticket_id or found.group(2) not in DONE:
        return []
    what, noted, source = found.group(2), found.group(3), found.group(4)
    said = [DONE["note"]] if noted and what != "note" else []
    if what == "merged":  # never "Ticket # was merged": a value we did not write
        return [*said, N_(DONE[what].msgid, source=source)] if source else said
    return [*said, DONE[what]]


def forget(request: web.Request, response: web.StreamResponse) -> None:
    """Drop the cookie once its page said it: a reload says nothing again."""
    if cookie_name(request, DONE_COOKIE) in request.cookies:
        drop_cookie(request, response, DONE_COOKIE)
