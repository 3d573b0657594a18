"""The forms a search term is looked for in, and the SQL that looks for them: shared by
the search of what people wrote (:mod:`store.search`) and of who wrote it and the files
they sent (:mod:`store.search_senders`), so a term means the same in each.

A term is looked for as typed and in the other widths and spellings Japanese mail
writes it in (:func:`variants`). On SQLite, a term of three characters or more goes
to an FTS5 trigram index and each hit is checked by :func:`contains` (the index keeps
no positions); a shorter one is a LIKE. On PostgreSQL, every term is an ILIKE, which
a ``pg_trgm`` GIN index answers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from gateway.core.domains import BadDomain, ascii_domain
from gateway.core.text import is_cjk, kana_spellings, normalise, unseen_dropped

MAX_TERMS = 8  # words of one query; more are ignored
# characters of one term looked for (the page's box takes 200 in all; ``tickets list
# --search`` had no bound): a term's cost grows with its trigrams and spellings
MAX_TERM = 200

# a phrase between a pair of quotes, as English and Japanese write them (NFKC reads
# ＂ as "; “” from a word processor), or a word; a quote without its pair is a character
_PHRASE_OR_WORD = re.compile('"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』|＂([^＂]+)＂|(\\S+)')


def query_terms(query: str) -> list[str]:
    """The terms of a query: its words (white space separates them, a control character
    pasted along too: a NUL made SQLite's index refuse the query) and its quoted phrases
    (``"disk full"``, 「ディスク 容量」: one term, its spaces as one), each as typed but
    for the characters nobody sees (:func:`unseen_dropped`), at most :data:`MAX_TERM`
    characters (a hit of the whole term holds them); the first :data:`MAX_TERMS`."""
    shown = "".join(" " if unicodedata.category(c) == "Cc" else c for c in unseen_dropped(query))
    terms: list[str] = []
    for found in _PHRASE_OR_WORD.finditer(shown):
        term = " ".join(next(g for g in found.groups() if g is not None).split())
        if term:  # a phrase of blanks is none
            terms.append(term[:MAX_TERM])
        if len(terms) == MAX_TERMS:
            break
    return terms


def variants(term: str) -> list[str]:
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
    indexed lookup into a scan, and two-kana words keep their ー in writing (キー).
    A company's legal form is looked for in its other writings (:func:`_company_forms`),
    a Unicode domain also as its A-labels (:func:`_a_labelled`)."""
    folded = normalise(term)
    forms = [term, folded, _wide(folded), _narrow(folded)]
    if is_cjk(folded):
        spellings = kana_spellings(folded)
        forms += [f for s in spellings if len(s) >= 3 for f in (s, _narrow(s))]
    forms += _company_forms(folded)
    forms += _a_labelled(folded)
    return list(dict.fromkeys(forms))


def _a_labelled(folded: str) -> list[str]:
    """``folded`` with the Unicode domain it is or ends with as its A-labels (``例え.jp``
    is ``xn--r8jz45g.jp``, ``田中@例え.jp`` is ``田中@xn--r8jz45g.jp``): the form every
    address is kept in (:func:`ascii_address`), while the list shows the domain as people
    read it. A domain is what follows an ``@``, or a term with a dot (``.`` or ``。``);
    a term with no such domain, or whose domain has no IDNA2008 form, gives nothing."""
    local, at, domain = folded.rpartition("@")
    if domain.isascii() or not (at or "." in domain or "\u3002" in domain):
        return []
    try:
        return [f"{local}{at}{ascii_domain(domain)}"]
    except BadDomain:
        return []


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


def indexed(term: str) -> bool:
    """Whether a trigram index can look ``term`` up: every form of it (:func:`variants`)
    has three characters or more. A shorter one has no trigram: it is a scan, or a check
    of rows found otherwise."""
    return all(len(v) >= 3 for v in variants(term))


def like_forms(term: str) -> list[str]:
    """The forms a LIKE looks for (a term too short for the index, on SQLite): each of
    :func:`variants` also in upper and lower case, as SQLite's LIKE folds only A-Z
    (ＶＰ, Ä) while the trigram index and PostgreSQL's ILIKE fold every letter."""
    forms = variants(term)
    cased = [c for f in forms if not f.isascii() for c in (f.upper(), f.lower())]
    return list(dict.fromkeys(forms + cased))


def like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def trigrams(term: str) -> str:
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


def sqlite_where(
    table: str, columns: Sequence[str], terms: Sequence[str], prefix: str = "p"
) -> tuple[str, dict[str, str]]:
    """The WHERE condition (and its parameters) of rows of FTS5 ``table`` holding every
    term in one of ``columns``: terms of three characters or more go to the trigram index
    (rows holding each of the term's trigrams, in any order), which :func:`contains`
    narrows to the rows holding the term; shorter ones are LIKE filters. The parameters'
    names start with ``prefix``: two conditions can be one statement's."""
    matches: list[str] = []
    clauses: list[str] = []
    params: dict[str, str] = {}
    for i, term in enumerate(terms):
        forms = variants(term) if indexed(term) else like_forms(term)
        keys = [f"{prefix}{i}_{j}" for j in range(len(forms))]
        if indexed(term):
            matches.append("(" + " OR ".join(trigrams(v) for v in forms) + ")")
            params.update(zip(keys, forms, strict=True))
            checks = (f"{CONTAINS}({c}, :{k})" for k in keys for c in columns)
            clauses.append("(" + " OR ".join(checks) + ")")
            continue
        alternatives = []
        for key, form in zip(keys, forms, strict=True):
            params[key] = like(form)
            alternatives += [f"{c} LIKE :{key} ESCAPE '\\'" for c in columns]
        clauses.append("(" + " OR ".join(alternatives) + ")")
    if matches:
        params[f"{prefix}m"] = " AND ".join(matches)
        clauses.insert(0, f"{table} MATCH :{prefix}m")
    return " AND ".join(clauses), params


def postgres_where(
    document: str, terms: Sequence[str], prefix: str = "p"
) -> tuple[str, dict[str, str]]:
    """The WHERE condition (and its parameters, named from ``prefix``) of rows whose
    ``document`` (an indexed expression) holds every term, case-insensitive."""
    clauses, params = [], {}
    for i, term in enumerate(terms):
        alternatives = []
        for j, form in enumerate(variants(term)):
            key = f"{prefix}{i}_{j}"
            params[key] = like(form)
            alternatives.append(f"{document} ILIKE :{key}")
        clauses.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(clauses), params
