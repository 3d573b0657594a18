"""A requester's reply whose sheet values were refused is answered about their reply.

The answer thanked them for their reply, then said "We could not use these values of
your request:" (「お問い合わせに記載いただいた次の値は…」): the values were in the
reply they just sent, not in the request of days ago, and a reader looks for them in
the wrong mail. The acknowledgement (the request itself) keeps its words."""

from __future__ import annotations

import pytest

from gateway.notify import views
from gateway.notify.render import Renderer
from tests.support import samples


@pytest.mark.parametrize(
    ("locale", "reply", "asked"),
    [
        (
            "en",
            "We could not use these values of your reply:",
            "We could not use these values of your request:",
        ),
        (
            "ja",
            "ご返信に記載いただいた次の値は、受け付けることができませんでした。",
            "お問い合わせに記載いただいた次の値は、受け付けることができませんでした。",
        ),
    ],
)
def test_the_values_are_said_to_be_the_replys(locale: str, reply: str, asked: str) -> None:
    [refused, *_] = [x for x in samples.SAMPLES if isinstance(x, views.FieldsRefused)]
    parts = Renderer().render(refused, locale)
    for text in (parts.text, parts.html):
        assert reply in text and asked not in text, text
    acks = [x for x in samples.SAMPLES if isinstance(x, views.Acknowledgement) and x.refused]
    for ack in acks:
        assert asked in Renderer().render(ack, locale).text
