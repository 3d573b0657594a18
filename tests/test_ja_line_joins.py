"""Two lines of one of our Japanese paragraphs join with nothing between them beside a
full-width punctuation mark (、。「」（）), whatever stands on the other side.

Japanese punctuation carries its own space. The ja catalog breaks some sentences in two
lines (「…について、」 / 「%(time)s前に…」), and a template puts a sentence of its own
under another (the no-response close: 「…完了とさせていただきました。」 / 「7 日以上…」);
the text part's refill joined such lines with a space whenever one side was half-width,
so a customer read 「について、 3 日前に」 and 「（理由: 返信なし）。 7 日以上」: a space
after 、 and 。 that no Japanese writer types. Between a Japanese word and a number
the catalog's own space stays (「経過 3 日」), and English joins with a space as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.notify.paragraphs import refill
from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.scheduling import make_app, scheduled_settings, set_state, tick_and_send

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        ("について、\n3 日前に", "について、3 日前に"),  # the pending reminder's
        ("させていただきました。\n7 日以上", "させていただきました。7 日以上"),
        ("次のコマンド（\nticket-gateway status）", "次のコマンド（ticket-gateway status）"),
        ("「VPN\n」の件", "「VPN」の件"),
        ("お問い合わせ\nです。", "お問い合わせです。"),  # two full-width: as before
        ("自動処理が\n3 回", "自動処理が 3 回"),  # a word and a number: the catalog's space
        ("SLA\nの期限", "SLA の期限"),
        ("the VPN\nclient", "the VPN client"),
        ("closed.\nWe", "closed. We"),
    ],
)
def test_lines_join_as_the_language_writes_them(lines: str, joined: str) -> None:
    assert refill(lines, width=200) == joined


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def test_the_pending_reminder_and_the_no_response_close_read_without_a_stray_space(
    gw: App, clock: FakeClock
) -> None:
    """A Japanese customer's ticket waits on them: the reminder after three days and
    the close after seven, each in one line of 76 columns or less where the sentence
    joins (the names are short), read as Japanese is written."""
    out = deliver(
        gw,
        mail(
            subject="VPNに接続できません",
            body="山田です。\nVPNがつながりません。\n",
            sender="山田 <yamada@customer.test>",
        ),
    )
    assert out.ticket_id is not None
    set_state(gw, out.ticket_id, TicketState.PENDING)
    clock.advance(3 * DAY + HOUR)
    tick_and_send(gw)
    [reminder] = outbox(gw, "pending_reminder")
    reminded = text_of(reminder)
    assert "について、3 日前にご確認のお願い" in reminded.replace("\n", ""), reminded
    clock.advance(4 * DAY + HOUR)
    tick_and_send(gw)
    assert show(gw, out.ticket_id)["close_reason"] == "no-response"
    *_pending, closed = [
        r for r in outbox(gw, "status_change") if r.recipients == ["yamada@customer.test"]
    ]
    said = text_of(closed)
    assert "（理由: 返信なし）。7 日以上ご返信がありませんでした。" in said.replace("\n", ""), said
    for text in (reminded, said):
        assert "、 " not in text and "。 " not in text, text
