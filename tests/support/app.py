"""The gateway the tests build: its secret, its team and its plain catalog.

One copy of these values, so a reply token made in a test (``tokens.make_token(SECRET,
…)``) matches the one the gateway under test checks.
"""

from __future__ import annotations

from gateway.config.settings import Member
from tests.support.paths import DATA

SECRET = b"test-secret-0123456789abcdef"
# a catalog with one fallback entry: filing never gets in the way of what a test checks
PLAIN_CATALOG = DATA / "catalog_plain.yaml"

MEMBERS = (
    Member(email="ops@example.test", name="Ops One", role="ops", locale="en"),
    Member(email="ops2@example.test", name="Ops Two", role="ops", locale="ja"),
    Member(email="boss@example.test", name="Boss", role="manager", locale="ja"),
)
