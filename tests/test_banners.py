"""The three readers of the lines clients write over a forwarded or an original message
read one table (gateway/pipeline/parse/banners.py), so a form one of them knew is known
to all: finding a forward's sender (forward.inline), cutting the quoted history
(quotes.split_reply) and taking a forwarded header block out of a member's words
(forward_headers.without_forward_headers).

Each case here is a form one reader knew and another missed before the table was one;
the hostile texts are those the forward finder read in quadratic time (a search of the
whole text with a pattern whose leading and trailing white space spanned lines).
"""

from __future__ import annotations

import re

import pytest

from gateway.pipeline.forward import inline
from gateway.pipeline.parse.banners import BANNERS, Kind, pattern
from gateway.pipeline.parse.forward_headers import without_forward_headers
from gateway.pipeline.parse.quotes import split_reply
from tests.support.cpu import cpu_within

QUADRATIC = 30.0  # CPU seconds: only a quadratic reading gets near it (see test_priority)
WORDS = "Please see below."
SENDER = "vendor-desk@partner.example.test"
# Thunderbird's block in Japanese: Subject first, so not Outlook's shape (known only by
# the banner over it)
BLOCK_JA = (
    "件名: Re: VPN\n"
    "日付: Sat, 5 Dec 2026 10:00:00 +0900\n"
    f"差出人: ベンダー窓口 <{SENDER}>\n"
    "宛先: ops@example.test\n\n"
)
BLOCK = (
    f"From: Vendor Desk <{SENDER}>\n"
    "Sent: Saturday, December 5, 2026 10:00 AM\n"
    "To: Ops One <ops@example.test>\n"
    "Subject: RE: VPN\n\n"
)
OLD = "The gateway firmware 4.2 fixes the VPN drop.\n"


def test_every_row_is_a_pattern_of_its_own_with_its_clients() -> None:
    for row in BANNERS:
        assert row.clients and re.compile(row.pattern, re.I)
    assert {row.kind for row in BANNERS} == set(Kind)
    assert pattern(Kind.RULE).fullmatch("_" * 32) and not pattern(Kind.FORWARD).fullmatch("_" * 32)


@pytest.mark.parametrize(
    "text",
    [
        # Japanese Outlook's 「オリジナル メッセージ」, with the space or without it (the
        # quote cutter knew both)
        f"-----オリジナル メッセージ-----\n{BLOCK_JA}{OLD}",
        f"-----オリジナルメッセージ-----\n{BLOCK_JA}{OLD}",
        # a Gmail or Thunderbird banner without its closing dashes, English or Japanese
        # (the quote cutter and the header remover knew it)
        f"---------- Forwarded message\n{BLOCK}{OLD}",
        f"-------- 転送メッセージ\n{BLOCK_JA}{OLD}",
        # Windows Live Mail's rule of dashes over the block (the others knew it)
        f"{'-' * 40}\n{BLOCK}{OLD}",
        # a rule of the writer's own above the banner hid the forward under it
        f"{WORDS}\n{'_' * 30}\nTaro\n\n---------- Forwarded message ---------\n{BLOCK}{OLD}",
    ],
    ids=["original-ja", "original-ja-nospace", "no-closing", "no-closing-ja", "dashes", "own-rule"],
)
def test_the_forward_finder_knows_every_banner(text: str) -> None:
    found = inline(f"{WORDS}\n\n{text}")
    assert found is not None and found.sender.email == SENDER
    assert found.text == OLD.strip()


def test_the_quote_cutter_knows_a_japanese_banner_without_closing_dashes() -> None:
    """ "-------- 転送メッセージ" (the header remover knew it) over a block that starts
    with its subject, no Outlook shape: the banner and all below it are the old mail."""
    assert split_reply(f"{WORDS}\n\n-------- 転送メッセージ\n{BLOCK_JA}{OLD}") == WORDS


@pytest.mark.parametrize(
    "banner",
    [
        # Japanese Outlook's separator with the words apart or together (the quote cutter
        # knew both)
        "-------- 元の メッセージ --------",
        "-----オリジナルメッセージ-----",
        # Lotus Notes' forward (the quote cutter knew any "--- Forwarded … ---")
        "----- Forwarded by Taro Yamada/ACME on 2026/12/05 10:00 -----",
    ],
    ids=["moto-no", "original-no-space", "notes"],
)
def test_the_header_remover_knows_every_banner(banner: str) -> None:
    out = without_forward_headers(f"{WORDS}\n\n{banner}\n{BLOCK_JA}{OLD}")
    assert SENDER not in out and banner not in out, out
    assert WORDS in out and OLD.strip() in out


@pytest.mark.parametrize(
    "text",
    [
        "\n" * 200_000 + "x",
        " \n" * 200_000 + "x",
        ("_" * 12 + "\n") * 200_000,
        ("_" * 12 + "\n差出人: 名前\n") * 100_000,
        ("=" * 12 + "\n\n\n") * 100_000,
        "転送されたメッセージ:\n" * 200_000,
    ],
    ids=["blank-lines", "space-lines", "rules", "rules-over-no-sender", "rules-apart", "banners"],
)
def test_hostile_text_costs_the_forward_finder_linear_time(text: str) -> None:
    assert cpu_within(QUADRATIC, lambda: inline(text)) is None
