"""A domain typed in the search box as people read it (``例え.jp``, ``田中@例え.jp``)
finds the mail stored under its A-label (``xn--r8jz45g.jp``: every address is kept in
that one form, gateway.core.domains.ascii_address); before, it found nothing."""

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


def _utf8_mail(sender: str, subject: str) -> bytes:
    """A mail whose headers are UTF-8 as written (RFC 6532), as an SMTPUTF8 client sends."""
    return (
        f"From: {sender}\r\nTo: support@example.test\r\nSubject: {subject}\r\n"
        "Message-ID: <idn1@customer.test>\r\nDate: Mon, 02 Mar 2026 09:00:00 +0900\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nお願いします。\r\n"
    ).encode()


def test_a_unicode_domain_finds_the_address_kept_as_its_a_label(app: App) -> None:
    t = deliver(app, _utf8_mail("田中 <tanaka@例え.jp>", "請求書の件")).ticket_id
    other = deliver(app, mail(subject="別件", sender="Bob <bob@example.test>")).ticket_id
    with transaction(app.sessions) as s:
        kept = s.execute(text("SELECT from_addr FROM messages WHERE ticket_id = :t"), {"t": t})
        assert kept.scalar() == "tanaka@xn--r8jz45g.jp"
    for typed in (
        "例え.jp",
        "tanaka@例え.jp",
        "TANAKA@例え.JP",
        "ｔａｎａｋａ＠例え．ｊｐ",  # typed with the input method on
        "例え。jp",  # an ideographic full stop, as UTS #46 reads it
        "@例え",
        "xn--r8jz45g.jp",
        "例え.jp 請求書",
    ):
        assert _find(app, typed) == [t], typed
    assert _find(app, "例え.jp 別件") == []
    assert other not in (_find(app, "例え.jp") or [])


def test_a_unicode_domain_written_in_the_text_is_still_found_as_written(app: App) -> None:
    t = deliver(app, mail(subject="リンク", body="https://例え.jp/help が開けません。\n")).ticket_id
    assert _find(app, "例え.jp") == [t]
