"""The words of a new request that the catalog's keywords are looked for in.

The parser cuts quoted history and a ``-- `` signature off ``new_text``; the block a
mail client adds under the words without that line (a name, a department, a phone:
「情報システム部 VPN推進室」) stays there, as the ticket shows what the mail showed. It is
not what the requester asks about, so matching reads ``new_text`` without it
(:func:`gateway.pipeline.parse.signatures.without_signature`, the block the thanks
judge leaves out too), nor a phone's tagline or a confidentiality notice under it; the
parameter sheet still reads the whole ``new_text``. Nor the quoted lines an answer given
inside the old mail keeps above it (``> Which printer?``): a new ticket opened by such a
reply (to a ticket closed long ago) is filed by what its writer wrote, not by our questions.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.disclaimers import without_disclaimer
from gateway.pipeline.parse.quotes import without_quoted_lines
from gateway.pipeline.parse.signatures import without_signature, writer_names
from gateway.pipeline.parse.taglines import without_taglines


def request_words(msg: ParsedMessage) -> str:
    """``msg``'s new text without the signature block under it, its sender's name known."""
    sender = msg.from_
    names = writer_names(sender.name, sender.email) if sender is not None else ()
    return _words(msg.new_text, names)


def stored_request_words(new_text: str) -> str:
    """The same of a stored ticket's text (``refile``), whose sender's name is not at
    hand: a block is known by its lines (a company, a phone) without it."""
    return _words(new_text, ())


def _words(new_text: str, names: Sequence[str]) -> str:
    """``new_text`` without what is not the request at its end, as the thanks judge
    reads a reply (:mod:`gateway.pipeline.thanks`): a phone's tagline ("Sent from my
    iPhone": no request about iPhones), a company's confidentiality notice, and the
    signature block above them, and the quoted lines an inline answer keeps."""
    words = without_taglines(without_quoted_lines(new_text))
    return without_signature(without_disclaimer(words), names)
