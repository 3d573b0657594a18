"""A run still queued when the catalog loses its action (the entry renamed, removed, or
its action taken out): it cannot run, and the requester is still waiting for what it
would have done. Someone must do it by hand, so the ticket's assignee (else the entry's
manager) is mailed as for any failure, in their language, the entry by the name it had."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.actions import (
    CATALOG,
    RECORDER,
    action_app,
    argv_yaml,
    drain,
    runs,
    script,
)
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

ACCOUNT = mail(subject="New account please", body="Hello,\nUser ID: taro.yamada\n")

# the account entry without its action (its keywords, fields, assignee and manager kept)
NO_ACTION = re.sub(r"    action:\n@@ACTION@@\n", "", CATALOG)
# the account entry renamed (a new id): the ticket's entry is gone
RENAMED = NO_ACTION.replace("- id: account", "- id: accounts")


@pytest.mark.parametrize(
    ("catalog", "said"),
    [
        (NO_ACTION, "entry 'Accounts' has no Command action in the catalog now"),
        (RENAMED, "entry 'account' has no Command action in the catalog now"),
    ],
    ids=["action-removed", "entry-renamed"],
)
def test_a_queued_run_whose_action_left_the_catalog_tells_the_assignee(
    settings: Settings, clock: FakeClock, tmp_path: Path, catalog: str, said: str
) -> None:
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    action = f"type: command\nargv: {argv_yaml(argv)}\non_failure: {{notify: assignee}}\n"
    app = action_app(settings, clock, tmp_path, action)
    try:
        ticket_id = deliver(app, ACCOUNT).ticket_id or 0
        assert show(app, ticket_id)["assignee"] == "ops@example.test"
        (tmp_path / "catalog.yaml").write_text(catalog, encoding="utf-8")
        assert app.catalog.reload()
        [done] = drain(app)
        assert done.step == Step.FAILED and not log.exists()
        [run] = runs(app)
        assert (run["state"], run["attempts"]) == ("failed", 0)  # not run: no try made
        assert not done.ran
        [told] = outbox(app, "action_failed")
        assert told.recipients == ["ops@example.test"]  # the assignee, locale en
        text = re.sub(r"\s+", " ", text_of(told))
        assert said in text and f"[#{ticket_id}]" in text
        # not "failed after 1 attempt", nor a retry that would fail the same
        assert "was not run" in text and "attempt" not in text, text
        assert "actions retry" not in text and "/category" in text, text
        events = show(app, ticket_id)["events"]
        [note] = [e["detail"]["text"] for e in events if e["kind"] == "note"]
        # in the team's language (ja): not run, and where the work goes now
        assert "実行されませんでした" in note and "actions retry" not in note, note
        assert "catalog refile --from account" in note, note
    finally:
        app.close()
