"""The ``[[imap]]`` sections: one mailbox folder each, and where its secret comes from.

The secret itself is not read here (see :mod:`gateway.receive.imap.auth`):
only checked for completeness, so that a missing password is a start-up error
while rotation needs no restart.
"""

from __future__ import annotations

import re
from pathlib import Path

from gateway.config.sections import Section, ca_file, duration, env_name, host_name
from gateway.config.settings import ImapSettings
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_

KEYS = {
    "host",
    "port",
    "tls",
    "ca_file",
    "username",
    "auth",
    "password_file",
    "password_env",
    "oauth2_token_file",
    "oauth2_token_command",
    "folder",
    "processed_folder",
    "after",
    "processed_flag",
    "idle",
    "poll_interval",
    "batch_size",
    "timeout",
    "retry_initial",
    "retry_max",
    "max_stepped_over_age",
}


def read_imap(s: Section, base: Path) -> ImapSettings:
    s.unknown(KEYS)
    for required in ("host", "username"):
        if not s.data.get(required):
            raise ConfigError(s.path, s.key(required), N_("is required"))
    tls = s.choice("tls", "implicit", ("implicit", "starttls"))
    folder, after = s.str("folder", "INBOX"), s.choice("after", "move", ("move", "flag"))
    processed = s.str("processed_folder", "Processed")
    if after == "move" and processed.strip().lower() == folder.strip().lower():
        raise ConfigError(s.path, s.key("processed_folder"), N_("must differ from folder"))
    retry_initial = duration(s, "retry_initial", "2s")
    auth, password_file, password_env, token_file, token_command = _credentials(s, base)
    return ImapSettings(
        host=host_name(s, "host", ""),
        port=s.int("port", 993 if tls == "implicit" else 143, 1, 65535),
        tls=tls,
        ca_file=ca_file(s, base),
        username=s.str("username", ""),
        auth=auth,
        password_file=password_file,
        password_env=password_env,
        oauth2_token_file=token_file,
        oauth2_token_command=token_command,
        folder=folder,
        processed_folder=processed,
        after=after,
        processed_flag=_flag(s),
        idle=s.bool("idle", True),
        poll_interval=duration(s, "poll_interval", "60s"),
        batch_size=s.int("batch_size", 50, 1, 1000),
        timeout=duration(s, "timeout", "30s"),
        retry_initial=retry_initial,
        retry_max=max(duration(s, "retry_max", "5m"), retry_initial),
        max_stepped_over_age=duration(s, "max_stepped_over_age", "1d"),
    )


def _flag(s: Section) -> str:
    """A keyword (``$Processed``) or a harmless system flag; never ``\\Deleted``."""
    flag = s.str("processed_flag", "$Processed")
    if not re.fullmatch(r"\$?[A-Za-z0-9_][A-Za-z0-9_.-]*|\\(Seen|Flagged|Answered)", flag):
        raise ConfigError(
            s.path,
            s.key("processed_flag"),
            N_("not an IMAP keyword: {flag!r} (use e.g. '$Processed')", flag=flag),
        )
    return flag


def _credentials(
    s: Section, base: Path
) -> tuple[str, Path | None, str, Path | None, tuple[str, ...]]:
    """Where the secret comes from, checked for completeness but not read yet.

    Reading happens at each login (tokens expire, passwords rotate), and other
    commands that load this config must not need access to the mailbox secret.
    """
    auth = s.choice("auth", "password", ("password", "xoauth2"))
    env = env_name(s, "password_env")
    password_file = s.path_or_none("password_file", base)
    token_file = s.path_or_none("oauth2_token_file", base)
    token_command = _command(s, "oauth2_token_command")
    if auth == "password" and not (password_file or env):
        raise ConfigError(
            s.path,
            s.key("password_file"),
            N_('auth = "password" needs password_file or password_env'),
        )
    if auth == "xoauth2" and (token_file is None) == (not token_command):
        raise ConfigError(
            s.path,
            s.key("oauth2_token_file"),
            N_('auth = "xoauth2" needs exactly one of oauth2_token_file and oauth2_token_command'),
        )
    return auth, password_file, env, token_file, token_command


def _command(s: Section, key: str) -> tuple[str, ...]:
    """A list of arguments, or one string split like a shell would (but run without one)."""
    import shlex

    value = s.data.get(key, [])
    if isinstance(value, str):
        try:
            value = shlex.split(value)
        except ValueError as exc:  # shlex's English: "No closing quotation", "No escaped …"
            why = (
                N_("a quotation mark is not closed")
                if "quotation" in str(exc)
                else N_("a backslash at the end escapes nothing")
            )
            raise ConfigError(s.path, s.key(key), N_("cannot split: {error}", error=why)) from None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(
            s.path, s.key(key), N_("must be a command: a string or a list of strings")
        )
    return tuple(value)


def same_folder(account: ImapSettings) -> str:
    """What tells one mailbox's folder from another when the config lists each once: a
    host name in any capitals or with its root dot is the same host, and INBOX is INBOX
    in any case (RFC 3501 5.1); the user name and other folders' names are the
    server's to compare."""
    folder = "INBOX" if account.folder.upper() == "INBOX" else account.folder
    host = account.host.lower().rstrip(".")
    return f"{account.username}@{host}:{account.port}/{folder}"
