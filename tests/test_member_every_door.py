"""One member, one address, at every door: a member written ``Ito@例え.JP`` in the config
is kept as ``ito@xn--r8jz45g.jp`` (:func:`gateway.core.domains.ascii_address`, the one
form every address is kept and compared in), and is the same person whichever way a
door spells them: the A-label of their mail, the Unicode of a SMTPUTF8 one or a
person's typing, a root dot. The doors: a reply's commands and ``/assign``, the
sign-in page (its link and its per-address limit), the Slack member map and a Slack or
form submission's requester, the catalog's assignee, the digest's ``--member``, a
``/cc add`` (a member is never a watcher)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from gateway.config.load import load_settings
from gateway.config.settings import Member, Settings
from gateway.core.clock import FakeClock
from gateway.core.domains import ascii_address
from gateway.pipeline.parse import submission
from gateway.runtime.app import build
from gateway.runtime.cli.main import main
from store import inbox, tickets
from store.db import transaction
from store.models import RateCounter
from tests.support.app import MEMBERS, reply_address
from tests.support.config import LOCAL, SECRET_ENV, load_toml, members_toml, write_config
from tests.support.pipeline import deliver, outbox, show
from tests.support.scheduling import CATALOG, open_ticket
from tests.support.web import Rig, csrf_of, rig

WRITTEN = "Ito@例え.JP"  # as the config file writes the member
KEPT = "ito@xn--r8jz45g.jp"
# as a door may spell them: their mail's A-label, SMTPUTF8 or typed Unicode, a root dot
SPELLINGS = ("ito@xn--r8jz45g.jp", "ITO@例え.jp", "ito@例え.jp。", "ito@xn--r8jz45g.jp.")
BOT = "xoxb-1111-2222-abcdefghijklmnop"
APP = "xapp-1-A111-2222-abcdefghijklmnop"


@pytest.fixture
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for key, value in {**SECRET_ENV, "SLACK_BOT_TOKEN": BOT, "SLACK_APP_TOKEN": APP}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TICKET_GATEWAY_DATABASE_URL", raising=False)


def _ito(tmp_path: Path) -> Member:
    """The member as the config file gives them (``[[members]] email = "Ito@例え.JP"``)."""
    s = load_toml(tmp_path, LOCAL, f'[[members]]\nemail = "{WRITTEN}"\nname = "Ito"\n')
    [member] = s.members
    return member


@pytest.mark.usefixtures("_env")
def test_the_config_keeps_the_member_in_the_one_form(tmp_path: Path) -> None:
    member = _ito(tmp_path)
    assert member.email == KEPT == ascii_address(WRITTEN)
    s = load_toml(tmp_path, LOCAL, f'[[members]]\nemail = "{WRITTEN}"\n')
    for spelling in SPELLINGS:
        found = s.member(spelling)
        assert found is not None and found.email == KEPT, spelling


@pytest.mark.usefixtures("_env")
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_slack_member_map_names_the_member_in_any_spelling(
    tmp_path: Path, spelling: str
) -> None:
    s = load_toml(
        tmp_path,
        LOCAL,
        f'[[members]]\nemail = "{WRITTEN}"\n',
        f'[chat.slack]\nchannel = "C0NOTICE1"\n[chat.slack.members]\nU0ITO0001 = "{spelling}"\n',
    )
    assert s.chat.slack is not None
    assert s.chat.slack.members == {"U0ITO0001": KEPT}


@pytest.mark.usefixtures("_env")
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_digest_of_a_member_named_in_any_spelling(
    db_url: str, tmp_path: Path, spelling: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``digest --member`` and the catalog's ``assignee`` take the member however they
    are spelled (a Unicode one was "no member", exit 64; a root dot, an unknown
    member in the catalog)."""
    catalog = CATALOG.replace("ops@example.test", "ITO@例え.jp").replace(
        "ops2@example.test", "ito@xn--r8jz45g.jp."
    )
    (tmp_path / "catalog.yaml").write_text(catalog, encoding="utf-8")
    config = write_config(
        tmp_path,
        url=db_url,
        extra=f'[catalog]\npath = "catalog.yaml"\n[[members]]\nemail = "{WRITTEN}"\n'
        + members_toml(m for m in MEMBERS if m.role == "manager"),
    )
    app = build(load_settings(config), FakeClock(datetime(2024, 1, 8, 1, 0, tzinfo=UTC)))
    try:
        ticket = open_ticket(app, "VPN drops every hour", key="c1")
        assert show(app, ticket)["assignee"] == KEPT
    finally:
        app.close()
    assert main(["--config", str(config), "digest", "--dry-run", "--member", spelling]) == 0
    out = capsys.readouterr().out
    assert f"[#{ticket}]" in out and "1 mail would be sent" in out


def _request(sender: str, body: str, to: str, message_id: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Re: [#1] printer jam\r\n"
        f"Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_members_reply_in_any_spelling_is_the_members_command(
    settings: Settings, clock: FakeClock, tmp_path: Path, spelling: str
) -> None:
    """Their reply is theirs (their command is taken), and they are no watcher: a
    ``/cc add`` naming them in any spelling is refused as one of the team's own."""
    team = build(replace(settings, members=(*MEMBERS, _ito(tmp_path))), clock)
    try:
        first = _request("alice@customer.test", "The printer jams.", "support@example.test", "r1@c")
        deliver(team, first.replace(b"Re: [#1] ", b""))
        deliver(
            team,
            _request(
                "Ops One <ops@example.test>",
                f"/cc add {spelling}\r\n\r\nOn it.",
                reply_address(team, 1, "ops@example.test"),
                "a1@x",
            ),
        )
        assert show(team, 1)["watchers"] == []
        to = reply_address(team, 1, KEPT)
        deliver(team, _request(f"Ito <{spelling}>", "/close\r\n\r\nFixed.", to, "a2@x"))
        shown = show(team, 1)
        assert shown["state"] == "closed"
        assert [e["actor"] for e in shown["events"] if e["kind"] == "state"][-1] == KEPT
    finally:
        team.close()


async def _ask(client: TestClient[Any, Any], r: Rig, typed: list[str]) -> list[Any]:
    csrf = await csrf_of(client)
    for one in typed:
        answer = await client.post("/sign-in", data={"email": one, "csrf": csrf})
        assert answer.status == 200
    for _ in range(200):  # the links are queued just after the answers
        if outbox(r.app, "sign_in"):
            await asyncio.sleep(0.05)  # and a second one, if it comes
            return outbox(r.app, "sign_in")
        await asyncio.sleep(0.01)
    return []


@pytest.mark.usefixtures("_env")
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_sign_in_page_mails_the_member_in_any_spelling(
    settings: Settings, clock: FakeClock, tmp_path: Path, spelling: str
) -> None:
    with rig(settings, clock, members=(*MEMBERS, _ito(tmp_path))) as r:
        [link] = r.serve(lambda c: _ask(c, r, [spelling]))
        assert link.recipients == [KEPT]


@pytest.mark.usefixtures("_env")
def test_the_sign_in_limit_counts_one_member_in_every_spelling(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The per-address limit counted each spelling apart (``sign-in-addr:ito@例え.jp``
    and ``…:ito@xn--r8jz45g.jp``): one address asked for twice as many links."""
    members = (*MEMBERS, _ito(tmp_path))
    with rig(settings, clock, members=members, sign_ins_per_hour=1) as r:
        links = r.serve(lambda c: _ask(c, r, ["ito@例え.jp", KEPT]))
        with transaction(r.app.sessions) as s:
            counted = s.execute(
                select(RateCounter.key, RateCounter.count).where(
                    RateCounter.key.startswith("sign-in-addr:")
                )
            ).all()
        assert [tuple(c) for c in counted] == [(f"sign-in-addr:{KEPT}", 2)]
        assert [m.recipients for m in links] == [[KEPT]]  # the second ask: over the limit


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_chat_or_form_submission_files_its_requester_in_the_one_form(
    settings: Settings, clock: FakeClock, spelling: str
) -> None:
    """Slack's profile shows the address as its owner typed it (``ITO@例え.jp``); a
    submission's requester was filed as it came, beside the A-label of their mail."""
    raw = submission.encode(
        source="slack",
        nonce="slack:T1:V1",
        submitted_at=clock.now(),
        entry_id="",
        requester_email=spelling,
        requester_name="Ito",
        subject="VPN drops",
        text="Since yesterday.",
        fields={},
        locale="en",
        files=[],
    )
    app = build(settings, clock)
    try:
        with transaction(app.sessions) as s:
            inbox.accept(s, raw, source="slack", now=clock.now())
        app.runner.process_pending()
        shown = show(app, 1)
        assert shown["requester"] == KEPT
        with transaction(app.sessions) as s:
            assert tickets.participant_emails(s, 1) == [KEPT]
    finally:
        app.close()


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_assign_names_the_member_in_any_spelling(
    settings: Settings, clock: FakeClock, tmp_path: Path, spelling: str
) -> None:
    """``/assign ITO@例え.jp`` (and ``tickets assign``, the same lookup) was an unknown
    member: the address was compared as typed, lowered only."""
    team = build(replace(settings, members=(*MEMBERS, _ito(tmp_path))), clock)
    try:
        first = _request("alice@customer.test", "The printer jams.", "support@example.test", "r1@c")
        deliver(team, first.replace(b"Re: [#1] ", b""))
        to = reply_address(team, 1, "ops@example.test")
        deliver(team, _request("ops@example.test", f"/assign {spelling}\r\n\r\nIto.", to, "a1@x"))
        assert show(team, 1)["assignee"] == KEPT
    finally:
        team.close()
