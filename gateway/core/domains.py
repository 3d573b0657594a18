"""A domain name as the wire carries it: IDNA2008 with UTS #46 mapping.

Python's ``"idna"`` codec is IDNA2003, which mail systems left years ago: it maps
``faß.de`` to ``fass.de`` and ``ς`` to ``σ`` (another domain, another owner), drops a
zero-width joiner that a script needs, and encodes emoji and symbols that no registry
now accepts. Relays, resolvers and browsers today map with UTS #46 (full-width letters,
capitals, ``。`` as a dot) and then check IDNA2008 (RFC 5891-5893), non-transitionally:
``ß`` and ``ς`` are kept as they are written. This module is the one place the gateway
does that, so the config file and the web form agree on which domain an address names,
and a domain that has no IDNA2008 form is refused with a reason a person can act on
(which label, which character) instead of a codec's traceback text.

An ASCII domain is kept as written (lowered): its labels are checked by the callers'
host-name rules; only an ``xn--`` label in it is decoded, so a punycode label that
names no valid Unicode label is refused instead of mailed to.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import idna
from idna.idnadata import codepoint_classes

from gateway.core.i18n import N_, Msg

ACE_PREFIX = "xn--"
MAX_LABEL = 63  # octets of one label in its ASCII form (RFC 1035 2.3.4)
_DOTS = re.compile("[.\u3002\uff0e\uff61]")  # the dots UTS #46 maps to "."
_JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ: CONTEXTJ, only where a script needs them


class BadDomain(ValueError):
    """Why a text has no IDNA2008 form; ``message`` is for a person (it names the label)."""

    def __init__(self, message: Msg) -> None:
        super().__init__(str(message))
        self.message = message


# A domain is checked once per process: an A-label's check (decoded and encoded again)
# costs 70 us, and a member at one is looked up several times for every mail
@functools.lru_cache(maxsize=4096)
def ascii_domain(domain: str) -> str:
    """``domain`` in the form DNS and SMTP carry it (lower case, each non-ASCII label as
    its ``xn--`` A-label), mapped and checked as IDNA2008 with UTS #46 says;
    :class:`BadDomain` naming the label and the reason when it has no such form."""
    if domain.isascii():
        lowered = domain.lower()
        for label in lowered.split("."):
            if label.startswith(ACE_PREFIX):
                _a_label(label)
        return lowered
    try:
        mapped = idna.uts46_remap(domain, std3_rules=True, transitional=False)
    except idna.IDNAError:
        char = _unmappable(domain)
        label = next((part for part in _DOTS.split(domain) if char in part), domain)
        raise BadDomain(_character(label, char)) from None
    return ".".join(_a_label(label) for label in mapped.split("."))


def unicode_domain(domain: str) -> str:
    """``domain`` as people read it (each A-label decoded), for showing; the inverse
    of :func:`ascii_domain` on what it returns."""
    return ".".join(
        idna.ulabel(label) if label.startswith(ACE_PREFIX) else label
        for label in ascii_domain(domain).split(".")
    )


def ascii_address(address: str) -> str:
    """``address`` in the one form it is compared and kept in: lower case, its domain as
    :func:`ascii_domain` gives it, without a root dot (``Tanaka@例え.jp。`` is
    ``tanaka@xn--r8jz45g.jp``). The one such function: a mail's addresses, a member in
    the config (:mod:`gateway.config.addresses` only refuses more), the catalog's
    assignees, the Slack member map, a sign-in, ``digest --member`` and what the store
    keeps (migration 0026 rewrote older rows) are all this form, so one person is one
    address at every door. The part before ``@`` is only lowered (a UTF-8 one has no
    other form).
    One whose domain has no IDNA2008 form (or no ``@``) is only lowered: it is no
    address we can write to, and stays the one it was."""
    lowered = address.lower()
    local, at, domain = lowered.rpartition("@")
    if not at or not domain:
        return lowered
    if domain.isascii() and ACE_PREFIX not in domain:
        return lowered if not domain.endswith(".") else f"{local}@{_rootless(domain)}"
    try:
        return f"{local}@{_rootless(ascii_domain(domain))}"
    except BadDomain:
        return lowered


def _rootless(domain: str) -> str:
    """``domain`` without its root dot (``example.test.``); two dots are no domain."""
    return domain[:-1] if domain.endswith(".") and not domain.endswith("..") else domain


def readable_address(address: str) -> str:
    """An address as people read it: its domain as :func:`unicode_domain` says it
    (``a@xn--fa-hia.de`` is ``a@faß.de``); one whose domain has no IDNA2008 form (or no
    ``@``) as it is. For showing only: the address kept and compared is the ASCII one."""
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    try:
        return f"{local}@{unicode_domain(domain)}"
    except BadDomain:
        return address


def _a_label(label: str) -> str:
    """One label (already mapped) as its A-label, or :class:`BadDomain` saying why not."""
    if label.isascii() and not label.startswith(ACE_PREFIX):
        return label  # a host name's letters, digits and hyphens: the caller's rules
    reason = _shape(label)
    if reason is not None:
        raise BadDomain(reason)
    try:
        if label.isascii():  # an A-label: valid only if it decodes to a valid U-label
            if idna.alabel(idna.ulabel(label)).decode("ascii") != label:
                raise idna.IDNAError("not the A-label of its own U-label")
            return label
        encoded = idna.alabel(label).decode("ascii")
    except idna.IDNABidiError:
        raise BadDomain(
            N_(
                "the label {label!r} mixes right-to-left and left-to-right characters in a "
                "way IDNA2008 does not allow (RFC 5893)",
                label=label,
            )
        ) from None
    except (idna.InvalidCodepoint, idna.InvalidCodepointContext):
        if label.isascii():
            raise BadDomain(_not_punycode(label)) from None
        raise BadDomain(_character(label, _offending(label))) from None
    except (idna.IDNAError, UnicodeError):
        if label.isascii():
            raise BadDomain(_not_punycode(label)) from None
        if len(ACE_PREFIX) + len(label.encode("punycode")) > MAX_LABEL:
            raise BadDomain(_too_long(label)) from None
        raise BadDomain(N_("the label {label!r} has no IDNA2008 form", label=label)) from None
    return encoded


def _shape(label: str) -> Msg | None:
    """What is wrong with ``label`` as a whole, before its characters are looked at."""
    if label.startswith("-") or label.endswith("-"):
        return N_("the label {label!r} begins or ends with a hyphen", label=label)
    if label[2:4] == "--" and not label.startswith(ACE_PREFIX):
        return N_(
            "the label {label!r} has hyphens in its third and fourth places, which IDNA "
            "keeps for its own prefix (xn--)",
            label=label,
        )
    if unicodedata.category(label[0]).startswith("M"):
        return N_("the label {label!r} begins with a combining mark", label=label)
    return None


def _too_long(label: str) -> Msg:
    return N_(
        "the label {label!r} is longer than {n} octets in its IDNA (punycode) form",
        label=label,
        n=MAX_LABEL,
    )


def _not_punycode(label: str) -> Msg:
    return N_(
        "the label {label!r} begins with xn-- but is not the IDNA (punycode) form of a valid label",
        label=label,
    )


def _character(where: str, char: str) -> Msg:
    """The reason for a character IDNA2008 refuses, with its code point (a zero-width
    joiner cannot be seen, and emoji look alike)."""
    shown = f"U+{ord(char):04X}"
    if char in _JOINERS:
        return N_(
            "the label {label!r} has an invisible joiner ({code}) where IDNA2008 does not "
            "allow it: only after a virama, where a script needs it",
            label=where,
            code=shown,
        )
    if _in_class(char, "CONTEXTO"):
        return N_(
            "the label {label!r} has {char!r} ({code}) without the characters IDNA2008 "
            "requires around it (such as ・ only in a label with kana or kanji)",
            label=where,
            char=char,
            code=shown,
        )
    return N_(
        "the label {label!r} has {char!r} ({code}), which IDNA2008 does not allow in a "
        "domain name (emoji, symbols and punctuation are not allowed)",
        label=where,
        char=char,
        code=shown,
    )


def _offending(label: str) -> str:
    """The first character of ``label`` that IDNA2008 refuses where it stands."""
    for i, char in enumerate(label):
        if _in_class(char, "PVALID"):
            continue
        if _in_class(char, "CONTEXTJ") and idna.valid_contextj(label, i):
            continue
        if _in_class(char, "CONTEXTO") and idna.valid_contexto(label, i):
            continue
        return char
    return label[0]  # not reached: the label was refused for one of its characters


def _unmappable(domain: str) -> str:
    """The first character UTS #46 has no mapping for (a control, a space, ``_``)."""
    for char in domain:
        try:
            idna.uts46_remap(char, std3_rules=True, transitional=False)
        except idna.IDNAError:
            return char
    return domain[0]


def _in_class(char: str, name: str) -> bool:
    return bool(idna.intranges_contain(ord(char), codepoint_classes[name]))
