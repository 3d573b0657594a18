"""The ``[outbound]`` section: where our mail goes (a local maildir, or a relay).

A relay's credentials are checked for completeness here and read at each
connection by the transport; AUTH is never allowed over a plain connection, and a
plain connection (``tls = "none"``) only to a relay on this machine: anything else
would carry every mail, reply-token addresses and sign-in links included, in clear.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from gateway.config.sections import Section, ca_file, duration, env_name, host_name
from gateway.config.settings import GatewaySettings, OutboundSettings
from gateway.core.errors import ConfigError
from gateway.core.hosts import is_loopback
from gateway.core.i18n import N_

KEYS = {
    "mode",
    "host",
    "port",
    "tls",
    "ca_file",
    "username",
    "password_file",
    "password_env",
    "maildir",
    "from_name",
    "timeout",
    "retry_initial",
    "retry_max",
    "give_up_after",
    "trusted_network",
    "keep_sent",
}
_PORTS = {"none": 25, "starttls": 587, "implicit": 465}


def read_outbound(s: Section, base: Path, gw: GatewaySettings) -> OutboundSettings:
    s.unknown(KEYS)
    mode = s.choice("mode", "maildir", ("maildir", "smtp"))
    tls = s.choice("tls", "starttls", ("none", "starttls", "implicit"))
    env = env_name(s, "password_env")
    password_file = s.path_or_none("password_file", base)
    username = s.str("username", "")
    if username and not (password_file or env):
        raise ConfigError(
            s.path, s.key("password_file"), N_("username needs password_file or password_env")
        )
    if username and mode == "smtp" and tls == "none":
        raise ConfigError(
            s.path,
            s.key("tls"),
            N_('AUTH is never sent in clear: use "starttls" or "implicit" with username'),
        )
    host = host_name(s, "host", "127.0.0.1")
    # an explicit choice, never a default: the relay answers on a network the team
    # trusts (a container's sidecar, a host-only link), where clear text is its own
    trusted = s.bool("trusted_network", False)
    if mode == "smtp" and tls == "none" and not (trusted or is_loopback(host)):
        raise ConfigError(
            s.path,
            s.key("tls"),
            N_(
                '"none" sends every mail in clear, so it is only for a relay on this machine '
                '(127.0.0.1, ::1, localhost): use "starttls" or "implicit" for {host}, or '
                "set trusted_network = true if the network to it is yours alone",
                host=host,
            ),
        )
    from_name = s.str("from_name", "")
    if "\r" in from_name or "\n" in from_name:
        raise ConfigError(s.path, s.key("from_name"), N_("must be one line"))
    retry_initial = duration(s, "retry_initial", "1m")
    return OutboundSettings(
        mode=mode,
        host=host,
        port=s.int("port", _PORTS[tls], 1, 65535),
        tls=tls,
        ca_file=ca_file(s, base),
        username=username,
        password_file=password_file,
        password_env=env,
        maildir=s.path_or_none("maildir", base) or gw.data_dir / "outbound",
        from_name=from_name,
        timeout=duration(s, "timeout", "30s"),
        retry_initial=retry_initial,
        retry_max=max(duration(s, "retry_max", "1h"), retry_initial),
        give_up_after=duration(s, "give_up_after", "3d"),
        keep_sent=_keep_sent(s),
    )


def _keep_sent(s: Section) -> timedelta | None:
    """How long a sent mail's bytes are kept; None: ``"forever"``."""
    value = s.data.get("keep_sent", "30d")
    if isinstance(value, str) and value.strip().lower() == "forever":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value)[:1].isdigit():
        raise ConfigError(  # a word or a true: the other word this key takes is forever
            s.path,
            s.key("keep_sent"),
            N_("not a duration: {text!r} (use e.g. '30d', or 'forever')", text=value),
        )
    return duration(s, "keep_sent", "30d")  # a duration's own errors: too long, 0s
