"""The ``ticket-gateway`` command: ingest, tickets, inbox, db, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.runtime.cli.main import main
from tests.support.app import configured_reply_address
from tests.support.cli import run
from tests.support.config import KEY, write_config
from tests.support.corpus import folder_params, message_files
from tests.support.daemon import clean_env, console_script
from tests.support.mails import mail


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> str:
    return str(write_config(tmp_path, url=db_url, secret_file=True))


@pytest.mark.parametrize("folders", folder_params())
def test_ingest_folders_once_then_nothing_new(
    config: str, capsys: pytest.CaptureFixture[str], folders: list[Path]
) -> None:
    """Every message file of our fixtures (and of the shared corpus, when present) is
    stored and processed without a shunt; ingesting the same folders again stores
    nothing new and changes no ticket."""
    files = message_files(*folders)
    assert len(files) >= 80  # a test that finds nothing to ingest must not pass
    paths = [str(f) for f in folders]
    code, out, _ = run(config, "ingest", *paths, capsys=capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == len(files)
    assert "Traceback" not in out and "shunted" not in out
    code, listing, _ = run(config, "inbox", "list", "--json", "--limit", "1000", capsys=capsys)
    rows = json.loads(listing)
    assert len(rows) == len(files) and all(r["state"] != "pending" for r in rows)
    assert not [r for r in rows if r["state"] == "shunted"]
    code, before, _ = run(config, "tickets", "list", "--json", capsys=capsys)
    tickets_before = json.loads(before)
    assert tickets_before
    code, out2, _ = run(config, "ingest", *paths, capsys=capsys)
    assert code == 0 and out2.count("nothing new") == len(files)
    code, after, _ = run(config, "tickets", "list", "--json", capsys=capsys)
    assert json.loads(after) == tickets_before


def test_ingest_reply_lands_on_ticket_and_json_shapes(
    config: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    today = datetime.now(UTC)  # the CLI runs on the real clock; old mail is not answered
    (tmp_path / "a.eml").write_bytes(mail(message_id="<q1@customer.test>", date=today))
    code, out, _ = run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys)
    assert code == 0
    to = configured_reply_address(config, 1, "alice@customer.test")  # a reply to our mail
    (tmp_path / "b.eml").write_bytes(
        mail(subject="Re: VPN", to=to, in_reply_to="<q1@customer.test>", body="more\n", date=today)
    )
    code, out, _ = run(config, "ingest", str(tmp_path / "b.eml"), capsys=capsys)
    assert code == 0 and "ticket #1" in out
    code, listing, _ = run(config, "tickets", "list", "--json", capsys=capsys)
    [t] = json.loads(listing)
    for key in (
        "id",
        "state",
        "subject",
        "requester",
        "catalog",
        "assignee",
        "created_at",
        "updated_at",
        "closed_at",
        "message_count",
    ):
        assert key in t
    code, shown, _ = run(config, "tickets", "show", "1", "--json", capsys=capsys)
    detail = json.loads(shown)
    assert {"messages", "events", "fields"} <= set(detail)
    # message_count counts what came in (the request and the reply); messages_total also
    # what we sent (the acknowledgement; the example catalog's VPN entry asks for fields)
    directions = [m["direction"] for m in detail["messages"]]
    assert directions.count("in") == 2 and "out" in directions
    assert t["message_count"] == 2 == detail["message_count"] and isinstance(t["id"], int)
    assert t["messages_total"] == len(directions) == detail["messages_total"]
    assert [m["kind"] for m in detail["messages"] if m["direction"] == "in"] == ["request", "reply"]
    m = detail["messages"][0]
    assert {"direction", "from", "date", "subject", "text", "attachments"} <= set(m)
    assert m["direction"] == "in" and m["from"] == "alice@customer.test"


def test_set_state_goes_through_state_machine(
    config: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a.eml").write_bytes(mail())
    run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys)
    code, _, _ = run(
        config, "tickets", "set-state", "1", "closed", "--reason", "spam", capsys=capsys
    )
    assert code == 0
    code, _, _ = run(config, "tickets", "set-state", "1", "pending", capsys=capsys)
    assert code == 65  # closed → pending is not in the table
    code, shown, _ = run(config, "tickets", "show", "1", "--json", capsys=capsys)
    detail = json.loads(shown)
    assert detail["state"] == "closed" and detail["close_reason"] == "spam"
    event = [e for e in detail["events"] if e["kind"] == "state"][-1]
    assert event["channel"] == "cli" and event["old"] == "new" and event["new"] == "closed"
    assert run(config, "tickets", "set-state", "99", "open", capsys=capsys)[0] == 69


def test_not_mail_exits_65_and_stores_nothing(
    config: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    code, out, _ = run(config, "ingest", str(tmp_path / "x.png"), capsys=capsys)
    assert code == 65 and "not an e-mail" in out
    code, listing, _ = run(config, "inbox", "list", "--json", capsys=capsys)
    assert json.loads(listing) == []


def test_mbox_and_maildir(config: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    box = tmp_path / "box.mbox"
    box.write_bytes(
        b"From alice@customer.test Mon Mar  2 09:00:00 2026\n" + mail(subject="one") + b"\n"
        b"From bob@customer.test Mon Mar  2 09:01:00 2026\n"
        + mail(subject="two", sender="bob@customer.test")
        + b"\n"
    )
    md = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "new" / "1.host").write_bytes(mail(subject="three"))
    (md / "tmp" / "2.host").write_bytes(mail(subject="half-delivered"))
    code, out, _ = run(config, "ingest", str(box), str(md), capsys=capsys)
    assert code == 0, out
    code, listing, _ = run(config, "tickets", "list", "--json", capsys=capsys)
    assert sorted(t["subject"] for t in json.loads(listing)) == ["one", "three", "two"]


def test_database_unreachable_exits_75(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "gateway.toml"
    (tmp_path / "secret.key").write_text(KEY)
    cfg.write_text(
        '[gateway]\nsecret_file = "secret.key"\n'
        '[database]\nurl = "postgresql+psycopg://nobody@127.0.0.1:1/none"\n'
    )
    (tmp_path / "a.eml").write_bytes(mail())
    code = main(["--config", str(cfg), "ingest", str(tmp_path / "a.eml")])
    assert code == 75
    assert "try again later" in capsys.readouterr().err


def test_bad_config_exits_78_naming_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text("[smtp]\nport = -1\n")
    assert main(["--config", str(cfg), "tickets", "list"]) == 78
    err = capsys.readouterr().err
    assert "smtp.port" in err and str(cfg) in err


def test_console_script_ingest_stdin(config: str, tmp_path: Path) -> None:
    exe = shutil.which("ticket-gateway", path=str(Path(sys.executable).parent))
    assert exe, "the package must install the ticket-gateway console script"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKET_GATEWAY_")}
    raw = mail(subject="piped from the MTA")
    done = subprocess.run(
        [exe, "--config", config, "ingest", "-"],
        input=raw,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"done, ticket #1" in done.stdout
    again = subprocess.run(
        [exe, "--config", config, "ingest", "-"],
        input=b"just words\n",
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert again.returncode == 65


def test_inbox_list_and_retry_shunted(
    config: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gateway.runner import chain

    def broken(a: object) -> object:
        raise RuntimeError("a bug in a stage")

    (tmp_path / "a.eml").write_bytes(mail())
    monkeypatch.setattr(chain, "CHAIN", (chain.Link("broken", broken), *chain.CHAIN))
    code, out, _ = run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys)
    assert code == 0 and "shunted" in out  # stored: the bug is ours, not the sender's
    code, listing, _ = run(config, "inbox", "list", "--state", "shunted", "--json", capsys=capsys)
    [row] = json.loads(listing)
    assert "RuntimeError: a bug in a stage" in row["error"]
    monkeypatch.undo()  # the fix is deployed
    code, out, _ = run(config, "inbox", "retry", "--shunted", capsys=capsys)
    assert code == 0 and "requeued 1 row" in out and "done, ticket #1" in out
    code, listing, _ = run(config, "inbox", "list", "--state", "shunted", "--json", capsys=capsys)
    assert json.loads(listing) == []


def test_inbox_retry_before_the_fix_is_not_exit_0(
    config: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A retry whose row is shunted again (the fix not deployed yet, or not the fix)
    said so in a line but exited 0, as a retry that worked: ``inbox retry --shunted &&
    echo fixed`` said "fixed". It is 70 (EX_SOFTWARE: the bug is still ours)."""
    from gateway.runner import chain

    def broken(a: object) -> object:
        raise RuntimeError("a bug in a stage")

    (tmp_path / "a.eml").write_bytes(mail())
    monkeypatch.setattr(chain, "CHAIN", (chain.Link("broken", broken), *chain.CHAIN))
    assert run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 0
    again = run(config, "inbox", "retry", "--shunted", capsys=capsys)
    assert again.code == 70 and "inbox #1: shunted" in again.out, again
    assert run(config, "inbox", "retry", "1", capsys=capsys).code == 70
    monkeypatch.undo()
    assert run(config, "inbox", "retry", "1", capsys=capsys).code == 0


def test_inbox_retry_refuses_an_unknown_row_and_one_already_dealt_with(
    config: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """As ``actions retry``: a typo in the ID is 69, not "requeued 0 rows" and 0; and a
    row that was processed keeps its record (retrying it turned the row that opened
    ticket #1 into "ignored, duplicate of … on ticket #1", its own ticket)."""
    (tmp_path / "a.eml").write_bytes(mail())
    assert run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 0
    missing = run(config, "inbox", "retry", "99", capsys=capsys)
    assert (missing.code, missing.err) == (69, "ticket-gateway: no inbox row #99\n")
    done = run(config, "inbox", "retry", "1", capsys=capsys)
    assert done.code == 65 and "inbox #1 is done; only a shunted row is retried" in done.err
    [row] = json.loads(run(config, "inbox", "list", "--json", capsys=capsys).out)
    assert (row["state"], row["ticket"]) == ("done", 1)
    assert row["reason"].startswith("new ticket")


@pytest.mark.parametrize("args", [["--version"], ["catalog", "check"]])
def test_a_reader_that_stops_reading_ends_the_command_quietly(
    args: list[str], tmp_path: Path
) -> None:
    """``ticket-gateway … | head``: the reader went away, so the command ends as one
    killed by SIGPIPE would (141), without a traceback on the terminal."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write fails with EPIPE
    try:
        done = subprocess.run(
            [console_script(), *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=tmp_path,  # no gateway.toml: the built-in defaults and example catalog
            env=clean_env(),
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr
