"""No line of our own words in a plain-text mail is longer than RFC 5322 advises.

Every mail kind, in both languages, rendered with long names and subjects (English
with spaces, Japanese without): our sentences are wrapped to 76 columns (a
full-width character is two, and so are “ … → for a Japanese reader), while the
people's words we quote, the URLs, the command help a reader copies and the
listings (``Subject: …``, ``[#42] …``) come out byte for byte as they went in.
"""

from __future__ import annotations

import dataclasses

import pytest

from gateway.core.i18n import Msg, translate
from gateway.core.wrap import WIDTH, width_of
from gateway.notify import views as v
from gateway.notify.render import Renderer
from tests.support.samples import BRIEF, SAMPLES, said

NAMES = {
    "en": "Very Long Requester Name of the Department of Administrative Affairs Incorporated",
    "ja": "株式会社とても長い名前の会社情報システム部門運用管理グループ長期出張中の山田花子",
}
SUBJECTS = {
    "en": "The VPN client cannot connect from the branch office since this morning's update",
    "ja": "今朝のアップデート以降、支店のオフィスからVPNクライアントで"
    "社内ネットワークに接続できません",
}
# the people's words: lines longer than ours may be, a URL, and Japanese run on
QUOTE = (
    "Hello, the client says: error 809, the network connection between your computer and"
    " the VPN server could not be established (see https://support.example.test/kb/809).\n"
    "> 昨日の夕方から、社内ネットワークに接続しようとすると"
    "エラー809が表示されて接続できない状態です。\n"
    "Thanks"
)
LABELS = ("Ticket:", "Subject:", "Requester:", "Category:", "Received:")  # listings


def _long(value: object, locale: str) -> object:
    """``value`` with long names, subjects and quoted words, however deep."""
    if isinstance(value, v.Person):
        return v.Person(value.email, NAMES[locale])
    if isinstance(value, tuple):
        return tuple(_long(x, locale) for x in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            quotes = not isinstance(value, v.CommandLine)  # there "text" is the command
            if f.name in ("text", "excerpt", "output") and quotes and isinstance(old, str) and old:
                changes[f.name] = QUOTE
            elif f.name == "subject" and isinstance(value, v.TicketRef):
                changes[f.name] = SUBJECTS[locale]
            else:
                changes[f.name] = _long(old, locale)
        return dataclasses.replace(value, **changes)  # type: ignore[type-var]
    return value


def _copied(view: object, locale: str) -> set[str]:
    """The lines a reader copies, as the catalog lays them out: the command help."""
    helps = [getattr(view, n, None) for n in ("help_text", "commands")]
    helps += [*BRIEF.commands, *(getattr(getattr(view, "brief", None), "commands", ()) or ())]
    lines: set[str] = set()
    for h in helps:
        if isinstance(h, Msg | str) and h:
            lines |= {line.rstrip() for line in translate(h, locale).split("\n")}
    return lines


def _ours(text: str, view: object, locale: str) -> list[str]:
    """The lines of ``text`` that are our words, not listings, quotes or help."""
    quoted = set(QUOTE.split("\n"))
    copied = _copied(view, locale)
    labels = {translate(Msg(label), locale) for label in LABELS}
    labels |= {f"{line.label}:" for line in BRIEF.sheet}  # the parameter sheet's lines
    ours = []
    for line in text.split("\n"):
        words = line.strip()
        if (
            line in quoted
            or line.rstrip() in copied
            or words.startswith(("[#", "/", *labels))  # a listing; a member's command
            or " " not in words  # one word, a URL: nowhere to break it
        ):
            continue
        ours.append(line)
    return ours


VIEWS = [*SAMPLES, *said()]


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("view", VIEWS, ids=lambda s: v.kind_of(s))
def test_our_lines_fit_and_the_rest_comes_through(view: v.View, locale: str) -> None:
    long = _long(view, locale)
    text = Renderer().render(long, locale).text  # type: ignore[arg-type]
    ambiguous = 2 if locale == "ja" else 1
    too_long = [
        (width_of(line, ambiguous), line)
        for line in _ours(text, long, locale)
        if width_of(line, ambiguous) > WIDTH
    ]
    assert too_long == []
    if repr(QUOTE)[1:-1] in repr(long):  # a quoted text is there as written, line for line
        assert "\n" + QUOTE + "\n" in "\n" + text
    for url in _urls(long):  # whole, on one line
        assert url in text.split(), url


def _urls(view: object) -> list[str]:
    return [
        getattr(view, name)
        for name in ("link", "target", "assigned_link", "unassigned_link")
        if str(getattr(view, name, "")).startswith("https://")
    ]
