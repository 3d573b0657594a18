"""Why a keyword regex cannot be read, in the reader's language.

Python's ``re`` says a syntax error in English ("missing ), unterminated
subpattern"); ``catalog check`` and the config error said it as it came, an
English sentence inside a Japanese line. The table below turns each of its
messages into ours, by the words it begins with, and keeps the one thing of it
that is no prose: the position in the pattern. A message no row names is said
as "cannot be read", with that position.
"""

from __future__ import annotations

import re

from gateway.core.i18n import N_, Msg

# re's message (its first words) -> what a person reads. More specific rows first:
# the first row whose words begin the message wins.
RE_ERRORS: tuple[tuple[str, Msg], ...] = (
    ("missing ), unterminated comment", N_("a comment (?#… is never closed")),  # (?# x
    ("missing ), unterminated subpattern", N_("a ( is never closed")),  # (a|b
    ("unbalanced parenthesis", N_("a ) closes no (")),  # a|b)
    ("unterminated character set", N_("a [ is never closed")),  # [a-z
    ("nothing to repeat", N_("*, + or ? repeats nothing")),  # *a, a|+
    ("multiple repeat", N_("two repeats in a row (such as ** or +*)")),  # a**
    ("min repeat greater than max repeat", N_("a repeat {m,n} with m greater than n")),
    ("bad escape (end of pattern)", N_("the pattern ends in a lone \\")),  # vpn\
    ("bad escape", N_("an unknown escape (a letter after \\ that means nothing)")),  # \q
    ("incomplete escape", N_("an escape cut short (\\x, \\u, \\U need their digits)")),
    ("bad character range", N_("a range whose end comes before its start (such as z-a)")),
    ("unknown extension", N_("an unknown kind of group after (?")),  # (?X…)
    ("unknown group name", N_("a reference to a group that does not exist")),  # (?P=x)
    ("invalid group reference", N_("a reference to a group that does not exist")),  # \9
    ("bad group number", N_("a reference to a group that does not exist")),  # (?(0)…)
    ("cannot refer to an open group", N_("a reference to a group from inside it")),  # (a\1)
    ("redefinition of group name", N_("two groups with the same name")),  # (?P<a>)(?P<a>)
    ("bad character in group name", N_("a group name that is not a word")),  # (?P<1a>)
    ("missing group name", N_("a group without its name")),  # (?P<>x)
    ("missing <", N_("a group without its name")),  # (?P x)
    ("missing >", N_("a group name is never closed with >")),  # (?P<a x)
    ("bad inline flags", N_("inline flags (?…) that cannot be used here")),  # (?i) mid-way
    ("unknown flag", N_("an unknown inline flag in (?…)")),  # (?z)
    ("missing flag", N_("inline flags (?…) without a flag")),  # (?-)
    ("missing -, : or )", N_("inline flags (?…) that are not closed")),  # (?i
    ("missing :", N_("inline flags (?…) that are not closed")),  # (?i-s
    ("undefined character name", N_("an unknown character name in \\N{…}")),  # \N{NOPE}
    ("missing {", N_("\\N needs a character name in {…}")),  # \Nx
    ("unexpected end of pattern", N_("the pattern ends too early")),  # (?P
    ("conditional backref with more than two branches", N_("a conditional with 3 branches")),
    ("too many groups", N_("too many groups")),  # more than the engine allows
)


def regex_problem(exc: re.error) -> Msg:
    """What is wrong with a pattern ``re`` refused, in our words, and where (counted in
    characters from 1, as an editor counts)."""
    what = next(
        (said for words, said in RE_ERRORS if exc.msg.startswith(words)),
        N_("it cannot be read"),
    )
    if exc.pos is None:
        return what
    return N_("{problem}, at character {n}", problem=what, n=exc.pos + 1)


# RE2's message ("invalid perl operator: (?=") -> ours; what follows its colon is a
# piece of the pattern, kept as the {part} it names. What needs backtracking is said so.
BACKTRACKING = N_(
    "regular expression {pattern} needs backtracking (a backreference or a lookaround), "
    "which keyword regexes cannot use: they run in time linear in the mail"
)
RE2_ERRORS: tuple[tuple[str, Msg], ...] = (
    ("invalid perl operator", BACKTRACKING),  # (?=, (?!, (?<=, (?<!, (?>, (?P=name)
    ("bad repetition operator", BACKTRACKING),  # a*+, a++: possessive repeats
    (
        "invalid repetition size",
        N_("the repeat {part} is over 1000 or its minimum is over its maximum"),
    ),
    (
        "invalid character class range",
        N_("{part} is not a character class RE2 knows (such as \\p{{Han}})"),
    ),
    ("invalid character class", N_("the character class {part} cannot be read")),  # [z-a]
    ("invalid named capture group", N_("the group name in {part} cannot be used")),
    ("invalid nested repetition operator", N_("{part} repeats a repeat")),  # a**
    ("missing argument to repetition operator", N_("the repeat {part} repeats nothing")),
    ("pattern too large", N_("the pattern is too large for RE2")),  # a{1000}{1000}
)


def re2_problem(pattern: str, detail: str) -> Msg:
    """Why RE2 refused ``pattern`` that ``re`` reads (``detail``: RE2's own text), in our
    words; an escape RE2 does not know is a backreference (``\\1``) when a digit follows
    its backslash, which needs backtracking."""
    words, _, part = detail.partition(": ")
    if words == "invalid escape sequence":
        if part[1:2].isdigit():
            return Msg(BACKTRACKING.msgid, {"pattern": repr(pattern)})
        why: Msg = N_("the escape {part} is not one RE2 knows (for the end of the text write $)")
    else:
        why = next(
            (said for w, said in RE2_ERRORS if words.startswith(w)), N_("RE2 cannot read {part}")
        )
        if why is BACKTRACKING:
            return Msg(BACKTRACKING.msgid, {"pattern": repr(pattern)})
    return N_(
        "regular expression {pattern} cannot be used for keywords: {why}",
        pattern=repr(pattern),
        why=Msg(why.msgid, {"part": part or "?"}),
    )
