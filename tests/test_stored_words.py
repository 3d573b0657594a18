"""A message the database keeps is said in its reader's language, however old.

Events, notes, health alerts and action runs keep the Msg they were written with
(msgid and parameters, ``gateway.core.i18n.dump``) and say it again each time a page,
``tickets show`` or a mail shows them. A msgid the code no longer makes (its text was
changed or its rule removed) is still in rows written before; ``tools/i18n.py update``
drops every msgid it does not find in the code, and such a row then read in English on a
Japanese page (``unknown catalog entry 'vnp'`` after /category learnt to name the likely
entry). The retired msgids are marked in one table (gateway/core/retired_words.py), so
the catalogs keep them.
"""

from __future__ import annotations

import html
import re
from io import BytesIO

from babel.messages.pofile import read_po

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import LOCALES, N_, Msg, dump, translate
from gateway.core.retired_words import RETIRED
from gateway.tickets import changes, event_words
from store import tickets
from store.db import transaction
from tests.support.i18n_catalogs import msgids
from tests.support.mails import mail
from tests.support.paths import REPO
from tests.support.pipeline import deliver
from tests.support.web import member_page, rig
from tests.test_web_history import READERS, _history

_KANA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _catalog(locale: str) -> dict[str, tuple[str, bool]]:
    """msgid → (its translation, fuzzy) in ``locale``'s .po file."""
    path = REPO / "gateway" / "locale" / locale / "LC_MESSAGES" / "messages.po"
    catalog = read_po(BytesIO(path.read_bytes()), locale=locale)
    return {str(m.id): (str(m.string), m.fuzzy) for m in catalog if m.id}


def test_each_retired_message_keeps_its_translation() -> None:
    """Every row of the table is in both catalogs, translated and not fuzzy, and the
    compiled Japanese says it in Japanese (what a page reads)."""
    assert RETIRED, "the table is empty"
    for locale in LOCALES:
        have = _catalog(locale)
        for msg in RETIRED:
            string, fuzzy = have.get(msg.msgid, ("", False))
            assert string and not fuzzy, (locale, msg.msgid)
    for msg in RETIRED:
        assert _KANA.search(translate(msg, "ja")), msg.msgid


def test_no_retired_message_is_made_by_the_code_too() -> None:
    """A retired msgid is one no rule makes any more: one still made belongs to its
    rule, and the table would hide its removal later."""
    in_code = msgids(
        lambda path: path.startswith("gateway/") and path != "gateway/core/retired_words.py"
    )
    assert {m.msgid for m in RETIRED} & in_code == set()


def test_a_refusal_kept_before_its_message_was_retired_reads_in_each_language(
    settings: Settings, clock: FakeClock
) -> None:
    """A /category refusal an earlier release kept (its msgid no longer made) reads in
    Japanese on a Japanese member's page and in English on an English one's."""
    old: Msg = next(m for m in RETIRED if m.msgid == "unknown catalog entry {entry!r}")
    refusal = N_(old.msgid, entry="vnp")
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="VPN がつながらない", body="接続できません\n")).ticket_id
        assert tid
        with transaction(r.app.sessions) as s:
            t = tickets.get(s, tid)
            assert t is not None
            detail = {"line": "/category vnp", "reason": str(refusal), "said": dump(refusal)}
            changes.record(
                s,
                t,
                "command-refused",
                r.clock.now(),
                actor=READERS["en"],
                channel="mail",
                detail=detail,
            )
        pages = {
            loc: html.unescape("\n".join(_history(member_page(r, who, f"/tickets/{tid}"))))
            for loc, who in READERS.items()
        }
    assert "カタログに「vnp」という項目はありません" in pages["ja"]
    assert "unknown catalog entry" not in pages["ja"]
    assert "unknown catalog entry 'vnp'" in pages["en"]
    said = event_words.why("command-refused", detail)
    assert translate(said, "ja") == "カタログに「vnp」という項目はありません"
