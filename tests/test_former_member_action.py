"""A catalog action that fails for good on a ticket whose assignee left the team, under
an entry with no manager of its own: the failure is told to the fallback entry's
manager (the team's catch-all), not to the leaver's address and not to nobody, and it
names the leaver, whose ticket it was."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gateway.actions.outcome import Step
from gateway.config.settings import CatalogSettings, Member, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.actions import FAST, argv_yaml, catalog_text, drain, script
from tests.support.app import MEMBERS
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

FAILS = "import sys\nsys.stdin.read()\nprint('directory says: no', file=sys.stderr)\nsys.exit(65)\n"
HELD_BY_THE_LEAVER = "    assignee: ops2@example.test\n"


def test_a_failed_action_on_a_leavers_ticket_goes_to_the_fallbacks_manager(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    argv = script(tmp_path, "fails.py", FAILS)
    action = f"type: command\nargv: {argv_yaml(argv)}\nretries: 0\non_failure: {{notify: assignee}}"
    text = catalog_text(action)
    unmanaged = text.replace("    assignee: ops@example.test\n    manager: boss@example.test\n", "")
    path = tmp_path / "catalog.yaml"
    path.write_text(unmanaged.replace("    fields:", HELD_BY_THE_LEAVER + "    fields:", 1))
    app = build(_with_actions(settings, path, MEMBERS), clock)
    try:
        tid = deliver(app, mail(subject="New account please", body="User ID: taro\n")).ticket_id
        assert tid is not None and show(app, tid)["assignee"] == "ops2@example.test"
    finally:
        app.close()
    path.write_text(unmanaged)  # the leaver's entry line goes with them
    team = tuple(m for m in MEMBERS if m.email != "ops2@example.test")
    app = build(_with_actions(settings, path, team), clock)
    try:
        [done] = drain(app)
        assert done.step == Step.FAILED
        [failed] = outbox(app, "action_failed")
        assert failed.recipients == ["boss@example.test"]
        # whose ticket it was: the manager is to hand it on, not to read it as theirs
        assert "ops2@example.test はもうチームにいません" in words_of(failed)  # Boss reads ja
    finally:
        app.close()


def _with_actions(settings: Settings, catalog: Path, team: tuple[Member, ...]) -> Settings:
    return replace(settings, catalog=CatalogSettings(path=catalog), members=team, actions=FAST)


def test_a_failed_action_on_a_ticket_given_back_goes_to_the_fallbacks_manager(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The same for a ticket nobody has (given back: ``tickets assign ID -``) under an
    entry without a manager: nobody on the team answers for it but the team's catch-all."""
    argv = script(tmp_path, "fails.py", FAILS)
    action = f"type: command\nargv: {argv_yaml(argv)}\nretries: 0\non_failure: {{notify: assignee}}"
    text = catalog_text(action)
    unmanaged = text.replace("    assignee: ops@example.test\n    manager: boss@example.test\n", "")
    path = tmp_path / "catalog.yaml"
    path.write_text(unmanaged.replace("    fields:", HELD_BY_THE_LEAVER + "    fields:", 1))
    app = build(_with_actions(settings, path, MEMBERS), clock)
    try:
        tid = deliver(app, mail(subject="New account please", body="User ID: taro\n")).ticket_id
        assert tid is not None
        with transaction(app.sessions) as s:  # ops2 gives it back before the run ends
            ticket = tickets.get(s, tid)
            assert ticket is not None
            changes.assign(s, ticket, None, clock.now(), actor="ops2@example.test", channel="cli")
        [done] = drain(app)
        assert done.step == Step.FAILED
        assert [r.recipients for r in outbox(app, "action_failed")] == [["boss@example.test"]]
    finally:
        app.close()
