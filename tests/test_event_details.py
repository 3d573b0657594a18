"""What a limit or a stranger's mail did to a ticket, said from the event's details.

``relay-limited`` (a member's answer not sent to everyone on the ticket),
``participants-limited`` (a request's Cc not all added) and ``outsider`` (a mail from
someone not on the ticket, kept and nothing more) keep counts and ids, no sentence: the
page showed their label and nothing else, ``tickets show`` their kind alone. Both say
now what happened, in the reader's language, from what every such event has always
kept (an event recorded by an older release is said the same); ``--json`` keeps the
details as they were.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import InboxState
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import rig
from tests.test_event_language import _event, _pages, _shown

OPS = "ops@example.test"
CC = ", ".join(f"person{n}@outside.test" for n in range(4))


def _sentence(text: str, marker: str, kind: str) -> str:
    """What the event of ``kind`` with ``marker`` says: its history row's third cell, or
    what ``tickets show`` prints after its kind."""
    line = next(n for n in text.splitlines() if marker in n and (" | " in n or f"{kind}: " in n))
    return line.split(" | ")[2] if " | " in line else line.split(f"{kind}: ", 1)[1]


def _no_english(said: str) -> None:
    """No English words in a Japanese line (addresses, commands and [limits] keys aside)."""
    words = re.sub(r"\S+@\S+|\[limits\] \w+|ticket-gateway tickets add-participant|Cc", "", said)
    assert not re.search(r"[A-Za-z]{3,}", words), said


def test_a_capped_cc_and_a_capped_relay_say_who_was_left_out_and_the_limit(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limits = replace(settings.limits, max_participants=2, max_relay=2)
    with rig(replace(settings, limits=limits), clock) as r:
        tid = deliver(r.app, mail("VPN", cc=CC)).ticket_id  # alice and 2 of the 4 Cc join
        assert tid
        address = reply_address(r.app, tid, OPS)  # to the 3: the requester and the first Cc
        answer = mail(f"Re: [#{tid}] VPN", "Working on it.\n", sender=OPS, to=address)
        assert deliver(r.app, answer, envelope_to=(address,)).state == InboxState.DONE
        ja, en = _pages(r, tid)
        cli_ja, cli_en, data = _shown(r, tid, tmp_path / "cli", capsys, monkeypatch)
    assert _event(data, "participants-limited")["detail"] == {  # --json: as stored
        "limit": 2,
        "not_added": 2,
        "first_not_added": ["person2@outside.test", "person3@outside.test"],
    }
    assert _event(data, "relay-limited")["detail"] == {
        "limit": 2,
        "not_sent": 1,
        "first_not_sent": ["person1@outside.test"],
    }
    cc = (
        "2 of the request's Cc addresses not added to the ticket (person2@outside.test, "
        "person3@outside.test): it takes at most 2 ([limits] max_participants); they get no "
        "answers"
    )
    relay = (
        "answer not sent to 1 of the ticket's people (person1@outside.test): it goes to at "
        "most 2, the requester first ([limits] max_relay)"
    )
    assert f"Cc not added (limit) | {cc}" in en, en
    assert f"Not relayed to everyone (limit) | {relay}" in en, en
    assert f"participants-limited: {cc}" in cli_en and f"relay-limited: {relay}" in cli_en
    for said in (ja, cli_ja):
        capped = _sentence(said, "person2@", "participants-limited")
        limited = _sentence(said, "person1@", "relay-limited")
        assert "person3@outside.test" in capped and "person1@" not in capped, capped
        assert "2 件" in capped and "[limits] max_participants" in capped, capped
        assert "1 人" in limited and "[limits] max_relay" in limited, limited
        _no_english(capped)
        _no_english(limited)


def test_a_strangers_mail_says_it_was_kept_and_changed_nothing(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by the mail it answers, or by the reply address of someone else on the
    ticket: neither says who wrote it (gateway.runner.replies._outsider)."""
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail("VPN", message_id="<req-1@customer.test>")).ticket_id
        assert tid
        alices = reply_address(r.app, tid, "alice@customer.test")
        for sender, extra in (
            ("mallory@outside.test", {"in_reply_to": "<req-1@customer.test>"}),
            ("eve@outside.test", {"to": alices}),
        ):
            raw = mail("Re: VPN", "/close\nSend it to me.\n", sender=sender, **extra)
            envelope = (alices,) if "to" in extra else ("support@example.test",)
            assert "not on the ticket" in deliver(r.app, raw, envelope_to=envelope).reason
        ja, en = _pages(r, tid)
        cli_ja, cli_en, data = _shown(r, tid, tmp_path / "cli", capsys, monkeypatch)
    outsiders = [e for e in data["events"] if e["kind"] == "outsider"]
    assert [sorted(e["detail"]) for e in outsiders] == [["inbox", "message_id", "via"]] * 2
    kept = (
        "kept on the ticket; nothing in it is carried out or relayed until a member adds "
        "the sender (ticket-gateway tickets add-participant)"
    )
    headers = (
        f"it answered one of the ticket's mails, which proves nothing about who wrote it: {kept}"
    )
    token = (
        "it was sent to the reply address of someone on the ticket, which proves nothing "
        f"about who wrote it: {kept}"
    )
    assert f"Mail from someone not on the ticket | {headers} | mallory@outside.test" in en, en
    assert f"Mail from someone not on the ticket | {token} | eve@outside.test" in en, en
    assert _sentence(cli_en, "mallory@", "outsider") == headers, cli_en
    assert _sentence(cli_en, "eve@", "outsider") == token, cli_en
    for said in (ja, cli_ja):
        found = [_sentence(said, who, "outsider") for who in ("mallory@", "eve@")]
        for line in found:
            assert "ticket-gateway tickets add-participant" in line and "保存" in line, line
            _no_english(line)
        assert found[0] != found[1]  # how each was found


def test_more_left_out_than_the_event_names_ends_with_an_ellipsis() -> None:
    """The event names the first 20 left out (of 280 Cc, say); the rest are "…"."""
    from gateway.core.i18n import translate
    from gateway.tickets.event_words import why

    first = [f"p{n}@outside.test" for n in range(20)]
    detail = {"limit": 20, "not_added": 280, "first_not_added": first}
    said = translate(why("participants-limited", detail), "ja")
    assert said.startswith("依頼の Cc のうち 280 件のアドレス（p0@outside.test, p1@"), said
    assert "p19@outside.test, …）" in said, said
    sent = {"limit": 20, "not_sent": 1, "first_not_sent": ["p0@outside.test"]}
    assert "(p0@outside.test)" in translate(why("relay-limited", sent), "en")
    assert why("relay-limited", {}) == "" and why("participants-limited", None) == ""
