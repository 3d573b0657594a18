"""A mailing list's machinery (RFC 2142's ``<list>-request`` and ``owner-<list>``, the
``-bounces``, ``-owner`` and ``-confirm`` addresses of Mailman, Majordomo and their kin)
reads no answers: a robot that gets our acknowledgement answers with its help text or
a bounce, and a human owner is told of mail nobody of theirs sent. A ticket still opens
(the mail may matter); only the automatic answer is withheld, and the history says why."""

from __future__ import annotations

import pytest

from gateway.pipeline import loops
from gateway.pipeline.parse.message import parse_message
from tests.support.mails import mail

OWN = {"support@example.test"}

MACHINERY = [
    "ops-l-request@lists.example.org",  # RFC 2142: the list's administrative requests
    "OPS-L-Request@lists.example.org",
    "owner-ops-l@lists.example.org",  # Majordomo, RFC 2142: the list's owner
    "ops-l-owner@lists.example.org",  # Mailman's owner address
    "ops-l-bounces@lists.example.org",  # Mailman 2 and 3: where bounces go
    "ops-l-bounces+support=example.test@lists.example.org",  # the same, VERP
    "ops-l-bounce@lists.example.org",
    "ops-l-confirm+3fa92c@lists.example.org",  # Mailman 3: subscription confirmations
    "ops-l-subscribe@lists.example.org",  # ezmlm, Mailman 3
    "ops-l-unsubscribe@lists.example.org",
    "ops-l-join@lists.example.org",  # Mailman 3
    "ops-l-leave@lists.example.org",
]

PEOPLE = [
    "request@shop.example",  # a whole local part named so is someone's mailbox
    "owner@shop.example",
    "requester@shop.example",
    "owner.tanaka@shop.example",
    "tanaka-owners-club@shop.example",
    "joiner@shop.example",
]


@pytest.mark.parametrize("sender", MACHINERY)
def test_list_machinery_gets_no_automatic_answer(sender: str) -> None:
    msg = parse_message(mail(sender=sender))
    verdict = loops.verdict(msg, "support@example.test")
    allowed, why = loops.may_auto_answer(msg, verdict, OWN, sender)
    assert not allowed and str(why) == "sender never reads answers"
    assert str(loops.never_answered(sender, OWN)) == "sender never reads answers"


@pytest.mark.parametrize("sender", PEOPLE)
def test_people_with_such_words_in_their_address_are_answered(sender: str) -> None:
    msg = parse_message(mail(sender=sender))
    verdict = loops.verdict(msg, "support@example.test")
    assert loops.may_auto_answer(msg, verdict, OWN, sender) == (True, "")
    assert loops.never_answered(sender, OWN) == ""
