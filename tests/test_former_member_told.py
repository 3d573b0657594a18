"""The manager (or whoever answers for the ticket) told of a mail from someone who left
the team, to a reply address issued to them as a member, hears that: who it was (the
ticket's own former assignee), that their commands were not carried out, and to give
the ticket to a member. The notice said what it says of a stranger who saw a forwarded
copy ("the mail refers to one of the ticket's messages, and that is all") and offered
``tickets add-participant``, which lets the leaver back in as a customer with a say on
the ticket: the one step a manager handing on a leaver's work must not take."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from gateway.tickets import event_words
from tests.support.pipeline import deliver, outbox, show, subject_of, words_of
from tests.test_former_member_mail import LEAVER, _from_the_leaver, _worked_by_the_leaver


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_a_leavers_mail_is_told_as_a_leavers(
    settings: Settings, clock: FakeClock, tmp_path: Path, locale: str
) -> None:
    tid, address, without = _worked_by_the_leaver(settings, clock, tmp_path)
    # the manager reads it in their language
    team = tuple(replace(m, locale=locale) if m.role == "manager" else m for m in without.members)
    app = build(replace(without, members=team), clock)
    try:
        before = len(outbox(app, "outsider_reply"))
        body = "/close\nI left the team, but I still write.\n"
        deliver(app, _from_the_leaver(address, body, tid), envelope_to=(address,))
        [told] = outbox(app, "outsider_reply")[before:]
        words, subject = words_of(told), subject_of(told)
        assert LEAVER in subject and LEAVER in words
        assert f"ticket-gateway tickets assign {tid} " in words  # hand it on
        assert "add-participant" not in words  # not: let them back in
        assert "/close" in words  # what was not carried out
        if locale == "en":
            assert "left the team" in subject
            assert "no longer in the team" in words
            assert "forwarded copy" not in words
        else:
            assert "チーム" in subject and "チーム" in words
            assert "転送" not in words
    finally:
        app.close()


def test_the_tickets_history_says_the_mail_is_a_leavers(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """``tickets show`` and the ticket page say the same of the event: from one who left
    the team, not a stranger to let in with ``add-participant``."""
    tid, address, without = _worked_by_the_leaver(settings, clock, tmp_path)
    app = build(without, clock)
    try:
        body = "/close\nI left the team, but I still write.\n"
        out = deliver(app, _from_the_leaver(address, body, tid), envelope_to=(address,))
        assert "left the team" in out.reason
        [event] = [e for e in show(app, tid)["events"] if e["kind"] == "outsider"]
        said = str(event_words.why("outsider", event["detail"]))
        assert "no longer in the team" in said and "add-participant" not in said
    finally:
        app.close()
