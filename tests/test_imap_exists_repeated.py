"""A server may send ``* n EXISTS`` with every answer, its number unchanged (RFC 3501
lets a server send it at any time). The poller takes an EXISTS heard after its SEARCH
for mail that came meanwhile and passes again (``poller._catch_up``): with such a
server every pass heard one, and the poller passed over the folder without end,
never waiting in IDLE or for the poll interval. Dovecot sends EXISTS only when the
folder grows, so the fake server of tests/support/imap_quirks.py plays the chatty one.
"""

from __future__ import annotations

from pathlib import Path

from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.refused_acks import poller, setup


@sqlite_only
def test_an_exists_said_again_and_again_is_not_news_for_ever(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    """A server may send ``* n EXISTS`` with every answer, the number unchanged (RFC 3501
    lets it). Heard after the SEARCH, it meant another pass, which heard it again: the
    poller passed over the folder without end and never waited. Now the same number
    heard again after a pass that found nothing is not news; a new number still is."""
    quirky.add(Message(mail("one")))
    served = quirky._answer

    def chatty(command: str, rest: str) -> list[bytes]:
        answer = served(command, rest)
        if command.startswith("UID SEARCH"):
            answer.append(f"* {len(quirky.messages)} EXISTS\r\n".encode())
            if passes(quirky) > 50:  # spinning: end the catch-up, the test fails below
                p._stop.set()
        return answer

    quirky._answer = chatty  # type: ignore[method-assign]
    p = poller(app, setup(quirky, tls_files, "flag"))
    p._catch_up()
    assert len(inbox_rows(app)) == 1
    assert passes(quirky) == 3  # stored; heard n: once more; heard n again: it waits
    p._catch_up()  # woken again (the poll interval): two passes, not without end
    assert passes(quirky) == 5
    quirky.add(Message(mail("two")))  # a new number is news, and is read
    p._catch_up()
    p.close()
    assert len(inbox_rows(app)) == 2


def passes(quirky: QuirkyImap) -> int:
    return sum(1 for c in quirky.commands if c.upper().startswith("SELECT"))
