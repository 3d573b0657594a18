"""SMTP listener throughput: a bare aiosmtpd handler against the gateway's durable one.

    .venv/bin/python bench/smtp.py [--messages 2000] [--clients 4] [--db PATH]
    .venv/bin/python bench/smtp.py --daemon [--messages 2000] [--clients 4]

One run, the same generated messages and the same number of concurrent
``smtplib`` clients (threads, one connection each, each sending its share) on
loopback, against (a) aiosmtpd with a handler that accepts and discards,
(b) the gateway's listener, which answers ``250`` only after the inbox commit
(SQLite, fresh file, ``synchronous=FULL``), and (c) the naive handler: one
commit per message (``synchronous=FULL``) inside ``handle_DATA`` on the event
loop, the row the group commit must beat. ``--daemon`` measures the whole
daemon instead (``bench/smtp_daemon.py``: acceptance while processing runs,
end-to-end, p99 latency, RSS of all its processes).
Each server runs in a child process of its own, so it does not share the
clients' GIL, and its peak memory and CPU are its own (``resource.getrusage``
in that process). Parsing is not measured: the pipeline runner reads the rows
later, outside the SMTP session.

The messages (seeded, so every run sends the same bytes) mix what a support
inbox gets: HTML alternatives with an Outlook-sized style block, plain text in
English and Japanese (ISO-2022-JP, UTF-8), inline signature logos, screenshots
of 30-400 kB and long quoted replies: median about 9 kB, mean about 45 kB.

The targets (issue #18): b/a >= 0.85 with 4 clients on SQLite, and b ahead of c.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make `gateway` importable from a checkout
    sys.path.insert(0, str(REPO))

TARGET = 0.85
SENDER, RECIPIENT = "customer@customer.test", "support@example.test"
MAX_SIZE = 25_000_000


# ---------------------------------------------------------------- messages

EN_SUBJECTS = (
    "VPN does not connect",
    "Printer on 3F offline",
    "Password reset for SAP",
    "Request: new laptop for Bob",
    "Disk almost full on db02",
    "Shared drive gone",
)
JA_SUBJECTS = (
    "VPNに接続できません",
    "3階のプリンターが使えません",
    "パスワード再設定のお願い",
    "新しいノートPCの申請",
    "共有フォルダにアクセスできない",
)
EN_LINES = (
    "Hello team,",
    "since this morning the client fails with error 809.",
    "I already restarted the machine twice.",
    "Could you please have a look?",
    "The issue started after the update on Monday.",
    "Best regards,",
)
JA_LINES = (
    "お疲れ様です。",
    "今朝からVPNクライアントでエラー809が出て接続できません。",
    "PCは二回再起動しました。",
    "お手数ですが確認をお願いいたします。",
    "よろしくお願いします。",
)
# What an Outlook/Gmail HTML part carries besides the text: a style block and wrappers.
HTML_HEAD = (
    '<html><head><meta charset="utf-8"><style>'
    + "".join(
        f"p.MsoNormal{i}, li.MsoNormal{i} {{margin:0cm; font-size:11.0pt; "
        f'font-family:"Calibri",sans-serif;}}\n'
        for i in range(40)
    )
    + "</style></head><body>"
)
# (weight, shape): the mix of a support inbox.
SHAPES = ((35, "html"), (20, "plain"), (25, "html+logo"), (12, "attachment"), (8, "reply"))


def _message(rng: random.Random, i: int) -> bytes:
    """One mail of the mix: HTML alternatives, signature logos, screenshots, quoted replies."""
    msg = EmailMessage(policy=SMTP_POLICY)
    japanese = rng.random() < 0.4
    msg["From"] = f"User {i % 97} <user{i % 97}@customer.test>"
    msg["To"] = RECIPIENT
    msg["Subject"] = rng.choice(JA_SUBJECTS if japanese else EN_SUBJECTS) + f" ({i})"
    msg["Date"] = format_datetime(datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(seconds=i))
    msg["Message-ID"] = make_msgid(idstring=f"bench{i}", domain="customer.test")
    shape = rng.choices([s for _, s in SHAPES], weights=[w for w, _ in SHAPES])[0]
    lines = JA_LINES if japanese else EN_LINES
    body = "\n".join(rng.choice(lines) for _ in range(rng.randint(5, 40))) + "\n"
    if shape == "reply":
        body += "\n" + "".join(f"> {rng.choice(lines)}\n" for _ in range(rng.randint(50, 400)))
    charset = rng.choice(("iso-2022-jp", "utf-8")) if japanese else "utf-8"
    msg.set_content(body, charset=charset)
    if shape.startswith("html"):
        html = HTML_HEAD + "".join(f"<p class=MsoNormal>{x}</p>" for x in body.splitlines())
        msg.add_alternative(html + "</body></html>", subtype="html")
    if shape == "html+logo":
        msg.add_attachment(
            rng.randbytes(rng.randint(4_000, 25_000)),
            maintype="image",
            subtype="png",
            filename="logo.png",
            disposition="inline",
        )
    if shape == "attachment":
        msg.add_attachment(
            rng.randbytes(rng.randint(30_000, 400_000)),
            maintype="image",
            subtype="png",
            filename=f"screenshot{i}.png",
        )
    return msg.as_bytes()


def generate(n: int, seed: int = 42) -> list[bytes]:
    rng = random.Random(seed)
    return [_message(rng, i) for i in range(n)]


# ---------------------------------------------------------------- servers (child processes)


class _Discard:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


class _NaiveCommit:
    """The reference point: one commit per message, inside handle_DATA, on the event loop."""

    def __init__(self, db: Path) -> None:
        from gateway.runtime.app import build

        self.app = build(_settings(db))

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from store import inbox
        from store.db import transaction

        with transaction(self.app.sessions) as s:
            inbox.accept(
                s,
                envelope.original_content,
                source="smtp",
                now=self.app.clock.now(),
                envelope_from=envelope.mail_from,
                envelope_to=envelope.rcpt_tos,
            )
        return "250 OK"


def _serve_aiosmtpd(handler: Any) -> tuple[Any, Any]:
    from aiosmtpd.smtp import SMTP

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        loop.create_server(
            lambda: SMTP(
                handler,
                data_size_limit=MAX_SIZE,
                enable_SMTPUTF8=True,
                hostname="bench.test",
                loop=loop,
            ),
            "127.0.0.1",
            0,
        )
    )
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def stop() -> dict[str, Any]:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        return {}

    return server.sockets[0].getsockname()[1], stop


def _settings(db: Path) -> Any:
    from gateway.config.settings import DatabaseSettings, GatewaySettings, Settings, SmtpSettings

    return Settings(
        source="<bench>",
        gateway=GatewaySettings(secret=b"bench-secret-0123456789", data_dir=db.parent),
        database=DatabaseSettings(url=f"sqlite:///{db}"),
        smtp=SmtpSettings(port=0, max_message_size=MAX_SIZE),
    )


def _serve_gateway(db: Path) -> tuple[Any, Any]:
    from gateway.receive.smtp import SmtpListener
    from gateway.receive.writer import InboxWriter
    from gateway.runtime.app import build
    from store.accept.sqlite import SqliteInbox

    settings = _settings(db)
    app = build(settings)
    # as the daemon wires it on SQLite: the stdlib writer path (gateway/daemon.py)
    writer = InboxWriter(SqliteInbox(str(db)), app.clock)
    writer.start()
    listener = SmtpListener(settings, writer, hostname="bench.test")
    listener.start()

    def stop() -> dict[str, Any]:
        from sqlalchemy import func, select

        from store.models import InboxRow

        listener.stop(grace=2)
        writer.stop()
        with app.sessions() as s:
            rows = s.scalar(select(func.count()).select_from(InboxRow))
        app.close()
        return {"rows": rows, "commits": writer.commits, "deliveries": writer.deliveries}

    return listener.port, stop


def serve(kind: str, db: Path) -> None:
    """Child mode: print the port, serve until stdin closes, print stats as JSON."""
    if kind == "gateway":
        port, stop = _serve_gateway(db)
    else:
        port, stop = _serve_aiosmtpd(_Discard() if kind == "bare" else _NaiveCommit(db))
    print(port, flush=True)
    sys.stdin.read()
    stats = stop()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats["peak_rss_kib"] = usage.ru_maxrss
    stats["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    print(json.dumps(stats), flush=True)


# ---------------------------------------------------------------- clients


@dataclass
class Result:
    rate: float
    seconds: float
    stats: dict[str, Any]


def _client(port: int, share: list[bytes], start: threading.Barrier, errors: list[str]) -> None:
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.ehlo("bench-client.test")
            start.wait()
            for raw in share:
                client.sendmail(SENDER, [RECIPIENT], raw)
    except Exception as exc:  # noqa: BLE001 - reported, and the run is invalid
        errors.append(repr(exc))


def measure(kind: str, messages: list[bytes], clients: int, db: Path) -> Result:
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--db", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    port = int(child.stdout.readline())
    start, errors = threading.Barrier(clients + 1), list[str]()
    shares = [messages[i::clients] for i in range(clients)]
    threads = [threading.Thread(target=_client, args=(port, s, start, errors)) for s in shares]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    child.stdin.close()
    stats = json.loads(child.stdout.readline())
    child.wait(10)
    if errors:
        raise SystemExit(f"{kind}: {len(errors)} client(s) failed: {errors[0]}")
    return Result(len(messages) / seconds, seconds, stats)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument(
        "--db",
        type=Path,
        help="SQLite file for the gateway (must not exist; default: a temporary one)",
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--daemon",
        action="store_true",
        help="the whole daemon (listener, runner, sender) on the ingest corpus",
    )
    p.add_argument("--keep", type=Path, help="--daemon: keep its files in this new folder")
    p.add_argument("--serve", choices=("bare", "gateway", "naive"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.serve, args.db)
        return 0
    if args.daemon:
        return _daemon(args)
    with tempfile.TemporaryDirectory(prefix="bench-smtp-") as tmp:
        db = args.db or Path(tmp) / "gateway.db"
        if db.exists():
            p.error(f"{db} exists; the gateway run needs a fresh database")
        report(args, db)
    return 0


def report(args: argparse.Namespace, db: Path) -> None:
    messages = generate(args.messages, args.seed)
    sizes = sorted(len(m) for m in messages)
    print(
        f"{len(messages)} messages, {sum(sizes) / 1e6:.1f} MB (median "
        f"{sizes[len(sizes) // 2] / 1e3:.1f} kB, largest {sizes[-1] / 1e3:.0f} kB), "
        f"{args.clients} concurrent smtplib clients on loopback"
    )
    bare = measure("bare", messages, args.clients, db)
    gateway = measure("gateway", messages, args.clients, db)
    _line("(a) bare aiosmtpd, discard", bare)
    _line("(b) gateway, durable (SQLite)", gateway)
    stats = gateway.stats
    print(
        f"    {stats['rows']} rows stored, {stats['commits']} commits "
        f"({stats['deliveries'] / max(stats['commits'], 1):.1f} messages per commit)"
    )
    naive = measure("naive", messages, args.clients, db.with_name(db.stem + "-naive.db"))
    _line("(c) naive commit per message", naive, f", c/a = {naive.rate / bare.rate:.2f}")
    print("    peak RSS and CPU: of each server's own process (resource.getrusage)")
    ratio = gateway.rate / bare.rate
    met = "met" if ratio >= TARGET else "NOT met"
    print(f"ratio b/a = {ratio:.2f}  (target >= {TARGET} with 4 clients on SQLite: {met})")
    ahead = "met" if gateway.rate > naive.rate else "NOT met"
    print(f"ratio b/c = {gateway.rate / naive.rate:.2f}  (target > 1, ahead of the naive: {ahead})")
    if stats["rows"] != len(messages):
        raise SystemExit(f"stored {stats['rows']} of {len(messages)} messages")


def _daemon(args: argparse.Namespace) -> int:
    """``--daemon``: the bare sink here, everything else in bench/smtp_daemon.py."""
    from bench import smtp_daemon

    def bare(messages: list[bytes], after: list[int]) -> Any:
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", "bare", "--db", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdin is not None and child.stdout is not None
        port = int(child.stdout.readline())
        try:
            return smtp_daemon.deliver(port, messages, args.clients, after)
        finally:
            child.stdin.close()
            child.wait(10)

    if args.keep:  # the daemon's database, log and outbound maildir stay for a look
        args.keep.mkdir(parents=True)
        return smtp_daemon.report(args, smtp_daemon.console_script(), args.keep, bare)
    with tempfile.TemporaryDirectory(prefix="bench-daemon-") as tmp:
        return smtp_daemon.report(args, smtp_daemon.console_script(), Path(tmp), bare)


def _line(label: str, r: Result, extra: str = "") -> None:
    print(
        f"{label:<32} {r.rate:6.0f} msg/s  ({r.seconds:5.2f} s)  "
        f"peak RSS {r.stats['peak_rss_kib'] / 1024:4.0f} MiB  "
        f"server CPU {r.stats['cpu_seconds']:5.2f} s{extra}"
    )


if __name__ == "__main__":
    sys.exit(main())
