"""The ``[chat]`` section: ``[chat.slack]``, ``[chat.teams]`` and ``[chat.webhook]``.

Chat is off unless one of them is there. Credentials (Slack tokens, the signing
secret, a webhook URL, which carries its own signature) come from a file or an
environment variable, never from the config text, and are read and checked at
start like the gateway secret: a token of the wrong kind or a secret too short
to be real stops the start with the key and the file named.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from gateway.config.sections import Section, duration, env_name
from gateway.config.settings import NOTICES, ChatSettings, Member, SlackSettings, WebhookSettings
from gateway.core.domains import ascii_address
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_, Msg
from gateway.core.key_strength import weakness
from gateway.core.utf8 import file_error, not_utf8, secret_text

KEYS = {"slack", "teams", "webhook", "timeout", "retry_initial", "retry_max", "give_up_after"}
SLACK_KEYS = {
    "mode",
    "bot_token_file",
    "bot_token_env",
    "app_token_file",
    "app_token_env",
    "signing_secret_file",
    "signing_secret_env",
    "http_host",
    "http_port",
    "http_path",
    "api_url",
    "command",
    "channel",
    "channels",
    "locale",
    "channel_locales",
    "members",
    "notices",
    "notice_limit",
}
TEAMS_KEYS = {"url_file", "url_env", "locale", "notices", "notice_limit"}
WEBHOOK_KEYS = TEAMS_KEYS | {"markup"}  # a Slack-format webhook: Markdown or Slack's mrkdwn
MARKUPS = ("markdown", "slack")
# hosts whose incoming webhooks post into Slack itself, which reads mrkdwn, not Markdown
_SLACK_HOOKS = frozenset(
    {
        "hooks.slack.com",  # Slack
        "hooks.slack-gov.com",  # GovSlack
    }
)
# (pattern a real credential matches, what to say when it does not)
_BOT_TOKEN = (
    re.compile(r"xoxb-[A-Za-z0-9-]{20,}"),
    N_("a bot token (xoxb-…, at least 25 characters)"),
)
_APP_TOKEN = (
    re.compile(r"xapp-[A-Za-z0-9-]{20,}"),
    N_("an app token (xapp-…, at least 25 characters)"),
)
_SIGNING = (re.compile(r"[A-Za-z0-9]{16,}"), N_("a signing secret (at least 16 letters or digits)"))
_CHANNEL = re.compile(r"[CG][A-Z0-9]{6,20}")
_USER = re.compile(r"[UW][A-Z0-9]{6,20}")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def read_chat(s: Section, base: Path, members: Sequence[Member]) -> ChatSettings:
    s.unknown(KEYS)
    retry_initial = duration(s, "retry_initial", "30s")
    return ChatSettings(
        slack=_slack(_sub(s, "slack"), base, members) if "slack" in s.data else None,
        teams=_webhook(_sub(s, "teams"), base) if "teams" in s.data else None,
        webhook=_webhook(_sub(s, "webhook"), base) if "webhook" in s.data else None,
        timeout=duration(s, "timeout", "10s"),
        retry_initial=retry_initial,
        retry_max=max(duration(s, "retry_max", "30m"), retry_initial),
        give_up_after=duration(s, "give_up_after", "2d"),
        credential_files=tuple(_credential_files(s, base)),  # after each section read it
    )


def _sub(s: Section, name: str) -> Section:
    return Section(s.path, s.key(name), s.data[name])


def _slack(s: Section, base: Path, members: Sequence[Member]) -> SlackSettings:
    s.unknown(SLACK_KEYS)
    mode = s.choice("mode", "socket", ("socket", "http"))
    _only_in_its_mode(s, mode)
    bot = _credential(s, base, "bot_token", "SLACK_BOT_TOKEN", _BOT_TOKEN)
    app = (
        _credential(s, base, "app_token", "SLACK_APP_TOKEN", _APP_TOKEN) if mode == "socket" else ""
    )
    signing = (
        _credential(s, base, "signing_secret", "SLACK_SIGNING_SECRET", _SIGNING)
        if mode == "http"
        else ""
    )
    if signing and (why := weakness(signing.encode())) is not None:  # made up, not Slack's
        raise ConfigError(s.path, _where(s, "signing_secret"), why)
    path = s.str("http_path", "/slack/events")
    if not path.startswith("/"):
        raise ConfigError(s.path, s.key("http_path"), N_("must start with '/'"))
    command = s.str("command", "/ticket")
    if not re.fullmatch(r"/[a-z0-9_-]{1,31}", command):
        raise ConfigError(
            s.path, s.key("command"), N_("not a slash command: {command!r}", command=command)
        )
    channels = _channels(s)
    return SlackSettings(
        bot_token=bot,
        mode=mode,
        app_token=app,
        signing_secret=signing,
        http_host=s.str("http_host", "127.0.0.1"),
        http_port=s.int("http_port", 3000, 0, 65535),
        http_path=path,
        api_url=_url(s, "api_url", s.str("api_url", "https://slack.com/api/")),
        command=command,
        channel=_channel(s, "channel"),
        channels=channels,
        locale=s.choice("locale", "", ("", "ja", "en")),
        channel_locales=_locales(s),
        members=_member_map(s, members),
        notices=_notices(s),
        notice_limit=s.int("notice_limit", 30, 1, 10_000),
    )


# The credential keys each mode never reads, with what to say: a key written for the
# other mode is refused, not skipped, since its writer believes it is in use
_OTHER_MODE: dict[str, tuple[tuple[str, ...], Msg]] = {
    # Socket Mode: Slack's events come over the WebSocket the app token opens, and no
    # HTTP request reaches us to verify; the writer thinks requests are checked
    "socket": (
        ("signing_secret_file", "signing_secret_env"),
        N_(
            "is read only in HTTP mode; in Socket Mode (the default) no request comes"
            ' over HTTP for it to verify: remove it, or set mode = "http"'
        ),
    ),
    # HTTP mode opens no WebSocket: the app token is left unused
    "http": (
        ("app_token_file", "app_token_env"),
        N_('is read only in Socket Mode, not in HTTP mode: remove it, or set mode = "socket"'),
    ),
}


def _only_in_its_mode(s: Section, mode: str) -> None:
    keys, why = _OTHER_MODE[mode]
    for key in keys:
        if key in s.data:
            raise ConfigError(s.path, s.key(key), why)


def _webhook(s: Section, base: Path) -> WebhookSettings:
    teams = s.name.endswith("teams")
    s.unknown(TEAMS_KEYS if teams else WEBHOOK_KEYS)
    default_env = "TICKET_GATEWAY_TEAMS_URL" if teams else "TICKET_GATEWAY_WEBHOOK_URL"
    url = _url(
        s,
        "url_file" if "url_file" in s.data else "url_env",
        _secret_text(s, base, "url", default_env),
    )
    return WebhookSettings(
        url=url,
        markup="markdown" if teams else s.choice("markup", "", ("", *MARKUPS)) or markup_of(url),
        locale=s.choice("locale", "", ("", "ja", "en")),
        notices=_notices(s),
        notice_limit=s.int("notice_limit", 30, 1, 10_000),
    )


def markup_of(url: str) -> str:
    """What a Slack-format webhook's text is read as, from where it goes: Slack's own
    hooks read mrkdwn, anything else (Mattermost, Rocket.Chat) Markdown. ``markup`` in
    the config overrides it, for a relay in between."""
    return "slack" if urlsplit(url).hostname in _SLACK_HOOKS else "markdown"


def _credential(
    s: Section, base: Path, stem: str, default_env: str, rule: tuple[re.Pattern[str], Msg]
) -> str:
    value = _secret_text(s, base, stem, default_env)
    pattern, what = rule
    if not pattern.fullmatch(value):
        raise ConfigError(s.path, _where(s, stem), N_("does not hold {what}", what=what))
    return value


def _credential_files(s: Section, base: Path) -> Iterator[tuple[str, Path]]:
    """The files the credentials in use were read from, by key: ``status`` warns of one
    that other users may read (gateway.config.credential_files)."""
    # the Slack app's tokens (its signing secret in HTTP mode): the app in the workspace
    if isinstance(slack := s.data.get("slack"), dict):
        mode = slack.get("mode", "socket")
        stems = ("bot_token", "app_token" if mode == "socket" else "signing_secret")
        yield from _files(_sub(s, "slack"), base, stems)
    # a webhook's URL carries its own signature: whoever reads it posts as the team
    for name in ("teams", "webhook"):
        if name in s.data:
            yield from _files(_sub(s, name), base, ("url",))


def _files(s: Section, base: Path, stems: Sequence[str]) -> Iterator[tuple[str, Path]]:
    found = ((f"[{s.key(f'{stem}_file')}]", s.path_or_none(f"{stem}_file", base)) for stem in stems)
    return ((key, path) for key, path in found if path is not None)


def _where(s: Section, stem: str) -> str:
    """The key a credential came from, for the error: ``<stem>_file`` or ``<stem>_env``."""
    return s.key(f"{stem}_file" if f"{stem}_file" in s.data else f"{stem}_env")


def _secret_text(s: Section, base: Path, stem: str, default_env: str) -> str:
    """``<stem>_file`` (read now), else ``<stem>_env`` (default ``default_env``)."""
    path = s.path_or_none(f"{stem}_file", base)
    if path is not None:
        try:
            return secret_text(path).strip()
        except (OSError, UnicodeDecodeError) as exc:  # Shift_JIS: the line, not the codec's words
            error = not_utf8(exc) if isinstance(exc, UnicodeDecodeError) else file_error(exc)
            problem = N_("cannot read {file}: {error}", file=str(path), error=error)
            raise ConfigError(s.path, s.key(f"{stem}_file"), problem) from None
    env = env_name(s, f"{stem}_env") or default_env
    value = os.environ.get(env, "").strip()
    if not value:
        other = f"{stem}_env"
        raise ConfigError(
            s.path,
            s.key(f"{stem}_file"),
            N_(
                "is required (or set ${env}, or name another variable in {key})", env=env, key=other
            ),
        )
    return value


def _url(s: Section, key: str, url: str) -> str:
    """https, or http to this machine only (a local relay, a test)."""
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in _LOOPBACK
    if not parts.hostname or not (parts.scheme == "https" or loopback):
        raise ConfigError(s.path, s.key(key), N_("must be an https:// URL"))
    return url


def _channel(s: Section, key: str) -> str:
    value = s.str(key, "")
    if value and not _CHANNEL.fullmatch(value):
        raise ConfigError(s.path, s.key(key), _not_a_channel(value))
    return value


def _channels(s: Section) -> dict[str, str]:
    """``[chat.slack.channels]``: catalog entry id → channel id."""
    table = s.data.get("channels", {})
    if not isinstance(table, dict):
        raise ConfigError(s.path, s.key("channels"), N_("must be a table"))
    for name, value in table.items():
        if not isinstance(value, str) or not _CHANNEL.fullmatch(value):
            raise ConfigError(s.path, s.key(f"channels.{name}"), _not_a_channel(value))
    return dict(table)


def _not_a_channel(value: object) -> Msg:
    return N_("not a channel id such as C0123ABCD: {value!r}", value=value)


def _locales(s: Section) -> dict[str, str]:
    table = s.data.get("channel_locales", {})
    if not isinstance(table, dict):
        raise ConfigError(s.path, s.key("channel_locales"), N_("must be a table"))
    for channel, locale in table.items():
        if not _CHANNEL.fullmatch(str(channel)):
            raise ConfigError(s.path, s.key(f"channel_locales.{channel}"), N_("not a channel id"))
        if locale not in ("ja", "en"):
            raise ConfigError(
                s.path,
                s.key(f"channel_locales.{channel}"),
                N_("must be ja or en, not {value!r}", value=locale),
            )
    return dict(table)


def _member_map(s: Section, members: Sequence[Member]) -> Mapping[str, str]:
    """Slack user id → the email of a configured ``[[members]]`` entry."""
    table = s.data.get("members", {})
    if not isinstance(table, dict):
        raise ConfigError(s.path, s.key("members"), N_("must be a table"))
    known = {m.email for m in members}
    out: dict[str, str] = {}
    for user, email in table.items():
        key = s.key(f"members.{user}")
        if not _USER.fullmatch(str(user)):
            raise ConfigError(s.path, key, N_("not a Slack user id such as U0123ABCD"))
        if not isinstance(email, str) or ascii_address(email.strip()) not in known:
            raise ConfigError(
                s.path,
                key,
                N_(
                    "{email!r} is not the email of a [[members]] entry (someone who left the "
                    "team, or changed address: link the Slack user to their new address, or "
                    "take the line out)",
                    email=email,
                ),
            )
        out[str(user)] = ascii_address(email.strip())  # as the member is kept
    return out


def _notices(s: Section) -> tuple[str, ...]:
    value = s.data.get("notices", list(NOTICES))
    if not isinstance(value, list) or any(v not in NOTICES for v in value):
        raise ConfigError(
            s.path, s.key("notices"), N_("must be a list of {names}", names=", ".join(NOTICES))
        )
    return tuple(dict.fromkeys(value))
