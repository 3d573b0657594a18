"""Maintain the gettext catalogs: extract, update, compile, check.

    .venv/bin/python tools/i18n.py update    # after changing strings in code or templates
    .venv/bin/python tools/i18n.py compile   # after translating: writes the .mo files
    .venv/bin/python tools/i18n.py check     # what the test suite checks
    .venv/bin/python tools/i18n.py dates     # CLDR's date forms, for gateway/core/date_forms.py

English is the source language: the msgids are the English text, and the
``en`` catalog's empty entries are filled with the msgid on ``update`` (a
translator may still override one). ``ja`` entries are written by hand; a new
or changed msgid arrives empty or fuzzy and ``check`` fails until it is done.
"""

from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gateway.core.date_forms import FORMS, DateForms  # this checkout's, as ROOT is

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "gateway" / "locale"
POT = LOCALE_DIR / "messages.pot"
LOCALES = ("ja", "en")
SOURCE = "en"
METHODS = [("gateway/**.py", "python"), ("templates/**.j2", "jinja2")]
OPTIONS = {"templates/**.j2": {"extensions": "jinja2.ext.i18n"}}


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def mo_path(locale: str) -> Path:
    return po_path(locale).with_suffix(".mo")


def extract() -> Catalog:
    """Every marked string in the code (``N_``, ``_``) and the templates."""
    template = Catalog(project="ticket-gateway", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT,
        METHODS,
        options_map=OPTIONS,
        keywords={"N_": None, "NP_": (1, 2), "_": None, "gettext": None, "ngettext": (1, 2)},
    ):
        if "/." in filename or filename.startswith("."):
            continue
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = BytesIO()
    write_po(buf, catalog, width=100, omit_header=False, sort_output=True)
    path.write_bytes(buf.getvalue())


def read(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, project="ticket-gateway", charset="utf-8")
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def update() -> None:
    template = extract()
    _write(template, POT)
    for locale in LOCALES:
        catalog = read(locale)
        catalog.update(template, no_fuzzy_matching=False)
        if locale == SOURCE:
            for message in catalog:  # a fuzzy guess from a neighbour is never the source
                if message.id and (not _translated(message.string) or message.fuzzy):
                    message.string = message.id  # a plural's (singular, plural) too
                    message.flags.discard("fuzzy")
        catalog.obsolete.clear()
        _write(catalog, po_path(locale))
    print(f"{len(template)} messages; catalogs updated under {LOCALE_DIR}")


def compile_all() -> None:
    for locale in LOCALES:
        catalog = read(locale)
        buf = BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        mo_path(locale).write_bytes(buf.getvalue())
    print("compiled: " + ", ".join(str(mo_path(loc)) for loc in LOCALES))


def problems() -> list[str]:
    """What is wrong with the catalogs: missing, fuzzy, stale .pot or .mo."""
    out: list[str] = []
    wanted = {m.id for m in extract() if m.id}
    for locale in LOCALES:
        catalog = read(locale)
        have = {m.id: m for m in catalog if m.id}
        out += [
            f"{locale}: not in the catalog: {mid!r}" for mid in sorted(wanted - set(have), key=str)
        ]
        for mid, m in have.items():
            if mid in wanted and not _translated(m.string):
                out.append(f"{locale}: untranslated: {mid!r}")
            elif mid in wanted and m.fuzzy:
                out.append(f"{locale}: fuzzy: {mid!r}")
        if not mo_path(locale).exists():
            out.append(f"{locale}: {mo_path(locale)} missing (run: tools/i18n.py compile)")
            continue
        with mo_path(locale).open("rb") as fh:
            compiled = {_key(m.id): _key(m.string) for m in read_mo(fh) if m.id}
        current = {
            _key(mid): _key(m.string)
            for mid, m in have.items()
            if _translated(m.string) and not m.fuzzy
        }
        if compiled != current:
            out.append(f"{locale}: {mo_path(locale).name} is stale (run: tools/i18n.py compile)")
    return out + date_problems()


def cldr_forms(locale: str) -> DateForms:
    """``locale``'s date forms as Babel's CLDR data has them."""
    from babel import Locale

    where = Locale.parse(locale)
    days, months = where.days["format"]["abbreviated"], where.months["format"]["abbreviated"]
    return DateForms(
        date=where.datetime_skeletons["yMMMEd"].pattern,
        month_day=where.datetime_skeletons["MMMd"].pattern,
        clock=where.datetime_skeletons["Hm"].pattern,
        glue=str(where.datetime_formats["medium"]),
        days=tuple(days[i] for i in range(7)),
        months=tuple(months[i] for i in range(1, 13)),
    )


def date_problems() -> list[str]:
    """gateway/core/date_forms.py's table against CLDR's (Babel's): a Babel upgrade
    that changes a form is seen here."""
    return [
        f"{locale}: gateway/core/date_forms.py differs from CLDR (run: tools/i18n.py dates)"
        for locale in LOCALES
        if FORMS.get(locale) != cldr_forms(locale)
    ]


def _translated(string: object) -> bool:
    """A message's translation is there: every form of a plural one."""
    if isinstance(string, (list, tuple)):
        return bool(string) and all(string)
    return bool(string)


def _key(value: object) -> object:
    """A plural message's forms as a tuple (a .mo file reads them as a list)."""
    return tuple(value) if isinstance(value, list) else value


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "dates":
        for locale in LOCALES:
            print(f"{locale!r}: {cldr_forms(locale)!r},")
    elif command == "check":
        found = problems()
        for p in found:
            print(p)
        print("catalogs ok" if not found else f"{len(found)} problem(s)")
        return 1 if found else 0
    else:
        print(__doc__)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
