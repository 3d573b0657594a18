"""A reply to a mail of ours about no ticket: the weekly digest, the managers' summary,
the stale and overdue lists, a health alert, a sign-in link.

Such a mail has no tag and no reply-token address, only a Message-ID of ours that no
ticket holds; the threading headers of a reply name it, and nothing else may (a subject
proves nothing: anyone can type "Re: Weekly digest"). A member's reply to it opened a
ticket titled after the digest, acknowledged and assigned: what RT, Zammad and osTicket
admins expect is that a member's "Thanks" opens nothing. So a member's reply is kept and
ignored, the row saying why; one that looks like a request (files, commands, a subject
of its own) also tells the member, in their language, to write a new mail to the support
address. An outsider's reply (a digest forwarded to them) is mail to the support address
like any other: a new request, as it was. An auto-reply or bounce to it is ignored
earlier, as every automated answer that belongs to no ticket.
"""

from __future__ import annotations

import unicodedata
from email.parser import BytesHeaderParser
from email.policy import default

from gateway.config.settings import Member
from gateway.core.i18n import N_, Msg
from gateway.notify import labels, views
from gateway.notify.queue import queue_member_mail, team, under_rate_limit
from gateway.notify.windows_jis import WINDOWS_TO_JIS
from gateway.pipeline import thread
from gateway.pipeline.commands import Role, read_commands
from gateway.pipeline.files_sent import sent_files
from gateway.runner.arrival import Arrival
from gateway.runner.verdicts import Ignored
from store import outbox


def reply_to_ticketless(a: Arrival) -> Arrival | Ignored:
    """A member's reply that threads by its headers to a mail of ours about no ticket:
    ignored (and the member told, when it looks like a request); anything else goes on."""
    if a.submission is not None or a.thread.ticket_id is not None:
        return a
    member = a.settings.member(a.sender)
    if member is None:
        return a  # an outsider answering a forwarded digest: a request like any other
    ids = thread.referenced_ids(a.msg.in_reply_to, a.msg.references)
    ours = outbox.ticketless(a.session, ids)
    if ours is None:
        return a
    answered = labels.NO_TICKET_MAILS.get(ours.kind, labels.SOME_MAIL)
    why = _looks_like_request(a, ours)
    if why and _tell(a, member, answered):
        return Ignored(
            f"a member's reply to our {ours.kind.replace('_', ' ')} <{ours.message_id}>, "
            f"a mail about no ticket ({why}): kept, no ticket opened; the member was told "
            "to write a new mail to open one",
            N_(
                "a member's reply to {mail}, a mail about no ticket: kept, no ticket opened;"
                " the member was told how to open one",
                mail=answered,
            ),
        )
    return Ignored(
        f"a member's reply to our {ours.kind.replace('_', ' ')} <{ours.message_id}>, "
        "a mail about no ticket: kept, no ticket opened",
        N_(
            "a member's reply to {mail}, a mail about no ticket: kept, no ticket opened",
            mail=answered,
        ),
    )


def _looks_like_request(a: Arrival, ours: outbox.Ticketless) -> str:
    """Why the reply looks like more than a thank-you ("" when it does not): files,
    command lines, or a subject of its own (ours read from the bytes we sent; once they
    are dropped, that one test is not made)."""
    if sent_files(a.msg.attachments):  # not a logo in the body, nor winmail.dat
        return "it has files"
    lines = read_commands(
        a.msg.new_text, a.settings.gateway.max_command_lines, Role.MEMBER, a.writer_names
    )
    if lines.commands or lines.ignored:
        return "it has command lines"
    if ours.raw:
        sent = str(BytesHeaderParser(policy=default).parsebytes(ours.raw).get("Subject", ""))
        theirs = _bare(a.msg.subject, a.settings.gateway.tag_prefix)
        if theirs and theirs != _bare(sent, a.settings.gateway.tag_prefix):
            return "its subject is its own"
    return ""


def _bare(subject: str, prefix: str) -> str:
    """A subject as compared: without prefixes and tag, Windows' forms of the six JIS
    characters as JIS writes them (Outlook answers our 〜 as ～), NFKC, case and runs of
    spaces folded: a client that keeps the subject keeps this."""
    bare = thread.base_subject(subject, prefix).translate(WINDOWS_TO_JIS)
    return " ".join(unicodedata.normalize("NFKC", bare).split()).casefold()


# what the hourly brake counts for a member: every automatic answer but the transcripts
# of their commands, which are no answer to such a mail (one comes for each reply they work
# a ticket with: five in an hour left their next request to the digest untold)
_COUNTED = views.RATE_LIMITED - {"command_result"}


def _tell(a: Arrival, member: Member, answered: Msg) -> bool:
    """Queue the notice to the member's configured address, under the hourly brake that
    every automatic answer shares (a member's auto-reply loop stops there); whether it went."""
    ok, _ = under_rate_limit(a.session, member.email, a.settings, a.now, _COUNTED)
    if not ok:
        return False
    person = views.Person(member.email, member.name)
    view = views.TicketlessReply(team(a.settings), person, answered, a.msg.subject or "-")
    queued = queue_member_mail(
        a.session,
        a.settings,
        view,
        key=f"ticketless:{a.row.id}",
        now=a.now,
        locale=a.settings.locale_of(member),
        in_reply_to=a.answer_to,
    )
    return queued is not None
