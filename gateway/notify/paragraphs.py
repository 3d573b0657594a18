"""The ``wrap`` filter of the plain-text mail templates: our paragraphs, refilled.

A template marks what is ours to wrap — ``{% filter wrap %}{% trans %}…{% endtrans
%}{% endfilter %}``, ``{{ _("…")|wrap }}`` — and leaves unmarked what is not: the
people's words we quote (a reply, a request's excerpt, an action's output), the
listings a reader reads by line (``Subject: …``) and the lines a reader copies (the
command help, the lines to fill in a sheet). So wrapping can never touch quoted text,
and a URL or a command inside our sentences is kept whole by :func:`gateway.core.wrap.wrap`.

Each paragraph (lines apart from the next by a blank line) is refilled: its lines
joined (with a space, or none between two full-width characters, as Japanese is
written, nor beside a full-width punctuation mark, which carries its own space), then
wrapped to the width left after its indentation; blank lines and the text's ends stay
as they were. Wrapping happens before the mail is composed, so the
line breaks are plain ones in the text part, encoded however the part is.
"""

from __future__ import annotations

from functools import lru_cache

from gateway.core.wrap import WIDTH, runs_on, wrap

# Our sentences repeat from mail to mail (the acknowledgement's are the same but for a
# name): a refilled block this short is kept, so the processing child wraps each once
# (issue #18: wrapping was 3 % of its time). Longer blocks are wrapped each time: at most
# KEPT blocks of at most KEPT_CHARS characters are held.
KEPT, KEPT_CHARS = 256, 1000


def refill(block: str, width: int = WIDTH, hang: int = 0, ambiguous: int = 1) -> str:
    """``block`` with each paragraph refilled to ``width`` columns; continuation lines
    indented ``hang`` more than the paragraph's first line (a list item's text under
    its own start); ``ambiguous``: the columns of “ … → (2 for a Japanese reader).
    A width of 0 leaves ``block`` as it is: an HTML part shows the same macro, and
    its reader's window wraps it."""
    if width <= 0:
        return block
    if len(block) <= KEPT_CHARS:
        return _kept(str(block), width, hang, ambiguous)
    return _refilled(block, width, hang, ambiguous)


@lru_cache(maxsize=KEPT)
def _kept(block: str, width: int, hang: int, ambiguous: int) -> str:
    return _refilled(block, width, hang, ambiguous)


def _refilled(block: str, width: int, hang: int, ambiguous: int) -> str:
    out: list[str] = []
    para: list[str] = []
    for line in block.split("\n"):
        if line.strip():
            para.append(line)
            continue
        if para:
            out += _filled(para, width, hang, ambiguous)
            para = []
        out.append(line)
    if para:
        out += _filled(para, width, hang, ambiguous)
    return "\n".join(out)


def _filled(lines: list[str], width: int, hang: int, ambiguous: int) -> list[str]:
    first = lines[0]
    indent = first[: len(first) - len(first.lstrip(" "))]
    joined: list[str] = []
    for line in lines:
        words = line.strip(" ")
        if joined and words:  # Japanese runs on without a space; anything else with one
            joined.append("" if runs_on(joined[-1][-1], words[0]) else " ")
        if words:
            joined.append(words)
    text = "".join(joined)
    room = max(width - len(indent) - hang, 20)  # a deep list still gets a readable line
    wrapped = wrap(text, room, ambiguous)
    if hang == 0:
        return [indent + w for w in wrapped]
    # the first line has the hang's columns too: it starts where the others do not
    first_lines = wrap(text, room + hang, ambiguous)
    head = first_lines[0]
    rest = wrap(text[len(head) :].lstrip(" "), room, ambiguous) if len(first_lines) > 1 else []
    return [indent + head, *(indent + " " * hang + r for r in rest)]


def sentences_joined(text: str) -> str:
    """``text`` with each line break inside a paragraph joined as :func:`refill` joins
    lines, wrapping nothing: for an HTML part or page, whose ``<p>`` shows a catalog's
    line break as a space, which a Japanese sentence must not have (Chromium and
    Outlook's Word engine show 「ありがとうございます。 以下の」). A blank line and the
    line breaks around it stay; so does the text's start and end. Linear in the text."""
    if "\n" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = [lines[0]]
    for line in lines[1:]:
        words, last = line.strip(" "), out[-1].rstrip(" ")
        if words and last:
            out[-1] = last
            out.append(("" if runs_on(last[-1], words[0]) else " ") + words)
        else:
            out += ("\n", line)
    return "".join(out)
