"""A PostgreSQL URL naming a database or a role the server does not have (a typo in
``$TICKET_GATEWAY_DATABASE_URL``, a database the DBA has not made yet). The question
for the schema's revision took the server's ``database "x" does not exist`` for "no
``alembic_version`` table", so every command went on and failed with a traceback (exit
1): ``status``, ``tickets list``, ``db upgrade``, ``run``. It is a database the
gateway cannot use for now, said in the reader's words, as a server that is down is:
exit 75, and ``ingest -`` keeps the mail at the MTA."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PG_URL, postgres_reachable
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config

EX_TEMPFAIL = 75

pytestmark = pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL not reachable")


def _elsewhere(database: str | None = None, user: str | None = None) -> str:
    """PG_URL with another database name or user."""
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    if database is not None:
        url = url.set(database=database)
    if user is not None:
        url = url.set(username=user)
    return url.render_as_string(hide_password=False)


@pytest.mark.parametrize(
    ("url", "said_en", "said_ja"),
    [
        (
            _elsewhere(database="no_such_gateway_db"),
            "the database named in the configuration does not exist",
            "設定で指定したデータベースが存在しません",
        ),
        (
            _elsewhere(user="no_such_gateway_role"),
            "the database server refused the user",
            "データベースサーバーがユーザーを拒否しました",
        ),
    ],
    ids=["database", "role"],
)
@pytest.mark.parametrize("args", [("status",), ("tickets", "list"), ("db", "upgrade")])
def test_a_database_or_role_the_server_lacks_is_said_not_a_traceback(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    said_en: str,
    said_ja: str,
    args: tuple[str, ...],
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(tmp_path, url=url)
    said = run(config, *args, capsys=capsys)
    assert said.code == EX_TEMPFAIL, said
    assert said_en in said.err, said
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    said = run(config, *args, capsys=capsys)
    assert said.code == EX_TEMPFAIL and said_ja in said.err, said
