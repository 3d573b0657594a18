"""The addresses of a mailing list's machinery: its robot and its owners, not a person
who asked us something.

RFC 2142 gives every list a ``<list>-request`` address (for commands) and an
``owner-<list>`` one; Mailman, Majordomo and ezmlm add the addresses their robots
send from or read (``-bounces``, ``-confirm``, ``-join`` …). An automatic answer to
one of them is read by a robot, which answers with its help text or a bounce (a
loop), or lands with the list's owners, who sent nothing. Such mail still opens a
ticket; it only gets no automatic answer (:mod:`gateway.pipeline.loops`).

Decided on the part before ``+`` (VERP and confirmation tokens ride after it:
``list-bounces+support=example.test@…``) with plain string tests: linear in the
address, whatever it holds.
"""

from __future__ import annotations

# ``owner-<list>``: RFC 2142 and Majordomo, the list's owners
PREFIXES = ("owner-",)

# ``<list>-<word>``: the words after the list's name, one per row
SUFFIXES = (
    "-request",  # RFC 2142: commands to the list's robot (subscribe, help)
    "-owner",  # Mailman: the list's owners
    "-bounces",  # Mailman 2 and 3: where bounces of list mail go
    "-bounce",  # the same, as some list servers spell it
    "-confirm",  # Mailman 3: subscription and posting confirmations
    "-subscribe",  # ezmlm, Mailman 3: a command address
    "-unsubscribe",  # the same
    "-join",  # Mailman 3: subscribe
    "-leave",  # Mailman 3: unsubscribe
)


def is_list_machinery(email: str) -> bool:
    """Whether ``email`` is a list's robot or owner address (see the module)."""
    local = email.rpartition("@")[0].partition("+")[0].lower()
    if not local:
        return False
    return local.startswith(PREFIXES) or local.endswith(SUFFIXES)
