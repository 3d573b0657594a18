"""Our refilled sentences are kept (issue #18): the same block, width and hang give the
same lines whether kept or not, and a long block (people's words, an action's output) is
never held."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.notify import paragraphs


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="ab 　あ、。「」\n-/:.", max_size=300),
    st.integers(min_value=10, max_value=78),
    st.integers(min_value=0, max_value=4),
    st.sampled_from([1, 2]),
)
def test_a_kept_block_is_the_block_refilled(block: str, width: int, hang: int, amb: int) -> None:
    first = paragraphs.refill(block, width, hang, amb)
    assert first == paragraphs._refilled(block, width, hang, amb)
    assert paragraphs.refill(block, width, hang, amb) == first  # from the cache this time


def test_a_long_block_is_not_kept() -> None:
    paragraphs._kept.cache_clear()
    long = "word " * (paragraphs.KEPT_CHARS // 5 + 1)
    assert len(long) > paragraphs.KEPT_CHARS
    assert paragraphs.refill(long, 40) == paragraphs._refilled(long, 40, 0, 1)
    assert paragraphs._kept.cache_info().currsize == 0
    paragraphs.refill("Dear Alice,", 40)
    assert paragraphs._kept.cache_info().currsize == 1
