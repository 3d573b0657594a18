"""``/category <name>`` reads an entry's name as the catalog reads Japanese keywords:
through :func:`~gateway.core.text.kana_folded`, so a member whose input method was left
in hiragana (ぷりんたー) or who writes the JIS spelling without the final ー (プリンタ)
names the entry プリンター, as the same words in a mail would file it there."""

from __future__ import annotations

import pytest

from gateway.catalog.model import Entry
from gateway.pipeline.entry_names import entry_named

ENTRIES = (
    Entry("printer", {"ja": "プリンター", "en": "Printers"}),
    Entry("server", {"ja": "サーバー室の機器", "en": "Server room"}),
    Entry("other", {"ja": "その他", "en": "Other"}, fallback=True),
)
IDS = [e.id for e in ENTRIES]


@pytest.mark.parametrize(
    ("word", "entry"),
    [
        ("プリンター", "printer"),  # as written
        ("ぷりんたー", "printer"),  # hiragana
        ("プリンタ", "printer"),  # no final ー
        ("ﾌﾟﾘﾝﾀｰ", "printer"),  # half-width (NFKC)
        ("さーばー室の機器", "server"),  # hiragana, inner word end
        ("サーバ室の機器", "server"),
        ("server  ROOM", "server"),
    ],
)
def test_an_entry_is_named_in_any_kana_spelling(word: str, entry: str) -> None:
    assert entry_named(word, IDS, ENTRIES) == entry


def test_a_name_that_folds_to_two_entries_names_neither() -> None:
    twins = (*ENTRIES, Entry("printer2", {"ja": "ぷりんた", "en": "Printer two"}))
    assert not isinstance(entry_named("プリンター", [e.id for e in twins], twins), str)
