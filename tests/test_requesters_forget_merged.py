"""A ticket of someone else merged into one that ``requesters forget`` erases: it gets
its mail back and stays. Merged into an open ticket, its requester's matter was being
worked there: it was left closed as a duplicate of a ticket that no longer exists, and
the team lost sight of it. It is back in its state before the merge (new here), as
``tickets unmerge`` leaves it, its history saying the merge was undone; merged into a
ticket already closed, it stays closed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build as make_app
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import members_toml, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver, show

ALICE = "alice@customer.test"
NOW = datetime.now(UTC)


@pytest.mark.parametrize("hers", ["open", "closed"])
def test_a_ticket_merged_into_hers_is_worked_on_again_if_hers_was(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], hers: str
) -> None:
    config = write_config(tmp_path, url=db_url, secret_file=True, extra=members_toml(MEMBERS))
    app = make_app(load_settings(config), FakeClock(NOW))
    try:
        mine = deliver(app, mail("Printer jam", "On 3F.\n", sender=ALICE, date=NOW)).ticket_id
        carol = deliver(
            app, mail("Printer jam on 3F", "Here too.\n", sender="carol@customer.test", date=NOW)
        ).ticket_id
        assert mine is not None and carol is not None
        assert run(config, "tickets", "merge", str(carol), str(mine), capsys=capsys).code == 0
        if hers == "closed":
            assert run(config, "tickets", "set-state", str(mine), "closed", capsys=capsys).code == 0
        ran = run(config, "requesters", "forget", ALICE, capsys=capsys)
        assert ran.code == 0, ran.err
        back = show(app, carol)
        assert back["merged_into"] is None
        if hers == "open":
            assert back["state"] == "new"  # as it was before the merge
            kinds = [e["kind"] for e in back["events"]]
            assert kinds[-2:] == ["state", "unmerged"], kinds  # its history says why
        else:
            assert (back["state"], back["close_reason"]) == ("closed", "duplicate")
    finally:
        app.close()
