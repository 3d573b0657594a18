"""An out-of-office that says what it is only in its words (no RFC 3834 header, no
X-Autoreply, no Precedence, and the "Re: [#1] …" subject of the mail it answers): many
Japanese company servers and hand-made Outlook rules send theirs so.

Zammad, RT and osTicket read headers and the subject only (osTicket's users add a
filter on "Out of Office:"), so such a mail reopened their tickets as it did ours. The
words are read here, and only on a ticket (``gateway.pipeline.loops.on_a_ticket``):
there the mail answers one of ours, and a mistake keeps a person's words attached to
the ticket without moving its state; for no ticket a new request may say anything.

A person who writes that they were or will be away is still a person. So the rule asks
for the shape of a machine's notice, all of it:

* the whole mail is the notice: no file (a signature's logo shown in its place is
  none), no quote of the mail it answers (an
  auto-responder quotes nothing; a person's client does), no command, and short;
* it asks nothing (no question mark: 「それまでに直りますか？」 is a person's);
* and it either says it is automatic (「本メールは自動返信です」, "This is an automatic
  reply") or says both that its writer is away now and that they will answer later
  themselves (「不在にしております」 with 「戻り次第ご返信いたします」, "I am out of the
  office" with "I will reply when I return"). "I was out of the office last week",
  「昨日は不在にしており」 or 「1月6日以降にご連絡いただけますか」 (they ask *us* to write
  later) name no answer of their own to come.
"""

from __future__ import annotations

import re
import unicodedata

from gateway.core.model import ParsedMessage
from gateway.pipeline.command_syntax import read_command
from gateway.pipeline.files_sent import sent_files
from gateway.pipeline.parse.quotes import first_old_mail

MAX_CHARS = 1200  # a notice is a few lines and a signature; a longer mail says more
MAX_LINES = 30

# the notice says it was sent by a machine
_SAYS_AUTOMATIC = re.compile(
    r"(この|本|当)\s*(メール|メッセージ|e?-?mail)\s*は.{0,12}自動(的に)?(返信|応答|送信|配信)"
    r"|自動(返信|応答)(メール|メッセージ)?\s*(です|にて|で(お)?(送|知ら)|となります)"
    r"|\bthis is an? (automatic|automated|automatically generated|auto[- ]?generated|auto)"
    r"[- ]?(reply|response|message|e-?mail|notification)\b"
    r"|^\s*(automatic|auto)[- ]?(reply|response)\b",
    re.IGNORECASE | re.MULTILINE,
)
# its writer is away now (or from a date on): not "was", not someone else's absence
_AWAY_NOW = re.compile(
    r"不在(に|と)?(しております|しており|しています|なっております|なります|です|します|"
    r"いたします|致します|のため|の為|中)"
    r"|休暇を(いただいて|頂いて|取得して|取って)|(出張|外出|休暇)(中|のため|の為)"
    r"|\b(i am|i'm|i will be|i'll be)\s+(currently\s+|now\s+)?"
    r"(out of (the )?office|away|on (annual |parental |sick |maternity )?leave|"
    r"on (vacation|holiday)|out of town|travell?ing)\b",
    re.IGNORECASE,
)
# and they will answer themselves, later: 「戻り次第ご返信いたします」, "I will reply
# when I return" (a person asking us to write later says いただけますか, "please")
_ANSWER_LATER = re.compile(
    r"(以降|戻り次第|帰社後|出社後|帰社次第|出社次第|復帰後|明け|帰国後)"
    r".{0,20}(返信|返事|対応|確認|連絡)(を)?\s*"
    r"(いたします|致します|させていただきます|させて頂きます|します|差し上げます)"
    r"|\b(i will|i'll|i shall)\s+(respond|reply|get back|answer|be in touch|read|deal)"
    r"|\b(respond|reply|answer)\b.{0,40}\b(upon|when|after|on) (my|i) return",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"[?？]")


def is_away_notice(msg: ParsedMessage, *, says_automatic: bool = False) -> bool:
    """Whether ``msg``, a mail on a ticket, is an out-of-office that says so only in its
    words (the rules above, all of them). ``says_automatic``: only one that says it is
    automatic counts (a member's mail: their "I am away until Monday, I will answer
    then" is words for the requester, and kept from them nobody would know)."""
    words = unicodedata.normalize("NFKC", msg.new_text).strip()
    files = sent_files(msg.attachments)  # a signature's logo, winmail.dat: no file
    if not words or files or len(words) > MAX_CHARS:
        return False
    lines = [line for line in words.splitlines() if line.strip()]
    if len(lines) > MAX_LINES or read_command(lines[0].strip()) is not None:
        return False
    if _quotes(msg.text) or _QUESTION.search(words):
        return False
    if _SAYS_AUTOMATIC.search(words):
        return True
    return not says_automatic and bool(_AWAY_NOW.search(words) and _ANSWER_LATER.search(words))


def _quotes(text: str) -> bool:
    """Whether the mail quotes another: a ``>`` line or a quote header above old mail."""
    quoted = any(line.lstrip().startswith((">", "＞")) for line in text.splitlines())
    return quoted or bool(first_old_mail(text).strip())
