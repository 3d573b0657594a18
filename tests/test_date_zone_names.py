"""A Date whose zone is a name Japanese and Korean mailers write (``JST``, ``KST``)
instead of an offset (found by the exploratory round over intake): RFC 5322 knows only
UT, GMT and the US zones, so ``09:30:00 JST`` was read as 09:30 UTC, nine hours late,
which is how the ticket showed it and how old the "too old to answer" rule found it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gateway.pipeline.parse.message import parse_message

NINE = timezone(timedelta(hours=9))


def _date(value: str) -> datetime | None:
    raw = f"From: a@customer.test\nSubject: x\nDate: {value}\n\nhello\n".encode()
    return parse_message(raw).date


@pytest.mark.parametrize("zone", ["JST", "jst", "KST", "Jst"])
@pytest.mark.parametrize("day", ["Mon, 2 Mar 2026", "2 Mar 2026", "Mon, 02 Mar 2026"])
def test_a_zone_name_with_one_meaning_is_its_offset(zone: str, day: str) -> None:
    assert _date(f"{day} 09:30:00 {zone}") == datetime(2026, 3, 2, 9, 30, tzinfo=NINE)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 2 Mar 2026 09:30:00 +0900 (JST)", datetime(2026, 3, 2, 9, 30, tzinfo=NINE)),
        ("Mon, 2 Mar 2026 09:30:00 GMT", datetime(2026, 3, 2, 9, 30, tzinfo=UTC)),
        ("Mon, 2 Mar 2026 09:30:00 EST", datetime(2026, 3, 2, 14, 30, tzinfo=UTC)),
        ("Mon, 2 Mar 2026 09:30:00 -0000", datetime(2026, 3, 2, 9, 30, tzinfo=UTC)),
    ],
)
def test_offsets_and_rfc_zones_are_read_as_before(value: str, expected: datetime) -> None:
    assert _date(value) == expected
