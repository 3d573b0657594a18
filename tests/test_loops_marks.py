"""What a sender or the team's own mail server wrote on a mail about answering it:
Microsoft's ``X-Auto-Response-Suppress`` (the sender asks for no auto-replies) and the
spam verdicts of SpamAssassin and rspamd. Through the real pipeline: the mail is filed
as usual, only the automatic answer is withheld, and the ticket's history says why.
"""

from __future__ import annotations

import pytest

from gateway.core.model import InboxState, LoopHeaders
from gateway.pipeline import loops, spam_marks
from gateway.pipeline.parse.headers import read_marks
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.cpu import cpu_within
from tests.support.pipeline import deliver, outbox, show

SUPPRESSED = "X-Auto-Response-Suppress asks for no automatic replies"
SPAM = "marked as spam by our mail server"


def _eml(headers: str, n: int = 1) -> bytes:
    """A person's request as a client writes it, with ``headers`` (raw lines) added."""
    return (
        "From: Alice Example <alice@customer.test>\r\n"
        "To: support@example.test\r\n"
        "Subject: The printer on floor 3 is jammed\r\n"
        "Date: Sun, 01 Mar 2026 09:00:00 +0000\r\n"
        f"Message-ID: <marks-{n}@customer.test>\r\n"
        f"{headers}"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "Hello,\r\nthe printer on floor 3 is jammed again.\r\n"
    ).encode()


def _withheld(app: App, raw: bytes) -> str:
    """Deliver ``raw``: it must be filed as a person's request; the reason its
    acknowledgement was withheld ("" when it was sent)."""
    out = deliver(app, raw)
    assert out.state == InboxState.DONE and out.ticket_id is not None, out.reason
    ticket = show(app, out.ticket_id)
    assert [m["kind"] for m in ticket["messages"] if m["direction"] == "in"] == ["request"]
    acks = [r for r in outbox(app, "acknowledgement") if r.ticket_id == out.ticket_id]
    reasons = [
        e["detail"]["reason"]
        for e in ticket["events"]
        if e["kind"] == "no-auto-answer" and e["detail"].get("mail") == "acknowledgement"
    ]
    assert len(acks) + len(reasons) == 1, (acks, reasons)
    return reasons[0] if reasons else ""


# ---------------------------------------------------------------- X-Auto-Response-Suppress


@pytest.mark.parametrize(
    "value",
    [
        "All",  # Exchange on meeting responses and server-made mail
        "all",
        "ALL",
        "AutoReply",
        "autoreply",
        "OOF, AutoReply",
        "DR, NDR, RN, NRN, OOF, AutoReply",  # what many programs write
        "DR,RN,NRN,OOF,AutoReply",  # no spaces
        "  OOF ,  All  ",
        "DR, RN,\r\n NRN, OOF,\r\n\tAutoReply",  # folded
    ],
)
def test_suppress_all_or_autoreply_files_the_mail_without_an_answer(app: App, value: str) -> None:
    assert _withheld(app, _eml(f"X-Auto-Response-Suppress: {value}\r\n")) == SUPPRESSED


@pytest.mark.parametrize(
    "value",
    [
        "OOF",  # no out-of-office replies: ours is no such thing
        "DR, NDR, RN, NRN, OOF",  # receipts and out-of-office, not auto-replies
        "None",
        "Allow",  # a word that only begins like one
        "NotAutoReply",
    ],
)
def test_suppress_of_other_kinds_of_answer_keeps_the_acknowledgement(app: App, value: str) -> None:
    assert _withheld(app, _eml(f"X-Auto-Response-Suppress: {value}\r\n")) == ""


def test_suppress_is_a_reason_to_withhold_not_a_verdict_on_the_sender() -> None:
    """The mail is a person's (filed, threaded, counted as usual); only the answer waits."""
    msg = parse_message(_eml("X-Auto-Response-Suppress: All\r\n"))
    verdict = loops.verdict(msg, "support@example.test")
    assert verdict == loops.LoopVerdict.HUMAN
    allowed, why = loops.may_auto_answer(msg, verdict, {"support@example.test"})
    assert not allowed and str(why) == SUPPRESSED


# ---------------------------------------------------------------- spam verdicts


@pytest.mark.parametrize(
    "headers",
    [
        "X-Spam-Flag: YES\r\n",  # SpamAssassin
        "X-Spam-Flag: yes\r\n",
        "X-Spam-Status: Yes, score=7.3 required=5.0 tests=BAYES_99,URIBL_BLACK\r\n",
        "X-Spam-Status: Yes, score=7.3 required=5.0 tests=BAYES_99,\r\n\tURIBL_BLACK"
        " autolearn=no autolearn_force=no version=4.0.0\r\n",  # folded, as SpamAssassin does
        "X-Spam-Status: YES,score=9\r\n",
        "x-spam-status:   yes , score=9\r\n",
        "X-Spam-Status:\r\n Yes, score=9\r\n",  # the verdict on the folded line
        "X-Spam: Yes\r\n",  # rspamd
        "X-Rspamd-Action: add header\r\n",
        "X-Rspamd-Action: Rewrite Subject\r\n",
        "X-Rspamd-Action: reject\r\n",  # delivered anyway (an MTA that only marks)
        # a sender's own "No" above our server's "Yes" does not hide the verdict
        "X-Spam-Status: No, score=-5.0\r\nX-Spam-Status: Yes, score=12.0\r\n",
    ],
)
def test_mail_our_server_marked_as_spam_is_filed_but_not_answered(app: App, headers: str) -> None:
    assert _withheld(app, _eml(headers)) == SPAM


@pytest.mark.parametrize(
    "headers",
    [
        "X-Spam-Status: No, score=-0.1 required=5.0 tests=ALL_TRUSTED\r\n",
        "X-Spam-Status: No, score=4.9 required=5.0 tests=YES_WORDS\r\n",
        "X-Spam-Flag: NO\r\n",
        "X-Spam: No\r\n",
        "X-Spam-Score: 12.5\r\n",  # scores only: the team's threshold is not ours to guess
        "X-Spam-Level: ************\r\n",
        "X-Rspamd-Score: 15.2\r\n",
        "X-Spamd-Bar: +++++++++++++++\r\n",
        "X-Rspamd-Action: no action\r\n",
        "X-Rspamd-Action: greylist\r\n",  # delayed, not judged spam
        "X-Spam-Status: Yesterday, score=1\r\n",  # only the word Yes says it
    ],
)
def test_ham_verdicts_and_scores_alone_keep_the_acknowledgement(app: App, headers: str) -> None:
    assert _withheld(app, _eml(headers)) == ""


@pytest.mark.parametrize(
    ("field", "value", "spam"),
    [
        ("x_spam_status", " \t" * 400_000 + "Yes, score=9", True),
        ("x_spam_status", "No, " + "Yes, " * 400_000, False),
        ("x_spam_flag", "\r\n " * 400_000 + "YES", True),
        ("x_rspamd_action", "add" + " " * 800_000 + "header", True),
        ("x_spam", "," * 2_000_000, False),
    ],
)
def test_the_spam_readers_take_linear_time_on_hostile_values(
    field: str, value: str, spam: bool
) -> None:
    """A 2 MB header is read in one pass whatever its shape (folding, runs of blanks,
    thousands of commas): no backtracking, no quadratic re-scan."""

    def judge() -> bool:
        marks = read_marks([value])
        return spam_marks.marked_spam(LoopHeaders(**{field: marks}))  # type: ignore[arg-type]

    assert cpu_within(1.0, judge) is spam  # CPU: a loaded machine stretches wall time alone


def test_the_suppress_reader_takes_linear_time_on_a_hostile_value() -> None:
    value = " ," * 1_000_000 + "AutoReply"

    def both() -> tuple[bool, bool]:
        return loops.suppresses_auto_replies(value), loops.suppresses_auto_replies(
            value[:-9] + "OOF"
        )

    assert cpu_within(1.0, both) == (True, False)
