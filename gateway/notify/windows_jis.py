"""The characters a Japanese IME on Windows types, as ISO-2022-JP mail carries them.

Apart from :mod:`.compose` so that the texts, the file names and the thread topic of an
ISO-2022-JP mail are decided by one rule: ISO-2022-JP when it carries every character
(Windows' six forms written as the JIS codes Windows writes for them), else UTF-8.
"""

from __future__ import annotations


def encodes(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


# The six JIS X 0208 characters Windows (CP932) maps to other code points than the
# iso2022_jp codec: a Japanese IME on Windows types the first two all the time (10時～12時,
# ＭＦＣ－Ｌ２７５０). Sent in ISO-2022-JP, they are the JIS codes Windows itself writes
# for them (CP50220), which Windows clients read back as typed; the parser reads them so.
WINDOWS_TO_JIS = str.maketrans(
    {
        "\uff5e": "\u301c",  # ～ FULLWIDTH TILDE → 〜 WAVE DASH (JIS 1-33)
        "\u2225": "\u2016",  # ∥ PARALLEL TO → ‖ DOUBLE VERTICAL LINE (1-34)
        "\uff0d": "\u2212",  # － FULLWIDTH HYPHEN-MINUS → − MINUS SIGN (1-61)
        "\uffe0": "\u00a2",  # ￠ → ¢ (1-81)
        "\uffe1": "\u00a3",  # ￡ → £ (1-82)
        "\uffe2": "\u00ac",  # ￢ → ¬ (2-44)
    }
)


def in_charset(value: str, charset: str) -> tuple[str, str]:
    """``value`` and the charset it goes in, in a mail written in ``charset``: for an
    ISO-2022-JP mail, with Windows' forms as JIS writes them when that carries all of it,
    else as it is in UTF-8 (a name or title with ① or an emoji)."""
    if charset != "iso-2022-jp":
        return value, charset
    jis = value.translate(WINDOWS_TO_JIS)
    return (jis, charset) if encodes(jis, charset) else (value, "utf-8")
