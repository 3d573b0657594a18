"""``[chat.slack]``, ``[chat.teams]`` and ``[chat.webhook]``: off unless configured, credentials
from files or the environment and checked like the secret, errors that name the key and file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.config import LOCAL, config_error, load_toml

BOT = "xoxb-1111-2222-abcdefghijklmnop"
APP = "xapp-1-A111-2222-abcdefghijklmnop"
MEMBER = '[[members]]\nemail = "ops@example.test"\n'


def test_chat_is_off_by_default(tmp_path: Path) -> None:
    s = load_toml(tmp_path, LOCAL)
    assert not s.chat.enabled and s.chat.slack is None and s.chat.teams is None


def test_socket_mode_tokens_from_files_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bot.token").write_text(BOT + "\n")
    monkeypatch.setenv("SLACK_APP_TOKEN", APP)
    s = load_toml(
        tmp_path,
        LOCAL,
        MEMBER,
        '[chat.slack]\nbot_token_file = "bot.token"\nchannel = "C0NOTICE1"\n'
        '[chat.slack.channels]\nvpn = "C0VPN0001"\n'
        '[chat.slack.members]\nU0OPS0001 = "ops@example.test"\n',
    )
    slack = s.chat.slack
    assert slack is not None and s.chat.enabled
    assert (slack.mode, slack.bot_token, slack.app_token) == ("socket", BOT, APP)
    assert slack.channel_for("vpn") == "C0VPN0001" and slack.channel_for("other") == "C0NOTICE1"
    assert slack.members == {"U0OPS0001": "ops@example.test"}
    assert BOT not in repr(s)  # tokens stay out of logs and tracebacks


def test_a_token_file_saved_by_notepad_loses_its_byte_order_mark(tmp_path: Path) -> None:
    """A leading UTF-8 byte-order mark (Windows Notepad writes one) is not part of the
    token: kept, Slack refused the token and nothing said why."""
    (tmp_path / "bot.token").write_bytes(b"\xef\xbb\xbf" + BOT.encode() + b"\r\n")
    (tmp_path / "app.token").write_bytes(b"\xef\xbb\xbf" + APP.encode())
    s = load_toml(
        tmp_path,
        LOCAL,
        MEMBER,
        '[chat.slack]\nbot_token_file = "bot.token"\napp_token_file = "app.token"\n'
        'channel = "C0NOTICE1"\n[chat.slack.members]\nU0OPS0001 = "ops@example.test"\n',
    )
    assert s.chat.slack is not None
    assert (s.chat.slack.bot_token, s.chat.slack.app_token) == (BOT, APP)


def test_http_mode_needs_a_signing_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    err = config_error(tmp_path, LOCAL, '[chat.slack]\nmode = "http"\n')
    assert err.key == "chat.slack.signing_secret_file" and "SLACK_SIGNING_SECRET" in err.problem
    assert str(tmp_path / "gateway.toml") in str(err)


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('bot_token_env = "MY_BOT"', "chat.slack.bot_token_env"),  # holds an app token
        ('channel = "#general"', "chat.slack.channel"),
        ('[chat.slack.members]\nU0ANY0001 = "nobody@example.test"', "chat.slack.members.U0ANY0001"),
        ('api_url = "http://slack.example.test/api/"', "chat.slack.api_url"),
        ('mode = "webhooks"', "chat.slack.mode"),
        ('colour = "blue"', "chat.slack.colour"),
    ],
)
def test_slack_errors_name_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, key: str
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP)
    monkeypatch.setenv("MY_BOT", APP)
    assert config_error(tmp_path, LOCAL, MEMBER, "[chat.slack]\n" + toml).key == key


def test_a_weak_token_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bot.token").write_text("xoxb-short")
    err = config_error(tmp_path, LOCAL, '[chat.slack]\nbot_token_file = "bot.token"\n')
    assert err.key == "chat.slack.bot_token_file" and "xoxb-" in err.problem


def test_teams_webhook_from_a_file_must_be_https(tmp_path: Path) -> None:
    (tmp_path / "teams.url").write_text("http://prod.example.test/workflows/hook\n")
    err = config_error(tmp_path, LOCAL, '[chat.teams]\nurl_file = "teams.url"\n')
    assert err.key == "chat.teams.url_file" and "https" in err.problem
    (tmp_path / "teams.url").write_text("https://prod.example.test/workflows/hook?sig=x\n")
    s = load_toml(tmp_path, LOCAL, '[chat.teams]\nurl_file = "teams.url"\nlocale = "en"\n')
    assert s.chat.teams is not None and s.chat.teams.locale == "en" and s.chat.slack is None


def test_a_webhook_url_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKET_GATEWAY_WEBHOOK_URL", "https://chat.example.test/hooks/abc")
    s = load_toml(tmp_path, LOCAL, '[chat.webhook]\nnotices = ["sla"]\n')
    assert s.chat.webhook is not None and s.chat.webhook.notices == ("sla",)


@pytest.mark.parametrize(
    ("url", "toml", "markup"),
    [
        ("https://hooks.slack.com/services/T0/B0/abc", "", "slack"),  # Slack's own hooks
        ("https://HOOKS.Slack.com/services/T0/B0/abc", "", "slack"),  # host names: any case
        ("https://hooks.slack-gov.com/services/T0/B0/abc", "", "slack"),  # GovSlack
        ("https://chat.example.test/hooks/abc", "", "markdown"),  # Mattermost
        ("https://hooks.slack.com.example.test/hooks/abc", "", "markdown"),  # not Slack's host
        ("https://relay.example.test/slack", 'markup = "slack"\n', "slack"),  # a proxy to Slack
        ("https://hooks.slack.com/services/T0/B0/abc", 'markup = "markdown"\n', "markdown"),
    ],
)
def test_a_webhooks_markup_is_guessed_from_its_url_or_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, toml: str, markup: str
) -> None:
    monkeypatch.setenv("TICKET_GATEWAY_WEBHOOK_URL", url)
    s = load_toml(tmp_path, LOCAL, "[chat.webhook]\n" + toml)
    assert s.chat.webhook is not None and s.chat.webhook.markup == markup


def test_a_webhooks_markup_of_another_kind_is_refused_with_the_key_and_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKET_GATEWAY_WEBHOOK_URL", "https://chat.example.test/hooks/abc")
    err = config_error(tmp_path, LOCAL, '[chat.webhook]\nmarkup = "html"\n')
    assert err.key == "chat.webhook.markup" and "'html'" in err.problem
    assert str(tmp_path / "gateway.toml") in str(err)


def test_a_teams_card_has_no_markup_to_choose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Teams reads Adaptive Cards: ``markup`` there would do nothing, so it is a typo."""
    monkeypatch.setenv("TICKET_GATEWAY_TEAMS_URL", "https://prod.example.test/workflows/hook")
    err = config_error(tmp_path, LOCAL, '[chat.teams]\nmarkup = "slack"\n')
    assert err.key == "chat.teams.markup"
