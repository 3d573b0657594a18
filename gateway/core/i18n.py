"""Every string a person reads comes from a gettext catalog: ``ja`` and ``en``.

Code that decides (a refused command, a rejected field value, a status line)
does not know who will read the result, so it returns a :class:`Msg` — the
English msgid and its parameters — marked with :func:`N_` so Babel extracts
it; whoever renders (a mail template, a page, the CLI) translates it into the
reader's language with :func:`translate`. Mail and page templates use the same
catalogs through Jinja2's i18n extension (:func:`translations`).

The catalogs live in ``gateway/locale/<locale>/LC_MESSAGES/messages.po`` and
are compiled to ``.mo`` files that ship in the package; a test fails when a
msgid lacks a translation, a translation is fuzzy, or a ``.mo`` is stale.
Stdlib only: the MTA pipe path may render an acknowledgement.
"""

from __future__ import annotations

import gettext
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from gateway.core.spacing import joined
from gateway.core.text import normalise
from gateway.core.zone import When

K = TypeVar("K")

LOCALES = ("ja", "en")
DEFAULT_LOCALE = "en"  # what an unknown locale falls back to
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
_FORMATTER = string.Formatter()


@dataclass(frozen=True, slots=True)
class Msg:
    """A message to be said in the reader's language: an English msgid (with
    ``{name}`` placeholders) and the values that fill them."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)
    plural: str | None = None  # the English plural msgid (:func:`NP_`), else one form only
    n: int = 1  # the count that picks the form, when there is a plural

    def __str__(self) -> str:  # for logs and events: always English
        return translate(self, DEFAULT_LOCALE)


def N_(msgid: str, /, **params: object) -> Msg:  # the conventional gettext marker name
    """Mark ``msgid`` for extraction and carry its parameters until rendering."""
    return Msg(msgid, params)


def NP_(msgid: str, plural: str, n: int, /, **params: object) -> Msg:
    """Like :func:`N_`, with the plural form ``n`` chooses (gettext's ngettext): English
    says "1 mail" and "2 mails", never "mail(s)"; Japanese has one form for both."""
    return Msg(msgid, params, plural, n)


def base_language(tag: str) -> str | None:
    """The language of ours a tag names, whatever region or script follows it and
    however it is written: ``en-GB``, ``en_US`` (the POSIX form some clients send),
    ``JA-jp``, ``ja-Hira-JP``; None for another language or no tag at all."""
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LOCALES else None


def supported(locale: str | None) -> str:
    """``locale`` if we have a catalog for it, else the default."""
    return locale if locale in LOCALES else DEFAULT_LOCALE


@lru_cache(maxsize=len(LOCALES) + 1)
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of ``locale`` (loaded once per process)."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[supported(locale)], fallback=True)


def gettext_for(locale: str, text: str) -> str:
    return translations(locale).gettext(text)


def translate(message: Msg | str, locale: str, *, times: bool = False) -> str:
    """A :class:`Msg` in ``locale`` with its parameters filled in (each parameter that
    is itself a Msg is translated too); a plain string is returned as it is: it is
    data (a subject, a name), not a message of ours. ``times``: a time
    (:class:`~gateway.core.zone.When`) is said as the mails and pages say it, with
    its weekday in the reader's form; else in its plain form, as the CLI and the log."""
    if times and isinstance(message, When):
        return message.said(locale)
    if isinstance(message, str):
        return message
    text = (
        gettext_for(locale, message.msgid)
        if message.plural is None
        else translations(locale).ngettext(message.msgid, message.plural, message.n)
    )
    if not message.params:
        return text
    values = {k: _in(v, locale, times) for k, v in message.params.items()}
    return _filled(text, values)


def _in(value: object, locale: str, times: bool = False) -> object:
    """A parameter as a reader of ``locale`` reads it: a Msg translated; a mapping of
    locale to text (a team's own words in each language, such as a catalog's choice
    labels, which no gettext catalog holds) the text for ``locale``, else the English;
    with ``times``, a time in the reader's form (:func:`translate`)."""
    if isinstance(value, Msg | When) and (times or isinstance(value, Msg)):
        return translate(value, locale, times=times)
    if isinstance(value, Mapping) and "msgid" not in value and _in_languages(value):
        return value.get(locale) or value.get("en") or next(iter(value.values()), "")
    return value


def _in_languages(value: Mapping[object, object]) -> bool:
    """Whether a mapping is words per language (keyed by ours, or none yet): one of other
    keys is data, shown as it is (a TOML table written where a string goes; its first
    value alone, "must be a string, not 1", named nothing the operator wrote)."""
    return not value or any(k in LOCALES for k in value)


def _filled(text: str, values: Mapping[str, object]) -> str:
    """``text.format(**values)``, with no space between a Japanese value and the
    particle after (or before) it (:func:`gateway.core.spacing.joined`)."""
    pieces: list[tuple[str, bool]] = []
    for literal, name, spec, conversion in _FORMATTER.parse(text):
        pieces.append((literal, False))
        if name is not None:
            value = _FORMATTER.convert_field(_FORMATTER.get_field(name, (), values)[0], conversion)
            pieces.append((_FORMATTER.format_field(value, spec or ""), True))
    return joined(pieces)


def own_words(words: Mapping[str, str]) -> Msg:
    """A team's own words in each language (a catalog entry's names: アカウント,
    Accounts) as a Msg, printed by a template in its reader's language as our own
    messages are. No catalog holds them: the msgid is the bare placeholder, which
    gettext returns as it is; str() of it (logs) is the English."""
    return Msg("{words}", {"words": dict(words)})


def dump(message: Msg) -> dict[str, Any]:
    """``message`` as JSON-able data (a nested Msg too), for a row that says it again later."""
    params = {k: dump(v) if isinstance(v, Msg) else v for k, v in message.params.items()}
    data: dict[str, Any] = {"msgid": message.msgid, "params": params}
    if message.plural is not None:
        data.update(plural=message.plural, n=message.n)
    return data


def kept(said: object, text: str) -> Msg | str:
    """What a row kept to say again: the Msg :func:`dump` wrote (so that each reader
    reads it in their language), else ``text`` (an older row, or a person's words)."""
    if isinstance(said, Mapping) and "msgid" in said:
        return load(said)
    return text


def load(data: Mapping[str, Any]) -> Msg:
    """The Msg that :func:`dump` wrote."""
    params = {
        k: load(v) if isinstance(v, Mapping) and "msgid" in v else v
        for k, v in dict(data.get("params") or {}).items()
    }
    plural = data.get("plural")
    return Msg(
        str(data["msgid"]), params, None if plural is None else str(plural), int(data.get("n", 1))
    )


def named(word: str, names: Mapping[K, Sequence[Msg]]) -> K | None:
    """The key that ``word`` is a name of, in any catalog (width and case aside): a
    member writes ``/close 解決`` or ``/priority 緊急``, the words the pages and the mails
    use for them, not only the English values the grammar lists."""
    wanted = normalise(word.strip())
    for key, msgs in names.items():
        if any(normalise(translate(m, loc)) == wanted for m in msgs for loc in LOCALES):
            return key
    return None
