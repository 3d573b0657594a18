"""Why an outgoing mail or chat post failed is said in the reader's language by ``status``.

The sender stored the relay's refusal and its own diagnosis ("relay … unreachable",
"gave up after 3 days, 0:00:00: …") as English text, and ``status`` named the mails that
failed for good with it, to a Japanese operator too. The row keeps the error as a Msg
now (the relay's reply line and the system's words verbatim in it) beside the English
text, which ``--json`` keeps; a row written before shows its text as it is. A chat
post's error, kept the same way, is said next to the chat posts' counts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from gateway.config.settings import ChatSettings, OutboundSettings, Settings, WebhookSettings
from gateway.core.clock import FakeClock
from gateway.core.i18n import Msg, translate
from gateway.outbound.sender import Sender
from gateway.outbound.transport import transport_for
from gateway.runtime.app import App, build
from gateway.runtime.cli.common import Speaker
from gateway.runtime.cli.status_lines import status_warnings
from gateway.scheduling import health
from store import chat, migrate, outbox
from store.db import make_engine, session_factory, transaction
from tests.support import chat as chat_support
from tests.support.hooks import MOVED, HookServer
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.sink import SinkHandler, local_relay, sink


@pytest.fixture
def relay(settings: Settings) -> OutboundSettings:
    return local_relay(settings)


def _request(app: App, sender: str) -> None:
    assert deliver(app, mail(sender=sender, subject="VPN")).ticket_id is not None


def _warnings(settings: Settings, app: App, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    report = health.check(settings, app.sessions, app.clock.now())
    said: dict[str, str] = {}
    for lang in ("ja_JP.UTF-8", "en_US.UTF-8"):
        monkeypatch.setenv("LC_ALL", lang)
        said[lang[:2]] = "\n".join(Speaker(settings)(w) for w in status_warnings(report))
    return said


def test_status_says_a_refusal_and_a_relay_given_up_on_in_the_readers_language(
    app: App,
    settings: Settings,
    relay: OutboundSettings,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    send = Sender(relay, app.clock, app.sessions, lambda: transport_for(relay))
    _request(app, "alice@customer.test")
    # nobody listens: the relay is unreachable, for longer than give_up_after
    assert send.drain().retried
    clock.advance(relay.give_up_after + timedelta(minutes=1))
    assert send.drain().failed
    _request(app, "bob@customer.test")
    with sink(relay.port, SinkHandler(answer="550 5.1.1 mailbox unavailable")):
        assert send.drain().failed

    said = _warnings(settings, app, monkeypatch)
    where = f"127.0.0.1:{relay.port}"
    assert "bob@customer.test: 中継サーバーの応答: 550 5.1.1 mailbox unavailable" in said["ja"]
    assert (
        f"alice@customer.test: 3 日たっても送れなかったため、あきらめました: 中継サーバー {where} "
        "に接続できません: " in said["ja"]
    ), said["ja"]
    assert "relay" not in said["ja"] and "gave up" not in said["ja"]
    assert "bob@customer.test: the relay answered 550 5.1.1 mailbox unavailable" in said["en"]
    assert f"alice@customer.test: gave up after 3 days: relay {where} unreachable: " in said["en"]
    assert "中継" not in said["en"] and "あきらめ" not in said["en"]

    report = health.check(settings, app.sessions, app.clock.now()).as_dict()
    errors = {f["recipients"][0]: f["error"] for f in report["outbox"]["recent_failures"]}
    assert errors["bob@customer.test"] == "the relay answered 550 5.1.1 mailbox unavailable"
    assert errors["alice@customer.test"].startswith(f"gave up after 3 days: relay {where} ")


def test_a_row_written_before_shows_its_text(
    app: App, settings: Settings, relay: OutboundSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _request(app, "alice@customer.test")
    with transaction(app.sessions) as s:
        [row] = [r for r in outbox.rows(s) if r.kind == "acknowledgement"]
        outbox.mark_failed(s, row.id, "550 5.1.1 no such user", app.clock.now())  # as before
    said = _warnings(settings, app, monkeypatch)
    assert "alice@customer.test: 550 5.1.1 no such user" in said["ja"]
    assert "alice@customer.test: 550 5.1.1 no such user" in said["en"]


def test_0015_keeps_older_rows_readable(db_url: str, settings: Settings) -> None:
    """Down to 0014 (the Msg columns go: an older release's schema) and up again, on
    SQLite and PostgreSQL: the row's English text is what it says."""
    from gateway.outbound import failures

    engine = make_engine(db_url)
    migrate.upgrade(engine)
    sessions = session_factory(engine)
    now = FakeClock().now()
    with transaction(sessions) as s:
        new = outbox.NewMail(
            "k", "acknowledgement", "<m@x>", "support@example.test", ("a@b.c",), b"x"
        )
        row_id = outbox.enqueue(s, new, now)
        assert row_id is not None
        outbox.mark_failed(s, row_id, failures.answered(550, "5.1.1 no such user"), now)
    with transaction(sessions) as s:
        [row] = outbox.rows(s)
        said = outbox.said_error(row)
        assert isinstance(said, Msg)
        assert translate(said, "ja") == "中継サーバーの応答: 550 5.1.1 no such user"
    migrate.downgrade(engine, "0014")
    migrate.upgrade(engine)
    with transaction(sessions) as s:
        [row] = outbox.rows(s)
        assert outbox.said_error(row) == "the relay answered 550 5.1.1 no such user"
    engine.dispose()


def _status(
    settings: Settings, app: App, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> dict[str, str]:
    from gateway.runtime.cli.schedule import _print_status

    report = health.check(settings, app.sessions, app.clock.now())
    said: dict[str, str] = {}
    for lang in ("ja_JP.UTF-8", "en_US.UTF-8"):
        monkeypatch.setenv("LC_ALL", lang)
        _print_status(Speaker(settings), report, settings.gateway.timezone)
        said[lang[:2]] = capsys.readouterr().out
    return said


def test_status_says_why_a_chat_post_failed_in_the_readers_language(
    settings: Settings,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A webhook behind a sign-in page answers 302: the post fails for good, and status
    says why next to the chat posts' counts."""
    server = HookServer([MOVED]).start()
    hooks = ChatSettings(webhook=WebhookSettings(url=server.url("/hooks/x")))
    app = build(replace(settings, chat=hooks), clock)
    try:
        _request(app, "alice@customer.test")
        assert chat_support.poster(app).drain().failed
        said = _status(settings, app, monkeypatch, capsys)
        with transaction(app.sessions) as s:
            [row] = chat.rows(s)
            chat.mark_failed(s, row.id, "webhook answered HTTP 302")  # as an older release did
        old = _status(settings, app, monkeypatch, capsys)
    finally:
        app.close()
        server.stop()
    assert "最後のエラー: Webhook が HTTP 302（リダイレクト）を返しました" in said["ja"], said["ja"]
    assert "webhook answered" not in said["ja"] and "last error" not in said["ja"]
    assert "last error: webhook answered HTTP 302, a redirect: not followed" in said["en"]
    assert "リダイレクト" not in said["en"]
    assert "最後のエラー: webhook answered HTTP 302" in old["ja"]  # its text, as it is


def test_a_mail_sent_after_a_failed_try_keeps_no_error_and_counts_both_tries(
    app: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    """Marking a mail sent is one UPDATE (issue #18): the try that failed is counted, its
    error cleared (status lists no error for a mail that went out), the retry time gone."""
    send = Sender(relay, app.clock, app.sessions, lambda: transport_for(relay))
    _request(app, "alice@customer.test")
    assert send.drain().retried  # nobody listens yet
    clock.advance(timedelta(hours=1))
    with sink(relay.port):
        assert send.drain().sent
    with transaction(app.sessions) as s:
        [row] = [r for r in outbox.rows(s) if r.kind == "acknowledgement"]
        assert (row.state, row.attempts, row.next_attempt_at) == ("sent", 2, None)
        assert (row.last_error, row.last_error_said) == ("", None)
        assert row.sent_at == clock.now()
