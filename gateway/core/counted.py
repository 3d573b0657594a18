"""A count and its noun in English, for log lines and other admin-facing text.

Log lines are read by administrators in English and never go through gettext
(a person's mail, page or chat message does: :mod:`gateway.core.i18n` has the
catalogs' plural forms). "1 mail(s) queued" reads like a form to fill in;
:func:`counted` says "1 mail", "2 mails", "0 mails", as English does. Stdlib
only, no catalog: a value any layer may use.
"""

from __future__ import annotations


def counted(count: int, noun: str, plural: str = "") -> str:
    """``"1 mail"``, ``"0 mails"``, ``"3 mails"``: singular for exactly one, else the
    plural (``noun + "s"`` unless an irregular one is given: ``counted(2, "entry",
    "entries")``)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
