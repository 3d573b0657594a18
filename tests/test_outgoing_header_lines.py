"""Bytes of outgoing headers: every line within RFC 5322's 998 octets, and the thread
headers naming only ids a client has seen."""

from __future__ import annotations

import email
from dataclasses import replace
from email.header import decode_header, make_header

import pytest

from gateway.core import msgid
from gateway.notify import compose
from gateway.notify import views as v
from gateway.notify.render import Rendered, Renderer
from tests.support.samples import SAMPLES
from tests.test_templates import _envelope, _parse


def _lines(raw: bytes) -> list[bytes]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    return head.split(b"\r\n")


@pytest.mark.parametrize(
    "subject",
    [
        "x" * 1200,  # one ASCII word a team template wrote
        "a " + "y" * 1200 + " b",
        "z" * 990,  # one ASCII word just under the limit with "Subject: "
        "請求書" + "w" * 1200,  # non-ASCII goes as encoded words already
    ],
)
def test_a_long_subject_keeps_every_header_line_within_998(subject: str) -> None:
    view = SAMPLES[0]
    parts = Renderer().render(view, "en")
    raw = compose.compose(_envelope(view), replace(parts, subject=subject))
    assert max(len(line) for line in _lines(raw)) <= compose.MAX_LINE
    assert "".join(str(_parse(raw)["Subject"]).split()).endswith("".join(subject.split()))


def test_a_long_ascii_display_name_keeps_every_header_line_within_998() -> None:
    view = SAMPLES[0]
    env = replace(_envelope(view), to=v.Person("alice@customer.test", "N" * 1200))
    raw = compose.compose(env, Renderer().render(view, "en"))
    assert max(len(line) for line in _lines(raw)) <= compose.MAX_LINE
    # read as RFC 2047 says (the default policy's address parser puts a space between
    # adjacent encoded words in a display name, a Japanese name's too)
    to = email.message_from_bytes(raw)["To"]
    assert str(make_header(decode_header(to))) == "N" * 1200 + " <alice@customer.test>"


def test_a_digest_of_an_over_long_customer_id_is_not_written_out() -> None:
    view = SAMPLES[0]
    long_id = "<" + "q" * 400 + "@customer.test>"
    digest = msgid.bounded(long_id.strip("<>"))
    assert digest.endswith("@shortened.invalid")
    env = replace(
        _envelope(view),
        in_reply_to=digest,
        references=("req-1@customer.test", digest, "t42.abc@example.test"),
    )
    raw = compose.compose(env, Renderer().render(view, "en"))
    assert b"shortened.invalid" not in raw
    msg = _parse(raw)
    assert "In-Reply-To" not in msg
    assert msg["References"] == "<req-1@customer.test> <t42.abc@example.test>"


def test_a_digest_only_thread_has_no_thread_headers() -> None:
    view = SAMPLES[0]
    digest = msgid.bounded("r" * 300 + "@customer.test")
    env = replace(_envelope(view), in_reply_to=digest, references=(digest,))
    raw = compose.compose(env, Rendered("s", "t", "<p>t</p>"))
    assert b"In-Reply-To" not in raw and b"References" not in raw


def test_an_answer_to_a_digested_id_names_the_nearest_id_a_client_saw() -> None:
    """In-Reply-To of an answer to a mail whose id was over-long: not left out (the
    answer would fall out of the thread), the nearest id of the thread a client has."""
    digest = msgid.bounded("s" * 300 + "@customer.test")
    thread = ("req-1@customer.test", digest, "t42.abc@example.test")
    assert msgid.nearest_well_formed(digest, thread) == "req-1@customer.test"
    assert msgid.nearest_well_formed(digest, (digest,)) == ""
