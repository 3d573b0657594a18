"""A mail forwarded as an attachment, again and again: its parse takes time in
proportion to its size, however deep. mail-parser writes every part out again with all
the parts inside it, so a deep one cost depth times size (fifty forwards, 23 KB: 0.3 s;
forty-five around a 2 MB file: 4 s; the fifty delivered took 6 s of one row, the
attached mails being parsed again one by one for the words of a mail without its own).
A mail nested beyond :data:`~gateway.pipeline.parse.load.MAX_NESTED` containers is
parsed by the stdlib alone: the same tree, not flagged as malformed."""

from __future__ import annotations

import email
from email.message import Message

from gateway.pipeline.parse.load import MAX_NESTED, nested_beyond
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.mime import MAX_CARRIED
from tests.support.cpu import least_cpu
from tests.support.mails import mail


def _forwarded(depth: int) -> bytes:
    """A request whose attached mail is a forward of a forward … ``depth`` deep, each
    level a whole mail with the headers a client writes (their folding is most of what
    mail-parser did again at every level above them)."""
    msg = email.message_from_bytes(mail("Printer", "The printer jams.\n", sender="b@x.test"))
    for level in range(depth):
        outer = email.message_from_bytes(mail(f"Fwd {level}", "", sender="c@customer.test"))
        outer.set_type("multipart/mixed")
        part = Message()
        part["Content-Type"] = "message/rfc822"
        part["Content-Disposition"] = "attachment"  # mail-parser wrote out each such part
        part.set_payload([msg])
        outer.set_payload([part])
        msg = outer
    return msg.as_bytes()


def _cost(raw: bytes) -> float:
    """CPU seconds of one parse: a loaded machine stretches its wall time alone."""
    parsed, spent = least_cpu(lambda: parse_message(raw), runs=1)
    assert parsed.attachments  # the attached mails are read
    return spent


def _side_by_side(count: int) -> bytes:
    """The same mails as :func:`_forwarded` attached side by side, one level deep."""
    outer = email.message_from_bytes(mail("Fwd", "", sender="c@customer.test"))
    outer.set_type("multipart/mixed")
    parts: list[Message | str] = []
    for level in range(count):
        part = Message()
        part["Content-Type"] = "message/rfc822"
        part["Content-Disposition"] = "attachment"
        part.set_payload([email.message_from_bytes(mail(f"Fwd {level}", "", sender="c@x.test"))])
        parts.append(part)
    outer.set_payload(parts)
    return outer.as_bytes()


def test_a_deep_forward_costs_what_the_same_mails_side_by_side_cost() -> None:
    deep, wide = _forwarded(90), _side_by_side(90)
    assert 0.8 < len(deep) / len(wide) < 1.5  # the levels add their boundary lines
    _cost(deep)  # warm up
    deep_cost = min(_cost(deep) for _ in range(3))
    wide_cost = min(_cost(wide) for _ in range(3))
    # in proportion to the size: about the same; depth times size (mail-parser): 20x
    assert deep_cost < wide_cost * 4 + 0.02, (deep_cost, wide_cost)


def test_a_deep_forward_is_read_as_before_and_not_flagged() -> None:
    parsed = parse_message(_forwarded(MAX_NESTED + 4))
    assert not parsed.malformed, parsed.defects
    assert [a.content_type for a in parsed.attachments if not a.carried] == ["message/rfc822"]
    # the mails it carries are listed after it, MAX_CARRIED deep at most
    assert len([a for a in parsed.attachments if a.carried]) == MAX_CARRIED


def test_nesting_is_counted_only_where_there_are_many_boundary_lines() -> None:
    assert not nested_beyond(_forwarded(MAX_NESTED), MAX_NESTED)
    assert nested_beyond(_forwarded(MAX_NESTED + 1), MAX_NESTED)
    many_lines = b"Content-Type: text/plain\r\n\r\n" + b"--not a boundary\r\n" * 100
    assert not nested_beyond(many_lines, MAX_NESTED)  # counted: no container at all
