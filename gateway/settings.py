"""TOML configuration into frozen, typed settings, validated at start.

Every error names the file and the key (``ConfigError``), because an operator
staring at a daemon that will not start needs exactly that and nothing else.
Defaults work on a fresh machine: SQLite under ``./var/``, the SMTP listener on
127.0.0.1:2525, outbound mail written to a local maildir.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.errors import ConfigError

ENV_CONFIG = "TICKET_GATEWAY_CONFIG"
ENV_SECRET = "TICKET_GATEWAY_SECRET"
ENV_DATABASE_URL = "TICKET_GATEWAY_DATABASE_URL"

_SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9,
               "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    address: str = "support@example.test"
    secret: bytes = b""
    locale: str = "ja"
    timezone: str = "Asia/Tokyo"
    tag_prefix: str = ""  # "[#42]" by default, "[HELP#42]" with "HELP"
    reopen_window: timedelta = timedelta(days=14)  # a reply to a closed ticket reopens it
    data_dir: Path = Path("var")

    @property
    def local_part(self) -> str:
        return self.address.rsplit("@", 1)[0]

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = "sqlite:///var/gateway.db"


@dataclass(frozen=True, slots=True)
class CatalogSettings:
    path: Path | None = None  # None: the example catalog shipped with the package


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 2525
    lmtp: bool = False
    max_message_size: int = 25_000_000
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    port: int = 993
    tls: str = "implicit"  # implicit | starttls
    ca_file: Path | None = None
    username: str = ""
    password_file: Path | None = None
    folder: str = "INBOX"
    processed_folder: str = "Processed"


@dataclass(frozen=True, slots=True)
class OutboundSettings:
    mode: str = "maildir"  # maildir | smtp
    host: str = "127.0.0.1"
    port: int = 25
    maildir: Path = Path("var/outbound")


@dataclass(frozen=True, slots=True)
class Member:
    email: str
    name: str = ""
    role: str = "ops"  # ops | manager
    locale: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    digest: str = "mon 09:00"


@dataclass(frozen=True, slots=True)
class Settings:
    source: str = "<built-in defaults>"
    gateway: GatewaySettings = field(default_factory=GatewaySettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    catalog: CatalogSettings = field(default_factory=CatalogSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    imap: tuple[ImapSettings, ...] = ()
    outbound: OutboundSettings = field(default_factory=OutboundSettings)
    members: tuple[Member, ...] = ()
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)

    def member(self, email: str) -> Member | None:
        wanted = email.lower()
        return next((m for m in self.members if m.email == wanted), None)


def parse_size(text: str | int, *, path: str = "", key: str = "") -> int:
    """``"25MB"`` is 25 000 000 bytes, ``"25MiB"`` is 25 × 2^20 (DESIGN.md)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(text))
    unit = m.group(2).upper() if m else ""
    if not m or unit not in _SIZE_UNITS:
        raise ConfigError(path, key, f"not a size: {text!r} (use e.g. '25MB' or '25MiB')")
    return int(float(m.group(1)) * _SIZE_UNITS[unit])


def parse_duration(text: str | int, *, path: str = "", key: str = "") -> timedelta:
    """``"14d"``, ``"2h30m"``, ``"90s"`` or a number of seconds."""
    if isinstance(text, int) and not isinstance(text, bool):
        return timedelta(seconds=text)
    parts = re.findall(r"(\d+)\s*([smhdw])", str(text).strip().lower())
    rebuilt = "".join(f"{n}{u}" for n, u in parts)
    if not parts or rebuilt != re.sub(r"\s+", "", str(text).strip().lower()):
        raise ConfigError(path, key, f"not a duration: {text!r} (use e.g. '14d' or '2h30m')")
    return timedelta(seconds=sum(int(n) * _DURATION_UNITS[u] for n, u in parts))


class _Section:
    """Typed reads from one TOML table, so every error names file and key."""

    def __init__(self, path: str, name: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise ConfigError(path, name, "must be a table")
        self.path, self.name, self.data = path, name, data

    def key(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def str(self, key: str, default: str) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise ConfigError(self.path, self.key(key), f"must be a string, not {value!r}")
        return value

    def int(self, key: str, default: int, low: int = 0, high: int = 2**31) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(
                self.path, self.key(key), f"must be a whole number {low}..{high}, not {value!r}"
            )
        return value

    def bool(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise ConfigError(self.path, self.key(key), f"must be true or false, not {value!r}")
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.str(key, default)
        if value not in choices:
            raise ConfigError(self.path, self.key(key), f"must be one of {choices}, not {value!r}")
        return value

    def path_or_none(self, key: str, base: Path) -> Path | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ConfigError(self.path, self.key(key), "must be a file path")
        return (base / value) if not Path(value).is_absolute() else Path(value)

    def unknown(self, known: set[str]) -> None:
        extra = sorted(set(self.data) - known)
        if extra:
            raise ConfigError(self.path, self.key(extra[0]), "unknown key")


def _email(section: _Section, key: str, default: str) -> str:
    value = section.str(key, default).strip().lower()
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+|[^@\s<>]+@[^@\s<>]+", value):
        raise ConfigError(section.path, section.key(key), f"not an e-mail address: {value!r}")
    return value


def load_settings(path: Path | None) -> Settings:
    """Read ``path`` (or the built-in defaults when None) into validated settings."""
    if path is None:
        return _build({}, "<built-in defaults>", Path.cwd())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "-", "file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), "-", f"not valid TOML: {exc}") from None
    return _build(data, str(path), path.parent.resolve())


def locate_config(cli_path: str | None) -> Path | None:
    """``--config``, else ``$TICKET_GATEWAY_CONFIG``, else ``./gateway.toml``, else None."""
    if cli_path:
        return Path(cli_path)
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    local = Path("gateway.toml")
    return local if local.exists() else None


def _build(data: dict[str, Any], src: str, base: Path) -> Settings:
    top = _Section(src, "", data)
    top.unknown({"gateway", "database", "catalog", "smtp", "imap", "outbound",
                 "members", "schedule"})
    gw = _gateway(_Section(src, "gateway", data.get("gateway", {})), base)
    db = _Section(src, "database", data.get("database", {}))
    db.unknown({"url"})
    url = os.environ.get(ENV_DATABASE_URL) or db.str("url", f"sqlite:///{gw.data_dir}/gateway.db")
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", url):
        raise ConfigError(src, "database.url", f"unsupported database URL {url!r}")
    cat = _Section(src, "catalog", data.get("catalog", {}))
    cat.unknown({"path"})
    sm = _Section(src, "smtp", data.get("smtp", {}))
    sm.unknown({"host", "port", "lmtp", "max_message_size", "aliases"})
    smtp = SmtpSettings(
        host=sm.str("host", "127.0.0.1"),
        port=sm.int("port", 2525, 0, 65535),
        lmtp=sm.bool("lmtp", False),
        max_message_size=parse_size(sm.data.get("max_message_size", "25MB"), path=src,
                                    key="smtp.max_message_size"),
        aliases=tuple(_email(_Section(src, "smtp", {"aliases": a}), "aliases", a)
                      for a in _list(sm, "aliases")),
    )
    imaps = tuple(_imap(_Section(src, f"imap[{i}]", d), base)
                  for i, d in enumerate(_list(top, "imap")))
    ob = _Section(src, "outbound", data.get("outbound", {}))
    ob.unknown({"mode", "host", "port", "maildir"})
    outbound = OutboundSettings(
        mode=ob.choice("mode", "maildir", ("maildir", "smtp")),
        host=ob.str("host", "127.0.0.1"),
        port=ob.int("port", 25, 1, 65535),
        maildir=ob.path_or_none("maildir", base) or gw.data_dir / "outbound",
    )
    members = tuple(_member(_Section(src, f"members[{i}]", d))
                    for i, d in enumerate(_list(top, "members")))
    sc = _Section(src, "schedule", data.get("schedule", {}))
    return Settings(
        source=src,
        gateway=gw,
        database=DatabaseSettings(url=url),
        catalog=CatalogSettings(path=cat.path_or_none("path", base)),
        smtp=smtp,
        imap=imaps,
        outbound=outbound,
        members=members,
        schedule=ScheduleSettings(digest=sc.str("digest", "mon 09:00")),
    )


def _list(section: _Section, key: str) -> list[Any]:
    value = section.data.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(section.path, section.key(key), "must be a list")
    return value


def _gateway(s: _Section, base: Path) -> GatewaySettings:
    s.unknown({"address", "secret_file", "locale", "timezone", "tag_prefix",
               "reopen_window", "data_dir"})
    data_dir = s.path_or_none("data_dir", base) or Path("var")
    tz = s.str("timezone", "Asia/Tokyo")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(s.path, s.key("timezone"), f"unknown time zone {tz!r}") from None
    prefix = s.str("tag_prefix", "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{0,16}", prefix):
        raise ConfigError(s.path, s.key("tag_prefix"), "letters, digits, '-' or '_' only")
    return GatewaySettings(
        address=_email(s, "address", "support@example.test"),
        secret=_secret(s, s.path_or_none("secret_file", base), data_dir),
        locale=s.choice("locale", "ja", ("ja", "en")),
        timezone=tz,
        tag_prefix=prefix,
        reopen_window=parse_duration(s.data.get("reopen_window", "14d"), path=s.path,
                                     key=s.key("reopen_window")),
        data_dir=data_dir,
    )


def _secret(s: _Section, secret_file: Path | None, data_dir: Path) -> bytes:
    """The reply-token key: env, then ``secret_file``, else one generated under var/.

    Never from the command line or the config text itself, where it would leak
    into process lists and backups of the config.
    """
    if os.environ.get(ENV_SECRET):
        return os.environ[ENV_SECRET].encode()
    if secret_file is not None:
        try:
            value = secret_file.read_bytes().strip()
        except OSError as exc:
            raise ConfigError(s.path, s.key("secret_file"), f"cannot read: {exc}") from None
        if len(value) < 16:
            raise ConfigError(s.path, s.key("secret_file"), "secret must be ≥ 16 bytes")
        return value
    generated = data_dir / "secret"
    if not generated.exists():
        generated.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(generated, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return generated.read_bytes().strip()


def _imap(s: _Section, base: Path) -> ImapSettings:
    s.unknown({"host", "port", "tls", "ca_file", "username", "password_file", "folder",
               "processed_folder"})
    if "host" not in s.data:
        raise ConfigError(s.path, s.key("host"), "is required")
    return ImapSettings(
        host=s.str("host", ""),
        port=s.int("port", 993, 1, 65535),
        tls=s.choice("tls", "implicit", ("implicit", "starttls")),
        ca_file=s.path_or_none("ca_file", base),
        username=s.str("username", ""),
        password_file=s.path_or_none("password_file", base),
        folder=s.str("folder", "INBOX"),
        processed_folder=s.str("processed_folder", "Processed"),
    )


def _member(s: _Section) -> Member:
    s.unknown({"email", "name", "role", "locale"})
    if "email" not in s.data:
        raise ConfigError(s.path, s.key("email"), "is required")
    return Member(
        email=_email(s, "email", ""),
        name=s.str("name", ""),
        role=s.choice("role", "ops", ("ops", "manager")),
        locale=s.choice("locale", "", ("", "ja", "en")),
    )
