"""A member's words that lead into a saved answer go with it or not at all: when
``/answer`` is refused (no such answer, a name that is no name), the requester gets
nothing, not "please follow the steps below" with no steps, and the transcript says
that the words were kept back too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.config.work import AnswersSettings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.unwrap import unwrapped

OPS = "ops@example.test"  # English


@pytest.fixture
def team(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[App]:
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "password-reset.en.txt.j2").write_text("1. Open the reset page.\n")
    app = build(replace(settings, members=MEMBERS, answers=AnswersSettings(dir=folder)), clock)
    yield app
    app.close()


def _answer(app: App, tid: int, name: str) -> None:
    body = f"/answer {name}\n\nPlease follow the steps below.\n"
    deliver(
        app,
        mail(subject=f"Re: [#{tid}] VPN", body=body, sender=OPS, to=reply_address(app, tid, OPS)),
    )


@pytest.mark.parametrize("name", ["pasword-reset", "../../etc/passwd"])
def test_a_refused_answer_keeps_the_words_that_lead_into_it(team: App, name: str) -> None:
    out = deliver(team, mail(subject="VPN down"))
    assert out.ticket_id is not None
    _answer(team, out.ticket_id, name)
    assert outbox(team, "ops_reply") == []
    [transcript] = outbox(team, "command_result")
    assert "nothing was sent to the requester" in unwrapped(text_of(transcript))
    assert "first-response" not in [e["kind"] for e in show(team, out.ticket_id)["events"]]


def test_a_known_answer_goes_with_the_words(team: App) -> None:
    out = deliver(team, mail(subject="VPN down"))
    assert out.ticket_id is not None
    _answer(team, out.ticket_id, "password-reset")
    [answer] = outbox(team, "ops_reply")
    assert text_of(answer).startswith("Please follow the steps below.\n\n1. Open the reset page.")
