"""The words of a new request that the catalog's keywords are looked for in.

The parser cuts quoted history and a ``-- `` signature off ``new_text``; the block a
mail client adds under the words without that line (a name, a department, a phone:
「情報システム部 VPN推進室」) stays there, as the ticket shows what the mail showed. It is
not what the requester asks about, so matching reads ``new_text`` without it
(:func:`gateway.pipeline.parse.signatures.without_signature`, the block the thanks
judge leaves out too); the parameter sheet still reads the whole ``new_text``.
"""

from __future__ import annotations

from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.signatures import without_signature, writer_names


def request_words(msg: ParsedMessage) -> str:
    """``msg``'s new text without the signature block under it, its sender's name known."""
    sender = msg.from_
    names = writer_names(sender.name, sender.email) if sender is not None else ()
    return without_signature(msg.new_text, names)


def stored_request_words(new_text: str) -> str:
    """The same of a stored ticket's text (``refile``), whose sender's name is not at
    hand: a block is known by its lines (a company, a phone) without it."""
    return without_signature(new_text)
