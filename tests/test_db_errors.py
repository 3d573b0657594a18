"""A database driver's English never reaches a person: a locked, read-only or foreign
SQLite file and an unreachable PostgreSQL are said in the reader's language
(``gateway.core.db_errors``), while the driver's own text stays in ``str()`` for logs."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from gateway.core.db_errors import db_error
from gateway.core.errors import TransientError
from gateway.core.i18n import translate
from store.db import make_engine, ping
from tests.conftest import PG_URL, postgres_reachable
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail

EX_TEMPFAIL = 75
# an English sentence: three Latin words in a row (a code such as SQLITE_X is one word)
ENGLISH = re.compile(r"[A-Za-z]+[ ,']+[A-Za-z]+[ ,']+[A-Za-z]+")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _said_in_both(reason: object, driver_text: str) -> None:
    """``reason`` is a Msg of ours, said in each language; the Japanese holds none of
    the driver's English (the English may say what the driver says, in our words)."""
    en, ja = translate(reason, "en"), translate(reason, "ja")  # type: ignore[arg-type]
    assert driver_text.lower() not in ja.lower()
    assert not ENGLISH.search(ja), ja
    assert JAPANESE.search(ja), ja
    assert not JAPANESE.search(en), en
    assert en != ja


def _sqlite_failure(act: object) -> sqlite3.Error:
    with pytest.raises(sqlite3.Error) as caught:
        act()  # type: ignore[operator]
    return caught.value


@pytest.fixture
def db_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "x.db"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("CREATE TABLE t (n INTEGER)")
    con.close()
    yield path


def test_a_locked_sqlite_database(db_file: Path) -> None:
    holder = sqlite3.connect(db_file, isolation_level=None)
    waiter = sqlite3.connect(db_file, timeout=0, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        exc = _sqlite_failure(lambda: waiter.execute("BEGIN IMMEDIATE"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        waiter.close()
    assert "locked" in str(exc)
    _said_in_both(db_error(exc), str(exc))
    assert db_error(exc) != db_error(sqlite3.OperationalError("no name, no known text"))


def test_a_read_only_sqlite_database(db_file: Path) -> None:
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        exc = _sqlite_failure(lambda: con.execute("INSERT INTO t VALUES (1)"))
    finally:
        con.close()
    assert "readonly" in str(exc)
    _said_in_both(db_error(exc), str(exc))


def test_a_file_that_is_not_a_database_through_the_store(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with pytest.raises(TransientError) as caught:
            ping(engine)
    finally:
        engine.dispose()
    assert "file is not a database" in str(caught.value)  # the driver's text, for logs
    assert caught.value.reason is not None
    _said_in_both(caught.value.reason, "file is not a database")


def test_different_failures_are_said_differently(db_file: Path, tmp_path: Path) -> None:
    """The table tells them apart: not one "database error" for all."""
    ro = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    read_only = _sqlite_failure(lambda: ro.execute("INSERT INTO t VALUES (1)"))
    ro.close()
    (tmp_path / "junk.db").write_bytes(b"junk" * 1000)
    junk = sqlite3.connect(tmp_path / "junk.db")
    not_a_db = _sqlite_failure(lambda: junk.execute("SELECT 1 FROM t"))
    junk.close()
    assert translate(db_error(read_only), "ja") != translate(db_error(not_a_db), "ja")


def test_an_unknown_failure_is_said_as_a_code_not_prose() -> None:
    class Exotic(Exception):
        sqlstate = "XX123"

    for locale in ("en", "ja"):
        said = translate(db_error(Exotic("the driver's very own english sentence")), locale)
        assert "XX123" in said and "english sentence" not in said
    said = translate(db_error(sqlite3.OperationalError("a sentence nobody knows")), "ja")
    assert "OperationalError" in said and "nobody" not in said


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_ingest_into_a_foreign_file_says_why_in_the_readers_language(
    tmp_path: Path, locale: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    config = write_config(tmp_path, locale=locale)
    (tmp_path / "gateway.db").write_bytes(b"not a database at all\n" * 500)
    message = tmp_path / "one.eml"
    message.write_bytes(mail(subject="printer", body="broken"))
    ran = run(config, "ingest", str(message), capsys=capsys)
    assert ran.code == EX_TEMPFAIL, ran
    said = ran.err + ran.out
    assert translate(db_error(sqlite3.DatabaseError("file is not a database")), locale) in said
    if locale == "ja":
        assert "file is not a database" not in said, said
        assert "データベース" in said and not ENGLISH.search(said.replace(str(tmp_path), "")), said
    else:
        assert not JAPANESE.search(said), said


@pytest.mark.parametrize(
    "change", [{"port": 1}, {"database": "no_such_database_here"}], ids=["port", "name"]
)
def test_an_unreachable_postgresql_is_said_in_both_languages(change: dict[str, object]) -> None:
    if not postgres_reachable():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 does not answer")
    url = make_url(PG_URL).set(**change)  # type: ignore[arg-type]
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(TransientError) as caught:
            ping(engine)
    finally:
        engine.dispose()
    assert caught.value.reason is not None
    driver = str(caught.value).split("failed: ")[-1].splitlines()[0]
    _said_in_both(caught.value.reason, driver)
    assert "SQLSTATE" not in translate(caught.value.reason, "en")  # a row, not a code
    assert "error" not in translate(caught.value.reason, "en")
