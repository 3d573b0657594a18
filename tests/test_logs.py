"""Structured logs: one line per ingested message with its fields, and
``[logging] format = "json"`` turning every daemon line into a JSON object."""

from __future__ import annotations

import json
import logging
import signal
import smtplib
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.runner.rows import RowInput
from gateway.runtime import daemon
from gateway.runtime.app import App
from gateway.runtime.logs import JsonFormatter, TextFormatter
from tests.support.config import SECRET_ENV, write_config
from tests.support.cpu import cpu_within
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

FIELDS = ("ticket", "message_id", "source", "verdict", "duration")


def test_the_runner_logs_one_line_per_message_with_its_fields(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gateway.runner"):
        outcome = deliver(app, mail(subject="Printer", message_id="<p-1@c.test>"), source="smtp")
    [line] = [r for r in caplog.records if getattr(r, "event", "") == "ingest"]
    assert {f: getattr(line, f) for f in FIELDS[:4]} == {
        "ticket": outcome.ticket_id,
        "message_id": "p-1@c.test",
        "source": "smtp",
        "verdict": "done",
    }
    assert isinstance(line.duration, float) and line.duration > 0  # type: ignore[attr-defined]
    assert "source=smtp verdict=done" in line.getMessage()


def test_a_row_another_instance_processed_is_not_logged_again(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """Two instances on one PostgreSQL both pick up a row that just came in; one
    processes it, the other finds it done. That one logged an ``ingest`` line too
    (``verdict=done reason='already done: …'``): 150 messages made 223 lines, and a
    log shipper counting ingested mail counted half of them twice."""
    with caplog.at_level(logging.INFO, logger="gateway.runner"):
        first = deliver(app, mail(subject="Printer", message_id="<p-2@c.test>"), source="smtp")
        again = app.runner.process_one(first.inbox_id)
        [together] = app.runner.process_together(
            [RowInput(first.inbox_id, None), RowInput(first.inbox_id, None)]
        )[:1]
    assert again.reason.startswith("already done") and together.reason == again.reason
    lines = [r for r in caplog.records if getattr(r, "event", "") == "ingest"]
    assert [(r.inbox, r.verdict) for r in lines] == [(first.inbox_id, "done")]  # type: ignore[attr-defined]


def test_json_formatter_writes_the_extra_fields_and_the_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "gateway.x",
            logging.ERROR,
            __file__,
            1,
            "failed %s",
            ("here",),
            exc_info=__import__("sys").exc_info(),
        )
    record.ticket = 42
    data = json.loads(JsonFormatter().format(record))
    assert data["message"] == "failed here" and data["level"] == "error"
    assert data["ticket"] == 42 and data["logger"] == "gateway.x"
    assert "ValueError: boom" in data["exception"]
    assert datetime.fromisoformat(data["time"]).tzinfo is not None


def test_the_daemon_logs_json_lines_when_configured(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    config.write_text(
        config.read_text(encoding="utf-8") + '[logging]\nformat = "json"\n', encoding="utf-8"
    )
    log = tmp_path / "daemon.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [console_script(), "--config", str(config), "run"],
            env=clean_env(**SECRET_ENV),
            stderr=sink,
        )
        try:
            wait_for_port(port, proc)
            with smtplib.SMTP("127.0.0.1", port) as client:
                client.sendmail(
                    "alice@customer.test",
                    ["support@example.test"],
                    mail(subject="JSON please", message_id="<j-1@c.test>", date=datetime.now(UTC)),
                )
            assert eventually(lambda: b'"event": "ingest"' in log.read_bytes())
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
        finally:
            proc.kill()
            proc.wait()
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    [ingest] = [e for e in lines if e.get("event") == "ingest"]
    assert ingest["message_id"] == "j-1@c.test" and ingest["source"] == "smtp"
    assert ingest["verdict"] == "done" and isinstance(ingest["ticket"], int)
    assert any(e["logger"] == "gateway.daemon" for e in lines)  # every line is JSON


def test_an_unknown_log_format_names_key_and_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gateway.runtime.cli import main as cli

    config = write_config(tmp_path, port=free_port(), locale="en")
    config.write_text(
        config.read_text(encoding="utf-8") + '[logging]\nformat = "xml"\n', encoding="utf-8"
    )
    assert cli.main(["--config", str(config), "status"]) == cli.EX_CONFIG
    err = capsys.readouterr().err
    assert str(config) in err and "logging.format" in err


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()])
@pytest.mark.parametrize(
    ("said", "kept", "hidden"),
    [
        # slack_sdk at DEBUG (-v): "HTTP proxy URL has been loaded from an env variable: …"
        ("loaded: http://bob:s3cret-pw@proxy.test:3128", "http://bob:…@proxy.test:3128", "s3cret"),
        (
            "HTTPS_PROXY=https://svc%40corp:p%3Ass@10.0.0.1/ ok",
            "https://svc%40corp:…@10.0.0.1/",
            "p%3Ass",
        ),
        ("token as user: https://xoxb-123-abc@hooks.test/x", "https://…@hooks.test/x", "xoxb"),
        (
            "mailto and addresses stay: alice@customer.test http://h.test/a@b",
            "alice@customer.test",
            "",
        ),
        # the web guard's line of a request cut short names its path: an unspent sign-in
        # link's token is a member's session to whoever reads the log first
        (
            "web: POST /sign-in/q3ZWcE0_1a-Vt8kLmN2pQrStUvWxYz0123456789AbC: the sender went away",
            "web: POST /sign-in/…: the sender went away",
            "q3ZWcE0_1a",
        ),
        (
            "link=https://support.test/sign-in/q3ZWcE0_1a-Vt8kLmN2pQrStUvWxYz0123456789AbC",
            "https://support.test/sign-in/…",
            "q3ZWcE0_1a",
        ),
        ("the page /sign-in/expired stays readable", "/sign-in/expired", ""),
    ],
)
def test_a_password_in_a_url_never_reaches_the_log(
    formatter: logging.Formatter, said: str, kept: str, hidden: str
) -> None:
    """Libraries log URLs at DEBUG (``-v``): slack_sdk the proxy it took from the
    environment, urllib3 the connections it opens. Whatever wrote it, the password in a
    URL's user part is masked in every line, text or JSON; the rest stays readable."""
    record = logging.LogRecord("slack_sdk", logging.DEBUG, __file__, 1, "%s", (said,), None)
    line = formatter.format(record)
    assert kept in line
    assert not hidden or hidden not in line


def test_masking_urls_is_linear() -> None:
    """No input makes the masking slow (logs carry what strangers wrote)."""
    for hostile in ("://" + "a:" * 200_000, "x://" * 100_000, "://" + "a" * 400_000 + "@"):
        record = logging.LogRecord("x", logging.INFO, "", 1, hostile, (), None)
        cpu_within(2, lambda: TextFormatter().format(record), hostile[:20])  # noqa: B023
