"""The Slack app manifest in the repository matches the app: its commands, shortcuts and
exactly the scopes the gateway uses."""

from __future__ import annotations

import yaml

from gateway.chat.slack.app import CREATE_SHORTCUT, REPLY_COMMAND, SEND_SHORTCUT
from gateway.config.settings import SlackSettings
from tests.support.paths import REPO

MANIFEST = REPO / "chat" / "slack-manifest.yaml"
SCOPES = {"commands", "chat:write", "im:write", "users:read", "users:read.email"}


def test_the_manifest_names_what_the_app_listens_to() -> None:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    commands = {c["command"] for c in data["features"]["slash_commands"]}
    assert commands == {SlackSettings().command, REPLY_COMMAND}
    shortcuts = {s["callback_id"]: s["type"] for s in data["features"]["shortcuts"]}
    assert shortcuts == {CREATE_SHORTCUT: "message", SEND_SHORTCUT: "message"}
    assert set(data["oauth_config"]["scopes"]["bot"]) == SCOPES
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["socket_mode_enabled"] is True  # the default mode
