"""``ticket-gateway inbox show ID``: one inbox row, the mail the gateway holds, as text.

``inbox list`` says a row's state and reason; an admin deciding what to do with mail
held without a ticket (an auto-reply ignored, a command refused, a shunted row) needs
the mail itself, and its raw bytes may be anything a sender wrote. So it is shown as
the parser reads it (:func:`gateway.pipeline.parse.message.parse_message`, which never
raises): the headers decoded, one line each; the text (an HTML-only mail as the text
the parser makes of it, never its markup); the attachments by name, type and size,
never their bytes. What a terminal would obey in any of it is escaped by the CLI's
stream (:mod:`gateway.runtime.cli.terminal`). The labels are in the CLI's language;
``--json`` holds the same values. No such row: said, 69, as ``inbox retry`` says it.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gateway.core.i18n import N_, Msg
from gateway.runtime.cli.common import (
    EX_OK,
    EX_UNAVAILABLE,
    Speaker,
    local_time,
    print_json,
    reading,
)
from gateway.runtime.cli.help_language import h
from gateway.runtime.cli.numbers import whole

if TYPE_CHECKING:
    from gateway.config.settings import Settings
    from gateway.core.model import Address, ParsedMessage


def cmd_inbox_show(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.pipeline.parse.message import parse_message
    from store import inbox
    from store.db import transaction

    said = Speaker(settings)
    with reading(settings) as app, transaction(app.sessions, read_only=True) as s:
        found = inbox.row_and_raw(s, args.id)
        if found is None:
            said.warn(N_("no inbox row #{id}", id=args.id))
            return EX_UNAVAILABLE
        row, raw = found
        data = inbox.view(row)
    data.update(_mail(parse_message(raw), raw))
    if args.json:
        print_json(data)
        return EX_OK
    _print(data, said, settings.gateway.timezone)
    return EX_OK


def _mail(parsed: ParsedMessage, raw: bytes) -> dict[str, Any]:
    """What the parser read of the bytes: headers, text, attachments (no bytes)."""
    if not parsed.is_mail:  # a web form's or Slack's submission (JSON), or no mail at all
        text = raw.decode("utf-8", "replace")
        return {"from": "", "to": "", "cc": "", "date": None, "subject": "", "text": text}
    return {
        "from": _addresses((parsed.from_,) if parsed.from_ else ()),
        "to": _addresses(parsed.to),
        "cc": _addresses(parsed.cc),
        "date": parsed.date.isoformat() if parsed.date else None,
        "subject": parsed.subject,
        "text": parsed.text,
        "attachments": [
            {"filename": a.filename, "size": a.size, "content_type": a.content_type}
            for a in parsed.attachments
        ],
    }


def _addresses(found: tuple[Address, ...]) -> str:
    """Mailboxes as people write them: ``Name <address>``, or the address alone."""
    from gateway.core.domains import readable_address

    def one(a: Address) -> str:
        address = readable_address(a.email)
        name = " ".join(a.name.split())  # one line, whatever the header folded
        return f"{name} <{address}>" if name else address

    return ", ".join(one(a) for a in found)


# the row's lines: key → its label (the values as ``inbox list`` and ``--json`` give them)
ROW_LINES: dict[str, Msg] = {
    "source": N_("source"),  # smtp, imap, ingest, web, slack: where it came in
    "source_ref": N_("came from"),  # the file, the IMAP folder and UID …
    "received_at": N_("received at"),
    "ticket": N_("ticket"),
    "reason": N_("reason"),  # what the runner recorded (English: the log's words)
    "attempts": N_("attempts"),
}

# the mail's header lines: key → the line with its value
HEADER_LINES: dict[str, Msg] = {
    "from": N_("From: {value}"),
    "to": N_("To: {value}"),
    "cc": N_("Cc: {value}"),
    "date": N_("Date: {value}"),
    "subject": N_("Subject: {subject}"),
    "message_id": N_("Message-ID: {value}"),
}


def _print(data: dict[str, Any], said: Speaker, timezone: str) -> None:
    from gateway.runner.rows import state_said

    said.say(N_("Inbox #{id}: {state}", id=data["id"], state=state_said(data["state"])))
    for key, label in ROW_LINES.items():
        value = data.get(key)
        if value in (None, ""):
            continue
        if key == "received_at":
            value = local_time(value, timezone)
        elif key == "ticket":
            value = f"#{value}"
        print(f"  {said(label)}: {value}")
    print()
    for key, line in HEADER_LINES.items():
        value = data.get(key)
        if not value:
            continue
        if key == "date":
            value = local_time(value, timezone)
        elif key == "message_id":
            value = f"<{value}>"
        said.say(replace(line, params={"value": value, "subject": value}))
    print()
    print(str(data.get("text", "")).rstrip())
    attachments = data.get("attachments") or []
    if attachments:
        print()
    for number, a in enumerate(attachments, 1):
        shown = N_(
            "[attachment {number}] {name} ({type}, {size} bytes)",
            number=number,
            name=a["filename"],
            type=a["content_type"],
            size=a["size"],
        )
        print("  " + said(shown))


def register_show(i: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = i.add_parser(
        "show", help=h(N_("one inbox row: its state and reason, the mail's headers and text"))
    )
    show.add_argument("id", type=whole)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_inbox_show)
