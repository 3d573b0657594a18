"""What the catalog-action tests share: a catalog whose ``account`` entry carries the
action under test, the gateway built on it, real scripts for command actions, and
the worker that runs what is due."""

from __future__ import annotations

import json
import sys
import textwrap
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from gateway.actions.results import Done
from gateway.actions.worker import ActionWorker
from gateway.config.settings import ActionSettings, CatalogSettings, Settings
from gateway.core.clock import Clock
from gateway.runtime.app import App, build
from store import action_runs
from store.db import transaction
from tests.support.app import MEMBERS

# An entry with one field of every type, an assignee, a manager, and the action
# under test in the @@ACTION@@ slot (indented by the caller).
CATALOG = """\
entries:
  - id: account
    name: {ja: アカウント, en: Accounts}
    keywords: [{term: account, weight: 3}, {term: アカウント, weight: 3}]
    assignee: ops@example.test
    manager: boss@example.test
    fields:
      - {name: user_id, label: {ja: ユーザーID, en: User ID}, required: true}
      - {name: start_date, label: {ja: 利用開始日, en: Start date}, type: date}
      - {name: seats, label: {ja: 台数, en: Seats}, type: number}
      - {name: plan, label: {ja: プラン, en: Plan}, type: choice, choices: [basic, pro]}
      - {name: contact, label: {ja: 連絡先, en: Contact}, type: email}
    action:
@@ACTION@@
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""

# retries come quickly, and a lost lease is given up after a second
FAST = ActionSettings(
    workers=1,
    lease_grace=timedelta(seconds=1),
    retry_initial=timedelta(seconds=10),
    retry_max=timedelta(minutes=5),
    output_limit=4096,
)


def catalog_text(action: str) -> str:
    """The catalog with ``action`` (YAML, unindented) as the account entry's action."""
    return CATALOG.replace("@@ACTION@@", textwrap.indent(textwrap.dedent(action).strip(), " " * 6))


def action_app(
    settings: Settings,
    clock: Clock,
    folder: Path,
    action: str,
    *,
    templates_dir: Path | None = None,
) -> App:
    """The gateway with the account entry's ``action``; the catalog lives in ``folder``."""
    path = folder / "catalog.yaml"
    path.write_text(catalog_text(action), encoding="utf-8")
    configured = replace(
        settings,
        catalog=CatalogSettings(path=path),
        members=MEMBERS,
        gateway=replace(settings.gateway, templates_dir=templates_dir),
        actions=FAST,
    )
    return build(configured, clock)


def worker(app: App) -> ActionWorker:
    return ActionWorker(app.settings, app.clock, app.sessions, app.catalog)


def drain(app: App) -> list[Done]:
    """Run every run that is due now (as the daemon's worker would)."""
    return worker(app).drain()


def runs(app: App) -> list[dict[str, Any]]:
    """Every action run, oldest first, as ``actions list --json`` shows them."""
    with transaction(app.sessions) as s:
        return [action_runs.view(r) for r in reversed(action_runs.list_runs(s))]


def script(folder: Path, name: str, code: str) -> list[str]:
    """argv of a small Python program written to ``folder/name`` (run by this interpreter)."""
    path = folder / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return [sys.executable, str(path)]


def argv_yaml(argv: list[str]) -> str:
    return json.dumps(argv)  # a JSON list is a YAML flow sequence


# Appends what it got (stdin, argv, environment, its process group) to the file named
# by its first argument, as one JSON line, and answers with a JSON result.
RECORDER = """
    import json, os, sys
    data = sys.stdin.buffer.read()
    with open(sys.argv[1], "a", encoding="utf-8") as log:
        log.write(json.dumps({"stdin": data.decode("utf-8"), "argv": sys.argv,
                              "env": dict(os.environ), "pgid": os.getpgid(0),
                              "cwd": os.getcwd()}) + "\\n")
    print(json.dumps({"account": json.loads(data)["fields"]["user_id"], "done": True}))
"""


def recorded(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
