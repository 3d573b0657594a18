"""The writer's own lines shaped like a quote's head, in every language of the table
(:mod:`gateway.pipeline.parse.quote_languages`).

A travel plan pasted into a mail ("Fra: København / Dato: 12.12.2026 / Til: Oslo")
has the labels of Outlook's From:/Sent:/To: block: the parse cut there, and what
followed (the plan, the question under it) was lost as old mail; at the top of the
mail, the whole text. A header block of the writer's own text counts only with the
shape Outlook gives it: From, then Sent/Date, then To/Subject, in that order, and a
separator or attribution before it, or an address in its From line, or both To and
Subject under it. Pasted under a separator it is the old mail, as before.

A writer who quotes themself at the top ("Am 05.12.2026 schrieb ich:" over their own
earlier mail, as a reminder) wrote an attribution with nothing above it and only a
quote under it: the parse read all of it as old mail and the ticket had no text."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.quote_languages import LANGUAGES
from gateway.pipeline.parse.quotes import split_reply
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, show

ABOVE = "Here is the plan we agreed on:"
BELOW = "Can you book it?"

# (language, From label, Sent/Date label, To label), from the table's own rows
LABELS = [
    (name, row.sender[0], sent, row.others[0])
    for name, row in LANGUAGES.items()
    if row.sender and row.others
    for sent in row.sent
]


def _plan(sender: str, sent: str, to: str, order: str) -> str:
    lines = {
        "f": f"{sender}: Copenhagen (CPH)",
        "d": f"{sent}: 12.12.2026 10:15",
        "t": f"{to}: Oslo (OSL)",
    }
    return "\n".join(lines[k] for k in order) + "\nFlight: SK 1456"


@pytest.mark.parametrize(("lang", "sender", "sent", "to"), LABELS)
@pytest.mark.parametrize("order", ["fdt", "ftd"])
def test_a_pasted_plan_with_header_labels_is_the_writers(
    lang: str, sender: str, sent: str, to: str, order: str
) -> None:
    plan = _plan(sender, sent, to, order)
    for text in (f"{ABOVE}\n\n{plan}\n\n{BELOW}", f"{plan}\n\n{BELOW}", f"{ABOVE}\n\n{plan}"):
        assert split_reply(text) == text, lang


@pytest.mark.parametrize(
    "block",
    [
        # Outlook's block with names only (an Exchange address book): To and Subject
        "From: Alice Example\nSent: Saturday, December 5, 2026 10:00\nTo: Support\nSubject: VPN",
        "Fra: Alice Jensen\nSendt: 5. december 2026 10:00\nTil: Support\nEmne: VPN",
        "Von: Alice Meyer\nGesendet: Samstag, 5. Dezember 2026 10:00\nAn: Support\nBetreff: VPN",
        "差出人: 田中 太郎\n送信日時: 2026年12月5日 10:00\n宛先: サポート\n件名: VPN",
        # an address in its From line, Cc between
        "Fra: Alice <alice@customer.test>\nDato: 5. december 2026 10:00\nKopi: b@x.test\n"
        "Til: support@example.test",
        # under a rule, as Outlook draws it: the labels alone are enough
        "________________________________\nFra: Alice Jensen\nSendt: 5. december 2026\n"
        "Til: Support",
    ],
)
def test_a_header_block_of_outlooks_shape_still_starts_the_old_mail(block: str) -> None:
    old = "Can you renew the VPN?\n/close\n"
    assert split_reply(f"Done.\n\n{block}\n\n{old}") == "Done."
    assert split_reply(f"{block}\n\n{old}") == ""


def test_a_plan_pasted_under_a_separator_is_old_mail_as_before() -> None:
    plan = _plan("Fra", "Dato", "Til", "fdt")
    assert split_reply(f"Done.\n\n-----Oprindelig meddelelse-----\n{plan}\n") == "Done."


# the writer naming themself where an attribution names the quoted writer, in each
# language whose clients' attribution shape such a line fits
OWN_ATTRIBUTIONS = {
    "en": "On 05.12.2026, I wrote:",
    "en-dated": "05.12.2026 10:00, I wrote:",
    "de": "Am 05.12.2026 schrieb ich:",
    "de-time": "Am 05.12.2026 um 10:00 schrieb ich:",
    "nl": "Op 05-12-2026 om 10:00 schreef ik:",
    "sv": "Den 2026-12-05 kl. 10:00 skrev jag:",
    "da": "Den 05.12.2026 kl. 10.00 skrev jeg:",
    "ru": "05.12.2026 10:00 я написал:",
    "zh": "在 2026/12/5 10:00, 我 写道:",
    "ja": "2026年12月5日に私が書きました:",
    "ko": "2026년 12월 5일 (토) 오전 10:00, 제가 작성:",
}
OWN_QUOTE = "> The printer on floor 3 prints blank pages.\n> It started on Monday.\n"


@pytest.mark.parametrize("line", OWN_ATTRIBUTIONS.values(), ids=OWN_ATTRIBUTIONS.keys())
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_quoting_oneself_at_the_top_keeps_the_mail(line: str, gap: str) -> None:
    text = f"{line}{gap}{OWN_QUOTE}"
    assert split_reply(text) == text.strip()
    # words of their own below it are what is new, as under anyone's attribution
    assert split_reply(f"{text}\nStill broken today.\n") == "Still broken today."


@pytest.mark.parametrize(
    "line",
    [
        "Am 05.12.2026 schrieb Alice Meyer:",  # someone else: the quote is old mail
        "On 05.12.2026, Ian wrote:",
        "Den 05.12.2026 kl. 10.00 skrev Jegvan:",
    ],
)
def test_someone_elses_attribution_over_a_quote_alone_is_still_old_mail(line: str) -> None:
    assert split_reply(f"{line}\n{OWN_QUOTE}") == ""


def test_a_reminder_quoting_oneself_keeps_its_words_on_the_ticket(team: App) -> None:
    deliver(team, mail("Drucker", body="Der Drucker druckt leere Seiten.\n"))
    to = reply_address(team, 1, "alice@customer.test")
    body = f"Am 05.12.2026 schrieb ich:\n\n{OWN_QUOTE}"
    deliver(team, mail("Re: [#1] Drucker", body=body, to=to), envelope_to=(to,))
    reply = [m for m in show(team, 1)["messages"] if m["direction"] == "in"][-1]
    assert "prints blank pages" in reply["new_text"]


# the old mail under the writer's words, as each language's clients head it: the
# separator of the table's row, or Outlook's From:/Sent:/To: block (under its rule)
OLD_MAIL = "Can you renew the VPN?\n/close\n"
HISTORY = {
    **{
        f"separator-{name}": f"-----{row.original[0]}-----\n{row.sender[0]}: x@y.test\n"
        for name, row in LANGUAGES.items()
        if row.original and row.sender
    },
    **{
        f"block-{name}": f"{'_' * 32}\n{row.sender[0]}: Alice <alice@customer.test>\n"
        f"{row.sent[0]}: 05.12.2026 10:00\n{row.others[0]}: support@example.test\n"
        for name, row in LANGUAGES.items()
        if row.sender and row.sent and row.others
    },
    "block-bare": "From: Alice <alice@customer.test>\nSent: 05.12.2026 10:00\n"
    "To: support@example.test\nSubject: VPN\n",
}


@pytest.mark.parametrize("line", OWN_ATTRIBUTIONS.values(), ids=OWN_ATTRIBUTIONS.keys())
@pytest.mark.parametrize("history", HISTORY.values(), ids=HISTORY.keys())
def test_own_words_under_ones_own_attribution_end_at_the_old_mail(line: str, history: str) -> None:
    new = "Still broken today.\nAny news?"
    assert split_reply(f"{line}\n{new}\n\n{history}\n{OLD_MAIL}") == new
    # their earlier mail quoted under the line, then the older history: the reminder
    # is kept, the history below it is not
    kept = f"{line}\n{OWN_QUOTE}".strip()
    assert split_reply(f"{kept}\n\n{history}\n{OLD_MAIL}") == kept
    assert split_reply(f"{kept}\n\n{new}\n\n{history}\n{OLD_MAIL}") == new


@pytest.mark.parametrize("history", HISTORY.values(), ids=HISTORY.keys())
def test_words_under_anyones_attribution_at_the_top_end_at_the_old_mail(history: str) -> None:
    # bottom-posted under someone else's quote, then the older history unmarked
    text = f"On 05.12.2026, Ian wrote:\n{OWN_QUOTE}\nDone.\n\n{history}\n{OLD_MAIL}"
    assert split_reply(text) == "Done."


@pytest.mark.parametrize("line", OWN_ATTRIBUTIONS.values(), ids=OWN_ATTRIBUTIONS.keys())
def test_own_words_end_at_a_later_attribution_over_its_quote(line: str) -> None:
    later = "On Fri, Dec 4, 2026 at 10:00 AM Support <support@example.test> wrote:"
    text = f"{line}\nAny news?\n\n{later}\n> We are looking at it.\n> /close\n"
    assert split_reply(text) == "Any news?"
