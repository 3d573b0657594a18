"""The reply-command grammar in words, for people: one msgid, said in ja and en.

What "command refused" mails show and what the README prints in both languages,
word for word (a test compares them). The Japanese text is the msgid's
translation in ``gateway/locale/ja``; the grammar itself is the table
:data:`gateway.pipeline.commands.GRAMMAR`, and a test checks every command of it
is named here.
"""

from __future__ import annotations

from collections.abc import Collection

from gateway.core import spelling
from gateway.core.i18n import N_, Msg, translate

# The grammar for people, one msgid: its ja translation is in gateway/locale/ja.
HELP = N_(
    """\
Write commands at the very top of your reply, one per line, before any
other text:

  /close [reason]         close the ticket; reason: resolved (default),
                          stale, duplicate, spam, no-response
  /pending                waiting for the requester
  /open                   back to in progress
  /assign <member>        give the ticket to a member (e-mail address,
                          the part before the @, or their name)
  /category <entry>       file the ticket under a catalog entry (its id
                          or its name; an unknown one is answered with
                          the entries)
  /due <date>             due date, 2026-03-10 or 2026/3/10 (end of that
                          day, in your time zone); 3/10 without the year
                          is the next March 10th
  /field <name> <value>   set a field of the ticket's parameter sheet
                          (its name or its label)
  /note                   everything after it is an internal note;
                          nothing is sent to the requester
  /approve                run the entry's action that waits for approval
                          (managers only)
  /priority <level>       low, normal, high or urgent (the SLA follows
                          it); a subject marker the team uses for a
                          level works too: [URGENT]
  /answer <name>          add the team's saved answer <name> after your
                          own words, in the requester's language
  /merge <id>             merge this ticket into ticket <id>: its mail,
                          people and fields go there, this one closes as
                          a duplicate
  /cc add <address>       let someone watch the ticket: they get what
                          the requester gets (a requester may add a
                          colleague from their own domain)
  /cc remove <address>    stop someone watching the ticket

Commands are read only from the top of the reply, above the quoted history,
up to the first line that is not a command, and at most the first
max_command_lines lines (20 by default). A full-width slash (／close) works
too. Command lines are removed; the rest of your reply is sent to the
requester and the other people on the ticket. A reply with only commands
sends nothing to them.
Requesters may only use /close and /cc add, on their own tickets, and
/priority to lower it.
"""
)
HELP_TEXT = HELP.msgid  # the English text, as the README prints it

# What a requester may write (the grammar's rows for Role.REQUESTER, as they may use
# them): a customer's transcript shows this, not the team's grammar, whose /assign,
# /note or /approve are not "the commands you can use" for them.
REQUESTER_HELP = N_(
    """\
Write them at the very top of your reply, one per line:

  /close                  close your request
  /priority low           lower its priority (or: normal)
  /cc add <address>       let a colleague from your own domain follow it
"""
)

HELP_TEXT_JA = translate(HELP, "ja")  # the Japanese text, as the README prints it

# command word → its one line in a member's new-ticket notice (who may give it is
# the grammar's table: gateway.pipeline.commands.commands_for)
SHORT: dict[str, Msg] = {
    "close": N_("/close [reason]         close it (resolved, stale, duplicate, spam, …)"),
    "pending": N_("/pending                wait for the requester"),
    "open": N_("/open                   back to in progress"),
    "assign": N_("/assign <member>        give it to another member"),
    "category": N_("/category <entry>       file it under another catalog entry"),
    "due": N_("/due <date>             its due date (2026-03-10, or 3/10: the next one)"),
    "field": N_("/field <name> <value>   set a field of the parameter sheet"),
    "note": N_("/note                   the rest is an internal note, not sent"),
    "approve": N_("/approve                run the action that waits for approval"),
    "priority": N_("/priority <level>       low, normal, high, urgent or a marker ([URGENT])"),
    "answer": N_("/answer <name>          add a saved answer after your words"),
    "merge": N_("/merge <id>             merge it into ticket <id> as a duplicate"),
    "cc": N_("/cc add|remove <addr>   let someone watch it, or stop them"),
}


def help_text(locale: str) -> str:
    """The grammar in the reader's language (the README prints both, word for word)."""
    return translate(HELP, locale)


def command_lines(locale: str, names: Collection[str]) -> str:
    """The lines of the grammar that describe the commands ``names`` (each command's
    line and its continuation lines), in the reader's language and the grammar's
    order: what one person may write, taken from the same text as :data:`HELP`."""
    out: list[str] = []
    keep = False
    for line in help_text(locale).splitlines():
        if line.startswith("  /"):  # a command's first line: "  /close [reason]   …"
            keep = line.split(None, 1)[0].removeprefix("/") in names
        elif not line.startswith("    "):  # neither a command nor its continuation
            keep = False
        if keep:
            out.append(line)
    return "\n".join(out)


# Japanese words a member may write for a command (NFKC-folded, as the command word is
# read): not the grammar, whose words are English, but named in the refusal
_JAPANESE: dict[str, str] = {
    **dict.fromkeys(("クローズ", "完了", "終了", "閉じる", "解決"), "close"),  # done
    **dict.fromkeys(("保留", "返信待ち", "ペンディング"), "pending"),  # waiting
    **dict.fromkeys(("オープン", "再開", "対応中"), "open"),  # back to work
    **dict.fromkeys(("担当", "担当者", "アサイン"), "assign"),  # who has it
    **dict.fromkeys(("カテゴリ", "カテゴリー", "分類"), "category"),  # filing
    **dict.fromkeys(("期限", "期日", "締切"), "due"),  # when
    **dict.fromkeys(("項目", "フィールド"), "field"),  # the sheet
    **dict.fromkeys(("メモ", "ノート", "内部メモ", "備考"), "note"),  # internal words
    **dict.fromkeys(("承認",), "approve"),  # a manager's go
    **dict.fromkeys(("優先度", "優先", "緊急度"), "priority"),  # how urgent
    **dict.fromkeys(("定型文", "回答"), "answer"),  # a saved answer
    **dict.fromkeys(("統合", "マージ"), "merge"),  # a duplicate
    **dict.fromkeys(("ウォッチ", "ウォッチャー"), "cc"),  # watchers
}


def meant(word: str, words: Collection[str]) -> str | None:
    """The command of ``words`` an unknown ``word`` most likely meant, or None: the one a
    Japanese word for it names (``／メモ``: /note), else what the shared speller guesses
    (:func:`gateway.core.spelling.meant`: the one it begins, or a slip of the fingers)."""
    if word in _JAPANESE:  # 「／メモ」: the command a Japanese word for one names
        return _JAPANESE[word] if _JAPANESE[word] in words else None
    return spelling.meant(word, words)


def guessed(word: str, words: Collection[str]) -> str | None:
    """:func:`meant`, or the command ``word`` begins with: Japanese runs words together
    with no space, so 「／メモ先方に電話済み」 is /note and its text, 「／完了しました」
    /close and a sentence; and ``closeします`` /close (an English word, where a letter
    that is not ASCII follows it: ``／openssl`` begins no command)."""
    found = meant(word, words)
    if found is not None:
        return found
    japanese = [w for w in _JAPANESE if word.startswith(w) and _JAPANESE[w] in words]
    if japanese:
        return _JAPANESE[max(japanese, key=len)]
    begun = [w for w in words if word[: len(w)] == w and not word[len(w) : len(w) + 1].isascii()]
    return max(begun, key=len) if begun else None
