"""The addresses a receiving mail system says it delivered a mail to.

Over SMTP or LMTP the envelope names every recipient, a Bcc too; a mail the poller
fetches from a mailbox, or one piped to ``ingest``, has lost it, and only the note the
delivering server wrote in the header is left. Read only to find a reply-token address
that was in no To or Cc (a member's answer to a customer with their reply address in
Bcc): :attr:`gateway.runner.arrival.Arrival.recipients`. Zammad reads the same three
headers as recipients ("x-any-recipient"); RT gets the envelope from its mail gate.

Anyone can write these headers, as anyone can write a To: a reply token found here
proves no more than one in To (it is an HMAC issued to one person, checked as such).
Read leniently: one address-shaped word per value (ezmlm writes "Delivered-To: mailing
list dev@lists.example"), no defect for a value with none, a bounded number of values.
"""

from __future__ import annotations

from collections.abc import Callable

from gateway.pipeline.parse.mailboxes import ADDRESS_WORD

__all__ = ["DELIVERY_HEADERS", "delivered_to"]

# the headers a delivering server writes, each naming the one address it delivered to
DELIVERY_HEADERS: tuple[tuple[str, str], ...] = (
    # Postfix local/virtual, Dovecot LDA and LMTP, Exim, qmail, Gmail: the mailbox it
    # went into (a +extension kept: support+42-…@)
    ("delivered-to", "the final recipient"),
    # Postfix: the RCPT TO as given, before alias or virtual rewriting
    ("x-original-to", "the recipient before aliases"),
    # Exim (envelope_to_add), some hosted mail: the RCPT TO
    ("envelope-to", "the envelope recipient"),
)
MAX_VALUES = 20  # a mail redirected many times carries one per hop; more are noise
MAX_VALUE = 998  # RFC 5322 line length: an address longer than this is none


def delivered_to(values_of: Callable[[str], list[str]]) -> tuple[str, ...]:
    """The distinct addresses in the delivery headers, lower-cased, in header order;
    ``values_of(name)``: a header's raw values (:class:`.headers.HeaderView.all`)."""
    found: list[str] = []
    for name, _ in DELIVERY_HEADERS:
        for value in values_of(name)[:MAX_VALUES]:
            address = ADDRESS_WORD.search(value[:MAX_VALUE])
            if address is not None:
                found.append(address.group().strip(".").lower())
    return tuple(dict.fromkeys(found))[:MAX_VALUES]
