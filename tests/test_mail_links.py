"""Links in mails go to ``[web] base_url``; without one they went to the bind address
(http://127.0.0.1:8080), which nobody outside the machine can open: a dead link in every
digest. Config now knows whether base_url was written; when it was not and the pages
listen on a loopback or wildcard address, the mails carry no links (as with the pages
off), and the log and ``status`` say once why, in the reader's language."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.load import load_settings
from gateway.config.settings import Settings, WebSettings
from gateway.config.web import links_off
from gateway.core.clock import FakeClock
from gateway.runtime.cli import main as cli
from gateway.runtime.daemon import warn_at_start
from gateway.scheduling import digest, scheduler
from tests.support.cli import run
from tests.support.config import SECRET_ENV, with_database, write_config
from tests.support.pipeline import outbox, words_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings

# [web] as written, and whether mails may link to the pages
CASES = [
    ("", False),  # 127.0.0.1:8080, the default: only this machine
    ('host = "0.0.0.0"\n', False),  # a wildcard bind: http://0.0.0.0:8080 opens nothing
    ('host = "::"\n', False),
    ('host = "::1"\n', False),
    ('host = "localhost"\n', False),
    ('host = "192.0.2.10"\n', True),  # an address of this machine on the LAN: people reach it
    ('host = "help.example.test"\n', True),  # a name people use
    ('base_url = "https://help.example.test"\n', True),  # behind a proxy, as README says
    ('host = "0.0.0.0"\nbase_url = "http://192.0.2.10:8080"\n', True),
    ('base_url = "https://help.example.test"\nenabled = false\n', False),  # the pages off
]


@pytest.mark.parametrize(("web", "links"), CASES)
def test_config_knows_whether_mails_may_link_to_the_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, web: str, links: bool
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    settings = load_settings(write_config(tmp_path, extra="[web]\n" + web))
    assert settings.web.base_url_set is ("base_url" in web)
    assert settings.web.mail_links is links
    assert (links_off(settings.web) is None) is (links or not settings.web.enabled)


def test_the_quick_start_has_its_pages_but_no_links_in_mails() -> None:
    """The built-in defaults: the pages on 127.0.0.1:8080 for whoever sits at the machine,
    no base_url, so no links in mails (its acknowledgement never had one)."""
    web = load_settings(None).web
    assert web.enabled and not web.base_url_set and not web.mail_links
    assert links_off(web) is not None


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", "until [web] base_url is set"), ("ja", "[web] base_url を設定するまで")],
)
def test_status_and_the_log_say_why_links_are_off(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    locale: str,
    words: str,
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8" if locale == "ja" else "C.UTF-8")
    config = with_database(write_config(tmp_path, extra='[web]\nhost = "0.0.0.0"\nport = 1\n'))
    cli.main(["--config", str(config), "status"])
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if "base_url" in x]
    assert words in line and "http://0.0.0.0:1" in line, out
    assert ("mail" in line) is (locale == "en") and ("メール" in line) is (locale == "ja")
    settings = load_settings(config)
    with caplog.at_level(logging.WARNING, logger="gateway"):
        warn_at_start(settings)
    said = [r.getMessage() for r in caplog.records if "base_url" in r.getMessage()]
    found = json.loads(run(config, "status", "--json", capsys=capsys).out)["warnings"]
    [warned] = [w["text"] for w in found if w["code"] == "base_url_unset"]
    assert said == [warned]  # once, in English
    config = with_database(
        write_config(tmp_path, extra='[web]\nhost = "0.0.0.0"\nbase_url = "http://192.0.2.1"\n')
    )
    found = json.loads(run(config, "status", "--json", capsys=capsys).out)["warnings"]
    assert not [w for w in found if w["code"] == "base_url_unset" or "base_url" in w["text"]]


def _digest_texts(
    settings: Settings, tmp_path: Path, clock: FakeClock, web: WebSettings
) -> dict[str, str]:
    tmp_path.mkdir()
    cfg = scheduled_settings(settings, tmp_path)
    app = make_app(replace(cfg, web=web), clock)
    try:
        for n in range(3):  # ops's (English) and ops2's (Japanese)
            open_ticket(app, f"VPN down at site {n}", key=f"v{n}")
            open_ticket(app, f"Purchase: item {n}", key=f"b{n}")
        scheduler.tick(app)
        return {m.recipients[0]: words_of(m) for m in outbox(app, "weekly_digest")}
    finally:
        app.close()


LOCAL = WebSettings(enabled=True, base_url="http://127.0.0.1:8080", base_url_set=False)
NAMED = replace(LOCAL, base_url="https://help.example.test", base_url_set=True)


@pytest.mark.parametrize("web", [LOCAL, NAMED], ids=["bind-address", "base_url"])
def test_the_digest_links_to_the_pages_only_at_an_address_people_can_open(
    settings: Settings,
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    web: WebSettings,
) -> None:
    """ops reads English, ops2 Japanese; each has more tickets than the digest lists."""
    monkeypatch.setattr(digest, "DIGEST_LISTED", 1)
    texts = _digest_texts(settings, tmp_path / "a", clock, web)
    en, ja = texts["ops@example.test"], texts["ops2@example.test"]
    if web.base_url_set:
        assert "… and 2 more tickets: https://help.example.test/tickets?" in en
        assert "…ほか 2 件: https://help.example.test/tickets?" in ja
    else:
        assert not [t for t in texts.values() if "http://" in t]
        assert "… and 2 more tickets." in en and "…ほか 2 件" in ja


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Signing in is off"), ("ja", "サインインは使えません")],
)
def test_no_sign_in_link_is_mailed_to_an_address_only_this_machine_opens(
    settings: Settings, clock: FakeClock, language: str, words: str
) -> None:
    """The sign-in page says why, in the visitor's language, instead of a form whose mail
    would bring a link that does not open; a member who posts anyway gets no mail."""
    from tests.support.web import csrf_of, rig

    # through a reverse proxy on this machine that names no base_url: the visitor is
    # elsewhere, and the bind address in a link would not open for them
    proxied = {"Accept-Language": language, "X-Forwarded-For": "198.51.100.7"}

    async def scenario(client: TestClient[Any, Any]) -> tuple[str, str, int]:
        csrf = await csrf_of(client, "/new/account")
        shown = await client.get("/sign-in", headers=proxied)
        posted = await client.post(
            "/sign-in", data={"email": "ops@example.test", "csrf": csrf}, headers=proxied
        )
        return await shown.text(), await posted.text(), posted.status

    with rig(settings, clock, base_url_set=False) as r:
        shown, posted, status = r.serve(scenario)
        assert words in shown and words in posted and status == 503
        assert 'name="email"' not in shown
        assert ("Sign in" in shown) is (language == "en")
        assert outbox(r.app, "sign_in") == []


def test_a_browser_on_this_machine_still_signs_in_without_base_url(
    settings: Settings, clock: FakeClock
) -> None:
    """The quick start: pages on 127.0.0.1, no base_url, a member at a browser on the
    same machine. The link made of the bind address opens there, so it is mailed."""
    from tests.support.web import asked_link, csrf_of, rig

    async def scenario(client: TestClient[Any, Any]) -> tuple[str, str]:
        shown = await client.get("/sign-in")
        # waits, while the pages still run, for the mail queued after the answer
        token = await asked_link(client, r, "ops@example.test", await csrf_of(client))
        return await shown.text(), token

    with rig(settings, clock, base_url_set=False) as r:
        shown, token = r.serve(scenario)
        assert 'name="email"' in shown and token
        [link] = outbox(r.app, "sign_in")
        assert re.search(rf"http://127\.0\.0\.1:\d+/sign-in/{re.escape(token)}", words_of(link))
