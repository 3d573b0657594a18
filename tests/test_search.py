"""Full-text search: Japanese substrings, every term, wildcards taken literally, and an
index that follows every write to ``messages`` (SQLite triggers; PostgreSQL's index is
on the table itself)."""

from __future__ import annotations

from sqlalchemy import text

from gateway.runtime.app import App
from store import search
from store.db import transaction
from tests.support.mails import mail
from tests.support.pipeline import deliver


def _find(app: App, query: str) -> list[int] | None:
    with transaction(app.sessions) as s:
        return search.matching_tickets(s, query)


def test_search_finds_words_in_subject_and_text(app: App) -> None:
    a = deliver(
        app, mail(subject="会議室の予約ができません", body="来週のプロジェクター予約も。\n")
    )
    b = deliver(app, mail(subject="VPN Broken", body="Since 100% of the tunnel fails.\n"))
    assert _find(app, "予約") == [a.ticket_id]  # two characters: below the trigram size
    assert _find(app, "プロジェクター") == [a.ticket_id]
    assert _find(app, "vpn") == [b.ticket_id]  # case-insensitive
    assert _find(app, "予約 vpn") == []  # every term must be there
    assert _find(app, "100%") == [b.ticket_id] and _find(app, "0%_") == []  # literal
    assert _find(app, "   ") is None


def test_the_index_follows_updates_and_deletes(app: App) -> None:
    t = deliver(app, mail(subject="プリンタの件", body="トナーがありません。\n"))
    with transaction(app.sessions) as s:
        s.execute(
            text("UPDATE messages SET text = 'インクが切れました' WHERE ticket_id = :t"),
            {"t": t.ticket_id},
        )
    assert _find(app, "トナー") == [] and _find(app, "インク") == [t.ticket_id]
    with transaction(app.sessions) as s:
        s.execute(text("DELETE FROM attachments"))
        s.execute(text("DELETE FROM messages WHERE ticket_id = :t"), {"t": t.ticket_id})
    assert _find(app, "インク") == []
