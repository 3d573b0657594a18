"""Health alerts: the managers get one mail when a mailbox stalls or shunted rows
pile up, and one when it is over; never one per check, never twice after a restart."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import timedelta

from gateway.config.settings import HealthSettings, ImapSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import N_
from gateway.receive.imap import left
from gateway.receive.imap.refused import TRIES
from gateway.runtime.app import App
from gateway.scheduling import alerts, scheduler
from store import inbox, outbox, sources
from store.db import transaction
from store.sources import Held, LeftMessage
from tests.support.app import MEMBERS
from tests.support.mails import mail

ACCOUNT = ImapSettings(host="imap.example.test", username="support", password_env="IMAP_PASSWORD")
SOURCE = ACCOUNT.source


def _settings(settings: Settings) -> Settings:
    return replace(settings, imap=(ACCOUNT,), members=MEMBERS)


def _pass(app: App, settings: Settings, clock: FakeClock, started: object = None) -> list[str]:
    """One alert pass; the subjects of the mails it queued."""
    with transaction(app.sessions) as s:
        ids = alerts.send_due(s, settings, clock.now(), started)  # type: ignore[arg-type]
    with transaction(app.sessions) as s:
        rows = [r for r in outbox.rows(s) if r.id in ids]
    assert all(r.kind == "health_alert" and r.recipients == ["boss@example.test"] for r in rows)
    return [
        str(email.message_from_bytes(r.raw, policy=email.policy.default)["Subject"]) for r in rows
    ]


def test_a_stalled_mailbox_alerts_once_and_recovers_once(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    settings, started = _settings(settings), clock.now()
    clock.advance(timedelta(minutes=1))
    assert _pass(app, settings, clock, started) == []  # just started: not polled yet is fine
    clock.advance(timedelta(minutes=15))
    with transaction(app.sessions) as s:
        refused = N_(
            "login as {user} refused by {where}: {server}",
            user="'support'",
            where="imap.example.test:993",
            server="[AUTHENTICATIONFAILED] Authentication failed.",
        )  # as the poller records it (gateway.receive.imap.describe)
        sources.record_error(s, SOURCE, refused, now=clock.now())
    [subject] = _pass(app, settings, clock, started)
    assert subject.startswith(  # the manager reads Japanese; the server's words are data
        "【障害】メールボックス support@imap.example.test:993/INBOX を一度も正常に"
        "取得できていません（最後のエラー: imap.example.test:993 が 'support' としての"
        "ログインを拒否しました: [AUTHENTICATIONFAILED] Authentication failed.）"
    )
    for _ in range(3):  # the poller keeps failing and retrying: no more mail
        clock.advance(timedelta(minutes=5))
        assert _pass(app, settings, clock, started) == []
    with transaction(app.sessions) as s:
        sources.advance(s, SOURCE, uidvalidity=1, last_uid=0, now=clock.now())
    clock.advance(timedelta(minutes=1))
    [subject] = _pass(app, settings, clock, started)
    assert subject.startswith("【復旧】メールボックス support@")
    assert _pass(app, settings, clock, started) == []
    clock.advance(timedelta(minutes=20))  # stalls again: a new alert
    assert _pass(app, settings, clock, started)[0].startswith("【障害】メールボックス support@")
    assert _pass(app, settings, clock, None) == []  # a restart remembers what was said


def test_a_left_message_waits_out_the_start_like_a_stalled_mailbox(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    """A message left in the folder was alerted at a start at once, from what the
    poller of the run before wrote, though the restart tries it once more at its first
    pass (the quota may have been raised): an alert, and an all-clear minutes later.
    Now it waits out the start's quiet period (``max_poll_age``) as a mailbox does,
    to raise the alert and to call it recovered."""
    settings = _settings(settings)
    quiet = settings.health.max_poll_age
    message = LeftMessage(7, "NO [OVERQUOTA] Quota exceeded", "VPN", "<vpn@customer.test>")
    said = left.problem(ACCOUNT, [message], (), TRIES)

    def polled(held: Held) -> None:  # a pass of the poller: it worked, and wrote this
        with transaction(app.sessions) as s:
            sources.advance(s, SOURCE, uidvalidity=1, last_uid=7, now=clock.now())
            sources.keep_held(s, SOURCE, held, now=clock.now())

    polled(Held(1, (message,), said))  # written by the run before
    started = clock.now()
    clock.advance(timedelta(minutes=1))
    assert _pass(app, settings, clock, started) == []  # just started: its first pass tries
    clock.advance(quiet)
    polled(Held(1, (message,), said))  # refused again: left again
    [subject] = _pass(app, settings, clock, started)
    assert subject.startswith(f"【障害】メールボックス {ACCOUNT.key}: ")
    assert _pass(app, settings, clock, started) == []  # said once

    started = clock.now()  # a restart, and the quota was raised: moved at the first pass
    polled(Held(1))
    clock.advance(timedelta(minutes=1))
    assert _pass(app, settings, clock, started) == []  # not judged yet, either way
    clock.advance(quiet)
    polled(Held(1))
    [subject] = _pass(app, settings, clock, started)
    assert subject.startswith(f"【復旧】メールボックス {ACCOUNT.key}: ")


def test_shunted_rows_alert_and_recover(app: App, settings: Settings, clock: FakeClock) -> None:
    settings = replace(_settings(settings), imap=(), health=HealthSettings(max_shunted=1))
    with transaction(app.sessions) as s:
        rows = [
            inbox.accept(s, mail(subject=f"bug {n}"), source="smtp", now=clock.now())
            for n in range(2)
        ]
        for r in rows[:1]:
            inbox.set_disposition(s, r.inbox_id, "shunted", "ValueError", clock.now())
    assert _pass(app, settings, clock) == []  # one is within max_shunted = 1
    with transaction(app.sessions) as s:
        inbox.set_disposition(s, rows[1].inbox_id, "shunted", "ValueError", clock.now())
    assert _pass(app, settings, clock) == [
        "【障害】処理できずに保留中の受信メールが 2 件あり、health.max_shunted = 1 を"
        "超えています（ticket-gateway inbox list --state shunted）"
    ]
    with transaction(app.sessions) as s:
        inbox.requeue(s)
    # the all-clear is said from what the alert's job row kept, in Japanese again
    assert _pass(app, settings, clock)[0].startswith(
        "【復旧】処理できずに保留中の受信メールが 2 件"
    )


def test_mail_left_unprocessed_alerts_after_the_start_and_recovers_once_processed(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    settings = replace(_settings(settings), imap=())
    with transaction(app.sessions) as s:
        row = inbox.accept(s, mail(subject="stuck"), source="smtp", now=clock.now())
    started = clock.now() + timedelta(minutes=10)  # restarted with the row waiting
    clock.advance(timedelta(minutes=20))
    assert _pass(app, settings, clock, started) == []  # 20 minutes old, but the start is new
    clock.advance(timedelta(minutes=6))
    assert _pass(app, settings, clock, started) == [
        "【障害】2026年3月2日(月) 10:00 JST に届いた受信メールがまだ処理されていません"
        "（health.max_inbox_age = 15m を超えています。ticket-gateway inbox list --state pending）"
    ]
    clock.advance(timedelta(minutes=5))
    assert _pass(app, settings, clock, started) == []  # still stuck: no second mail
    with transaction(app.sessions) as s:
        inbox.set_disposition(s, row.inbox_id, "done", "new ticket", clock.now())
    [subject] = _pass(app, settings, clock, started)
    assert subject.startswith("【復旧】2026年3月2日(月) 10:00 JST に届いた受信メール")


def test_alerts_can_be_turned_off_and_ride_on_the_scheduler_pass(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    off = replace(_settings(settings), health=HealthSettings(alerts=False))
    assert _pass(app, off, clock) == []
    app = replace(app, settings=_settings(settings))
    report = scheduler.tick(app)  # no start time given: judged at once
    assert report.done[alerts.ALERT] == 1
    with transaction(app.sessions) as s:
        assert [r.kind for r in outbox.rows(s)].count("health_alert") == 1


def test_the_time_an_alert_was_noticed_ends_its_sentence_in_japanese(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    """The Japanese text put the time on a line of its own ("検知日時: …" and a line
    break), but the mail's paragraphs are wrapped as one: the manager read "…19:02 JST
    解消するまで…", the time run into the next sentence."""
    settings, started = _settings(settings), clock.now()
    clock.advance(timedelta(minutes=20))
    with transaction(app.sessions) as s:
        ids = alerts.send_due(s, settings, clock.now(), started)
        [row] = [r for r in outbox.rows(s) if r.id in ids]
    message = email.message_from_bytes(row.raw, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    after_time = text.split(" JST", 1)[1]
    assert "。" in after_time.split("解消するまで", 1)[0], text
