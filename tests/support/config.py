"""Config files written the way an operator writes them, for tests that go through
``load_settings``: the CLI, the daemon, and the settings errors that name a key."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import Member, Settings
from gateway.core.errors import ConfigError

# a daemon or CLI in a test takes its secret from the environment (no file to write)
# a key as `openssl rand -hex 20` makes one: made-up keys are refused (gateway.core.key_strength)
KEY = "3f9c0e7a51d24b86a0c7e5f1d93b284c6e0a7f15"
SECRET_ENV = {"TICKET_GATEWAY_SECRET": "daemon-test-secret-0123456789"}
# the smallest [gateway] section that keeps everything a load writes under tmp_path
LOCAL = '[gateway]\ndata_dir = "var"\n'


def write_config(
    folder: Path,
    *,
    url: str | None = None,
    port: int | None = None,
    locale: str | None = None,
    secret_file: bool = False,
    extra: str = "",
) -> Path:
    """``folder/gateway.toml`` for support@example.test with its data under
    ``folder/var``: the database ``url`` (SQLite in ``folder`` by default), an
    ``[smtp]`` port when given, a ``secret.key`` file when asked (else the secret comes
    from ``SECRET_ENV``), then ``extra`` sections verbatim."""
    gateway = '[gateway]\naddress = "support@example.test"\ndata_dir = "var"\n'
    if locale is not None:
        gateway += f'locale = "{locale}"\n'
    if secret_file:
        key = folder / "secret.key"
        key.write_text(KEY)
        key.chmod(0o600)  # as an operator keeps it: status warns about a readable one
        gateway += 'secret_file = "secret.key"\n'
    text = gateway + f'[database]\nurl = "{url or f"sqlite:///{folder}/gateway.db"}"\n'
    if port is not None:
        text += f"[smtp]\nport = {port}\n"
    path = folder / "gateway.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def members_toml(members: Iterable[Member]) -> str:
    """``[[members]]`` tables for ``members``, as the config file lists them (keys left
    at their default are left out, as a person would)."""
    text = ""
    for m in members:
        text += f'[[members]]\nemail = "{m.email}"\n'
        text += "".join(
            f'{key} = "{value}"\n'
            for key, value in (
                ("name", m.name),
                ("role", m.role),
                ("locale", m.locale),
                ("time_zone", m.time_zone),
            )
            if value
        )
    return text


def load_toml(folder: Path, *sections: str) -> Settings:
    """Write ``sections`` (joined by newlines) as ``folder/gateway.toml`` and load it."""
    path = folder / "gateway.toml"
    path.write_text("\n".join(sections) + "\n", encoding="utf-8")
    return load_settings(path)


def config_error(folder: Path, *sections: str) -> ConfigError:
    """The error that loading ``sections`` raises (the test fails when none is raised)."""
    with pytest.raises(ConfigError) as caught:
        load_toml(folder, *sections)
    return caught.value


@pytest.fixture
def daemon_running(tmp_path: Path) -> Iterator[None]:
    """The lock ``ticket-gateway run`` holds, held for a test whose ``status`` is about
    something else than whether the daemon runs (its config's data under tmp_path/var)."""
    from gateway.receive import pipe

    lock = pipe.hold_daemon_lock(tmp_path / "var")
    try:
        yield
    finally:
        lock.close()


def with_database(config: Path) -> Path:
    """``config`` with its database made, at the newest schema, as ``run``, ``ingest``
    and ``db upgrade`` make it: the commands that read (``status``, ``tickets list``)
    make none where there is none (tests/test_cli_no_database.py)."""
    from datetime import UTC, datetime

    from store import migrate
    from store.db import make_engine

    engine = make_engine(load_settings(config).database.url)
    try:
        migrate.ensure_current(engine, datetime.now(UTC))
    finally:
        engine.dispose()
    return config
