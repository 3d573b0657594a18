"""The README's configuration is the reader's: every key it shows exists, with the
default it states, and every key the reader takes is documented somewhere.

The README is the operator's manual; a key it shows that the reader refuses stops
a daemon at start, and a key the reader takes that the manual never names is a
feature nobody can find. Both directions are checked against the same sets the
readers refuse unknown keys with (``gateway.config.schema``), so a key added to a
reader without a line in the README fails here.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.config.load import load_settings
from gateway.config.schema import MAPS, TABLES
from tests.support.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
_HEADER = re.compile(r"^\s*#?\s*\[\[?([a-z][a-z0-9_.]*)\]\]?")
# a key line, live or commented out (``# port = 993``); several may share a line
_KEY = re.compile(r"(?:^|\s)([a-z][a-z0-9_]*)\s*=\s*(?=\S)")

# (table, key, value as written) that are examples for the reader's own site, not the
# default: an address, a file, a host. Every other value a TOML block shows is the default.
EXAMPLES = {
    ("smtp", "host", '"/run/ticket-gateway/lmtp.sock"'),
    ("smtp", "lmtp", "true"),
    ("smtp", "aliases", '["help@example.com"]'),
    ("smtp", "tls_cert", '"tls/cert.pem"'),
    ("smtp", "tls_key", '"tls/key.pem"'),
    ("smtp", "auth_users_file", '"smtp-users"'),
    ("imap", "host", '"imap.example.com"'),
    ("imap", "host", '"outlook.office365.com"'),
    ("imap", "host", '"imap.gmail.com"'),
    ("imap", "ca_file", '"/etc/ssl/private-ca.pem"'),
    ("imap", "username", '"support@example.com"'),
    ("imap", "username", '"support@contoso.com"'),
    ("imap", "password_file", '"/etc/ticket-gateway/imap.password"'),
    ("imap", "password_env", '"IMAP_PASSWORD"'),
    ("imap", "auth", '"xoauth2"'),
    ("imap", "oauth2_token_file", '"/var/lib/ticket-gateway/m365.token"'),
    (
        "imap",
        "oauth2_token_command",
        '["/usr/local/bin/oauth-helper", "token", "--account", "support"]',
    ),
    ("gateway", "templates_dir", '"/etc/ticket-gateway/templates"'),
    ("gateway", "templates_dir", '"mail-templates"'),
    ("gateway", "secret_file", '"/etc/ticket-gateway/secret"'),
    ("gateway", "trusted_authserv_ids", '["mx.example.test"]'),
    ("gateway", "per_person_domains", '["example.test"]'),
    ("outbound", "mode", '"smtp"'),
    ("actions", "proxy", '"http://proxy.corp:8080"'),
    ("actions", "no_proxy", '[".corp"]'),
    ("outbound", "host", '"smtp.example.com"'),
    ("outbound", "trusted_network", "true"),
    ("outbound", "ca_file", '"/etc/ssl/private-ca.pem"'),
    ("outbound", "username", '"support@example.com"'),
    ("outbound", "password_file", '"/etc/ticket-gateway/relay.password"'),
    ("outbound", "password_env", '"RELAY_PASSWORD"'),
    ("outbound", "from_name", '"Example IT Support"'),
    ("priority", "high", '["【重要】"]'),
    ("priority", "low", '["[FYI]"]'),
    ("answers", "dir", '"/etc/ticket-gateway/answers"'),
    ("retention", "closed_tickets", '"730d"'),  # a policy's example; the default keeps all
    ("web", "base_url", '"https://help.example.test"'),
    ("logging", "format", '"json"'),
    ("catalog", "path", '"catalog.yaml"'),
    ("members", "email", '"tanaka@example.test"'),
    ("members", "name", '"田中"'),
    ("members", "locale", '"ja"'),
    ("members", "time_zone", '"Europe/London"'),
    ("chat.slack", "bot_token_file", '"/etc/ticket-gateway/slack-bot.token"'),
    ("chat.slack", "app_token_file", '"/etc/ticket-gateway/slack-app.token"'),
    ("chat.slack", "signing_secret_file", '"…"'),
    ("chat.slack", "channel", '"C0123ABCD"'),
    ("chat.slack", "locale", '"ja"'),
    ("chat.teams", "url_file", '"/etc/ticket-gateway/teams-webhook.url"'),
    ("chat.teams", "locale", '"ja"'),
    ("chat.webhook", "url_file", '"/etc/ticket-gateway/mattermost-webhook.url"'),
    # a Japanese team's calendar: [business_hours] has no defaults, only its absence
    ("business_hours", "mon", '"09:00-12:00, 13:00-18:00"'),
    ("business_hours", "tue", '"09:00-12:00, 13:00-18:00"'),
    ("business_hours", "wed", '"09:00-12:00, 13:00-18:00"'),
    ("business_hours", "thu", '"09:00-12:00, 13:00-18:00"'),
    ("business_hours", "fri", '["09:00-12:00", "13:00-18:00"]'),
    ("business_hours", "sat", '""'),
    ("business_hours", "sun", '""'),
    (
        "business_hours",
        "holidays",
        '["2026-12-29", "2026-12-30", "2026-12-31", "2027-01-02", "2027-01-03"]',
    ),
    ("business_hours", "holidays_file", '"holidays-jp.txt"'),
    # a second site's calendar: its name, zone, days and file are the site's own
    ("business_hours.calendars", "name", '"osaka"'),
    ("business_hours.calendars", "timezone", '"Asia/Tokyo"'),
    ("business_hours.calendars", "mon", '"08:30-17:30"'),
    ("business_hours.calendars", "tue", '"08:30-17:30"'),
    ("business_hours.calendars", "holidays_file", '"holidays-osaka.txt"'),
    # the [schedule] waits' calendar: a name of the team's own [[business_hours.calendars]]
    ("schedule", "calendar", '"office"'),
    # the defaults' own folder (./var) when the file is in the working folder, but
    # spelled relative to that folder, so the settings hold another (equal) path
    ("gateway", "data_dir", '"var"'),
    ("database", "url", '"sqlite:///var/gateway.db"'),
    ("outbound", "maildir", '"var/outbound"'),
}

# what a table needs before one more key can be compared (tables with required keys)
_BASE: dict[str, dict[str, Any]] = {
    "imap": {"host": "imap.example.com", "username": "u", "password_env": "IMAP_PASSWORD"},
    "members": {"email": "someone@example.test"},
    "chat.slack": {},
    "chat.teams": {},
    "chat.webhook": {},
}
_ENV = {
    "SLACK_BOT_TOKEN": "xoxb-" + "1" * 30,
    "SLACK_APP_TOKEN": "xapp-" + "1" * 30,
    "TICKET_GATEWAY_TEAMS_URL": "https://teams.example.test/hook",
    "TICKET_GATEWAY_WEBHOOK_URL": "https://chat.example.test/hook",
}


@dataclass(frozen=True)
class Line:
    table: str
    key: str
    value: str  # as written, TOML
    where: int  # README line number, for the message


def toml_lines() -> list[Line]:
    """Every ``key = value`` of the README's ```toml blocks, under its table."""
    found: list[Line] = []
    in_block, table = False, ""
    for number, text in enumerate(README.splitlines(), start=1):
        if text.startswith("```"):
            in_block, table = text.strip() == "```toml", ""
            continue
        if not in_block:
            continue
        header = _HEADER.match(text)
        if header:
            table = header.group(1)
            continue
        code, _, comment = text.partition("#")
        live = _KEY.match(code)
        pieces = [code] if live else []
        if not live and _KEY.match(comment):  # commented out: one or more key lines
            pieces = re.split(r"\s{2,}(?=[a-z_]+\s*=)", comment.strip())
        for piece in pieces:
            match = _KEY.match(piece)
            if match:
                value = _value_text(piece[match.end() :])
                found.append(Line(table, match.group(1), value, number))
    return found


def _value_text(text: str) -> str:
    """The value as written, without the comment after it (a '#' may be in a string)."""
    for cut in [i for i, c in enumerate(text) if c == "#"] + [len(text)]:
        try:
            tomllib.loads(f"v = {text[:cut]}")
        except tomllib.TOMLDecodeError:
            continue
        return text[:cut].strip()
    raise AssertionError(f"not a TOML value: {text!r}")


def mentioned() -> set[tuple[str, str]]:
    """(table, key) pairs the README names: in a TOML block, a block's comment
    (``or: password_env = …``, ``or bot_token_env``), or prose as `[table] key`."""
    pairs = {(line.table, line.key) for line in toml_lines()}
    in_block, table = False, ""
    for text in README.splitlines():
        if text.startswith("```"):
            in_block, table = text.strip() == "```toml", ""
            continue
        header = _HEADER.match(text) if in_block else None
        if header:
            table = header.group(1)
        elif in_block and table in TABLES:
            words = set(re.findall(r"[a-z][a-z0-9_]*", text.partition("#")[2]))
            pairs |= {(table, word) for word in words & TABLES[table]}
    for table, key in re.findall(r"`\[\[?([a-z][a-z0-9_.]*)\]\]? ([a-z][a-z0-9_]*)`", README):
        pairs.add((table, key))
    return pairs


def test_the_readme_has_toml_blocks_to_check() -> None:
    lines = toml_lines()
    assert len(lines) > 100
    assert Line("smtp", "port", "2525", lines[1].where) in lines


def test_every_key_the_readme_shows_is_one_the_reader_takes() -> None:
    unknown = [
        f"README line {line.where}: [{line.table}] {line.key}"
        for line in toml_lines()
        if line.table not in MAPS and line.key not in TABLES.get(line.table, ())
    ]
    assert unknown == []


def test_every_table_the_readme_names_exists() -> None:
    named = set(re.findall(r"`\[\[?([a-z][a-z0-9_.]*)\]\]?", README))
    named |= {line.table for line in toml_lines()}
    assert sorted(named - set(TABLES) - MAPS) == []


def test_every_key_in_prose_is_one_the_reader_takes() -> None:
    written = re.findall(r"`\[\[?([a-z][a-z0-9_.]*)\]\]? ([a-z][a-z0-9_]*)`", README)
    assert sorted({(t, k) for t, k in written if k not in TABLES.get(t, ())}) == []


def test_every_key_the_reader_takes_is_documented() -> None:
    documented = mentioned()
    missing = sorted(
        f"[{table}] {key}"
        for table, keys in TABLES.items()
        for key in keys
        if (table, key) not in documented
    )
    assert missing == []


def _settings(tmp_path: Path, table: str, values: dict[str, Any]) -> Any:
    """Settings from a file with ``values`` in ``table`` (nothing else configured)."""
    data: dict[str, Any] = {}
    parts = table.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = [values] if table in ("imap", "members") else values
    path = tmp_path / "gateway.toml"
    path.write_text(_dump(data), encoding="utf-8")
    return load_settings(path)


def _dump(data: dict[str, Any], prefix: str = "") -> str:
    """Just enough TOML for the tables above (scalars, lists, tables, one array)."""
    out: list[str] = []
    for name, value in data.items():
        full = f"{prefix}{name}"
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"[[{full}]]")
            out += [f"{k} = {_literal(v)}" for k, v in value[0].items()]
        elif isinstance(value, dict):
            scalars = {k: v for k, v in value.items() if not isinstance(v, dict)}
            out.append(f"[{full}]")
            out += [f"{k} = {_literal(v)}" for k, v in scalars.items()]
            tables = {k: v for k, v in value.items() if isinstance(v, dict)}
            if tables:
                out.append(_dump(tables, f"{full}."))
    return "\n".join(out) + "\n"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return str(value)


def test_every_value_the_readme_shows_is_the_default_or_a_marked_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TICKET_GATEWAY_DATABASE_URL", raising=False)
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)  # data_dir's default is ./var: the file's folder here
    wrong = []
    for line in toml_lines():
        if line.table in MAPS or (line.table, line.key, line.value) in EXAMPLES:
            continue
        value = tomllib.loads(f"v = {line.value}")["v"]
        base = _BASE.get(line.table, {})
        plain = _settings(tmp_path, line.table, base)
        shown = _settings(tmp_path, line.table, {**base, line.key: value})
        if shown != plain:
            wrong.append(f"README line {line.where}: [{line.table}] {line.key} = {line.value}")
    assert "\n".join(wrong) == ""


def test_the_mail_kinds_that_can_be_turned_off_are_the_readmes() -> None:
    from gateway.core.switches import SWITCHABLE

    said = README.split("A team can turn off", 1)[1].split("for every ticket", 1)[0]
    assert set(re.findall(r"`(\w+)`", said)) == set(SWITCHABLE)
    block = README.split("off = []", 1)[1].split("coalesce", 1)[0]
    assert set(re.findall(r"[a-z]+_[a-z_]+|acknowledgement", block)) == set(SWITCHABLE)


def test_the_defaults_in_the_readmes_tables_are_the_readers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows such as ``| … | `[limits] max_relay` | 20 |`` (one key, one default)."""
    monkeypatch.delenv("TICKET_GATEWAY_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    rows = re.findall(r"^\|.*\| `\[([a-z.]+)\] ([a-z_]+)` \| `?([^|`]+?)`? \|$", README, re.M)
    assert len(rows) >= 8
    wrong = []
    for table, key, shown in rows:
        value: Any = int(shown) if shown.isdigit() else shown
        if _settings(tmp_path, table, {key: value}) != _settings(tmp_path, table, {}):
            wrong.append(f"[{table}] {key} = {shown}")
    assert wrong == []
