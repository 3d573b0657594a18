"""A word that names no member, refused with what would name one.

``tickets list --assignee`` and ``tickets assign`` read a member as ``/assign`` does
(:func:`gateway.pipeline.member_names.member_named`), whose refusal, ``unknown member
'tanaka'``, says nothing of why: on the quick start's defaults (no ``[[members]]``) no
word names anyone, and elsewhere the short form is the part before the ``@`` of a
configured member's address. Both commands say which it is, naming the config and the
members' short forms, each in its own words (the list also takes any address, a
ticket is given only to a member); the deciding and the listing are here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, overload

from gateway.core.i18n import Msg

if TYPE_CHECKING:
    from gateway.config.settings import Settings

# member_names' msgid for a word that names nobody; any other refusal (a name several
# members share) is said as /assign says it. test_cli_assignee_word fails if it changes.
UNKNOWN = "unknown member '{member}'"


@dataclass(frozen=True, slots=True)
class Words:
    """A command's refusals, their parameters filled in here: ``{member}`` the word
    typed, ``{config}`` the configuration file, ``{members}`` the short forms."""

    no_members: Msg  # the configuration lists no [[members]]
    not_listed: Msg  # the word is none of the members' (their short forms follow)


@overload
def refusal(settings: Settings, typed: str, why: Msg, words: Words) -> Msg: ...
@overload
def refusal(settings: Settings, typed: str, why: Msg | str, words: Words) -> Msg | str: ...
def refusal(settings: Settings, typed: str, why: Msg | str, words: Words) -> Msg | str:
    """What to say for ``typed``, which ``/assign``'s lookup refused with ``why``."""
    if not isinstance(why, Msg) or why.msgid != UNKNOWN:
        return why
    params: dict[str, object] = {"member": typed, "config": settings.source}
    if not settings.members:
        return replace(words.no_members, params=params)
    shorts = ", ".join(m.email.split("@", 1)[0] for m in settings.members)
    return replace(words.not_listed, params={**params, "members": shorts})
