"""People read a catalog entry by its name, in their language (アカウント, Accounts),
never by its id (``account``), in what the gateway mails them: the failure of an
action, the transcript of their reply commands. Where they type the id themselves
(``/category account``) the transcript shows both, the name and the id to type.

Through the real pipeline: the catalog of tests/support/actions.py (``account``,
named アカウント and Accounts; ``other``, その他 and Other), members ops@ (en),
ops2@ and boss@ (ja)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.runtime.app import App, build
from gateway.tickets import event_words
from store.models import OutboxRow
from tests.support.actions import RECORDER, action_app, argv_yaml, catalog_text, drain, script
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, header_of, outbox, parsed, show, words_of
from tests.support.unwrap import unwrapped

REFUSES = """
    import sys
    sys.stdin.read()
    print("directory says: no such OU", file=sys.stderr)
    sys.exit(65)
"""
# the request names no account: it falls to "other" until a member files it
VAGUE = mail(subject="New colleague from April", body="Hello,\nUser ID: taro.yamada\n")
ACCOUNT = mail(subject="New account please", body="Hello,\nUser ID: taro.yamada\n")


def html_of(row: OutboxRow) -> str:
    body = parsed(row).get_body(preferencelist=("html",))
    assert body is not None
    return unwrapped(str(body.get_content()))  # our sentences, not their line breaks


def member_mail(app: App, ticket_id: int, body: str, member: str) -> bytes:
    """A member's verified reply (to the reply-token address issued to them)."""
    name = {m.email: m.name for m in MEMBERS}[member]
    to = reply_address(app, ticket_id, member)
    return mail(subject=f"Re: [#{ticket_id}]", body=body, sender=f"{name} <{member}>", to=to)


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
        subject, text, page = header_of(told, "Subject"), words_of(told), html_of(told)
        assert said in subject and "account" not in subject.replace("New account please", "")
        for body in (text, re.sub(r"\s+", " ", page.replace("&#34;", '"'))):
            assert sentence in re.sub(r"\s+", " ", body)
            assert "account" not in body.replace("New account please", "")
            assert kind in body
    finally:
        app.close()


@pytest.mark.parametrize(
    ("member", "filed", "unknown"),
    [
        (
            "ops@example.test",  # reads English
            "filed under Accounts (account); from the request:",
            "unknown field 'colour' for entry 'Accounts'",
        ),
        (
            "ops2@example.test",  # reads Japanese
            "分類をアカウント（account）にしました。",
            "カタログ項目「アカウント」のパラメータシートに「colour」はありません",
        ),
    ],
)
def test_the_transcript_names_the_entry_a_member_filed_under(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    member: str,
    filed: str,
    unknown: str,
) -> None:
    """``/category account`` was answered ``filed under account``: the word the member
    typed, not the entry as the pages and mails name it. The name comes first, and the
    id beside it, since that is what a member types to file a ticket there."""
    app = command_app(settings, clock, tmp_path, RECORDER, "")
    try:
        ticket_id = deliver(app, VAGUE).ticket_id or 0
        deliver(app, member_mail(app, ticket_id, "/category account\n", member))
        deliver(app, member_mail(app, ticket_id, "/field colour red\n", member))
        filed_mail, refused_mail = outbox(app, "command_result")[-2:]
        assert filed in re.sub(r"\s+", " ", words_of(filed_mail))
        assert unknown in re.sub(r"\s+", " ", words_of(refused_mail))
    finally:
        app.close()


@pytest.mark.parametrize(
    ("member", "taken"),
    [
        ("ops@example.test", "from the request: User ID (user_id) = taro.yamada"),
        ("ops2@example.test", "依頼の本文から入れた項目: ユーザーID（user_id） = taro.yamada"),
    ],
)
def test_the_category_transcript_names_the_values_by_their_label(
    settings: Settings, clock: FakeClock, tmp_path: Path, member: str, taken: str
) -> None:
    """It said ``user_id = taro.yamada``: the sheet's key, where the acknowledgement and
    the ticket page say ユーザーID / User ID; the name stays beside it for ``/field``."""
    app = command_app(settings, clock, tmp_path, RECORDER, "")
    try:
        ticket_id = deliver(app, VAGUE).ticket_id or 0
        deliver(app, member_mail(app, ticket_id, "/category account\n", member))
        [filed] = outbox(app, "command_result")[-1:]
        assert taken in re.sub(r"\s+", " ", words_of(filed))
    finally:
        app.close()


@pytest.mark.parametrize(
    ("notify", "said"),
    [
        ("assignee", "entry 'Accounts' has no Command action in the catalog now"),
        ("manager", "カタログ項目「アカウント」には、いまはコマンドの自動処理がありません"),
    ],
)
def test_a_run_whose_action_changed_type_says_the_entry_by_its_name(
    settings: Settings, clock: FakeClock, tmp_path: Path, notify: str, said: str
) -> None:
    """A command run still queued when the catalog made the entry's action a webhook
    fails with ``entry 'account' has no command action in the catalog now``: the
    problem line of the failure mail, with the id and the catalog's word for the type."""
    app = command_app(settings, clock, tmp_path, RECORDER, "")
    try:
        deliver(app, ACCOUNT)  # its run is written, the worker not yet run
        (tmp_path / "hook.secret").write_bytes(b"hook-secret-0123456789abcdef-xyz\n")
        webhook = (
            "type: webhook\nurl: http://127.0.0.1:9/\nsecret_file: hook.secret\n"
            f"on_failure: {{notify: {notify}}}"
        )
        (tmp_path / "catalog.yaml").write_text(catalog_text(webhook), encoding="utf-8")
        assert app.catalog.reload()
        assert [d.step for d in drain(app)] == [Step.FAILED]
        [told] = outbox(app, "action_failed")
        assert said in re.sub(r"\s+", " ", words_of(told))
    finally:
        app.close()


def test_a_mail_turned_off_for_an_entry_says_its_name_and_id(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The ticket's history said ``acknowledgement is turned off for the entry account``:
    the name first, as the ticket page names the entry, and the id after it, which is
    what the catalog's ``mails_off`` is written under."""
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "entries:\n"
        "  - id: account\n    name: {ja: アカウント, en: Accounts}\n"
        "    keywords: [account]\n    mails_off: [acknowledgement]\n"
        "  - id: other\n    name: {ja: その他, en: Other}\n    fallback: true\n"
        "    manager: boss@example.test\n",
        encoding="utf-8",
    )
    app = build(replace(settings, members=MEMBERS, catalog=CatalogSettings(path=path)), clock)
    try:
        ticket_id = deliver(app, ACCOUNT).ticket_id or 0
        [off] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "no-auto-answer"]
        why = event_words.why("no-auto-answer", off["detail"])
        assert translate(why, "en") == (
            "acknowledgement is turned off for the entry Accounts (account) by its mails_off"
        )
        assert "アカウント（account）" in translate(why, "ja")
    finally:
        app.close()


@pytest.mark.parametrize(
    ("notify", "problem", "code"),
    [
        ("assignee", "Problem: exit 65", "exit 65"),  # ops@, who reads English
        ("manager", "問題: 終了コード 65 で終わりました", "終了コード 65"),  # boss@, Japanese
    ],
)
def test_the_action_failed_mail_says_the_exit_code_once(
    settings: Settings, clock: FakeClock, tmp_path: Path, notify: str, problem: str, code: str
) -> None:
    """It said ``Answer: exit 65`` and ``Problem: exit 65``, one under the other: the
    problem of a command (or a webhook) that answered says the exit code (the HTTP
    status) itself."""
    app = command_app(
        settings, clock, tmp_path, REFUSES, f"retries: 0\non_failure: {{notify: {notify}}}"
    )
    try:
        deliver(app, ACCOUNT)
        assert [d.step for d in drain(app)] == [Step.FAILED]
        [told] = outbox(app, "action_failed")
        assert problem in words_of(told)
        assert words_of(told).count(code) == 1
        assert html_of(told).count(code) == 1
    finally:
        app.close()
