"""Quotes marked with the quoted writer's name before the ``>`` ("tanaka> …", as
supercite and some old mailers write them), and lines that end as an attribution but
are the writer's own prose.

* ``word> `` at the start of two or more lines, the same word each time, quotes those
  lines as ``>`` does (above, between and below the words, and below an attribution);
  a single such line, or prompts a pasted terminal session shows (``mysql>``,
  ``SQL>``, ``sqlite>``), are words.
* An attribution ("…書きました:", "… wrote:") below words of the writer's is one only
  when quoted text, or the old mail's header block, follows it (or nothing does): the
  writer's 「先日のメールに書きました:」 over their own list was taken for one, and the
  list was cut."""

from __future__ import annotations

import pytest

from gateway.pipeline import commands as c
from gateway.pipeline.parse.quotes import split_reply, without_quoted_lines
from gateway.runtime.app import App
from tests.support import hostile
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, text_of

NAMED = "tanaka> パスワードを変更したいです。\ntanaka> よろしくお願いします。\n"


@pytest.mark.parametrize("prefix", ["tanaka", "TY", "田中", " ty"])
def test_named_quote_lines_under_the_words_are_old(prefix: str) -> None:
    quote = NAMED.replace("tanaka", prefix)
    assert split_reply(f"変更しました。\n\n{quote}") == "変更しました。"
    assert split_reply(f"変更しました。\n\nTanaka wrote:\n{quote}") == "変更しました。"
    assert split_reply(f"{quote}\n変更しました。\n") == "変更しました。"  # bottom-posted


def test_answers_between_named_quote_lines_are_relayed_without_them() -> None:
    text = "tanaka> first?\nyes\ntanaka> second?\ntanaka>\nno\n"
    assert split_reply(text) == "tanaka> first?\nyes\n\ntanaka> second?\nno"
    assert without_quoted_lines(split_reply(text)).strip() == "yes\n\nno"


def test_one_named_quote_line_left_between_answers_is_known_by_the_whole_mail() -> None:
    """The first quoted line went with the quote above the words: the one left between
    the answers is still a quote, as the mail quoted that name twice."""
    text = "tanaka> first?\nyes\ntanaka> second?\nno\n"
    new = split_reply(text)
    assert new == "tanaka> first?\nyes\n\ntanaka> second?\nno"  # each above its answer
    assert without_quoted_lines(new, text).strip() == "yes\n\nno"
    assert without_quoted_lines("Done\nerror> disk full\n", "Done\nerror> disk full\n") == (
        "Done\nerror> disk full\n"
    )


def test_a_members_answers_between_named_quote_lines_relay_only_the_answers(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = "alice> Can you reset it?\nDone.\nalice> And the token?\nSent again.\n"
    raw = mail("RE: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    sent = [text_of(m) for m in outbox(team, "ops_reply")]
    assert len(sent) == 1
    assert "Done." in sent[0] and "Sent again." in sent[0]
    assert "token" not in sent[0]


def test_a_named_quote_is_no_command() -> None:
    text = "tanaka> /close\ntanaka> 直りました\n\nまだ直っていません。\n"
    assert c.read_commands(split_reply(text), 20, c.Role.REQUESTER).commands == ()


@pytest.mark.parametrize(
    "text",
    [
        "See the log:\nerror> disk full\n",  # once: words
        "mysql> SHOW TABLES;\n+------+\n| t1 |\n+------+\nmysql> SELECT 1;\n",
        "SQL> select * from v$instance;\nSQL> exit\n",
        "sqlite> .tables\nsqlite> .schema\n",
        "Steps:\nfoo>bar\nfoo>baz\n",  # no space after the mark: a path, an arrow
        "tanaka> one\nsuzuki> two\n",  # two words once each: not one writer quoted
    ],
)
def test_lines_that_only_look_like_named_quotes_are_words(text: str) -> None:
    assert split_reply(f"Hello,\n\n{text}\nThanks.\n") == f"Hello,\n\n{text}\nThanks."


def test_a_members_answer_under_named_quotes_relays_only_the_answer(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = "alice> Can you reset it?\nalice> It is urgent.\n\nDone, please try again.\n"
    raw = mail("RE: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    sent = [text_of(m) for m in outbox(team, "ops_reply")]
    assert len(sent) == 1
    assert "Done, please try again." in sent[0]
    assert "It is urgent" not in sent[0]


LIST = "1. VPN を再起動する\n2. 証明書を更新する\n3. 再接続する"


@pytest.mark.parametrize(
    "line",
    [
        "先日のメールに書きました:",
        "先日のメールにも書きました：",
        "As I wrote:",
        "On Friday I wrote:",
        "山田さんから:",
    ],
)
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_a_line_ending_as_an_attribution_over_the_writers_own_lines_is_theirs(
    line: str, gap: str
) -> None:
    text = f"お世話になります。\n手順は{line}{gap}{LIST}\n\nよろしくお願いします。\n"
    assert split_reply(text) == text.strip()
    own = f"お世話になります。\n{line}{gap}{LIST}\n"
    assert split_reply(own) == own.strip()


@pytest.mark.parametrize(
    "line",
    ["先日のメールに書きました:", "On Sat, Dec 5, 2026 at 10:00 AM Yamada <a@b.test> wrote:"],
)
@pytest.mark.parametrize(
    "below",
    [
        "> 古い本文\n> /close\n",  # quoted
        "tanaka> 古い本文\ntanaka> /close\n",  # quoted with a name
        "\n",  # nothing: its quote was removed (an HTML quote, deleted)
        "From: Support <support@example.test>\nSent: Saturday, December 5, 2026\n"
        "To: Alice <alice@customer.test>\nSubject: RE: VPN\n\n古い本文\n/close\n",
    ],
)
def test_an_attribution_over_quoted_text_or_the_old_mail_still_cuts(line: str, below: str) -> None:
    assert split_reply(f"直りました。\n\n{line}\n{below}") == "直りました。"


def test_a_later_real_attribution_still_cuts_below_a_prose_one() -> None:
    text = (
        f"お世話になります。\n前回こう書きました:\n{LIST}\n\n"
        "2026年12月5日(土) 10:00 山田 <a@b.test>:\n> /close\n> 古い本文\n"
    )
    assert split_reply(text) == f"お世話になります。\n前回こう書きました:\n{LIST}"


@pytest.mark.parametrize(
    "line",
    ["<dave@customer.test>:", "山田 太郎 <taro@example.jp>:", "bob@example.com wrote:"],
)
def test_an_attribution_naming_an_address_cuts_whatever_follows(line: str) -> None:
    """Prose holds no address: such a line is a client's, and what it heads unmarked
    (a bounce's copy of the mail, a client that marks nothing) is old."""
    assert split_reply(f"直りました。\n\n{line}\n古い本文\n/close\n") == "直りました。"


@pytest.mark.parametrize(
    "piece",
    [
        "前に書きました:\n" + "\n" * 50,  # prose attributions over long blank runs
        "前に書きました:\nx\n",  # each followed by the writer's line
        "On x wrote:\n",  # one under another, none over the old mail
        "a> x\nb> y\n",  # many names, each on one line only
        "ab> x\n",  # one name on every line
        "tanaka>\n",
    ],
)
def test_hostile_texts_cost_linear_time(piece: str) -> None:
    text = "Hello,\n" + piece * (200_000 // len(piece))
    with hostile.within(3.0, f"split_reply on {piece!r} repeated"):
        without_quoted_lines(split_reply(text), text)
