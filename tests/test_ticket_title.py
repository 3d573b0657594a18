"""A ticket's title: one line, at most TITLE_MAX characters, in the requester's language
when the mail has no subject. The message keeps its subject whole."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.core.title import ELLIPSIS, TITLE_MAX, title
from gateway.runtime.app import App
from store import search
from store.db import transaction
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, subject_of

# the shape of a real mail's subject (flanker's long-header.eml): one sentence, repeated
LONG = "Die heiße Zypernsonne quälte Max und Victoria ja böse auf dem Weg bis zur Küste " * 250


@given(st.text())
def test_a_title_is_one_line_of_at_most_the_limit(subject: str) -> None:
    got = title(subject)
    assert len(got) <= TITLE_MAX
    assert not any(c in got for c in "\r\n\x00\x1b\u2028\x85")
    assert title(got) == got  # a title stays itself


def test_a_short_subject_is_its_own_title_and_a_long_one_ends_in_an_ellipsis() -> None:
    assert title("  VPN\r\n  broken\t") == "VPN broken"
    cut = title(LONG)
    assert len(cut) == TITLE_MAX and cut.endswith(ELLIPSIS)
    assert LONG.startswith(cut[:-1])


def test_a_long_subject_makes_a_title_and_keeps_every_word_in_the_message(app: App) -> None:
    out = deliver(app, mail(subject=LONG + "Schlusswort"))
    ticket = show(app, out.ticket_id or 0)
    assert len(ticket["subject"]) == TITLE_MAX
    assert ticket["messages"][0]["subject"].endswith("Schlusswort")  # kept whole
    with transaction(app.sessions) as s:
        assert search.matching_tickets(s, "Schlusswort") == [out.ticket_id]
    (ack,) = outbox(app, "acknowledgement")
    header = ack.raw.split(b"\r\n\r\n", 1)[0]
    assert len(header) < 4000, "the acknowledgement's header carries the title, not 20 KB"
    assert subject_of(ack).endswith(ELLIPSIS)


@pytest.mark.parametrize(
    ("raw_subject", "body", "expected", "foreign"),
    [
        (b"", "プリンタが動きません。\n", "（件名なし）", "(no subject)"),
        (None, "プリンタが動きません。\n", "（件名なし）", "(no subject)"),
        (b"", "The printer on 3F jams.\n", "(no subject)", "件名"),
    ],
    ids=["ja-empty", "ja-absent", "en-empty"],
)
def test_a_mail_without_subject_gets_a_title_in_the_requesters_language(
    app: App, raw_subject: bytes | None, body: str, expected: str, foreign: str
) -> None:
    raw = mail(subject="", body=body)
    if raw_subject is None:
        raw = b"".join(line for line in raw.splitlines(True) if not line.startswith(b"Subject:"))
    out = deliver(app, raw)
    assert show(app, out.ticket_id or 0)["subject"] == expected
    (ack,) = outbox(app, "acknowledgement")
    assert expected in subject_of(ack) and foreign not in subject_of(ack)
