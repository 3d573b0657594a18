"""The outbound maildir's disk full while a mail is written (ENOSPC): nothing half-written
is left in ``tmp/`` or ``new/``, the mail waits as for a relay that is down (the reason in
words), and once there is room it is delivered once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gateway.config.settings import Settings
from gateway.outbound.sender import Sender
from gateway.outbound.transport import transport_for
from gateway.runtime.app import App
from store import outbox
from store.db import transaction
from store.models import OutboxRow
from tests.support.databases import sqlite_only
from tests.test_disk_full import _fill, disk  # noqa: F401 - the small tmpfs

BIG = b"From: support@example.test\r\nTo: b@customer.test\r\nSubject: x\r\n\r\n" + b"y" * 300_000


def _queue(app: App, n: int) -> int:
    with transaction(app.sessions) as s:
        new = outbox.NewMail(
            f"k{n}", "weekly_digest", f"{n}@x", "support@example.test", ("b@customer.test",), BIG
        )
        found = outbox.enqueue(s, new, app.clock.now())
    assert found is not None
    return found


@sqlite_only
def test_a_full_disk_leaves_no_part_of_the_mail_and_it_goes_once_there_is_room(
    app: App,
    settings: Settings,
    disk: Path,  # noqa: F811
) -> None:
    box = disk / "outbound"
    out = replace(settings.outbound, mode="maildir", maildir=box)

    def drain() -> list[int]:
        report = Sender(out, app.clock, app.sessions, lambda: transport_for(out)).drain()
        return report.sent

    _queue(app, 1)
    assert len(drain()) == 1  # the maildir is made, with one mail in it
    oid = _queue(app, 2)
    filler = _fill(disk, 100_000)  # less room than the mail needs
    assert drain() == []
    assert list((box / "tmp").iterdir()) == [] and len(list((box / "new").iterdir())) == 1
    with transaction(app.sessions) as s:
        row = s.get(OutboxRow, oid)
        assert row is not None and row.state == "pending"
        assert "no space left" in row.last_error and str(box) in row.last_error
    filler.unlink()
    app.clock.advance(out.retry_max)
    assert drain() == [oid]
    assert list((box / "tmp").iterdir()) == [] and len(list((box / "new").iterdir())) == 2
