"""Full-text search: Japanese substrings, every term, wildcards taken literally, and an
index that follows every write to ``messages`` (SQLite triggers; PostgreSQL's index is
on the table itself). SQLite's index keeps no positions, so its hits are checked: a
term is found only where it stands whole, case folded beyond ASCII."""

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


def test_a_hit_is_the_term_itself_not_its_trigrams_scattered(app: App) -> None:
    """Every trigram of "abcd" is in "abcx bcd" and in a subject "abc" with a text "bcd";
    neither holds the term, and the index alone (no positions) cannot tell."""
    scattered = deliver(app, mail(subject="Ticket abcx", body="then xbcd and abcx bcd\n"))
    split = deliver(app, mail(subject="abc", body="bcd\n"))
    whole = deliver(app, mail(subject="about ABCD", body="nothing\n"))
    assert _find(app, "abcd") == [whole.ticket_id]
    assert _find(app, "xbcd") == [scattered.ticket_id]
    assert _find(app, "abc") == sorted(
        [scattered.ticket_id, split.ticket_id, whole.ticket_id], reverse=True
    )


def test_case_is_folded_beyond_ascii_and_quotes_are_literal(app: App) -> None:
    de = deliver(app, mail(subject="ÄRGER mit dem Drucker", body="Seit Montag.\n"))
    quoted = deliver(app, mail(subject="Error", body='It says "disk full" again.\n'))
    assert _find(app, "ärger") == [de.ticket_id]  # LIKE would fold only A-Z
    assert _find(app, 'says"') == [] and _find(app, '"disk') == [quoted.ticket_id]


def test_a_query_finds_the_other_width_of_what_was_written(app: App) -> None:
    """Japanese mail often has full-width Latin (ＶＰＮ) and, from older systems,
    half-width katakana (ﾌﾟﾘﾝﾀ); a member types vpn and プリンタ, and finds them."""
    wide = deliver(app, mail(subject="ＶＰＮ接続ができません", body="Ｗｉ－Ｆｉも不安定。\n"))
    narrow = deliver(app, mail(subject="ﾌﾟﾘﾝﾀが動きません", body="ﾄﾅｰ交換後から。\n"))
    plain = deliver(app, mail(subject="VPN and printer", body="プリンタも。\n"))
    assert _find(app, "vpn") == [plain.ticket_id, wide.ticket_id]
    assert _find(app, "VPN接続") == [wide.ticket_id]
    assert _find(app, "wi-fi") == [wide.ticket_id]
    assert _find(app, "プリンタ") == [plain.ticket_id, narrow.ticket_id]
    assert _find(app, "トナー") == [narrow.ticket_id]
    assert _find(app, "ﾌﾟﾘﾝﾀ") == [plain.ticket_id, narrow.ticket_id]
    assert _find(app, "ＶＰＮ") == [plain.ticket_id, wide.ticket_id]


def test_a_katakana_terms_final_long_vowel_is_optional_both_ways(app: App) -> None:
    """Japanese writes サーバ and サーバー alike (the catalog's keywords know it:
    gateway.core.text.keyword_form); a member who types either finds both, in either
    width, and still only where the word stands whole."""
    short = deliver(app, mail(subject="サーバが落ちました", body="朝から。\n"))
    long_ = deliver(app, mail(subject="障害", body="サーバーが応答しません。\n"))
    narrow = deliver(app, mail(subject="ｻｰﾊﾞ停止", body="至急。\n"))
    other = deliver(app, mail(subject="サービス停止", body="サーモスタットも。\n"))
    both = sorted([short.ticket_id, long_.ticket_id, narrow.ticket_id], reverse=True)
    assert _find(app, "サーバー") == both
    assert _find(app, "サーバ") == both  # the other way: a substring already
    assert _find(app, "ｻｰﾊﾞｰ") == both
    assert _find(app, "サーバー 至急") == [narrow.ticket_id]
    assert other.ticket_id not in (_find(app, "サーバー") or [])
    assert _find(app, "コンピューター") == []  # no scattered trigrams of コンピュータ either


def test_a_company_is_found_however_its_form_is_written(app: App) -> None:
    """Japanese mail writes a company's legal form whole (株式会社), in brackets of either
    width ((株), （株）) or as one enclosed sign (㈱, from older systems and signatures);
    a member who types any of them finds all, and only that form: 有限会社 is not 株式会社."""
    whole = deliver(app, mail(subject="見積依頼", body="株式会社山田製作所の佐藤です。\n"))
    sign = deliver(app, mail(subject="納期の件", body="㈱山田製作所 佐藤\n"))
    wide = deliver(app, mail(subject="請求書", body="（株）山田製作所 経理部\n"))
    narrow = deliver(app, mail(subject="ご相談", body="(株)山田製作所\n"))
    other = deliver(app, mail(subject="別件", body="㈲山田製作所の田中です。\n"))
    every = sorted(
        [whole.ticket_id, sign.ticket_id, wide.ticket_id, narrow.ticket_id], reverse=True
    )
    for typed in ("株式会社山田", "㈱山田", "(株)山田", "（株）山田製作所", "株式会社 山田製作所"):
        assert _find(app, typed) == every, typed
    assert _find(app, "有限会社山田") == [other.ticket_id]
    assert _find(app, "(有)山田") == [other.ticket_id]
    assert _find(app, "山田製作所") == sorted([*every, other.ticket_id], reverse=True)
    assert _find(app, "株式会社") == every  # the form alone, too


def test_a_katakana_word_ending_inside_a_term_is_found_in_both_spellings(app: App) -> None:
    """The catalog folds the ー that ends a katakana word wherever the word stands
    (gateway.core.text.kana_folded): サーバー室 is サーバ室. Search follows the
    same rule, both ways, in either width; a ー inside a katakana run is not optional."""
    short = deliver(app, mail(subject="サーバ室の空調", body="暑いです。\n"))
    long_ = deliver(app, mail(subject="障害", body="コンピューター室とサーバー室が停電。\n"))
    narrow = deliver(app, mail(subject="ｻｰﾊﾞ室", body="施錠。\n"))
    run = deliver(app, mail(subject="サーバラック室", body="増設。\n"))
    rooms = sorted([short.ticket_id, long_.ticket_id, narrow.ticket_id], reverse=True)
    assert _find(app, "サーバー室") == rooms
    assert _find(app, "サーバ室") == rooms
    assert _find(app, "ｻｰﾊﾞｰ室") == rooms
    assert _find(app, "コンピュータ室") == [long_.ticket_id]
    assert _find(app, "サーバ室 空調") == [short.ticket_id]
    assert run.ticket_id not in (_find(app, "サーバー室") or [])
    assert _find(app, "サーバーラック室") == []  # inside a run the ー is written or not


def test_a_loanword_typed_in_hiragana_is_found_as_katakana_and_back(app: App) -> None:
    """The catalog reads hiragana as katakana (gateway.core.text.kana_folded: a customer
    writes ぷりんたー for プリンター); search follows the same rule: プリンター finds the
    hiragana spelling, ぷりんたー finds the katakana ones, with or without the final ー,
    and a word ending inside the term (さーばー室) is found in every spelling."""
    hira = deliver(app, mail(subject="ぷりんたーがこわれました", body="さーば室もです。\n"))
    kata = deliver(app, mail(subject="プリンタ故障", body="サーバー室の件。\n"))
    narrow = deliver(app, mail(subject="ﾌﾟﾘﾝﾀｰ", body="至急。\n"))
    other = deliver(app, mail(subject="ぷりんの件", body="さばの件。\n"))
    printers = sorted([hira.ticket_id, kata.ticket_id, narrow.ticket_id], reverse=True)
    assert _find(app, "プリンター") == printers
    assert _find(app, "ぷりんたー") == printers
    assert _find(app, "ぷりんた") == printers
    assert _find(app, "さーばー室") == sorted([hira.ticket_id, kata.ticket_id], reverse=True)
    assert _find(app, "サーバ室") == sorted([hira.ticket_id, kata.ticket_id], reverse=True)
    assert other.ticket_id not in (_find(app, "プリンター") or [])
    assert _find(app, "さーば") == sorted([hira.ticket_id, kata.ticket_id], reverse=True)
    grammar = deliver(app, mail(subject="交換したいです", body="よろしく。\n"))
    thai = deliver(app, mail(subject="タイ支社", body="至急。\n"))
    assert _find(app, "タイ") == [thai.ticket_id]  # two kana: not in したい (same_script)
    assert grammar.ticket_id in (_find(app, "たい") or [])


def test_a_term_pasted_with_characters_nobody_sees_finds_what_it_shows(app: App) -> None:
    """Copied from a chat post (ours put a zero-width space inside a link or after an @
    so Slack makes nothing of them), a web page or a spreadsheet, a term carried a
    zero-width space or a BOM: the box showed "プリンタ" and "www.example.test", and the
    list said no ticket matched."""
    t = deliver(app, mail(subject="プリンタの件", body="www.example.test が開けません。\n"))
    assert _find(app, "\u200bプリンタ\ufeff") == [t.ticket_id]
    assert _find(app, "www\u200b.example.test") == [t.ticket_id]
    assert _find(app, "\u200b \u2060") is None  # no term at all: the whole list
