"""The ``[smtp]`` section: the listener's address, limits, TLS and AUTH.

It has the most rules of any section because a mistake here is found by a
sender at the worst moment: so the TLS certificate and key are loaded once at
start to prove they belong together, the users file must be readable, and AUTH
is refused without TLS.
"""

from __future__ import annotations

from pathlib import Path

from gateway.config.sections import Section, email, list_of
from gateway.config.settings import SmtpSettings
from gateway.config.units import parse_duration, parse_size
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_
from gateway.core.utf8 import file_error, small_file

KEYS = {
    "host",
    "port",
    "lmtp",
    "max_message_size",
    "aliases",
    "tls_cert",
    "tls_key",
    "require_tls",
    "auth_users_file",
    "trusted_networks",
    "max_sessions",
    "max_sessions_per_client",
    "session_timeout",
    "max_session_time",
    "max_recipients",
}


def read_smtp(s: Section, base: Path) -> SmtpSettings:
    s.unknown(KEYS)
    cert, key = _tls(s, base)
    require_tls = s.bool("require_tls", False)
    if require_tls and cert is None:
        raise ConfigError(s.path, s.key("require_tls"), N_("needs tls_cert and tls_key"))
    users = _readable(s, "auth_users_file", base)
    if users is not None and cert is None:
        raise ConfigError(
            s.path,
            s.key("auth_users_file"),
            N_("AUTH is only offered over TLS: set tls_cert and tls_key too"),
        )
    timeout = parse_duration(
        s.data.get("session_timeout", "5m"), path=s.path, key=s.key("session_timeout")
    )
    if timeout.total_seconds() <= 0:
        raise ConfigError(s.path, s.key("session_timeout"), N_("must be longer than 0s"))
    whole = parse_duration(
        s.data.get("max_session_time", "30m"), path=s.path, key=s.key("max_session_time")
    )
    if whole.total_seconds() <= 0:
        raise ConfigError(s.path, s.key("max_session_time"), N_("must be longer than 0s"))
    return SmtpSettings(
        host=s.str("host", "127.0.0.1"),
        port=s.int("port", 2525, 0, 65535),
        lmtp=s.bool("lmtp", False),
        max_message_size=parse_size(
            s.data.get("max_message_size", "25MB"), path=s.path, key=s.key("max_message_size")
        ),
        aliases=tuple(
            email(Section(s.path, "smtp", {"aliases": a}), "aliases", a)
            for a in list_of(s, "aliases")
        ),
        tls_cert=cert,
        tls_key=key,
        require_tls=require_tls,
        auth_users_file=users,
        trusted_networks=_networks(s, "trusted_networks", SmtpSettings().trusted_networks),
        max_sessions=s.int("max_sessions", 100, 1, 100_000),
        max_sessions_per_client=s.int("max_sessions_per_client", 20, 1, 100_000),
        session_timeout=timeout,
        max_session_time=whole,
        max_recipients=s.int("max_recipients", 100, 1, 100_000),
    )


def _readable(s: Section, key: str, base: Path) -> Path | None:
    """A path that must be readable now, so a typo stops the start, not the first TLS
    hello; read as every file the config names is (:func:`gateway.core.utf8.small_file`):
    a named pipe or a device is refused, not waited on or read without end."""
    path = s.path_or_none(key, base)
    if path is not None:
        try:
            small_file(path)
        except OSError as exc:
            error = file_error(exc)
            problem = N_("cannot read {file}: {error}", file=str(path), error=error)
            raise ConfigError(s.path, s.key(key), problem) from None
    return path


def _tls(s: Section, base: Path) -> tuple[Path | None, Path | None]:
    """Certificate and key, both or neither, loaded once to prove they belong together."""
    cert, key = _readable(s, "tls_cert", base), _readable(s, "tls_key", base)
    if (cert is None) != (key is None):
        missing = "tls_key" if key is None else "tls_cert"
        raise ConfigError(
            s.path,
            s.key(missing),
            N_("is needed with {key}", key="tls_cert" if missing == "tls_key" else "tls_key"),
        )
    if cert is None or key is None:
        return None, None
    import ssl  # only with TLS configured: keeps start-up (and the MTA pipe) lean

    if b"-----BEGIN CERTIFICATE-----" not in small_file(cert):
        problem = N_("{path} is not a PEM certificate", path=str(cert))
        raise ConfigError(s.path, s.key("tls_cert"), problem)
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key, password=b"")
    except ssl.SSLError as exc:
        raise ConfigError(
            s.path,
            s.key("tls_key"),
            N_(
                "{path} is not an unencrypted PEM key matching tls_cert ({error})",
                path=str(key),
                error=exc.reason or type(exc).__name__,  # OpenSSL's code, not its prose
            ),
        ) from None
    return cert, key


def _networks(s: Section, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if key not in s.data:
        return default
    import ipaddress

    value = s.data[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(s.path, s.key(key), N_("must be a list of CIDR strings"))
    networks = []
    for v in value:
        try:
            networks.append(str(ipaddress.ip_network(v.strip(), strict=False)))
        except ValueError:  # its own words are English: the value is what to look at
            raise ConfigError(s.path, s.key(key), N_("not a network: {value!r}", value=v)) from None
    return tuple(networks)
