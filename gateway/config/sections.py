"""Typed reads from one TOML table, so every error names the file and the key.

Each section parser (``[gateway]``, ``[smtp]``, ``[[imap]]``, ...) reads its
values through :class:`Section`; the checks several sections share (an e-mail
address, a positive duration, a CA file, an environment variable's name) are
the functions below, so they say the same thing wherever they are used.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from gateway.config.addresses import BadAddress, wire_address
from gateway.config.locate import NoSuchUser, NotExpanded, resolve
from gateway.config.units import needs_calendar, parse_duration, parse_wait
from gateway.core.business_hours import Wait, WorkingDays
from gateway.core.domains import BadDomain, ascii_domain
from gateway.core.errors import ConfigError
from gateway.core.file_kinds import not_a_file
from gateway.core.i18n import N_, Msg
from gateway.core.spelling import meant

# a variable set to nothing (``NAME=`` in the environment file, the value never pasted)
# is said so, never read as "not set": that meant another database, or another key
T = TypeVar("T")

EMPTY_VARIABLE = N_(
    "is set but empty (a line of the environment file without its value?): give the "
    "value, or remove the line"
)


# $TICKET_GATEWAY_DATABASE_URL with a relative SQLite file (gateway.config.locate)
RELATIVE_IN_ENV = N_(
    "a relative SQLite file is read from the folder each command runs in, so the daemon, "
    "the MTA's pipe and the shell would each use another database: write its absolute "
    "path (sqlite:////var/lib/ticket-gateway/gateway.db)"
)


class AsWritten:
    """A value of the file shown as it is written there (``{'ja': 'x'}``): a table given
    to a message as it is would be read as words per language, and said as one of them
    ("must be a string, not 'x'" for ``name = {ja = "x"}``)."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> builtins.str:
        return repr(self.value)


def shown(value: object) -> object:
    """``value`` for a message's ``{value!r}``: a table as :class:`AsWritten`."""
    return AsWritten(value) if isinstance(value, dict) else value


class Section:
    """One TOML table: ``path`` is the file, ``name`` the table's key for messages."""

    def __init__(self, path: str, name: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise ConfigError(path, name, N_("must be a table"))
        self.path, self.name, self.data = path, name, data

    def key(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def str(self, key: str, default: str) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise ConfigError(
                self.path, self.key(key), N_("must be a string, not {value!r}", value=shown(value))
            )
        return value

    def int(
        self,
        key: builtins.str,
        default: builtins.int,
        low: builtins.int = 0,
        high: builtins.int = 2**31,
    ) -> builtins.int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(
                self.path,
                self.key(key),
                N_(
                    "must be a whole number {low}..{high}, not {value!r}",
                    low=low,
                    high=high,
                    value=shown(value),
                ),
            )
        return value

    def bool(self, key: builtins.str, default: builtins.bool) -> builtins.bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise ConfigError(
                self.path,
                self.key(key),
                N_("must be true or false, not {value!r}", value=shown(value)),
            )
        return value

    def choice(
        self, key: builtins.str, default: builtins.str, choices: tuple[builtins.str, ...]
    ) -> builtins.str:
        value = self.str(key, default)
        if value not in choices:
            raise ConfigError(
                self.path,
                self.key(key),
                N_("must be one of {choices}, not {value!r}", choices=choices, value=value),
            )
        return value

    def path_text(self, key: builtins.str) -> builtins.str | None:
        """A path as written (not yet resolved), or None when the key is absent."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value or "\x00" in value:  # no system takes NUL
            raise ConfigError(self.path, self.key(key), N_("must be a file path"))
        return value

    def path_or_none(self, key: builtins.str, base: Path) -> Path | None:
        value = self.path_text(key)
        try:
            return None if value is None else resolve(value, base)
        except NoSuchUser as exc:
            raise no_such_user(self.path, self.key(key), exc) from None
        except NotExpanded as exc:
            raise not_expanded(self.path, self.key(key), exc) from None

    def at_home(self, key: builtins.str, find: Callable[[], T]) -> T:
        """``find()``, whose ``~user`` names no user here: an error at ``key``."""
        try:
            return find()
        except NoSuchUser as exc:
            raise no_such_user(self.path, self.key(key), exc) from None
        except NotExpanded as exc:
            raise not_expanded(self.path, self.key(key), exc) from None

    def unknown(self, known: set[builtins.str]) -> None:
        """A key not in ``known`` is an error at that key, naming the key most likely
        meant (``adress``: ``address``), as the reply commands guess a misspelt one."""
        extra = sorted(set(self.data) - known)
        if not extra:
            return
        likely = meant(extra[0].lower(), sorted(known))
        problem = (
            N_("unknown key")
            if likely is None
            else N_("unknown key: did you mean {key!r}?", key=likely)
        )
        raise ConfigError(self.path, self.key(extra[0]), problem)


def not_expanded(path: str, key: str, exc: NotExpanded) -> ConfigError:
    """A shell variable in the path at ``key``: the configuration expands none."""
    return ConfigError(
        path,
        key,
        N_(
            "{word!r} is not expanded: the configuration reads no environment variables; "
            "write the folder itself, or '~' for the home folder",
            word=exc.word,
        ),
    )


def no_such_user(path: str, key: str, exc: NoSuchUser) -> ConfigError:
    """``~user`` in the path at ``key``, and no such user on this machine."""
    return ConfigError(
        path,
        key,
        N_(
            "'~{user}' is the home folder of a user {user!r}, and this machine has no such "
            "user: write the user's name as the system has it, or the folder itself",
            user=exc.user,
        ),
    )


def is_file(path: Path) -> bool:
    """``path.is_file()``, and False for a name the system refuses (too long, say)
    instead of an OSError from a check that only wants to say "no such file"."""
    try:
        return path.is_file()
    except OSError:
        return False


def is_dir(path: Path) -> bool:
    """``path.is_dir()``, and False for a name the system refuses (see ``is_file``)."""
    try:
        return path.is_dir()
    except OSError:
        return False


def email(section: Section, key: str, default: str) -> str:
    """An address the wire carries without SMTPUTF8, its domain in IDNA form
    (:func:`gateway.config.addresses.wire_address`)."""
    try:
        return wire_address(section.str(key, default).strip())
    except BadAddress as exc:
        raise ConfigError(section.path, section.key(key), exc.message) from None


def list_of(section: Section, key: str, *, tables: bool = False) -> list[Any]:
    """The list at ``key``. ``tables``: an array of tables (``[[imap]]``), where one table
    written with one bracket pair (``[imap]``, the commonest slip) is said with the fix,
    not as "must be a list", which names neither the brackets nor where a list goes."""
    value = section.data.get(key, [])
    if tables and isinstance(value, dict):
        name = section.key(key)
        said = N_("write [[{name}]], with two brackets, once for each (not [{name}])", name=name)
        raise ConfigError(section.path, name, said)
    if not isinstance(value, list):
        raise ConfigError(section.path, section.key(key), N_("must be a list"))
    return value


def duration(s: Section, key: str, default: str) -> timedelta:
    """A duration that must be longer than zero (timeouts, intervals, ages)."""
    value = parse_duration(s.data.get(key, default), path=s.path, key=s.key(key))
    if value <= timedelta(0):
        raise ConfigError(s.path, s.key(key), N_("must be longer than 0s"))
    return value


def wait(
    s: Section,
    key: str,
    default: str,
    calendar: bool,
    needs: Callable[[object], Msg] = needs_calendar,
) -> Wait:
    """A wait longer than zero: real time (``"3d"``, :func:`duration`) or working days
    (``"2bd"``), which only a team with a calendar for it (``calendar``) has; read as a
    catalog entry's waits are (:func:`gateway.config.units.parse_wait`). ``needs``: why
    working days are refused without one, naming where this section may get one."""
    value = s.data.get(key, default)
    found = parse_wait(value, path=s.path, key=s.key(key))
    if isinstance(found, timedelta) and found <= timedelta(0):
        raise ConfigError(s.path, s.key(key), N_("must be longer than 0s"))
    if isinstance(found, WorkingDays) and not calendar:
        raise ConfigError(s.path, s.key(key), needs(value))
    return found


def ca_file(s: Section, base: Path) -> Path | None:
    """Checked at start: a typo must not surface as "certificate not trusted" later."""
    path = s.path_or_none("ca_file", base)
    if path is not None and (problem := not_a_file(path)) is not None:
        raise ConfigError(s.path, s.key("ca_file"), problem)  # a pipe said as a pipe
    return path


def env_name(s: Section, key: str) -> str:
    """The name of an environment variable holding a secret ("" when not set)."""
    name = s.str(key, "")
    if name and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ConfigError(s.path, s.key(key), N_("not a variable name: {name!r}", name=name))
    return name


def host_name(s: Section, key: str, default: str) -> str:
    """A server to connect to (a relay, an IMAP server): an IP address or an ASCII name
    as written; a name in Unicode in its IDNA2008 form (:mod:`gateway.core.domains`).
    The socket layer would encode it with Python's IDNA2003 codec, which makes
    ``faß.example`` ``fass.example``: another host, whose certificate would not match."""
    value = s.str(key, default)
    if value.isascii():
        return value
    try:
        return ascii_domain(value)
    except BadDomain as exc:
        why = N_("not a host name: {value!r}: {why}", value=value, why=exc.message)
        raise ConfigError(s.path, s.key(key), why) from None


def once(src: str, keyed: list[tuple[str, str]], problem: Msg) -> None:
    """``keyed``: (config key, value) pairs whose values must differ; a repeat is an
    error at its key, naming where the value came first (``problem``'s ``{first}``)."""
    first: dict[str, str] = {}
    for key, value in keyed:
        if value in first:
            where = first[value].removesuffix(".email")
            raise ConfigError(src, key, Msg(problem.msgid, {"first": where}))
        first[value] = key
