"""Is this mail a customer's request, forwarded by someone who received it?

A member who gets a customer's mail in their own mailbox forwards it to the
support address; the ticket belongs to the customer, not to the member. Two
shapes are read:

* attached: a ``message/rfc822`` part (Outlook's "forward as attachment", Thunderbird's
  default), parsed like any mail;
* inline: a banner line (:mod:`.parse.banners`' table) followed by a header block
  and the original text; the block's labels are those of :mod:`.parse.quote_languages`'
  table, the quote cutter's (:data:`FIELDS`: ``From:``/``Von:``/``De :``/``差出人:``,
  ``Subject:``/``Betreff:``/``Objet :``/``件名:``, …), so a German or French Outlook
  forward names its sender as an English one does.

Only a forward that names its original sender's address counts. Pure: the parsed
message (and the raw bytes, for an attached one) in, the original out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gateway.core.model import Address, ParsedMessage
from gateway.pipeline.parse.banners import MAX_LINE, Kind, pattern
from gateway.pipeline.parse.mailboxes import mailbox_pairs
from gateway.pipeline.parse.quote_languages import LANGUAGES

# A line that starts a forwarded message in the text (matched whole, stripped): a banner
# of the table, or a rule right over a header block that names the sender.
_BANNER = pattern(Kind.FORWARD, Kind.ORIGINAL)
_RULE = pattern(Kind.RULE)

# the columns of quote_languages' table → the field of the forwarded block each gives
_COLUMNS: tuple[tuple[str, str], ...] = (
    ("sender", "from"),  # From:, Von:, De :, 差出人:, 送信元:, …: the original's sender
    ("sent", "date"),  # Sent:, Date:, Gesendet:, Envoyé :, Enviado el:, 送信日時:, 日付:, …
    ("to", "to"),  # To:, Cc:, An:, À :, Para:, 宛先:, …: read, not used
    ("subject", "subject"),  # Subject:, Betreff:, Objet :, Asunto:, 件名:, …
)


def _label(word: str) -> str:
    """A label as looked up: lower case, one space where a client writes any run."""
    return " ".join(word.split()).lower()


# a label in the forwarded block (every language of quote_languages' table) → its field
FIELDS: dict[str, str] = {
    _label(word): field
    for row in LANGUAGES.values()
    for column, field in _COLUMNS
    for word in getattr(row, column)
}
_FIELD = re.compile(r"^\s*\**([^:：\n]{1,12}?)\**\s*[:：]\s*(.*)$")


@dataclass(frozen=True, slots=True)
class Original:
    """The forwarded request: who wrote it, what about, and their words."""

    sender: Address
    subject: str
    text: str
    message_id: str = ""  # known for an attached message only
    how: str = "inline"  # inline | attached
    # an attached message's Date; an in-line forward's as written in its header block
    # (named by the ticket's line when the mail has no text: :mod:`.carried_mail`)
    date: datetime | str | None = None


def find_original(
    msg: ParsedMessage,
    attached: Callable[[str], ParsedMessage | None] = lambda _sha: None,
) -> Original | None:
    """The forwarded message in ``msg``, or None when it is not a forward.
    ``attached(sha256)`` parses a ``message/rfc822`` attachment (the caller has the raw
    bytes); the first one with a sender wins, then the first inline forward."""
    for att in msg.attachments:
        if att.content_type != "message/rfc822":
            continue
        inner = attached(att.sha256)
        if inner is not None and inner.from_ is not None and "@" in inner.from_.email:
            text = inner.new_text or inner.text
            return Original(
                inner.from_, inner.subject, text, inner.message_id, "attached", inner.date
            )
    return inline(msg.text)


def inline(text: str) -> Original | None:
    """An inline forward: the banner, the header block, then the original text. The first
    banner counts; a rule only where the block under it names the sender (a rule of the
    writer's own, above the banner, hides nothing)."""
    lines = text.splitlines()
    for at, line in enumerate(lines):
        stripped = line.strip() if len(line) <= MAX_LINE else ""
        if not stripped:
            continue
        if _BANNER.fullmatch(stripped):
            return _under(lines, at + 1)
        if _RULE.fullmatch(stripped):
            found = _under(lines, at + 1)
            if found is not None:
                return found
    return None


def _under(lines: list[str], start: int) -> Original | None:
    """The forward whose header block starts at ``start`` (after empty lines), or None
    when the block names no sender. Linear: the block read ends at the first line that
    is no header, which a later rule's read starts after."""
    while start < len(lines) and not lines[start]:
        start += 1
    fields: dict[str, str] = {}
    i = start
    while i < len(lines) and lines[i].strip():
        m = _FIELD.match(lines[i].lstrip("> "))
        if m is None:
            break
        name = FIELDS.get(_label(m.group(1)))
        if name is not None:
            fields.setdefault(name, m.group(2).strip())
        i += 1
    sender = _address(fields.get("from", ""))
    if sender is None:
        return None
    body = "\n".join(line.removeprefix("> ").removeprefix(">") for line in lines[i:]).strip()
    return Original(sender, fields.get("subject", ""), body, date=fields.get("date", ""))


def _address(value: str) -> Address | None:
    """``Name <a@b>``, ``a@b``, Outlook's ``Name [mailto:a@b]``; None without an address."""
    value = re.sub(r"\[mailto:([^\]]+)\]", r"<\1>", value)
    try:  # a name holding "@" is a name: the address is the one in angle brackets
        name, email = next(iter(mailbox_pairs([value])), ("", ""))
    except Exception:  # noqa: BLE001 - unreadable: looked for below
        name, email = "", ""
    if "@" not in email:
        found = re.search(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", value)
        if found is None:
            return None
        email, name = found.group(0), value[: found.start()].strip(" <\"'")
    return Address(name.strip().strip("\"'"), email.strip().lower())
