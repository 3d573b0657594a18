"""A webhook's URL often carries its credential: a signed URL's ``sig``, an API's
``api_key`` or ``token`` (a user and password ``catalog check`` refuses). What the
gateway shows of the target (the ticket's events, ``tickets show``, the failure mail,
``refile``) masks them, and the delivery still goes to the whole URL."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.tokens import mask_url_passwords
from tests.support.actions import action_app, drain, runs
from tests.support.cpu import cpu_within
from tests.support.databases import sqlite_only
from tests.support.hooks import BAD, MOVED, HookServer
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

SECRETS = ("S1gN4tur3xyz", "Ap1K3yvalue", "T0k3nvalue")


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


@sqlite_only
def test_a_webhook_urls_secrets_are_masked_wherever_the_target_is_shown(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    hooks.answers = [BAD]
    query = "?sv=2024&sig=S1gN4tur3xyz&api_key=Ap1K3yvalue&X-Access-Token=T0k3nvalue&page=2"
    url = hooks.url() + query
    (tmp_path / "hook.secret").write_bytes(b"hook-secret-0123456789-abcdefgh\n")
    action = (
        f"type: webhook\nurl: '{url}'\nsecret_file: hook.secret\nretries: 0\n"
        "on_failure: {notify: assignee}\n"
    )
    app = action_app(settings, clock, tmp_path, action)
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        [done] = drain(app)
        assert done.step == Step.FAILED
        [sent] = hooks.deliveries
        assert "sig=S1gN4tur3xyz" in sent.path and "api_key=Ap1K3yvalue" in sent.path
        shown = json.dumps(show(app, ticket_id), ensure_ascii=False)
        targets = [
            e["detail"]["target"] for e in show(app, ticket_id)["events"] if "target" in e["detail"]
        ]
        assert len(targets) >= 2  # queued, and the attempt
        assert all("sv=2024" in t and "page=2" in t and "sig=…" in t for t in targets), targets
        [told] = outbox(app, "action_failed")
        told_text = text_of(told)
        assert "127.0.0.1" in told_text and "api_key=…" in told_text
        for secret in SECRETS:
            assert secret not in shown
            assert secret not in told_text
    finally:
        app.close()


@sqlite_only
@pytest.mark.parametrize(
    ("location", "secret", "masked"),
    [
        ("/v2/hook?sv=1&token=T0k3nvalue", "T0k3nvalue", "/v2/hook?sv=1&token=…"),
        ("http://bob:Pa55w0rdvalue@127.0.0.1:9/v2", "Pa55w0rdvalue", "http://bob:…@127.0.0.1:9/v2"),
    ],
)
def test_a_secret_in_where_a_webhook_redirects_is_masked_in_every_error_kept(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    hooks: HookServer,
    location: str,
    secret: str,
    masked: str,
) -> None:
    """The redirect's error names where the target points (put that in the catalog's
    url): that URL's secrets are masked as the target's are, in the run's row, the
    attempt's event, the failure note, the failure mail and its copy on the ticket."""
    hooks.answers, hooks.location = [MOVED], location
    (tmp_path / "hook.secret").write_bytes(b"hook-secret-0123456789-abcdefgh\n")
    action = (
        f"type: webhook\nurl: '{hooks.url()}'\nsecret_file: hook.secret\nretries: 0\n"
        "on_failure: {notify: assignee}\n"
    )
    app = action_app(settings, clock, tmp_path, action)
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        [done] = drain(app)
        assert done.step == Step.FAILED
        assert secret not in done.error and masked in done.error, done.error
        [run] = runs(app)
        kept = json.dumps(run, ensure_ascii=False, default=str)
        assert masked in run["last_error"] and secret not in kept, kept
        shown = json.dumps(show(app, ticket_id), ensure_ascii=False, default=str)
        assert masked in shown and secret not in shown
        [told] = outbox(app, "action_failed")
        assert masked in text_of(told) and secret not in text_of(told)
    finally:
        app.close()


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        # an Azure SAS, an AWS presigned URL, a Google API key: the names say secret
        ("https://a.test/b?sv=1&sig=abc%2Bd&se=2", "https://a.test/b?sv=1&sig=…&se=2"),
        (
            "https://s3.test/o?X-Amz-Credential=AK/1&X-Amz-Signature=ff&X-Amz-Date=2",
            "https://s3.test/o?X-Amz-Credential=…&X-Amz-Signature=…&X-Amz-Date=2",
        ),
        ("https://g.test/v1?key=AIza1&q=x", "https://g.test/v1?key=…&q=x"),
        (
            "http://h.test/?apikey=1;access_token=2#frag",
            "http://h.test/?apikey=…;access_token=…#frag",
        ),
        ("see https://h.test/?password=p w", "see https://h.test/?password=… w"),
        # names that only contain a secret's word, and text that is no URL, stay
        (
            "https://h.test/?monkey=1&keyboard=2&page=3",
            "https://h.test/?monkey=1&keyboard=2&page=3",
        ),
        ("a?token=1 and no URL", "a?token=1 and no URL"),
    ],
)
def test_query_parameters_whose_names_say_secret_are_masked(said: str, shown: str) -> None:
    assert mask_url_passwords(said) == shown


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        # the incoming webhooks a team points an action at, whose path is the credential
        (
            "https://hooks.slack.com/services/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",
            "https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/…",
        ),
        (
            "https://discord.com/api/webhooks/112233445566778899/Zx9-Yw8_Vu7Ts6Rq5Po4Nm3Lk2",
            "https://discord.com/api/webhooks/112233445566778899/…",
        ),
        (
            "https://hooks.zapier.com/hooks/catch/1234567/abc123x/ (ok)",
            "https://hooks.zapier.com/hooks/catch/1234567/… (ok)",
        ),
        (
            "https://maker.ifttt.com/trigger/new_account/with/key/dAbC123xYz456?x=1",
            "https://maker.ifttt.com/trigger/new_account/with/key/…?x=1",
        ),
        # a path segment after one that says secret, on any host
        ("https://h.test/v1/token/s3cr3tv4lue/run", "https://h.test/v1/token/…/run"),
        # other hosts' paths, and a name that only contains a secret's word, stay
        ("https://h.test/services/T0/B0/abc", "https://h.test/services/T0/B0/abc"),
        ("https://h.test/keyboard/abc", "https://h.test/keyboard/abc"),
        ("https://hooks.slack.com/services/", "https://hooks.slack.com/services/"),
    ],
)
def test_credentials_in_a_webhook_urls_path_are_masked(said: str, shown: str) -> None:
    """Slack's, Discord's, Zapier's and IFTTT's incoming webhooks carry their credential in
    the path, not the query: whoever has the URL posts as the team."""
    assert mask_url_passwords(said) == shown


def test_masking_query_parameters_is_linear() -> None:
    """No input makes it slow: logs carry what strangers wrote."""
    for hostile in (
        "://" + "?a" * 200_000,
        "://?" + "a" * 400_000,
        "://" + "&k=" * 130_000,
        "://h/" + "key/" * 100_000,
        "://hooks.slack.com" + "/services" * 40_000,
    ):
        cpu_within(2, lambda: mask_url_passwords(hostile), hostile[:20])  # noqa: B023


@sqlite_only
def test_a_secret_in_a_url_the_action_prints_is_masked_in_what_is_kept(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """What an action says often quotes the URL it called (a script's error line, a
    framework's 404 page echoing the request): that URL's secrets are masked in the run's
    output, the attempt's event and the failure mail, as the target's are."""
    said = (
        "GET https://api.example.test/v1/users?token=T0k3nvalue&page=2 failed: 401\n"
        "retry with https://bob:Pa55w0rdvalue@api.example.test/v1\n"
    )
    code = f"import sys; sys.stdout.write({said!r}); sys.exit(1)"
    action = (
        f"type: command\nargv: {json.dumps([sys.executable, '-c', code])}\nretries: 0\n"
        "on_failure: {notify: assignee}\n"
    )
    app = action_app(settings, clock, tmp_path, action)
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        [done] = drain(app)
        assert done.step == Step.FAILED
        [run] = runs(app)
        [event] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action"]
        [told] = outbox(app, "action_failed")
        for text in (run["output"], event["detail"]["output"], text_of(told)):
            assert "token=…&page=2" in text and "bob:…@api.example.test" in text, text
            assert "T0k3nvalue" not in text and "Pa55w0rdvalue" not in text, text
    finally:
        app.close()
