"""TOML configuration into frozen, typed settings, validated at start.

Every error names the file and the key (``ConfigError``), because an operator
staring at a daemon that will not start needs exactly that and nothing else.
Defaults work on a fresh machine: SQLite under ``./var/``, the SMTP listener on
127.0.0.1:2525, outbound mail written to a local maildir.
"""

from __future__ import annotations

import builtins
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from gateway.core.errors import ConfigError

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
    templates_dir: Path | None = None  # the team's overrides, looked up before ours
    auto_reply_limit: int = 5  # automatic mails per recipient per hour (loop brake)
    iso2022jp: bool = False  # Japanese mail as ISO-2022-JP for old clients, else UTF-8
    trusted_authserv_ids: tuple[str, ...] = ()  # our MTAs' Authentication-Results ids
    max_command_lines: int = 20  # reply-command lines read from the top of a reply

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
    host: str = "127.0.0.1"  # an absolute path listens on a unix socket (LMTP from Postfix)
    port: int = 2525
    lmtp: bool = False
    max_message_size: int = 25_000_000
    aliases: tuple[str, ...] = ()
    tls_cert: Path | None = None  # STARTTLS is offered when both are set
    tls_key: Path | None = None
    require_tls: bool = False  # no MAIL before STARTTLS
    auth_users_file: Path | None = None  # AUTH (over TLS only) for peers outside trusted
    trusted_networks: tuple[str, ...] = ("127.0.0.0/8", "::1/128")  # CIDRs, no AUTH needed
    max_sessions: int = 100
    session_timeout: timedelta = timedelta(minutes=5)  # idle time before we hang up
    max_recipients: int = 100  # RFC 5321 4.5.3.1.8: at least 100 must be accepted

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None and self.tls_key is not None


# [smtp] is parsed here, next to its dataclass, because it has the most rules.
def _smtp(s: _Section, base: Path) -> SmtpSettings:
    s.unknown({"host", "port", "lmtp", "max_message_size", "aliases", "tls_cert", "tls_key",
               "require_tls", "auth_users_file", "trusted_networks", "max_sessions",
               "session_timeout", "max_recipients"})
    cert, key = _smtp_tls(s, base)
    require_tls = s.bool("require_tls", False)
    if require_tls and cert is None:
        raise ConfigError(s.path, s.key("require_tls"), "needs tls_cert and tls_key")
    users = _smtp_readable(s, "auth_users_file", base)
    if users is not None and cert is None:
        raise ConfigError(s.path, s.key("auth_users_file"),
                          "AUTH is only offered over TLS: set tls_cert and tls_key too")
    timeout = parse_duration(s.data.get("session_timeout", "5m"), path=s.path,
                             key=s.key("session_timeout"))
    if timeout.total_seconds() <= 0:
        raise ConfigError(s.path, s.key("session_timeout"), "must be longer than 0s")
    return SmtpSettings(
        host=s.str("host", "127.0.0.1"),
        port=s.int("port", 2525, 0, 65535),
        lmtp=s.bool("lmtp", False),
        max_message_size=parse_size(s.data.get("max_message_size", "25MB"), path=s.path,
                                    key=s.key("max_message_size")),
        aliases=tuple(_email(_Section(s.path, "smtp", {"aliases": a}), "aliases", a)
                      for a in _list(s, "aliases")),
        tls_cert=cert,
        tls_key=key,
        require_tls=require_tls,
        auth_users_file=users,
        trusted_networks=_smtp_networks(s, "trusted_networks",
                                        SmtpSettings().trusted_networks),
        max_sessions=s.int("max_sessions", 100, 1, 100_000),
        session_timeout=timeout,
        max_recipients=s.int("max_recipients", 100, 1, 100_000),
    )


def _smtp_readable(s: _Section, key: str, base: Path) -> Path | None:
    """A path that must be readable now, so a typo stops the start, not the first TLS hello."""
    path = s.path_or_none(key, base)
    if path is not None:
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            raise ConfigError(s.path, s.key(key), f"cannot read {path}: {exc.strerror}") from None
    return path


def _smtp_tls(s: _Section, base: Path) -> tuple[Path | None, Path | None]:
    """Certificate and key, both or neither, loaded once to prove they belong together."""
    cert, key = _smtp_readable(s, "tls_cert", base), _smtp_readable(s, "tls_key", base)
    if (cert is None) != (key is None):
        missing = "tls_key" if key is None else "tls_cert"
        raise ConfigError(s.path, s.key(missing), "is needed with "
                          f"{'tls_cert' if missing == 'tls_key' else 'tls_key'}")
    if cert is None or key is None:
        return None, None
    import ssl  # only with TLS configured: keeps start-up (and the MTA pipe) lean

    if b"-----BEGIN CERTIFICATE-----" not in cert.read_bytes():
        raise ConfigError(s.path, s.key("tls_cert"), f"{cert} is not a PEM certificate")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key, password=b"")
    except ssl.SSLError as exc:
        raise ConfigError(s.path, s.key("tls_key"), f"{key} is not an unencrypted PEM key "
                          f"matching tls_cert ({exc.reason or exc})") from None
    return cert, key


def _smtp_networks(s: _Section, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if key not in s.data:
        return default
    import ipaddress

    value = s.data[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(s.path, s.key(key), "must be a list of CIDR strings")
    try:
        return tuple(str(ipaddress.ip_network(v.strip(), strict=False)) for v in value)
    except ValueError as exc:
        raise ConfigError(s.path, s.key(key), f"not a network: {exc}") from None


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    port: int = 993  # 143 by default with tls = "starttls"
    tls: str = "implicit"  # implicit | starttls; there is no plain-text mode
    ca_file: Path | None = None  # None: the system's CAs; verification is never off
    username: str = ""
    auth: str = "password"  # password | xoauth2 (Microsoft 365, Gmail)
    password_file: Path | None = None  # read at each login, so rotation needs no restart
    password_env: str = ""  # name of an environment variable holding the password
    oauth2_token_file: Path | None = None  # kept fresh by an external OAuth helper
    oauth2_token_command: tuple[str, ...] = ()  # argv, run without a shell; stdout = token
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    after: str = "move"  # move | flag: what happens to a message once it is stored
    processed_flag: str = "$Processed"  # the keyword set in flag mode
    idle: bool = True  # IDLE when offered, else poll every poll_interval
    poll_interval: timedelta = timedelta(seconds=60)
    batch_size: int = 50  # messages fetched and committed together
    timeout: timedelta = timedelta(seconds=30)  # connect and read timeout
    retry_initial: timedelta = timedelta(seconds=2)  # first backoff step after a failure
    retry_max: timedelta = timedelta(minutes=5)  # backoff ceiling

    @property
    def key(self) -> str:
        """Names a folder of a mailbox in bookmarks, inbox ``source_ref`` and log lines."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"

    @property
    def source(self) -> str:
        """The bookmark (``sources`` row) of this folder: what ``status`` judges."""
        return f"imap:{self.key}"


@dataclass(frozen=True, slots=True)
class OutboundSettings:
    mode: str = "maildir"  # maildir (the embedded default) | smtp (a relay)
    host: str = "127.0.0.1"
    port: int = 587  # 465 by default with tls = "implicit", 25 with "none"
    tls: str = "starttls"  # none | starttls | implicit; certificates are always verified
    ca_file: Path | None = None  # a private CA; None: the system's CAs
    username: str = ""  # AUTH only when set
    password_file: Path | None = None  # read at each connection, so rotation needs no restart
    password_env: str = ""
    maildir: Path = Path("var/outbound")
    from_name: str = ""  # display name on our mail; "" → the address alone
    timeout: timedelta = timedelta(seconds=30)
    retry_initial: timedelta = timedelta(minutes=1)  # first backoff after a 4xx or outage
    retry_max: timedelta = timedelta(hours=1)  # backoff ceiling
    give_up_after: timedelta = timedelta(days=3)  # then a temporary failure counts as failed


@dataclass(frozen=True, slots=True)
class Member:
    email: str
    name: str = ""
    role: str = "ops"  # ops | manager
    locale: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """When the scheduler nags (``gateway.scheduling.rules``); local times: ``timezone``."""

    digest: str = "mon 09:00"  # weekday and local time of the weekly digest; "off": none
    pending_reminder_after: timedelta = timedelta(days=3)  # pending this long: remind requester
    pending_close_after: timedelta = timedelta(days=7)  # then close as no-response
    inventory: bool = False  # force-close tickets nobody touched for inventory_after
    inventory_after: timedelta = timedelta(days=30)
    sweep_interval: timedelta = timedelta(minutes=5)  # how often the sweeps run
    due_soon: timedelta = timedelta(days=1)  # an SLA deadline this close is "due soon"


@dataclass(frozen=True, slots=True)
class HealthSettings:
    """When ``status`` exits 1 and the managers get a health alert (``gateway/health.py``)."""

    max_poll_age: timedelta = timedelta(minutes=15)  # a mailbox not polled for this long
    max_shunted: int = 0  # more shunted inbox rows than this
    max_outbox_age: timedelta = timedelta(minutes=30)  # the oldest unsent mail this old
    alerts: bool = True  # mail the managers when health changes (once, not per check)


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    format: str = "text"  # text | json (one object per line, for a log shipper)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekly(text: str, *, path: str = "", key: str = "") -> tuple[int, int, int] | None:
    """``"mon 09:00"`` → (weekday 0=Monday, hour, minute); ``"off"`` → None."""
    value = text.strip().lower()
    if value == "off":
        return None
    m = re.fullmatch(r"([a-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})", value)
    if not m or m.group(1) not in WEEKDAYS or int(m.group(2)) > 23 or int(m.group(3)) > 59:
        raise ConfigError(path, key, f"not a weekly time: {text!r} (use e.g. 'mon 09:00' "
                          "or 'off')")
    return WEEKDAYS.index(m.group(1)), int(m.group(2)), int(m.group(3))


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
    health: HealthSettings = field(default_factory=HealthSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)

    @property
    def own_addresses(self) -> frozenset[str]:
        """The addresses that are us: mail from them is our own, never a participant."""
        return frozenset({self.gateway.address, *self.smtp.aliases})

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

    def int(
        self, key: builtins.str, default: builtins.int, low: builtins.int = 0,
        high: builtins.int = 2**31,
    ) -> builtins.int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(
                self.path, self.key(key), f"must be a whole number {low}..{high}, not {value!r}"
            )
        return value

    def bool(self, key: builtins.str, default: builtins.bool) -> builtins.bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise ConfigError(self.path, self.key(key), f"must be true or false, not {value!r}")
        return value

    def choice(
        self, key: builtins.str, default: builtins.str, choices: tuple[builtins.str, ...]
    ) -> builtins.str:
        value = self.str(key, default)
        if value not in choices:
            raise ConfigError(self.path, self.key(key), f"must be one of {choices}, not {value!r}")
        return value

    def path_or_none(self, key: builtins.str, base: Path) -> Path | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ConfigError(self.path, self.key(key), "must be a file path")
        return (base / value) if not Path(value).is_absolute() else Path(value)

    def unknown(self, known: set[builtins.str]) -> None:
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
                 "members", "schedule", "health", "logging"})
    gw = _gateway(_Section(src, "gateway", data.get("gateway", {})), base)
    db = _Section(src, "database", data.get("database", {}))
    db.unknown({"url"})
    url = os.environ.get(ENV_DATABASE_URL) or db.str("url", f"sqlite:///{gw.data_dir}/gateway.db")
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", url):
        raise ConfigError(src, "database.url", f"unsupported database URL {url!r}")
    cat = _Section(src, "catalog", data.get("catalog", {}))
    cat.unknown({"path"})
    smtp = _smtp(_Section(src, "smtp", data.get("smtp", {})), base)
    imaps = tuple(_imap(_Section(src, f"imap[{i}]", d), base)
                  for i, d in enumerate(_list(top, "imap")))
    outbound = _outbound(_Section(src, "outbound", data.get("outbound", {})), base, gw)
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
        schedule=_schedule(sc),
        health=_health(_Section(src, "health", data.get("health", {}))),
        logging=_logging(_Section(src, "logging", data.get("logging", {}))),
    )


def _health(s: _Section) -> HealthSettings:
    s.unknown({"max_poll_age", "max_shunted", "max_outbox_age", "alerts"})
    return HealthSettings(
        max_poll_age=_imap_duration(s, "max_poll_age", "15m"),
        max_shunted=s.int("max_shunted", 0, 0, 1_000_000),
        max_outbox_age=_imap_duration(s, "max_outbox_age", "30m"),
        alerts=s.bool("alerts", True),
    )


def _logging(s: _Section) -> LoggingSettings:
    s.unknown({"format"})
    return LoggingSettings(format=s.choice("format", "text", ("text", "json")))


def _schedule(s: _Section) -> ScheduleSettings:
    s.unknown({"digest", "pending_reminder_after", "pending_close_after", "inventory",
               "inventory_after", "sweep_interval", "due_soon"})
    digest = s.str("digest", "mon 09:00")
    parse_weekly(digest, path=s.path, key=s.key("digest"))
    reminder = _imap_duration(s, "pending_reminder_after", "3d")
    close = _imap_duration(s, "pending_close_after", "7d")
    if close <= reminder:
        raise ConfigError(s.path, s.key("pending_close_after"),
                          "must be longer than pending_reminder_after")
    return ScheduleSettings(
        digest=digest,
        pending_reminder_after=reminder,
        pending_close_after=close,
        inventory=s.bool("inventory", False),
        inventory_after=_imap_duration(s, "inventory_after", "30d"),
        sweep_interval=_imap_duration(s, "sweep_interval", "5m"),
        due_soon=_imap_duration(s, "due_soon", "1d"),
    )


def _list(section: _Section, key: str) -> list[Any]:
    value = section.data.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(section.path, section.key(key), "must be a list")
    return value


def _gateway(s: _Section, base: Path) -> GatewaySettings:
    s.unknown({"address", "secret_file", "locale", "timezone", "tag_prefix",
               "reopen_window", "data_dir", "templates_dir", "auto_reply_limit", "iso2022jp",
               "trusted_authserv_ids", "max_command_lines"})
    data_dir = s.path_or_none("data_dir", base) or Path("var")
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only here: keeps start-up lean

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
        templates_dir=_existing_dir(s, "templates_dir", base),
        auto_reply_limit=s.int("auto_reply_limit", 5, 0, 10_000),
        iso2022jp=s.bool("iso2022jp", False),
        trusted_authserv_ids=_authserv_ids(s),
        max_command_lines=s.int("max_command_lines", 20, 1, 1000),
    )


def _authserv_ids(s: _Section) -> tuple[str, ...]:
    """Host-like names only: an id with spaces or ';' could never match a header anyway."""
    ids = []
    for value in _list(s, "trusted_authserv_ids"):
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", value):
            raise ConfigError(s.path, s.key("trusted_authserv_ids"),
                              f"not an authserv-id (a host name such as 'mx.example.com'): "
                              f"{value!r}")
        ids.append(value.lower())
    return tuple(ids)


def _existing_dir(s: _Section, key: str, base: Path) -> Path | None:
    """Checked at start: a typo must not silently fall back to the built-in templates."""
    path = s.path_or_none(key, base)
    if path is not None and not path.is_dir():
        raise ConfigError(s.path, s.key(key), f"no such folder: {path}")
    return path


_OUTBOUND_PORTS = {"none": 25, "starttls": 587, "implicit": 465}


def _outbound(s: _Section, base: Path, gw: GatewaySettings) -> OutboundSettings:
    s.unknown({"mode", "host", "port", "tls", "ca_file", "username", "password_file",
               "password_env", "maildir", "from_name", "timeout", "retry_initial",
               "retry_max", "give_up_after"})
    mode = s.choice("mode", "maildir", ("maildir", "smtp"))
    tls = s.choice("tls", "starttls", ("none", "starttls", "implicit"))
    env = s.str("password_env", "")
    if env and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env):
        raise ConfigError(s.path, s.key("password_env"), f"not a variable name: {env!r}")
    password_file = s.path_or_none("password_file", base)
    username = s.str("username", "")
    if username and not (password_file or env):
        raise ConfigError(s.path, s.key("password_file"),
                          "username needs password_file or password_env")
    if username and mode == "smtp" and tls == "none":
        raise ConfigError(s.path, s.key("tls"), 'AUTH is never sent in clear: use "starttls" '
                          'or "implicit" with username')
    from_name = s.str("from_name", "")
    if "\r" in from_name or "\n" in from_name:
        raise ConfigError(s.path, s.key("from_name"), "must be one line")
    retry_initial = _imap_duration(s, "retry_initial", "1m")
    return OutboundSettings(
        mode=mode,
        host=s.str("host", "127.0.0.1"),
        port=s.int("port", _OUTBOUND_PORTS[tls], 1, 65535),
        tls=tls,
        ca_file=_imap_ca_file(s, base),
        username=username,
        password_file=password_file,
        password_env=env,
        maildir=s.path_or_none("maildir", base) or gw.data_dir / "outbound",
        from_name=from_name,
        timeout=_imap_duration(s, "timeout", "30s"),
        retry_initial=retry_initial,
        retry_max=max(_imap_duration(s, "retry_max", "1h"), retry_initial),
        give_up_after=_imap_duration(s, "give_up_after", "3d"),
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
        import secrets

        generated.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(generated, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return generated.read_bytes().strip()


def _imap(s: _Section, base: Path) -> ImapSettings:
    s.unknown({"host", "port", "tls", "ca_file", "username", "auth", "password_file",
               "password_env", "oauth2_token_file", "oauth2_token_command", "folder",
               "processed_folder", "after", "processed_flag", "idle", "poll_interval",
               "batch_size", "timeout", "retry_initial", "retry_max"})
    for required in ("host", "username"):
        if not s.data.get(required):
            raise ConfigError(s.path, s.key(required), "is required")
    tls = s.choice("tls", "implicit", ("implicit", "starttls"))
    folder, after = s.str("folder", "INBOX"), s.choice("after", "move", ("move", "flag"))
    processed = s.str("processed_folder", "Processed")
    if after == "move" and processed.strip().lower() == folder.strip().lower():
        raise ConfigError(s.path, s.key("processed_folder"), "must differ from folder")
    retry_initial = _imap_duration(s, "retry_initial", "2s")
    auth, password_file, password_env, token_file, token_command = _imap_credentials(s, base)
    return ImapSettings(
        host=s.str("host", ""),
        port=s.int("port", 993 if tls == "implicit" else 143, 1, 65535),
        tls=tls,
        ca_file=_imap_ca_file(s, base),
        username=s.str("username", ""),
        auth=auth,
        password_file=password_file,
        password_env=password_env,
        oauth2_token_file=token_file,
        oauth2_token_command=token_command,
        folder=folder,
        processed_folder=processed,
        after=after,
        processed_flag=_imap_flag(s),
        idle=s.bool("idle", True),
        poll_interval=_imap_duration(s, "poll_interval", "60s"),
        batch_size=s.int("batch_size", 50, 1, 1000),
        timeout=_imap_duration(s, "timeout", "30s"),
        retry_initial=retry_initial,
        retry_max=max(_imap_duration(s, "retry_max", "5m"), retry_initial),
    )


def _imap_duration(s: _Section, key: str, default: str) -> timedelta:
    value = parse_duration(s.data.get(key, default), path=s.path, key=s.key(key))
    if value <= timedelta(0):
        raise ConfigError(s.path, s.key(key), "must be longer than 0s")
    return value


def _imap_ca_file(s: _Section, base: Path) -> Path | None:
    """Checked at start: a typo must not surface as "certificate not trusted" later."""
    path = s.path_or_none("ca_file", base)
    if path is not None and not path.is_file():
        raise ConfigError(s.path, s.key("ca_file"), f"no such file: {path}")
    return path


def _imap_flag(s: _Section) -> str:
    """A keyword (``$Processed``) or a harmless system flag; never ``\\Deleted``."""
    flag = s.str("processed_flag", "$Processed")
    if not re.fullmatch(r"\$?[A-Za-z0-9_][A-Za-z0-9_.-]*|\\(Seen|Flagged|Answered)", flag):
        raise ConfigError(s.path, s.key("processed_flag"),
                          f"not an IMAP keyword: {flag!r} (use e.g. '$Processed')")
    return flag


def _imap_credentials(
    s: _Section, base: Path
) -> tuple[str, Path | None, str, Path | None, tuple[str, ...]]:
    """Where the secret comes from, checked for completeness but not read yet.

    Reading happens at each login (tokens expire, passwords rotate), and other
    commands that load this config must not need access to the mailbox secret.
    """
    auth = s.choice("auth", "password", ("password", "xoauth2"))
    env = s.str("password_env", "")
    if env and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env):
        raise ConfigError(s.path, s.key("password_env"), f"not a variable name: {env!r}")
    password_file = s.path_or_none("password_file", base)
    token_file = s.path_or_none("oauth2_token_file", base)
    token_command = _imap_command(s, "oauth2_token_command")
    if auth == "password" and not (password_file or env):
        raise ConfigError(s.path, s.key("password_file"),
                          'auth = "password" needs password_file or password_env')
    if auth == "xoauth2" and (token_file is None) == (not token_command):
        raise ConfigError(s.path, s.key("oauth2_token_file"), 'auth = "xoauth2" needs exactly '
                          "one of oauth2_token_file and oauth2_token_command")
    return auth, password_file, env, token_file, token_command


def _imap_command(s: _Section, key: str) -> tuple[str, ...]:
    """A list of arguments, or one string split like a shell would (but run without one)."""
    import shlex

    value = s.data.get(key, [])
    if isinstance(value, str):
        try:
            value = shlex.split(value)
        except ValueError as exc:
            raise ConfigError(s.path, s.key(key), f"cannot split: {exc}") from None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(s.path, s.key(key), "must be a command: a string or a list of strings")
    return tuple(value)


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
