"""The schema revision this code expects, importable without SQLAlchemy or Alembic
(the pipe fast path checks it before touching a database)."""

HEAD = "0031"  # keep equal to the newest revision in migrations/versions (a test checks)
