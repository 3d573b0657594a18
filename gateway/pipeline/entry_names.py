"""Which catalog entry ``/category <entry>`` names, or what to tell the member instead;
and why ``/approve`` finds nothing to approve under the ticket's entry.

Pure. A member files a ticket under an entry by its id (``/category account``) or by its
name as the pages and mails show it (``/category アカウント``, ``/category Accounts``).
A word that names none is answered, as an unknown command is, with the entry most
likely meant (``/category acount``: Accounts (account)?), else with the entries
themselves, name and id, at most :data:`LISTED` of them: the help cannot name a
team's catalog, the refusal can.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from gateway.catalog.model import Entry
from gateway.core.i18n import LOCALES, N_, Msg, translate
from gateway.core.spelling import meant
from gateway.core.text import kana_folded, normalise, visible

LISTED = 10  # entries a refusal lists; "…" says there are more


def entry_named(word: str, ids: Collection[str], entries: Sequence[Entry]) -> str | Msg:
    """The id of the entry ``word`` names (``ids``: the catalog's; ``entries``: the same
    entries with their names, () when the caller has none), or why there is none."""
    wanted = word.lower()  # entry ids are lower-case (catalog check): /category VPN
    if wanted in ids:
        return wanted
    names = _names(entries)
    named = names.get(_key(word), set())
    if len(named) == 1:
        return next(iter(named))
    by_id = {e.id: e for e in entries}
    likely = meant(wanted, list(ids)) or _meant_by_name(word, names)
    if likely is not None:
        known = by_id[likely].said_with_id() if likely in by_id else likely
        return N_(
            "unknown catalog entry '{entry}'; did you mean {known}?",
            entry=visible(word),
            known=known,
        )
    listed = [by_id[i].said_with_id() if i in by_id else i for i in ids]
    return N_(
        "unknown catalog entry '{entry}'; the entries are: {entries}",
        entry=visible(word),
        entries=listed_said(listed),
    )


def _names(entries: Sequence[Entry]) -> dict[str, set[str]]:
    """Each entry's names in every language (normalised) → the ids they name."""
    out: dict[str, set[str]] = {}
    for entry in entries:
        for name in entry.said().values():
            out.setdefault(_key(name), set()).add(entry.id)
    return out


def _key(name: str) -> str:
    """A name as compared: normalised, its spaces one ASCII space ("VPN and  remote
    access", 「VPN　接続」 as typed in a reply), its kana folded as the catalog folds
    keywords and mail (:func:`~gateway.core.text.kana_folded`): ぷりんたー and プリンタ
    name the entry プリンター, as those words in a mail would file it there."""
    return kana_folded(" ".join(normalise(name).split()))


def _meant_by_name(word: str, names: Mapping[str, set[str]]) -> str | None:
    near = meant(_key(word), [n for n, ids in names.items() if len(ids) == 1])
    return next(iter(names[near])) if near is not None else None


def listed_said(items: Sequence[Msg | str]) -> Mapping[str, str]:
    """``items`` as each reader reads them, in their language's list (、 in Japanese), the
    first :data:`LISTED` of them and "…" after: a parameter of a Msg (core.i18n)."""
    shown = items[:LISTED]
    more = ["…"] if len(items) > LISTED else []
    return {
        loc: translate(N_(", "), loc).join([*(translate(i, loc) for i in shown), *more])
        for loc in LOCALES
    }


def not_approvable(entry: Entry | None, entry_id: str | None) -> Msg | None:
    """Why ``/approve`` has nothing to run (None: the entry's action waits for approval):
    ``entry``, the ticket's entry in the catalog, None when ``entry_id``, the one it is
    filed under, was removed from it since (``catalog refile --from`` moves its tickets)."""
    if entry is None and entry_id:
        return N_(
            "this ticket's entry '{entry}' is no longer in the catalog; "
            "file it under another with /category",
            entry=entry_id,
        )
    if entry is None or entry.action is None or entry.action.when != "approved":
        said = entry.said() if entry is not None else "-"  # by its name
        return N_("entry '{entry}' has no action that waits for approval", entry=said)
    return None
