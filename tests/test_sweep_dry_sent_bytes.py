"""``sweep --dry-run`` lists everything the real sweep does: with the tickets it would
change and the closed tickets it would erase, how many sent mails would have their
bytes emptied (``[outbound] keep_sent``), in the CLI's language, and the real sweep says
how many it emptied. The dry run empties none; a mail sent recently, or one not marked
sent, is not counted."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from gateway.config.load import load_settings
from gateway.runtime.app import build
from store.db import transaction
from store.models import OutboxRow
from tests.support.config import write_config
from tests.support.daemon import clean_env, console_script
from tests.support.mails import mail
from tests.support.pipeline import deliver

NOW = datetime.now(UTC)


def _sweep(config: Path, lang: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), "--config", str(config), "sweep", *args],
        capture_output=True,
        text=True,
        env=clean_env(LANG=lang, LC_ALL="", LC_MESSAGES=""),
        timeout=120,
        check=False,
    )


def _kept(config: Path) -> dict[int, bool]:
    """Each outbox row: whether it still holds its bytes."""
    app = build(load_settings(config))
    try:
        with transaction(app.sessions) as s:
            return {i: raw != b"" for i, raw in s.execute(select(OutboxRow.id, OutboxRow.raw))}
    finally:
        app.close()


@pytest.mark.parametrize(
    ("lang", "would", "did"),
    [
        ("en_US.UTF-8", "the bytes of {n} sent mails would be emptied", "the bytes of {n} sent"),
        ("ja_JP.UTF-8", "送信済みメール {n} 通の本文", "送信済みメール {n} 通の本文"),
    ],
)
def test_the_dry_run_counts_the_sent_mail_whose_bytes_would_go(
    db_url: str, tmp_path: Path, lang: str, would: str, did: str
) -> None:
    config = write_config(tmp_path, url=db_url, secret_file=True)
    app = build(load_settings(config))
    old = 3
    try:
        for n in range(old + 2):  # each request's acknowledgement: one outbox row
            deliver(app, mail(f"Request {n}", sender=f"p{n}@customer.test", date=NOW))
        with transaction(app.sessions) as s:
            ids = sorted(s.scalars(select(OutboxRow.id)))
            assert len(ids) >= old + 2
            for i, row in enumerate(ids):  # old ones, one recent, one old but not sent
                sent = NOW - (timedelta(days=40) if i < old or i == len(ids) - 1 else timedelta(0))
                state = "pending" if i == len(ids) - 1 else "sent"
                s.execute(
                    update(OutboxRow).where(OutboxRow.id == row).values(state=state, sent_at=sent)
                )
            old_sent = [r for i, r in enumerate(ids) if i < old]
    finally:
        app.close()
    before = _kept(config)
    dry = _sweep(config, lang, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert would.format(n=len(old_sent)) in dry.stdout, dry.stdout
    assert _kept(config) == before  # the dry run emptied nothing
    real = _sweep(config, lang)
    assert real.returncode == 0, real.stderr
    assert did.format(n=len(old_sent)) in real.stdout, real.stdout
    after = _kept(config)
    assert sorted(i for i, kept in after.items() if not kept) == old_sent  # rows in no order
    again = _sweep(config, lang, "--dry-run")  # nothing more is due: nothing said
    assert would.format(n=len(old_sent)) not in again.stdout
    assert "keep_sent" not in again.stdout
