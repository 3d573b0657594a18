"""The pages under load: the board and a search over 5 000 open and 50 000 closed tickets.

    .venv/bin/python bench/web.py [--open 5000] [--closed 50000] [--runs 5] [--pg URL|off]

For each database (SQLite in a temporary folder; PostgreSQL at the tests' server in a
schema of its own, unless ``--pg off``) the data is generated in bulk through the
store's own tables (one multi-row INSERT per batch: no runner, no mail), then the real
web application is served by the daemon's :class:`~gateway.web.server.WebServer` on a
loopback port and asked, as a signed-in member, for:

* ``/board`` right after a ticket changed (a note added before each look: every
  open ticket counted into its lane and column, the panels of ``stats``, the
  fallback words), and again with nothing changed (the view kept since),
* ``/tickets?q=プロジェクター`` (a Japanese search through the trigram index),
* ``/tickets?q=予約`` (two characters: below the trigram length, a scan),
* ``/tickets`` (the first page of the list),

each ``--runs`` times (the median is printed), next to ``ticket-gateway tickets list
--json`` on the same database (one process, the whole list, as a script would read it).
Target: under 300 ms per page on the 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make `gateway` importable from a checkout
    sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from gateway.catalog.load import load_catalog  # noqa: E402
from gateway.config.settings import (  # noqa: E402
    CatalogSettings,
    DatabaseSettings,
    GatewaySettings,
    Member,
    Settings,
    WebSettings,
)
from gateway.core.clock import SystemClock  # noqa: E402
from gateway.runtime.app import build  # noqa: E402
from gateway.tickets import changes  # noqa: E402
from gateway.web.context import WebContext  # noqa: E402
from gateway.web.server import WebServer  # noqa: E402
from store import web_auth  # noqa: E402
from store.accept.generic import open_inbox  # noqa: E402
from store.db import transaction  # noqa: E402
from store.models import Message, Ticket, TicketField, table_of  # noqa: E402

TARGET_MS = 300
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CATALOG = REPO / "gateway" / "catalog" / "examples" / "catalog.yaml"
MEMBERS = (
    Member("ops@example.test", "Ops One", "ops", "ja"),
    Member("ops2@example.test", "Ops Two", "ops", "ja"),
    Member("boss@example.test", "Boss", "manager", "ja"),
)
SUBJECTS = {
    "vpn": [
        "在宅勤務で VPN がつながりません",
        "VPN disconnects every hour",
        "リモートアクセスが遅い",
    ],
    "account": [
        "パスワードをリセットしてください",
        "New hire account for Tanaka",
        "ログインできません",
    ],
    "printer": ["3F の複合機で紙詰まり", "Printer offline", "トナー交換のお願い"],
    "network": [
        "会議室の Wi-Fi が弱い",
        "DNS errors since this morning",
        "有線 LAN がつながらない",
    ],
    "server": ["web01 障害", "Backup job failed", "ディスク容量アラート"],
    "purchase": ["ノート PC 購入申請", "License renewal quotation", "モニター発注"],
    "other": [
        "会議室Aのプロジェクターが映らない",
        "プロジェクターのリモコンがない",
        "会議室の予約ができません",
        "Lunch menu question",
        "オフィスの空調が寒い",
        "キャンセルした予約が残っている",
    ],
}
BODIES = [
    "お世話になっております。昨日から症状が続いています。よろしくお願いします。",
    "Hello, this started this morning and blocks my work. Thanks.",
    "至急対応をお願いします。詳細は添付のとおりです。",
]


def generate(url: str, n_open: int, n_closed: int) -> None:
    """Tickets, one incoming message each, and sheet values, in bulk INSERTs."""
    settings = _settings(url)
    app = build(settings)  # migrates the schema (search index included)
    rng = random.Random(15)
    entries = [e.id for e in load_catalog(CATALOG, MEMBERS).entries]
    now = datetime.now(UTC)
    tickets_t, messages_t, fields_t = (
        table_of(Ticket),
        table_of(Message),
        table_of(TicketField),
    )
    batch = 5000
    total = n_open + n_closed
    for start in range(0, total, batch):
        tickets, messages, fields = [], [], []
        for n in range(start, min(start + batch, total)):
            tid = n + 1
            entry = rng.choice(entries)
            created = now - timedelta(days=rng.uniform(0, 400 if n >= n_open else 60))
            closed = n >= n_open
            state = "closed" if closed else rng.choice(["new", "open", "open", "pending"])
            subject = rng.choice(SUBJECTS[entry]) + f" ({tid})"
            tickets.append(
                {
                    "id": tid,
                    "subject": subject,
                    "requester": f"user{rng.randrange(3000)}@customer.test",
                    "requester_name": "",
                    "state": state,
                    "close_reason": "resolved" if closed else None,
                    "catalog": entry,
                    "assignee": rng.choice([m.email for m in MEMBERS] + [None]),
                    "locale": "ja",
                    "created_at": created,
                    "updated_at": created + timedelta(hours=rng.uniform(0, 72)),
                    "closed_at": created + timedelta(hours=rng.uniform(1, 200)) if closed else None,
                    "due_at": None,
                    "first_response_at": None,
                    "linked_ticket_id": None,
                }
            )
            messages.append(
                {
                    "ticket_id": tid,
                    "direction": "in",
                    "message_id": f"bench-{tid}@customer.test",
                    "subject": subject,
                    "text": rng.choice(BODIES) + "\n" + subject,
                    "new_text": subject,
                    "kind": "request",
                    "created_at": created,
                    "from_addr": "user@customer.test",
                }
            )
            if entry == "vpn" and rng.random() < 0.7:
                fields.append({"ticket_id": tid, "name": "os", "value": "windows"})
        with transaction(app.sessions) as s:
            s.execute(tickets_t.insert(), tickets)
            s.execute(messages_t.insert(), messages)
            if fields:
                s.execute(fields_t.insert(), fields)
    if app.engine.dialect.name == "postgresql":
        with app.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    app.close()


def _settings(url: str) -> Settings:
    return Settings(
        gateway=GatewaySettings(
            secret=b"bench-secret-0123456789abcdef", data_dir=Path(tempfile.gettempdir())
        ),
        database=DatabaseSettings(url=url),
        catalog=CatalogSettings(path=CATALOG),
        members=MEMBERS,
        web=WebSettings(enabled=True, port=0),
    )


def measure_pages(url: str, runs: int) -> dict[str, float]:
    settings = _settings(url)
    app = build(settings)
    token = uuid.uuid4().hex
    now = datetime.now(UTC)
    with transaction(app.sessions) as s:
        web_auth.add_session(s, token, "ops@example.test", now, now + timedelta(hours=1))
    ctx = WebContext(
        settings=settings,
        sessions=app.sessions,
        clock=SystemClock(),
        catalog=lambda: app.catalog.current,
        open_acceptor=lambda: open_inbox(url, app.sessions),
    )
    server = WebServer(ctx, "127.0.0.1", 0)
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    pages = {
        "board, after a change": "/board",
        "board, nothing changed": "/board",
        "search プロジェクター": "/tickets?q=" + quote("プロジェクター"),
        "search 予約 (2 chars)": "/tickets?q=" + quote("予約"),
        "list, first page": "/tickets",
    }
    out = {}
    try:
        for name, path in pages.items():
            _get(base + path, token)  # warm: templates compiled, statements cached
            times = []
            for n in range(runs):
                if "after a change" in name:  # a member's note: the board must be rebuilt
                    with transaction(app.sessions) as s:
                        ticket = s.get(Ticket, n + 1)
                        assert ticket is not None
                        changes.add_note(
                            s, ticket, "bench", datetime.now(UTC), actor="b", channel="cli"
                        )
                started = time.perf_counter()
                _get(base + path, token)
                times.append((time.perf_counter() - started) * 1000)
            out[name] = statistics.median(times)
    finally:
        server.stop()
        app.close()
    return out


def _get(url: str, token: str) -> bytes:
    req = urllib.request.Request(url, headers={"Cookie": f"tg_session={token}"})
    with urllib.request.urlopen(req, timeout=60) as answer:
        assert answer.status == 200, answer.status
        return answer.read()


def measure_cli(url: str, folder: Path) -> tuple[float, int]:
    config = folder / "bench.toml"
    config.write_text(
        f'[gateway]\ndata_dir = "{folder}"\n[database]\nurl = "{url}"\n', encoding="utf-8"
    )
    exe = Path(sys.executable).parent / "ticket-gateway"
    started = time.perf_counter()
    done = subprocess.run(
        [str(exe), "--config", str(config), "tickets", "list", "--json"],
        capture_output=True,
        check=True,
        env={"TICKET_GATEWAY_SECRET": "bench-secret-0123456789abcdef", "PATH": "/usr/bin:/bin"},
    )
    return (time.perf_counter() - started) * 1000, len(done.stdout)


def run_backend(name: str, url: str, folder: Path, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    generate(url, args.open, args.closed)
    made = time.perf_counter() - started
    print(f"\n{name}: {args.open} open + {args.closed} closed tickets generated in {made:.1f} s")
    pages = measure_pages(url, args.runs)
    cli_ms, size = measure_cli(url, folder)
    for page, ms in pages.items():
        mark = "ok" if ms < TARGET_MS else "SLOW"
        print(f"  {page:<24} {ms:8.0f} ms  {mark}")
    print(
        f"  {'tickets list --json':<24} {cli_ms:8.0f} ms  (a process, {size / 1e6:.1f} MB of JSON)"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--open", type=int, default=5000)
    p.add_argument("--closed", type=int, default=50_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--pg", default=PG_URL, help="PostgreSQL URL, or off")
    args = p.parse_args(argv)
    print(f"pages as a signed-in member, median of {args.runs}; target < {TARGET_MS} ms")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run_backend("SQLite", f"sqlite:///{folder}/bench.db", folder, args)
        if args.pg != "off":
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.pg)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                sep = "&" if "?" in args.pg else "?"
                run_backend(
                    "PostgreSQL", f"{args.pg}{sep}options=-csearch_path%3D{schema}", folder, args
                )
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
