"""Where the configuration, the data folder and the database are: the rules, once.

Two readers need them. :func:`gateway.config.load.load_settings` builds the
validated settings; :func:`gateway.receive.pipe.pipe_target`, the MTA pipe's
fast path, reads only the keys that decide where a message is stored. Both
must find the same file and the same database for every config, so the rules
live here and nowhere else:

* the config file is ``--config``, else ``$TICKET_GATEWAY_CONFIG``, else
  ``./gateway.toml`` if it exists, else none (the built-in defaults);
* relative paths in it are read from the config file's folder (the working
  folder when there is no file); ``~`` and ``~user`` are the home folder;
* ``[gateway] data_dir`` defaults to ``./var``;
* the database is ``$TICKET_GATEWAY_DATABASE_URL``, else ``[database] url`` (a
  relative SQLite file in it read from the config file's folder too), else SQLite
  in the data folder.

The pipe imports this module before anything else, once per delivered message,
so it imports only ``os`` and ``pathlib`` (``tomllib`` when a file is read);
validation and error messages are the settings reader's job.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.core.sqlite_url import sqlite_path

ENV_CONFIG = "TICKET_GATEWAY_CONFIG"
ENV_DATABASE_URL = "TICKET_GATEWAY_DATABASE_URL"
LOCAL_CONFIG = Path("gateway.toml")
DEFAULT_DATA_DIR = Path("var")
DEFAULT_LOCALE = "ja"  # [gateway] locale when the config does not say

# The names of the tables, and of the keys of the two tables that say where a message is
# stored. Here, not in the settings reader (which refuses any other with these sets),
# because the pipe's fast path must not take a misspelt one for an absent one: read as
# absent, ``[databse]`` or ``data_dirr`` named the default database, a site's SQLite left
# from before its move to PostgreSQL, and the mail went where nobody reads it.
SECTIONS = {
    "gateway",
    "database",
    "catalog",
    "smtp",
    "imap",
    "outbound",
    "members",
    "schedule",
    "health",
    "actions",
    "logging",
    "chat",
    "web",
    "limits",
    "mail",
    "priority",
    "answers",
    "retention",
    "business_hours",
}
GATEWAY_KEYS = {
    "address",
    "secret_file",
    "locale",
    "timezone",
    "tag_prefix",
    "reopen_window",
    "data_dir",
    "templates_dir",
    "auto_reply_limit",
    "iso2022jp",
    "trusted_authserv_ids",
    "per_person_domains",
    "max_command_lines",
    "runner_process",
}
DATABASE_KEYS = {"url"}


def locate_config(cli_path: str | None, environ: Mapping[str, str] = os.environ) -> Path | None:
    """``--config``, else ``$TICKET_GATEWAY_CONFIG``, else ``./gateway.toml``, else None."""
    if cli_path:
        return Path(cli_path)
    if environ.get(ENV_CONFIG, "").strip():  # without the space and line end around it
        return Path(environ[ENV_CONFIG].strip())
    return LOCAL_CONFIG if LOCAL_CONFIG.exists() else None


def empty_config_variable(environ: Mapping[str, str] = os.environ) -> bool:
    """``$TICKET_GATEWAY_CONFIG`` set but empty (an environment file's or a cron line's
    path never written): refused by the CLI, naming the variable, as an empty
    ``$TICKET_GATEWAY_SECRET`` is. Taken for "not set", a command ran on the built-in
    defaults, and ``ingest`` stored the mail in a new database under ``./var``."""
    return ENV_CONFIG in environ and not environ[ENV_CONFIG].strip()


class NestedTooDeeply(ValueError):
    """A value nested deeper than ``tomllib`` recurses (``x = [[[[…]]]]``): a
    ``ValueError`` like the file's other faults, so every reader of the config (the MTA
    pipe's fast path too) handles it, where a ``RecursionError`` was a traceback."""


def unknown_names(data: Mapping[str, Any]) -> bool:
    """Does the file name a table, or a key of ``[gateway]`` or ``[database]``, that the
    settings reader does not know? (A misspelt name of where to store; see SECTIONS.)"""
    if set(data) - SECTIONS:
        return True
    tables = ((data.get("gateway"), GATEWAY_KEYS), (data.get("database"), DATABASE_KEYS))
    return any(isinstance(t, dict) and set(t) - known for t, known in tables)


def read_config(path: Path) -> dict[str, Any]:
    """The file's TOML tables. ``OSError``, ``UnicodeDecodeError``,
    ``tomllib.TOMLDecodeError`` and :class:`NestedTooDeeply` (all but the first
    ``ValueError``) pass to the caller."""
    import tomllib  # only when there is a file: the pipe without one never pays for it

    from gateway.core.utf8 import decoded, small_file  # a byte-order mark is not TOML's

    text = decoded(small_file(path))
    try:
        return tomllib.loads(text)
    except RecursionError:  # tomllib recurses once a level of [ ] or { }
        raise NestedTooDeeply(str(path)) from None


def config_base(path: Path | None) -> Path:
    """The folder relative paths in the config are read from."""
    return path.parent.resolve() if path is not None else Path.cwd()


def resolve(value: str, base: Path) -> Path:
    """A configured path: ``~`` and ``~user`` read as a shell reads them (the home
    folder), then absolute as written, else relative to ``base``. Environment
    variables are not expanded (a file that means something else with each environment
    would give the daemon and an admin's command different data), and a part that names
    one is refused (:class:`NotExpanded`). Raises it and :class:`NoSuchUser`."""
    unexpanded(value)
    head, slash, rest = value.partition("/")
    if head.startswith("~"):
        value = home_of(head[1:]) + slash + rest
    path = Path(value)
    return path if path.is_absolute() else base / path


class NotExpanded(ValueError):
    """A part of a path that is a shell variable, ``$HOME`` or ``${SITE}``: read as
    written it was a folder named ``$HOME`` beside the config file, holding a new, empty
    database and every mail after it, as ``~user`` of no user was. ``word`` is the part;
    a ``ValueError`` like the file's other faults, for the pipe's fast path."""

    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word


def unexpanded(value: str) -> None:
    """Raises :class:`NotExpanded` when a part of the path ``value`` begins as a shell
    variable does (``$`` then a letter, ``_`` or ``{``); ``$`` alone, or before a digit
    or a dot, names no variable and stays a character of a name."""
    for part in value.split("/"):
        if part[:1] == "$" and (part[1:2].isalpha() or part[1:2] in ("_", "{")):
            raise NotExpanded(part)


class NoSuchUser(ValueError):
    """``~user`` in a path, and no such user here: a shell would leave the word as it
    is, which made a folder named ``~user`` beside the config file (a typo of the
    service user's name, and every mail in a folder nobody looks at). ``user`` is the
    name; a ``ValueError`` like the file's other faults, for the pipe's fast path."""

    def __init__(self, user: str) -> None:
        super().__init__(user)
        self.user = user


def home_of(user: str) -> str:
    """The home folder of ``user``, or this user's (``""``): ``$HOME`` when it says one,
    else the password file's (``HOME=``, set empty, made ``~/var`` the root's ``/var``).
    Raises :class:`NoSuchUser`."""
    import pwd  # built in: only when a path starts with ~

    if not user and os.environ.get("HOME"):
        return os.environ["HOME"]
    try:
        return pwd.getpwuid(os.getuid()).pw_dir if not user else pwd.getpwnam(user).pw_dir
    except KeyError:
        raise NoSuchUser(user or str(os.getuid())) from None


def relative_sqlite_in_env(environ: Mapping[str, str] = os.environ) -> bool:
    """``$TICKET_GATEWAY_DATABASE_URL`` names an SQLite file by a relative path: read
    from the folder each command runs in (the daemon's WorkingDirectory, the MTA pipe's
    queue folder, a shell's), each had a database of its own. The settings reader
    refuses it (:data:`gateway.config.sections.RELATIVE_IN_ENV`); the pipe leaves it to
    the full command, which says so."""
    path = sqlite_path(environ.get(ENV_DATABASE_URL, "").strip())
    return path is not None and not os.path.isabs(path)


def data_dir(configured: str | None, base: Path) -> Path:
    """``[gateway] data_dir`` (already checked to be a non-empty string), else ``./var``."""
    return DEFAULT_DATA_DIR if configured is None else resolve(configured, base)


def database_url(
    database: Mapping[str, Any],
    data_dir: Path,
    base: Path,
    environ: Mapping[str, str] = os.environ,
) -> object:
    """``$TICKET_GATEWAY_DATABASE_URL``, else ``[database] url``, else SQLite in ``data_dir``.

    A relative SQLite file in ``[database] url`` is read from ``base`` like every
    other path of the file (``sqlite:///var/gateway.db`` beside ``data_dir = "var"``
    is the same folder), so a command run from another folder finds the site's
    database instead of creating an empty one where it stands. The configured value
    is otherwise returned as found: the caller decides what a value that is not a
    string means (a configuration error, or "not the fast path").
    """
    if ENV_DATABASE_URL in environ:  # set but empty is a mistake the caller names
        # without the space and line end around it (a file put into the environment
        # whole): "gw.db\n" was a new, empty database beside the site's
        return environ[ENV_DATABASE_URL].strip()
    configured = database.get("url", f"sqlite:///{data_dir}/gateway.db")
    return anchored(configured, base) if "url" in database else configured


def anchored(url: object, base: Path) -> object:
    """``url`` with a relative SQLite file made absolute under ``base`` (``~`` expanded,
    :func:`resolve`); what follows the file (``?mode=ro``) is kept."""
    if not isinstance(url, str):
        return url
    path = sqlite_path(url)
    if path is not None:
        unexpanded(path)  # an absolute file too: read as written, it was a new database
    if path is None or os.path.isabs(path):
        return url
    prefix = url[: len(url) - len(url.split(":///", 1)[1])]
    return prefix + str(resolve(url.removeprefix(prefix), base))
