"""The line a ticket shows for a forwarded mail that has no text of its own.

A member forwards a customer's mail (attached as ``message/rfc822``, or in-line under
a "Forwarded message" header block), or a customer attaches one without a word, and
the forwarded mail's body is empty (its words were in the subject, or in an attachment
of its own): the ticket's text was empty, and the team saw nothing to say what came
in. Zammad and osTicket show such a mail by its headers; so does this line: its
subject, its sender and its date, in the language of the ticket's reader. Pure.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from gateway.core.i18n import N_, translate
from gateway.core.model import Address
from gateway.core.zone import in_zone

__all__ = ["EMPTY_MAIL", "EMPTY_MAIL_UNDATED", "UNKNOWN_SENDER", "empty_mail_line"]

EMPTY_MAIL = N_('A forwarded mail with no text: "{subject}" from {sender}, sent {date}.')
EMPTY_MAIL_UNDATED = N_('A forwarded mail with no text: "{subject}" from {sender}.')
UNKNOWN_SENDER = N_("(unknown sender)")  # an attached mail with no From
NO_SUBJECT = N_("(no subject)")


def empty_mail_line(
    subject: str,
    sender: Address | None,
    date: datetime | str | None,
    locale: str,
    timezone: str,
) -> str:
    """The line naming a forwarded mail with no text. ``date``: the attached mail's
    Date (said in the team's ``timezone``), or an in-line forward's as it was written
    there ("" or None: left out)."""
    named = _sender(sender) or translate(UNKNOWN_SENDER, locale)
    title = " ".join(subject.split()) or translate(NO_SUBJECT, locale)
    when = in_zone(date, timezone).said(locale) if isinstance(date, datetime) else date
    if not when:
        return translate(
            replace(EMPTY_MAIL_UNDATED, params={"subject": title, "sender": named}), locale
        )
    said = {"subject": title, "sender": named, "date": when}
    return translate(replace(EMPTY_MAIL, params=said), locale)


def _sender(sender: Address | None) -> str:
    """``Name <address>`` as a mail client shows it, the address alone without a name."""
    if sender is None or not sender.email:
        return ""
    name = " ".join(sender.name.split())
    return f"{name} <{sender.email}>" if name else sender.email
