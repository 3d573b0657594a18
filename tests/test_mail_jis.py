"""A Japanese mail sent in ISO-2022-JP (``[gateway] iso2022jp``, for old Japanese clients)
stays in it when nothing in it needs more: the catalog's own Japanese words all encode
in ISO-2022-JP, or one of them (an em dash) would send the whole mail in UTF-8."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.pofile import read_po

from gateway.core import weeks
from gateway.notify import compose
from gateway.notify import views as v
from gateway.notify.render import Renderer
from tests.support.samples import SAMPLES

JA = Path(__file__).resolve().parents[1] / "gateway/locale/ja/LC_MESSAGES/messages.po"


def _jis(text: str) -> bool:
    try:
        text.translate(compose._WINDOWS_TO_JIS).encode("iso2022_jp")
    except UnicodeEncodeError:
        return False
    return True


def test_every_japanese_word_of_the_catalog_goes_in_iso_2022_jp() -> None:
    with JA.open("rb") as f:
        catalog = read_po(f)
    texts = [
        s
        for m in catalog
        if m.id
        for s in (m.string if isinstance(m.string, tuple) else (m.string,))
    ]
    assert len(texts) > 500
    assert [t for t in texts if not _jis(t)] == []


def test_the_summary_naming_entries_outside_the_catalog_goes_in_iso_2022_jp() -> None:
    sample = next(s for s in SAMPLES if isinstance(s, v.WeeklySummary) and s.outside_catalog)
    summary = replace(sample, period=weeks.span_label(date(2026, 3, 2), date(2026, 3, 8)))
    parts = Renderer().render(summary, "ja")
    env = compose.Envelope(
        kind="weekly_summary",
        sender=v.Person("support@example.test", "サポート窓口"),
        to=summary.recipient,
        message_id=compose.new_message_id("example.test", None),
        date=datetime(2026, 3, 9, 0, 0, tzinfo=UTC),
        auto_submitted="auto-generated",
        charset="iso-2022-jp",
    )
    msg = email.message_from_bytes(compose.compose(env, parts), policy=email.policy.default)
    body = msg.get_body(("plain",))
    assert body is not None and body.get_content_charset() == "iso-2022-jp"
    assert "catalog refile --from ID" in body.get_content()
