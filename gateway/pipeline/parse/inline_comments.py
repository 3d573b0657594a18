"""A writer's comments inside the old mail they answer, marked with their name as
Outlook marks them ("Mark my comments with": ``[山田 太郎]``
before each comment typed into the original).

Outlook copies the old mail unmarked (no ``>``) under its From:/Sent: block, so the
quote cutter takes everything there for the old mail, and an answer given point by
point in it ("下記のとおり回答します。" above) was never sent. A line of that mail that
starts with the writer's own name in brackets is theirs. Only the first line of a
comment carries the mark: the lines under it are not told from the old mail's, so a
comment is its marked line. Only the mail right under the header is read
(:func:`gateway.pipeline.parse.quotes.first_old_mail`): the older history may hold
comments of an earlier answer, sent then.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from gateway.pipeline.parse.writer_names import name_key

__all__ = ["comment_names", "marked_comments"]

# the mark: a name in square brackets, half or full width (［山田］ is [山田] after NFKC),
# then the comment; a line of at most this many characters (the old mail's are read)
_MARK = re.compile(r"\s*\[([^\[\]\n]{1,80})\]\s*(\S.*)")
_MAX_LINE = 2000


def comment_names(display: str, address: str) -> frozenset[str]:
    """The names an Outlook user's mark may carry (compared by :func:`name_key`): the
    display name Outlook takes it from (``[Taro Yamada]``, ``[山田 太郎]``), a word of
    it a user shortened it to (``[山田]``), and the address's local part (``[tyamada]``).
    Not the fragments a signature is matched by (「山」 of 山田): a mark is written whole."""
    words = unicodedata.normalize("NFKC", display).split()
    local = address.rpartition("@")[0]
    found = [display, *(w for w in words if len(w) > 1), local]
    return frozenset(k for k in map(name_key, found) if k)


def marked_comments(old_mail: str, names: Sequence[str] | frozenset[str]) -> list[str]:
    """The lines of ``old_mail`` that start with one of ``names`` in brackets, as
    written (the mark kept: it says whose the line is), in order; never a ``>`` line."""
    found = []
    for line in old_mail.split("\n"):
        if len(line) > _MAX_LINE or line.lstrip().startswith((">", "＞")):
            continue
        m = _MARK.fullmatch(unicodedata.normalize("NFKC", line))
        if m and name_key(m[1]) in names:
            found.append(line.strip())
    return found
