"""Full-text search over what people wrote: subject and text, Japanese substrings too.

Japanese has no spaces to split words on, so both backends index character
trigrams and answer substring queries:

* SQLite: an FTS5 table with the ``trigram`` tokenizer (``message_search``),
  one row per incoming message, filled by triggers on ``messages``: every
  INSERT, UPDATE and DELETE of a message keeps it in step, whichever code
  wrote the message, so there is no second write path that could forget.
  The index keeps no positions (``detail=none``): it answers "which rows hold
  every trigram of the term", and :func:`contains` then checks the term itself in
  those rows. Positions would answer the substring question alone, but indexing
  them was a tenth of what a stored message cost (bench/ingest.py, issue #18)
  and doubled the index.
* PostgreSQL: ``pg_trgm`` and a GIN index on the expression
  ``subject || ' ' || text`` of incoming messages; an index on the table
  itself cannot fall out of step.

A query of three characters or more uses the index; shorter ones (``予約``)
still work, by scanning. The objects live outside the models (SQLAlchemy has no
FTS5 table); :func:`include_name` keeps them out of the "models match the
migrations" comparison.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from gateway.core.text import is_cjk, kana_spellings, normalise, unseen_dropped

FTS_TABLE = "message_search"
PG_INDEX = "ix_messages_search_trgm"
PG_DOCUMENT = "(subject || ' ' || text)"
MAX_TERMS = 8  # words of one query; more are ignored
MAX_HITS = 5000  # tickets a search can return (the page shows far fewer)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For Alembic: compare everything except the search index's own objects."""
    return not (name or "").startswith((FTS_TABLE, PG_INDEX))


# ---------------------------------------------------------------- schema (migrations)


def create(conn: Connection) -> None:
    """The search index for this backend, filled from the messages already stored."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_DDL:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(
            f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, subject, text) "
            "SELECT id, ticket_id, subject, text FROM messages WHERE direction = 'in'"
        )
    elif conn.dialect.name == "postgresql":
        schema = _trgm_schema(conn)
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON messages USING gin "
            f"(({PG_DOCUMENT}) {schema}.gin_trgm_ops) WHERE direction = 'in'"
        )


def drop(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{trigger}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")


def _trgm_schema(conn: Connection) -> str:
    """Install pg_trgm once per database (in ``public`` when there is one, so a
    schema dropped later cannot take it along) and say where it is."""
    has_public = conn.exec_driver_sql(
        "SELECT 1 FROM pg_namespace WHERE nspname = 'public'"
    ).scalar()
    where = " WITH SCHEMA public" if has_public else ""
    conn.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS pg_trgm{where}")
    schema = conn.exec_driver_sql(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
    ).scalar()
    return str(schema)


_FILL = (
    f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, subject, text) "
    "VALUES (new.id, new.ticket_id, new.subject, new.text)"
)
# Note for later migrations: a batch ALTER of ``messages`` on SQLite copies the
# table and drops these triggers; such a migration must call create() again.
_SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} "
    "USING fts5(ticket_id UNINDEXED, subject, text, tokenize = 'trigram', detail = none)",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON messages "
    f"WHEN new.direction = 'in' BEGIN {_FILL}; END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON messages "
    f"BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE ON messages "
    f"BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = old.id; "
    f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, subject, text) "
    "SELECT new.id, new.ticket_id, new.subject, new.text WHERE new.direction = 'in'; END",
)


# ---------------------------------------------------------------- queries


def query_terms(query: str) -> list[str]:
    """The words of a query (white space separates them), each as typed but for the
    characters nobody sees (a zero-width space a paste brought: :func:`unseen_dropped`)."""
    return unseen_dropped(query).split()[:MAX_TERMS]


def matching_tickets(session: Session, query: str) -> list[int] | None:
    """Ids of tickets with an incoming message containing every term (subject or
    text, case-insensitive), newest first; None for a query without terms."""
    terms = query_terms(query)
    if not terms:
        return None
    if session.get_bind().dialect.name == "postgresql":
        return _postgres(session, terms)
    return _sqlite(session, terms)


def _variants(term: str) -> list[str]:
    """The term as typed, NFKC-folded (ＶＰＮ → vpn, ﾌﾟﾘﾝﾀ → プリンタ), and that folded
    term in the other widths Japanese mail is written in: full-width Latin
    (vpn → ｖｐｎ, which the index and :func:`contains` fold to ＶＰＮ) and
    half-width katakana (プリンタ → ﾌﾟﾘﾝﾀ). The index holds the text as written,
    so each width a word may have been written in is a variant to look for.

    Kana are spelled by the catalog's own rule (:func:`kana_spellings`): the ー ending
    a kana word is optional, so サーバー室 is also looked for as サーバ室 and the reverse
    (and as ｻｰﾊﾞ室), and hiragana is katakana, so プリンター is also looked for as
    ぷりんた and ぷりんたー as プリンタ; a term's last word needs only its folded form
    (サーバ is in サーバー). A form shorter than a trigram is left out: it would turn the term's
    indexed lookup into a scan, and two-kana words keep their ー in writing (キー)."""
    folded = normalise(term)
    forms = [term, folded, _wide(folded), _narrow(folded)]
    if is_cjk(folded):
        spellings = kana_spellings(folded)
        forms += [f for s in spellings if len(s) >= 3 for f in (s, _narrow(s))]
    forms += _company_forms(folded)
    return list(dict.fromkeys(forms))


# A company's legal form as Japanese mail writes it: whole, in brackets of either width,
# or as one enclosed sign (older systems, signatures). NFKC folds the sign and the wide
# brackets to "(株)", so the folded term holds the whole form or "(株)" only.
_LEGAL_FORMS = {
    "株式会社": ("(株)", "（株）", "㈱"),  # kabushiki kaisha
    "有限会社": ("(有)", "（有）", "㈲"),  # yūgen kaisha
    "合同会社": ("(同)", "（同）"),  # gōdō kaisha: no enclosed sign
    "合資会社": ("(資)", "（資）", "㈾"),  # gōshi kaisha
    "合名会社": ("(名)", "（名）", "㈴"),  # gōmei kaisha
}


def _company_forms(folded: str) -> list[str]:
    """``folded`` with each legal form it names written every other way (㈱山田 for
    株式会社山田, and back). A term naming none gives nothing."""
    out: list[str] = []
    for whole, short in _LEGAL_FORMS.items():
        for written in (whole, short[0]):
            if written in folded:
                out += [folded.replace(written, other) for other in (whole, *short)]
    return out


def _wide(term: str) -> str:
    """ASCII letters, digits and signs as their full-width forms (U+FF01–FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in term)


def _narrow(term: str) -> str:
    """Katakana (and the marks written with it) as half-width katakana; a voiced
    kana is its base and a separate mark (プ → ﾌﾟ), as half-width text writes it."""
    out = []
    for c in term:
        parts = unicodedata.normalize("NFD", c) if "\u30a0" <= c <= "\u30ff" else c
        if all(p in _HALF_WIDTH for p in parts):
            out.append("".join(_HALF_WIDTH[p] for p in parts))
        else:
            out.append(c)
    return "".join(out)


# the full-width character (or combining mark) each half-width katakana form folds to
_HALF_WIDTH = {
    unicodedata.normalize("NFKC", chr(n)): chr(n)
    for n in range(0xFF61, 0xFFA0)
    if len(unicodedata.normalize("NFKC", chr(n))) == 1
}


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _sqlite(session: Session, terms: Sequence[str]) -> list[int]:
    """Terms of three characters or more go to the trigram index: rows holding each of
    the term's trigrams, in any order, which :func:`contains` narrows to the rows
    holding the term; shorter ones are LIKE filters."""
    matches: list[str] = []
    clauses: list[str] = []
    params: dict[str, str] = {}
    for i, term in enumerate(terms):
        variants = _variants(term)
        keys = [f"p{i}_{j}" for j in range(len(variants))]
        if all(len(v) >= 3 for v in variants):
            matches.append("(" + " OR ".join(_trigrams(v) for v in variants) + ")")
            params.update(zip(keys, variants, strict=True))
            checks = (f"{CONTAINS}(subject, :{k}) OR {CONTAINS}(text, :{k})" for k in keys)
            clauses.append("(" + " OR ".join(checks) + ")")
            continue
        alternatives = []
        for key, variant in zip(keys, variants, strict=True):
            params[key] = _like(variant)
            alternatives.append(f"subject LIKE :{key} ESCAPE '\\' OR text LIKE :{key} ESCAPE '\\'")
        clauses.append("(" + " OR ".join(alternatives) + ")")
    if matches:
        params["m"] = " AND ".join(matches)
        clauses.insert(0, f"{FTS_TABLE} MATCH :m")
    sql = (
        f"SELECT ticket_id FROM {FTS_TABLE} WHERE {' AND '.join(clauses)} "
        f"GROUP BY ticket_id ORDER BY ticket_id DESC LIMIT {MAX_HITS}"
    )
    return [int(r[0]) for r in session.execute(text(sql), params)]


def _trigrams(term: str) -> str:
    """Every trigram of ``term`` as one FTS5 query: each a string of its own (the
    index has no positions to match a phrase with), all required."""
    grams = dict.fromkeys(term[k : k + 3] for k in range(len(term) - 2))
    return "(" + " AND ".join('"' + g.replace('"', '""') + '"' for g in grams) + ")"


CONTAINS = "gw_contains"  # the SQL name :func:`contains` is registered under


def contains(haystack: str | None, needle: str | None) -> bool:
    """Whether ``needle`` is in ``haystack``, case-insensitive as the trigram index is
    (Unicode case folding, not only ASCII as LIKE): the check behind an index hit.
    Registered on every SQLite connection (:func:`store.db.make_engine`); it runs only
    on the rows the index found."""
    if not haystack or not needle:
        return False
    return needle.casefold() in haystack.casefold()


def _postgres(session: Session, terms: Sequence[str]) -> list[int]:
    clauses, params = [], {}
    for i, term in enumerate(terms):
        alternatives = []
        for j, variant in enumerate(_variants(term)):
            key = f"p{i}_{j}"
            params[key] = _like(variant)
            alternatives.append(f"{PG_DOCUMENT} ILIKE :{key}")
        clauses.append("(" + " OR ".join(alternatives) + ")")
    sql = (
        f"SELECT ticket_id FROM messages WHERE direction = 'in' AND {' AND '.join(clauses)} "
        f"GROUP BY ticket_id ORDER BY ticket_id DESC LIMIT {MAX_HITS}"
    )
    stmt = text(sql).bindparams(*(bindparam(k) for k in params))
    return [int(r[0]) for r in session.execute(stmt, params)]
