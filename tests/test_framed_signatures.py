"""A signature framed by rules (``----`` above and below: a name, a company without
its suffix or a department, no phone or address line) at the end of a request: its
words counted for the catalog (a 購入管理課 under a desk move filed it as a purchase),
as the thanks judge read them as more than thanks. A block framed by rules at the end
is a signature; a request whose whole body is between rules is still its words, and
what a rule frames that is no signature's (a pasted log, a sentence) stays."""

from __future__ import annotations

import pytest

from gateway.pipeline import commands as c
from gateway.pipeline.parse.signatures import without_signature, writer_names
from gateway.pipeline.thanks import judge

WORDS = "マウスを交換してください。"

FRAMED = [
    "----\n山田 太郎\nエグザンプル\n----",  # a company without its suffix
    "----------------\n山田太郎\n購入管理課\n----------------",
    "━━━━━━━━━━\n山田 太郎\nエグザンプル\n━━━━━━━━━━",
    "========\nJohn Smith\nAcme Widgets\n========",
    "--------\nJohn Smith / Acme Widgets\n--------",
    "________\nJohn Smith\nPurchasing Team\n________",
    "----\n山田 太郎\n----",  # a name alone
    "****\n株式会社エグザンプル\n山田\n****",
]


@pytest.mark.parametrize("block", FRAMED)
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_a_block_framed_by_rules_at_the_end_is_a_signature(block: str, gap: str) -> None:
    assert without_signature(f"{WORDS}{gap}{block}\n") == WORDS


@pytest.mark.parametrize("block", FRAMED)
def test_a_body_that_is_only_a_framed_block_stays(block: str) -> None:
    """Nothing above the rules: the block is all the requester wrote."""
    assert without_signature(block) == block


@pytest.mark.parametrize(
    "block",
    [
        "----\nERROR 500 at /var/www/html\n----",  # a pasted log
        "----\nエラーコード: 0x80070005\n----",
        "----\n購入したいものは以下です。\n----",  # a sentence
        "----\n山田 太郎\nエグザンプル\n----\n追加で質問です",  # words under the rule
        "----\nserver01\nserver02\n----",  # a list of hosts: no name
    ],
)
def test_what_rules_frame_that_is_no_signature_stays(block: str) -> None:
    text = f"{WORDS}\n\n{block}"
    assert without_signature(text) == text


def test_a_framed_name_and_company_under_thanks_is_only_thanks() -> None:
    assert judge(f"ありがとうございました。\n\n{FRAMED[0]}\n").only_thanks


@pytest.mark.parametrize("block", FRAMED)
def test_a_framed_signature_under_commands_is_not_words(block: str) -> None:
    parsed = c.read_commands(f"/close\n\n{block}\n", 20, c.Role.MEMBER)
    assert [x.name for x in parsed.commands] == ["close"]
    assert parsed.remaining == ""


def test_the_writers_own_name_framed_alone_is_a_signature() -> None:
    names = writer_names("山田太郎", "ops@example.test")
    assert without_signature(f"{WORDS}\n----\n山田\n----", names) == WORDS


BOXED = [
    # a box drawn with its sides, the lines inside it beside them (padded or not)
    "┏━━━━━━━━━━━━┓\n┃山田 太郎\n┃株式会社エグザンプル\n┃TEL 03-1234-5678\n┗━━━━━━━━━━━━┛",
    "┏━━━━━━━━━━━━┓\n┃ 山田 太郎          ┃\n┃ 株式会社エグザンプル ┃\n"
    "┃ TEL 03-1234-5678   ┃\n┗━━━━━━━━━━━━┛",
    "┌────────────┐\n│山田 太郎│\n│エグザンプル│\n└────────────┘",
    "//////////////////////\n山田 太郎\n株式会社エグザンプル\nTEL 03-1234-5678",  # slashes
]


@pytest.mark.parametrize("box", BOXED)
def test_a_signature_in_a_box_is_a_signature(box: str) -> None:
    assert c.read_commands(f"/close\n\n{box}\n", 20, c.Role.MEMBER).remaining == ""
    assert without_signature(f"{WORDS}\n\n{box}\n") == WORDS


def test_words_in_a_box_stay_words() -> None:
    box = "┏━━━━━━━━┓\n┃再起動してください。┃\n┗━━━━━━━━┛"
    assert c.read_commands(f"/close\n\n{box}\n", 20, c.Role.MEMBER).remaining == box
