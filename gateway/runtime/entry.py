"""The ``ticket-gateway`` console script.

Postfix starts one process per message (``| ticket-gateway ingest -``). When a
daemon runs beside it on SQLite, that process only has to store the bytes; so
before argparse, the settings module or SQLAlchemy are imported, the pipe's
fast path gets its chance (:func:`gateway.receive.pipe.pipe_target`). Every
other invocation, and every doubt, goes to :func:`gateway.runtime.cli.main.main`.
"""

from __future__ import annotations

import os
import sys

EX_OK, EX_DATAERR = 0, 65


def main() -> None:
    argv = sys.argv[1:]
    code = _pipe(argv)
    if code is None:
        from gateway.runtime.cli.main import main as cli_main

        code = cli_main(argv)
    sys.exit(code)


def _pipe(argv: list[str]) -> int | None:
    from gateway.receive import pipe

    target = pipe.pipe_target(argv, os.environ)
    if target is None:
        return None
    from gateway.core.clock import SystemClock
    from gateway.core.errors import TransientError
    from gateway.core.i18n import N_, translate
    from gateway.core.sniff import not_mail_reason
    from gateway.runtime.cli.language import cli_locale

    locale = cli_locale(target.locale)
    raw = sys.stdin.buffer.read()
    if (why := not_mail_reason(raw)) is not None:
        line = N_("{ref}: not an e-mail message ({why}), not stored", ref="-", why=why)
        print(translate(line, locale))
        return EX_DATAERR
    try:
        stored = pipe.quick_accept(target.db_path, raw, source_ref="-", now=SystemClock().now())
    except TransientError:
        stored = None  # the full path retries the same write and answers 75 if it must
    if stored is None:  # e.g. the schema is behind: the full path migrates and processes
        sys.stdin = _replay(raw)
        return None
    inbox_id, duplicate = stored
    line = (
        N_(
            "{ref}: already stored as inbox #{id}, queued for the running daemon",
            ref="-",
            id=inbox_id,
        )
        if duplicate
        else N_("{ref}: stored as inbox #{id}, queued for the running daemon", ref="-", id=inbox_id)
    )
    print(translate(line, locale))
    return EX_OK


def _replay(raw: bytes) -> object:
    import io

    return io.TextIOWrapper(io.BytesIO(raw))
