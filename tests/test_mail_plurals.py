"""An English count agrees with its noun in every member and manager mail: "1 ticket",
"2 tickets" — never "1 tickets", and never the "ticket(s)" of a form left unfinished.
Each count-bearing view is rendered with one and with several."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from gateway.notify import views as v
from gateway.notify.render import Renderer
from tests.support.samples import OPS, SAMPLES, T42, TEAM
from tests.support.samples import ticket as _ticket

RENDERER = Renderer()


def _parts(view: v.View, locale: str = "en") -> str:
    p = RENDERER.render(view, locale)
    return "\n".join((p.subject, p.text, re.sub(r"<[^>]+>", "", p.html)))


# a health alert whose problem is a plain string is data, printed as it is (the messages
# of health problems and actions are the scheduler's and the actions' words, not these)
SAID = [s for s in SAMPLES if not (isinstance(s, v.HealthAlert) and isinstance(s.problem, str))]


@pytest.mark.parametrize("view", SAID, ids=lambda s: v.kind_of(s))
def test_no_english_mail_hedges_a_count_with_parentheses(view: v.View) -> None:
    assert not re.search(r"\w\(s\)", _parts(view))


def test_a_stale_reminder_of_one_ticket_says_one_ticket() -> None:
    one = v.StaleReminder(TEAM, OPS, (T42,), timedelta(days=7))
    parts = RENDERER.render(one, "en")
    assert parts.subject == "1 ticket without an update for 7 days"
    assert "1 of your tickets has not been updated for 7 days or more:" in parts.text
    assert "1 of your tickets has not been updated" in parts.html
    two = replace(one, tickets=(T42, _ticket(7, "Printer jams", "new", 12, 9)))
    assert RENDERER.render(two, "en").subject == "2 tickets without an update for 7 days"
    assert "2 of your tickets have not been updated" in RENDERER.render(two, "en").text
    for view in (one, two):
        ja = RENDERER.render(view, "ja")
        assert f"{len(view.tickets)} 件のチケットが 7 日以上更新されていません" == ja.subject


def test_the_weekly_summary_counts_agree_with_their_noun() -> None:
    summary = next(s for s in SAMPLES if isinstance(s, v.WeeklySummary) and s.shunted)
    counts = (v.StateCount("new", 1), v.StateCount("open", 2))
    one = replace(summary, by_state=counts, shunted=1)
    text = RENDERER.render(one, "en").text
    assert "new: 1 ticket\n" in text and "in progress: 2 tickets\n" in text
    assert "1 incoming message could not be processed" in text
    assert (
        "3 incoming messages could not be processed"
        in RENDERER.render(replace(one, shunted=3), "en").text
    )
    ja = RENDERER.render(one, "ja").text
    assert "受付: 1 件" in ja and "対応中: 2 件" in ja


def test_an_action_failed_once_says_one_attempt() -> None:
    failed = next(s for s in SAMPLES if isinstance(s, v.ActionFailed))
    text = " ".join(RENDERER.render(replace(failed, attempts=1), "en").text.split())
    assert "after 1 attempt." in text
    text = " ".join(RENDERER.render(replace(failed, attempts=4), "en").text.split())
    assert "after 4 attempts." in text
