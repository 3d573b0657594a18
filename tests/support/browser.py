"""Debian's Chromium driven by Playwright, for the tests of pages (its own browser
download does not work here): where it is, how it starts, and why a test skips."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.app import MEMBERS
from tests.support.config import members_toml, write_config
from tests.support.ports import free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def missing() -> str | None:
    """Why pages cannot be tested in a browser here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)"
    return None


needs_browser = pytest.mark.skipif(missing() is not None, reason=missing() or "")


@dataclass(frozen=True)
class Site:
    """A daemon's configuration with the pages on: the test members, SQLite in ``folder``."""

    config: Path
    url: str  # the database
    base: str  # the pages
    smtp_port: int


def site(folder: Path) -> Site:
    port, smtp_port = free_port(), free_port()
    url = f"sqlite:///{folder}/gateway.db"
    config = write_config(
        folder,
        url=url,
        port=smtp_port,
        secret_file=True,
        # base_url named: the browser runs on this machine, where 127.0.0.1 opens (without
        # it the mails carry no links to the pages, and nobody could sign in)
        extra=f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
        + members_toml(MEMBERS),
    )
    return Site(config, url, f"http://127.0.0.1:{port}", smtp_port)
