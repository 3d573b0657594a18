"""TOML configuration into frozen, typed settings, validated at start.

Every error names the file and the key (``ConfigError``), because an operator
staring at a daemon that will not start needs exactly that and nothing else.
Defaults work on a fresh machine: SQLite under ``./var/``, the SMTP listener on
127.0.0.1:2525, outbound mail written to a local maildir. Where the file, the
data folder and the database are is decided by :mod:`gateway.config.locate`;
the larger sections have their own readers (``smtp``, ``imap``, ``outbound``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway.config import locate
from gateway.config.chat import read_chat
from gateway.config.hours import read_hours, read_named
from gateway.config.imap import read_imap, same_folder
from gateway.config.mail import read_mail
from gateway.config.members import read_member
from gateway.config.names import authserv_ids, domains, not_ours, zone
from gateway.config.outbound import read_outbound
from gateway.config.proxy import read_proxy
from gateway.config.retention import read_retention
from gateway.config.schedule import read_schedule
from gateway.config.secret import (
    TicketsHeld,
    key_made,
    key_to_make,
    read_secret,
    sqlite_held,
)
from gateway.config.sections import (
    EMPTY_VARIABLE,
    RELATIVE_IN_ENV,
    Section,
    duration,
    email,
    is_dir,
    list_of,
    once,
)
from gateway.config.settings import (
    ActionSettings,
    CatalogSettings,
    DatabaseSettings,
    GatewaySettings,
    HealthSettings,
    LimitsSettings,
    LoggingSettings,
    Settings,
    WebSettings,
)
from gateway.config.smtp import read_smtp
from gateway.config.toml_errors import toml_problem
from gateway.config.units import parse_duration, parse_size
from gateway.config.web import read_web
from gateway.config.work import read_answers, read_priority
from gateway.core.errors import ConfigError
from gateway.core.folders import CANNOT_MAKE, makeable, private_folder
from gateway.core.i18n import N_
from gateway.core.os_errors import os_error
from gateway.core.sqlite_url import sqlite_path
from gateway.core.tokens import mask_url_passwords
from gateway.core.utf8 import bad_line, decoded, file_error, small_file

__all__ = ["load_settings"]

DEFAULTS = "<built-in defaults>"

# The keys each table takes, named once so that the README's check
# (tests/test_readme_config.py, through gateway.config.schema) reads the same sets; the
# tables' names and the keys of [gateway] and [database] are gateway.config.locate's,
# which the MTA pipe's fast path checks too.
CATALOG_KEYS = {"path"}
HEALTH_KEYS = {
    "max_poll_age",
    "max_shunted",
    "max_outbox_age",
    "max_inbox_age",
    "max_failed_in_a_row",
    "alerts",
    "daemon",
}
ACTIONS_KEYS = {
    "workers",
    "lease_grace",
    "retry_initial",
    "retry_max",
    "output_limit",
    "proxy",
    "no_proxy",
}
LIMITS_KEYS = {
    "processing_budget",
    "isolate_above",
    "max_participants",
    "max_relay",
    "ops_notices_per_hour",
    "max_watchers",
}
LOGGING_KEYS = {"format"}


def load_settings(
    path: Path | None, *, make: bool = True, held: TicketsHeld = sqlite_held
) -> Settings:
    """Read ``path`` (or the built-in defaults when None) into validated settings.
    ``make=False``: the data folder, the database's folder and the generated secret are
    not made when missing (a command run in the wrong folder leaves nothing there).
    ``held``: whether the database holds tickets, asked before a key is generated (a
    database that does is refused one: :func:`gateway.config.secret.made_or_refused`)."""
    return _build(*_read(path), make, held)


def load_made(
    path: Path | None,
    before_making: Callable[[Settings], None],
    held: TicketsHeld = sqlite_held,
) -> Settings:
    """The settings of ``path``, what they name and is not there yet (the data folder,
    the database's folder, the generated key) made only once every key was read and
    ``before_making`` (handed the settings as read; it raises to refuse:
    :mod:`gateway.runtime.refusals`) let it be. The file is read once, and built twice
    from that one text: read again, a config saved meanwhile (an editor, a deploy) had
    the refusals asked of one file and the folders and key made for another, the second
    read's mistake said only once they were. With nothing to make (every start but the
    first) it is built once and nothing is asked: the refusals read the catalog, opened
    the database and read the config again on every ``ingest`` (each piped mail on
    PostgreSQL) for nothing. ``held``: as :func:`load_settings` takes it."""
    data, src, base = _read(path)
    settings = _build(data, src, base, False)
    if not _to_make(settings):
        return settings  # as make=True builds it: nothing is missing
    before_making(settings)
    return _build(data, src, base, True, held)


def _to_make(settings: Settings) -> bool:
    """Whether building with ``make=True`` would make something (or try to, and say why
    it cannot): the data folder, the SQLite database's folder, or the key."""
    gw = settings.gateway
    sqlite = sqlite_path(settings.database.url)
    folders = [gw.data_dir]
    if sqlite is not None and sqlite != ":memory:":
        folders.append(Path(sqlite).parent)
    return gw.secret_problem is not None or not all(f.is_dir() for f in folders)


def _read(path: Path | None) -> tuple[dict[str, Any], str, Path]:
    """The config's TOML (the built-in defaults' when None), its name and its folder."""
    if path is None:  # the quick start: the pages are on, on 127.0.0.1:8080
        return {"web": {}}, DEFAULTS, locate.config_base(None)
    try:
        data = locate.read_config(path)
    except FileNotFoundError:
        raise ConfigError(str(path), "-", N_("file not found")) from None
    except OSError as exc:  # a folder, a pipe, or not ours to read (another user's)
        raise ConfigError(
            str(path), "-", N_("cannot read: {error}", error=file_error(exc))
        ) from None
    except UnicodeDecodeError as exc:  # saved as Shift_JIS: where, not a byte offset
        line = bad_line(exc)
        problem = N_(
            "line {line} is not UTF-8 text: save {name} as UTF-8", line=line, name=path.name
        )
        raise ConfigError(str(path), "-", problem) from None
    except locate.NestedTooDeeply:  # [[[[…]]]] or {a={a=…}}
        raise ConfigError(
            str(path), "-", N_("not valid TOML: nested too deeply to be read")
        ) from None
    except tomllib.TOMLDecodeError as exc:  # the line, in the reader's words
        raise ConfigError(str(path), "-", toml_problem(exc, _text(path))) from None
    return data, str(path), locate.config_base(path)


def _text(path: Path) -> str:
    """The file's text again, for placing a TOML error (it was read a moment ago)."""
    try:
        return decoded(small_file(path))
    except (OSError, UnicodeDecodeError):
        return ""


def _build(
    data: dict[str, Any], src: str, base: Path, make: bool, held: TicketsHeld = sqlite_held
) -> Settings:
    top = Section(src, "", data)
    top.unknown(locate.SECTIONS)
    gw = _gateway(Section(src, "gateway", data.get("gateway", {})), base, make)
    db = Section(src, "database", data.get("database", {}))
    db.unknown(locate.DATABASE_KEYS)
    url = _database_url(db, gw.data_dir, base, make)
    if make and gw.secret_problem is not None and not gw.secret:  # a key left to make
        gw = key_made(Section(src, "gateway", data.get("gateway", {})), gw, url, held)
    cat = Section(src, "catalog", data.get("catalog", {}))
    cat.unknown(CATALOG_KEYS)
    smtp = read_smtp(Section(src, "smtp", data.get("smtp", {})), base)
    imaps = tuple(
        read_imap(Section(src, f"imap[{i}]", d), base)
        for i, d in enumerate(list_of(top, "imap", tables=True))
    )
    # two pollers on one folder would race over its one bookmark
    folders = [(f"imap[{i}]", same_folder(a)) for i, a in enumerate(imaps)]
    once(src, folders, N_("the same folder as {first}"))
    # an alias listed twice (or the address itself) was a copy meant to be another one
    own = [("gateway.address", gw.address)]
    own += [(f"smtp.aliases[{i}]", a) for i, a in enumerate(smtp.aliases)]
    once(src, own, N_("the same address as {first}"))
    outbound = read_outbound(Section(src, "outbound", data.get("outbound", {})), base, gw)
    members = tuple(
        read_member(Section(src, f"members[{i}]", d))
        for i, d in enumerate(list_of(top, "members", tables=True))
    )
    # one person, one role and one language: a second entry was read by some parts only
    pairs = [(f"members[{i}].email", m.email) for i, m in enumerate(members)]
    once(src, pairs, N_("the same address as {first}"))
    not_ours(src, pairs, gw.address, smtp.aliases)
    sc = Section(src, "schedule", data.get("schedule", {}))
    hours = (
        Section(src, "business_hours", data["business_hours"]) if "business_hours" in data else None
    )
    default_hours = read_hours(hours, base, gw.timezone) if hours is not None else None
    named = read_named(hours, base, gw.timezone) if hours is not None else ()
    return Settings(
        source=src,
        gateway=gw,
        database=DatabaseSettings(url=url),
        catalog=CatalogSettings(path=cat.path_or_none("path", base)),
        smtp=smtp,
        imap=imaps,
        outbound=outbound,
        members=members,
        # [schedule]'s working days are the default calendar's, or the one it names
        schedule=read_schedule(sc, default_hours is not None, [n for n, _ in named]),
        health=_health(Section(src, "health", data.get("health", {}))),
        actions=_actions(Section(src, "actions", data.get("actions", {}))),
        logging=_logging(Section(src, "logging", data.get("logging", {}))),
        chat=read_chat(Section(src, "chat", data.get("chat", {})), base, members),
        web=read_web(Section(src, "web", data["web"])) if "web" in data else WebSettings(),
        limits=_limits(Section(src, "limits", data.get("limits", {}))),
        mail=read_mail(Section(src, "mail", data.get("mail", {}))),
        priority=read_priority(Section(src, "priority", data.get("priority", {}))),
        retention=read_retention(Section(src, "retention", data.get("retention", {})), gw),
        answers=read_answers(
            Section(src, "answers", data.get("answers", {})), base, cat.path_or_none("path", base)
        ),
        business_hours=default_hours,
        named_calendars=named,
    )


def _database_url(db: Section, data_dir: Path, base: Path, make: bool) -> str:
    """The database's URL, checked. One from ``$TICKET_GATEWAY_DATABASE_URL`` is named
    so in an error (the admin looks in the environment file, not in a config file with
    no URL), and a password in it is never repeated: the line goes to the journal.
    ``postgres://`` is ``postgresql://``, as libpq reads both."""
    url = db.at_home("url", lambda: locate.database_url(db.data, data_dir, base))
    from_env = locate.ENV_DATABASE_URL in os.environ
    src, key = ("environment", locate.ENV_DATABASE_URL) if from_env else (db.path, db.key("url"))
    if from_env and isinstance(url, str) and not url.strip():
        raise ConfigError(src, key, EMPTY_VARIABLE)
    if not isinstance(url, str):
        raise ConfigError(src, key, N_("must be a string, not {value!r}", value=url))
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", url):
        shown = mask_url_passwords(url)
        raise ConfigError(src, key, N_("unsupported database URL {url!r}", url=shown))
    sqlite = sqlite_path(url)
    if from_env and sqlite is not None and not os.path.isabs(sqlite):
        raise ConfigError(src, key, RELATIVE_IN_ENV)  # each command's own folder
    if sqlite is not None:
        _folder(src, key, Path(sqlite).parent, make, database=True)
    return url


def _gateway(s: Section, base: Path, make: bool) -> GatewaySettings:
    s.unknown(locate.GATEWAY_KEYS)
    where = s.path_or_none("data_dir", base) or locate.DEFAULT_DATA_DIR  # locate.data_dir
    data_dir = _folder(s.path, s.key("data_dir"), where, make)
    tz = zone(s, "timezone", "Asia/Tokyo")
    prefix = s.str("tag_prefix", "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{0,16}", prefix):
        raise ConfigError(s.path, s.key("tag_prefix"), N_("letters, digits, '-' or '_' only"))
    secret, secret_problem = b"", None
    secret_file = s.path_or_none("secret_file", base)
    # a key to generate waits for the database's URL: _made_key
    later = make and key_to_make(secret_file, data_dir)
    try:
        secret = read_secret(s, secret_file, data_dir, make=make and not later)
    except ConfigError as exc:  # raised by reply_key() in whatever needs the key
        secret_problem = exc
    return GatewaySettings(
        address=email(s, "address", "support@example.test"),
        secret=secret,
        secret_file=s.path_or_none("secret_file", base),
        secret_problem=secret_problem,
        locale=s.choice("locale", locate.DEFAULT_LOCALE, ("ja", "en")),
        timezone=tz,
        tag_prefix=prefix,
        reopen_window=parse_duration(
            s.data.get("reopen_window", "14d"), path=s.path, key=s.key("reopen_window")
        ),
        data_dir=data_dir,
        templates_dir=_existing_dir(s, "templates_dir", base),
        auto_reply_limit=s.int("auto_reply_limit", 5, 0, 10_000),
        iso2022jp=s.bool("iso2022jp", False),
        runner_process=s.bool("runner_process", True),
        trusted_authserv_ids=authserv_ids(s),
        per_person_domains=domains(s, "per_person_domains"),
        max_command_lines=s.int("max_command_lines", 20, 1, 1000),
    )


def _folder(src: str, key: str, path: Path, make: bool, *, database: bool = False) -> Path:
    """The data folder (or the database's), made here (0700, as everything that writes
    there makes it): a file in its way or a folder we may not write is said now, naming
    the key, not as a traceback; the database's by every command, as "cannot create".
    ``make=False``: one not there is left so (load_settings)."""
    if not make and makeable(path):
        return path  # a folder that cannot be made is still said (below)
    try:
        private_folder(path)
    except OSError as exc:
        if database and exc.errno in CANNOT_MAKE:  # a file in the way, a folder not ours
            return path  # (gateway.runtime.reader.uncreatable_database)
        problem = N_("cannot write {path}: {error}", path=str(path), error=os_error(exc))
        raise ConfigError(src, key, problem) from None
    return path


def _existing_dir(s: Section, key: str, base: Path) -> Path | None:
    """Checked at start: a typo must not silently fall back to the built-in templates."""
    path = s.path_or_none(key, base)
    if path is not None and not is_dir(path):
        raise ConfigError(s.path, s.key(key), N_("no such folder: {path}", path=str(path)))
    return path


def _health(s: Section) -> HealthSettings:
    s.unknown(HEALTH_KEYS)
    return HealthSettings(
        max_poll_age=duration(s, "max_poll_age", "15m"),
        max_shunted=s.int("max_shunted", 0, 0, 1_000_000),
        max_outbox_age=duration(s, "max_outbox_age", "30m"),
        max_inbox_age=duration(s, "max_inbox_age", "15m"),
        max_failed_in_a_row=s.int("max_failed_in_a_row", 5, 0, 10_000),
        alerts=s.bool("alerts", True),
        daemon=s.bool("daemon", True),
    )


def _actions(s: Section) -> ActionSettings:
    s.unknown(ACTIONS_KEYS)
    limit = parse_size(s.data.get("output_limit", "64KiB"), path=s.path, key=s.key("output_limit"))
    if not 1024 <= limit <= 16 * 2**20:
        raise ConfigError(s.path, s.key("output_limit"), N_("must be from 1KiB to 16MiB"))
    return ActionSettings(
        workers=s.int("workers", 2, 0, 64),
        lease_grace=duration(s, "lease_grace", "60s"),
        retry_initial=duration(s, "retry_initial", "30s"),
        retry_max=duration(s, "retry_max", "30m"),
        output_limit=limit,
        proxy=read_proxy(s),
    )


def _limits(s: Section) -> LimitsSettings:
    s.unknown(LIMITS_KEYS)
    return LimitsSettings(
        processing_budget=duration(s, "processing_budget", "30s"),
        isolate_above=parse_size(
            s.data.get("isolate_above", "1MB"), path=s.path, key=s.key("isolate_above")
        ),
        max_participants=s.int("max_participants", 20, 1, 10_000),
        max_relay=s.int("max_relay", 20, 1, 10_000),
        ops_notices_per_hour=s.int("ops_notices_per_hour", 10, 0, 10_000),
        max_watchers=s.int("max_watchers", 10, 1, 1_000),
    )


def _logging(s: Section) -> LoggingSettings:
    s.unknown(LOGGING_KEYS)
    return LoggingSettings(format=s.choice("format", "text", ("text", "json")))
