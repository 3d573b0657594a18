"""Retry-After, read once for every service the gateway calls (webhook actions, Slack,
chat webhooks): seconds or an HTTP date (RFC 9110). Chat read it as a float, so
``inf`` or ``1e30`` from a server became a wait no timedelta holds (the poster's
``timedelta(seconds=…)`` overflowed), and an HTTP date was not read at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.chat.transport import _retry_after
from gateway.core.backoff import retry_after

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "wait"),
    [
        ("7", timedelta(seconds=7)),
        (" 120 ", timedelta(minutes=2)),
        ("Sat, 05 Dec 2026 12:01:30 GMT", timedelta(seconds=90)),
        ("Sat, 05 Dec 2026 11:00:00 GMT", timedelta(0)),  # a date gone by: at once
        ("inf", None),
        ("1e30", None),
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_a_retry_after_is_seconds_or_a_date_and_nothing_else(
    value: str | None, wait: timedelta | None
) -> None:
    assert retry_after(value, NOW) == wait


def test_chat_reads_it_the_same_way() -> None:
    assert _retry_after({"Retry-After": "7"}) == 7.0
    assert _retry_after({"Retry-After": ["30"]}) == 30.0
    assert _retry_after({"Retry-After": "inf"}) is None  # was float('inf'): an overflow
    assert _retry_after({}) is None
    dated = {
        "Retry-After": "Sat, 05 Dec 2026 12:01:30 GMT",
        "Date": "Sat, 05 Dec 2026 12:00:00 GMT",
    }
    assert _retry_after(dated) == 90.0  # against the answer's own Date
    assert _retry_after({"Retry-After": "Sat, 05 Dec 2026 12:01:30 GMT"}) is None
    assert _retry_after(None) is None
