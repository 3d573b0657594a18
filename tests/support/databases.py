"""Run a test on one database only (the ``db_url`` fixture runs SQLite and PostgreSQL).

For what only one backend has: SQLite's file lock and its stdlib fast path,
PostgreSQL's advisory locks and a server that can go away mid-connection.
"""

from __future__ import annotations

import pytest

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
postgres_only = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
