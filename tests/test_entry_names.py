"""People read a catalog entry by its name, in their language (アカウント, Accounts),
never by its id (``account``), in what the gateway mails them: the failure of an
action, the transcript of their reply commands. Where they type the id themselves
(``/category account``) the transcript shows both, the name and the id to type.

Through the real pipeline: the catalog of tests/support/actions.py (``account``,
named アカウント and Accounts; ``other``, その他 and Other), members ops@ (en),
ops2@ and boss@ (ja)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from store.models import OutboxRow
from tests.support.actions import action_app, argv_yaml, drain, script
from tests.support.mails import mail
from tests.support.pipeline import deliver, header_of, outbox, parsed, text_of

REFUSES = """
    import sys
    sys.stdin.read()
    print("directory says: no such OU", file=sys.stderr)
    sys.exit(65)
"""
ACCOUNT = mail(subject="New account please", body="Hello,\nUser ID: taro.yamada\n")


def html_of(row: OutboxRow) -> str:
    body = parsed(row).get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def command_app(
    settings: Settings, clock: FakeClock, tmp_path: Path, program: str, extra: str
) -> App:
    argv = script(tmp_path, "act.py", program)
    return action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}\n{extra}")


@pytest.mark.parametrize(
    ("notify", "said", "sentence", "kind"),
    [
        (
            "assignee",  # ops@, who reads English
            "Accounts",
            'the automatic action of catalog entry "Accounts" failed',
            "Command",
        ),
        # boss@, who reads Japanese
        ("manager", "アカウント", "サービスカタログ「アカウント」の自動処理が", "コマンド"),
    ],
)
def test_the_action_failed_mail_names_the_entry_in_the_readers_language(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    notify: str,
    said: str,
    sentence: str,
    kind: str,
) -> None:
    """It said ``catalog entry "account"`` and ``Action failed: account for …``: the id,
    which the reader knows from no page or mail; and the action's type as the catalog
    writes it (``command``), where the ticket page's runs say Command (コマンド)."""
    app = command_app(
        settings, clock, tmp_path, REFUSES, f"retries: 0\non_failure: {{notify: {notify}}}"
    )
    try:
        deliver(app, ACCOUNT)
        assert [d.step for d in drain(app)] == [Step.FAILED]
        [told] = outbox(app, "action_failed")
        subject, text, page = header_of(told, "Subject"), text_of(told), html_of(told)
        assert said in subject and "account" not in subject.replace("New account please", "")
        for body in (text, re.sub(r"\s+", " ", page.replace("&#34;", '"'))):
            assert sentence in re.sub(r"\s+", " ", body)
            assert "account" not in body.replace("New account please", "")
            assert kind in body
    finally:
        app.close()
