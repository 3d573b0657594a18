"""What is wrong with a page of the ``/ticket`` modal, said under its block. Pure.

The fields go through the catalog's own :func:`~gateway.catalog.sheet.field_problems`,
the rules mail and the web form are read by, counting a date without its year
(``4/1``) from the day the page is sent, in the team's zone (the caller's clock); the
runner reads the stored values again from the day the submission came, so the two
agree. Split from :mod:`gateway.chat.slack.modal`, which lays the views out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from gateway.catalog.model import Entry
from gateway.catalog.sheet import field_problems
from gateway.chat.slack.modal import SUBJECT, TEXT, Typed, block_of, pages
from gateway.core import slack_length
from gateway.core.i18n import N_, translate


def errors(
    entry: Entry, form: Typed, locale: str, page: int = 0, today: date | None = None
) -> dict[str, str]:
    """Block id → what is wrong there, in the person's language; {} when all is well.

    The page ``page`` is checked; the last page checks the whole sheet (``form`` holds
    the earlier pages' values too), and a field of an earlier page that fails now (the
    catalog changed meanwhile) is said under the details, named by its label.
    ``today``: the day the page is sent in the team's zone (what ``4/1`` counts from)."""
    book = pages(entry)
    on_page = book[page]
    out: dict[str, str] = {}
    if page == 0 and not form.subject:
        out[SUBJECT] = translate(N_("Please write a subject."), locale)
    checked = entry if page == len(book) - 1 else replace(entry, fields=on_page)
    _, problems = field_problems(checked, form.fields, today)
    elsewhere: list[str] = []
    for name, why in problems.items():
        f = entry.field(name)
        if f is not None and f in on_page:
            out[block_of(f)] = translate(why, locale)
        elif f is not None:
            elsewhere.append(f"{f.label(locale)}: {translate(why, locale)}")
    if elsewhere:
        out[TEXT] = slack_length.fit(" / ".join(elsewhere), 2000)
    return out
