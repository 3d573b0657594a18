"""Is a key random enough to sign with? One rule for every key the gateway reads.

The gateway secret (reply tokens, the web's cookies and links), a webhook's
``secret_file`` and the Slack signing secret each make a signature that whoever
knows the key can forge; a key a person made up (``aaaaaaaaaaaaaaaa``,
``password1234567890``) is the first thing an attacker tries. Length alone says
nothing about that, so the key's randomness is estimated, roughly as a cracker
would guess it: each character costs the bits of the smallest character set the
key draws from (digits, hex, letters, letters and digits, printable, bytes),
except what a guesser gets for almost free: a run of one character, an
ascending or descending sequence (``abcd``, ``4321``) or a walk along a row of
the keyboard (``7890``, ``qwerty``),
a repeat of what came a few characters before (``abcabcabc``), a common word
(``password``, ``secret``, ``qwerty``), and a key of very few distinct
characters is refused outright.

What the README tells people to make (``openssl rand -hex 32``, 64 hex
characters, about 250 bits by this estimate; ``python3 -c 'import secrets;
print(secrets.token_urlsafe(32))'``) passes by far; so does any 16 random bytes
written as hex or base64. The bar, :data:`MIN_BITS`, is set so that a random key
of the shortest length allowed (16 hex digits, 64 bits) is almost never refused
by chance: the discounts only take hold from the third character of a pattern.
"""

from __future__ import annotations

import math
import string

from gateway.core.i18n import N_, Msg

MIN_BYTES = 16  # no key shorter than this, whatever it is made of
MIN_BITS = 48  # estimated; 16 random hex digits are 64 (below 48 for 2 in 100,000),
# "password1234567890" about 26
MIN_DISTINCT = 5  # fewer different characters than this: not a random key at any length
FREE = 1.0  # bits for a character the guesser predicts from the ones before it
WORD_BITS = 8.0  # bits for a common word: a guesser's list of a few hundred
LONGEST_PERIOD = 8  # "abcabc", "pass1pass1": repeats with a period up to this are found
# Words people put in keys, lower-case, four letters or more; none made of hex
# digits only (deadbeef, cafe, face …), which random hex would contain by chance.
WORDS = (
    "password",
    "passwd",
    "pass",
    "secret",
    "changeme",
    "change",
    "letmein",
    "qwerty",
    "asdf",
    "zxcv",
    "admin",
    "root",
    "welcome",
    "default",
    "example",
    "test",
    "ticket",
    "gateway",
    "support",
    "hook",
    "slack",
    "token",
    "login",
    "master",
    "dragon",
    "monkey",
    "iloveyou",
    "sunshine",
    "football",
)
_KEYBOARD = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_ROWS = _KEYBOARD + tuple(row[::-1] for row in _KEYBOARD)  # walked either way
_SETS = (  # the character sets a key may come from, smallest first
    (set(string.digits), 10),
    (set(string.hexdigits.lower()), 16),
    (set(string.hexdigits.upper()), 16),
    (set(string.ascii_lowercase), 26),
    (set(string.ascii_uppercase), 26),
    (set(string.ascii_lowercase + string.digits), 36),
    (set(string.ascii_uppercase + string.digits), 36),
    (set(string.ascii_letters), 52),
    (set(string.ascii_letters + string.digits), 62),
    (set(string.ascii_letters + string.digits + "-_+/="), 66),  # base64 and base64url
    (set(string.printable), 95),
)


def weakness(key: bytes) -> Msg | None:
    """Why ``key`` (surrounding whitespace already stripped) is too weak to sign
    with, for the error that names where it came from; None when it will do."""
    if len(key) < MIN_BYTES:
        return N_("secret must be ≥ 16 bytes")
    distinct = len(set(key))
    if distinct < MIN_DISTINCT:
        return N_(
            "the secret has only {count} different characters: it is not a random key; "
            "use random bytes, e.g. the output of: openssl rand -hex 32",
            count=distinct,
        )
    bits = estimate_bits(key)
    if bits < MIN_BITS:
        return N_(
            "the secret is too easy to guess (about {bits} bits: runs, sequences, repeats "
            "or common words; at least {need} are needed): use random bytes, e.g. the "
            "output of: openssl rand -hex 32",
            bits=int(bits),
            need=MIN_BITS,
        )
    return None


def estimate_bits(key: bytes) -> float:
    """A guesser's cost of ``key`` in bits: lower than its length in any set when
    it has runs, sequences, repeats or common words (see the module's docstring)."""
    text = key.decode("latin-1")
    each = math.log2(_alphabet(text))
    words = _word_spans(text.lower())
    bits = 0.0
    i = 0
    while i < len(text):
        if i in words:
            bits += WORD_BITS
            i = words[i]
            continue
        bits += FREE if _predictable(text, i) else each
        i += 1
    return bits


def _alphabet(text: str) -> int:
    present = set(text)
    for members, size in _SETS:
        if present <= members:
            return size
    return 256  # bytes beyond printable ASCII: any byte


def _predictable(text: str, i: int) -> bool:
    """Is ``text[i]`` what the two characters before it promise?"""
    if i < 2:
        return False
    a, b, c = ord(text[i - 2]), ord(text[i - 1]), ord(text[i])
    if a == b == c:  # a run: "aaa"
        return True
    if b - a == c - b and abs(c - b) == 1:  # a sequence: "abc", "321"
        return True
    if any(text[i - 2 : i + 1].lower() in row for row in _ROWS):  # "qwe", "890", "lkj"
        return True
    return any(  # the third character in a row that repeats the one `period` back
        text[i - period - 2 : i + 1 - period] == text[i - 2 : i + 1]
        for period in range(2, min(LONGEST_PERIOD, i - 2) + 1)
    )


def _word_spans(lowered: str) -> dict[int, int]:
    """Where each common word starts in ``lowered``, and where it ends (the longest
    word at a place; words do not overlap)."""
    spans: dict[int, int] = {}
    i = 0
    while i < len(lowered):
        found = max((w for w in WORDS if lowered.startswith(w, i)), key=len, default="")
        if found:
            spans[i] = i + len(found)
            i += len(found)
        else:
            i += 1
    return spans
