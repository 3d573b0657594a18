"""What an action said is kept up to ``[actions] output_limit`` bytes, and the limit may
fall inside a character: that part of it is left out (and counted with the bytes past
the limit), so the rest reads in its own charset. Before, the part made UTF-8 text read
as windows-1252 (``cafÃ``, ``ã‚¨ã``) and Shift_JIS or EUC-JP output from its first line
on; the mostly-Japanese case (``test_utf8_cut_at_the_limit_stays_utf8``) ended in ``�``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.actions.outcome import NOT_READ, Verdict, decode, whole_characters
from gateway.actions.webhook import deliver
from gateway.core.proxies import ProxySetting
from tests.support.hooks import CHUNKED, LENGTH, HookServer

SAID = "ユーザーIDは既に登録されています"
LOG = b"step ok\n" * 500


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        (SAID, "utf-8"),
        (SAID, "cp932"),
        (SAID, "euc_jp"),
        ("café crème", "utf-8"),
        ("😀 done", "utf-8"),  # four bytes
    ],
)
def test_the_part_of_a_character_at_the_cut_is_left_out(text: str, codec: str) -> None:
    whole = LOG + text.encode(codec)
    for end in range(len(LOG), len(whole) + 1):
        kept = whole_characters(whole[:end])
        said = decode(kept)
        assert text.startswith(said[len(LOG) :]), (end, said[len(LOG) :])
        assert end - len(kept) < max(len(c.encode(codec)) for c in text)


@pytest.mark.parametrize(
    ("data", "charset"),
    [
        (LOG, None),  # ASCII: nothing to leave out
        (b"", None),
        (LOG + "完了".encode(), None),
        (LOG + "完了".encode("cp932"), None),
        (LOG + "完了".encode("cp932"), "shift_jis"),
        (LOG + "caf\xe9".encode("latin-1"), "latin-1"),  # every byte is a character
        (LOG + "café au lait".encode("latin-1"), None),  # windows-1252 at any cut
    ],
)
def test_whole_characters_are_kept_as_they_are(data: bytes, charset: str | None) -> None:
    assert whole_characters(data, charset) == data


def test_a_labelled_answer_loses_the_part_too() -> None:
    cut = (LOG + SAID.encode()).removesuffix("す".encode()[1:])  # す's first byte
    assert whole_characters(cut, "utf-8") == LOG + SAID[:-1].encode()


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("content_type", "codec", "cut"),
    [
        ("application/json", "utf-8", 3 + 4),  # JSON APIs seldom name the charset
        ("text/plain; charset=utf-8", "utf-8", 3 + 4),
        ("text/plain", "cp932", 2 + 4),
    ],
)
def test_a_webhooks_answer_cut_inside_a_character(
    hooks: HookServer, content_type: str, codec: str, cut: int
) -> None:
    """The limit (4096) falls after the first byte of a character (of three in UTF-8, of
    two in Shift_JIS), with four more bytes after it."""
    said = SAID.encode(codec)
    width = len("あ".encode(codec))
    log = b"x" * (4096 - len(said) - 1)
    hooks.body, hooks.content_type = log + said + "あ".encode(codec) + b"done", content_type
    attempt = deliver(
        hooks.url(),
        b"{}",
        secret=b"hook-secret-0123456789",
        key="k-1",
        timeout=30,  # a hang guard only: the answer comes at once
        limit=4096,
        proxies=ProxySetting(""),
    )
    assert attempt.verdict == Verdict.OK, attempt.error
    assert attempt.output == log.decode() + SAID
    assert attempt.cut == cut == width + 4  # all of あ: its part, and past the limit
    hooks.framing = CHUNKED  # its length unknown: still unknown, a part or not
    attempt = deliver(
        hooks.url(),
        b"{}",
        secret=b"hook-secret-0123456789",
        key="k-1",
        timeout=30,  # a hang guard only: the answer comes at once
        limit=4096,
        proxies=ProxySetting(""),
    )
    assert attempt.output == log.decode() + SAID
    assert attempt.cut == NOT_READ
    assert hooks.framing != LENGTH
