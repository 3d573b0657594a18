"""One language per mail (issue #13): every mail kind, rendered in Japanese, has no
English sentence left in it, and in English no Japanese, except the data it shows.

The scanner renders each sample view (tests/support/samples.py: every kind, and
views carrying every message the code decides), removes what is data — every
string value of the view (subjects, names, addresses, a member's words, a
refused command's argument), tags, addresses, URLs, command words and command
lines — and then looks for what should not be there:

* in ``ja``: a run of two or more English words (``[A-Za-z]{2,}`` separated by
  white space), after removing the few terms that are Latin in Japanese text
  too (:data:`LATIN_IN_JAPANESE`);
* in ``en``: any kana or kanji.

Subject, text part and HTML part (tags removed, entities decoded) are scanned.
The second half of the file shows that the scanner bites: an English sentence
in a Japanese template, and a message the catalog does not know, are found.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from gateway.core.i18n import N_, NP_, Msg, translate
from gateway.notify import labels
from gateway.notify import views as v
from gateway.notify.render import Renderer
from tests.support import samples
from tests.support.i18n_catalogs import msgids, plurals
from tests.support.unwrap import unwrapped

# Terms that are written in Latin letters in Japanese mails, too. Each is removed
# before the scan; anything else made of two English words in a row is a finding.
LATIN_IN_JAPANESE = [
    r"\b(?:VPN|OS|SLA|DKIM|DMARC|README|JST|UTC)\b",  # names of things, as Japanese IT writes them
    r"\bYYYY-MM-DD\b",  # the date format a command takes
    r"\bticket-gateway(?:\s+--?[a-z][-a-z_]*|\s+[a-z][-a-z_]*)*",  # a command line to run
    r"[/／][a-z][-a-z_]*(?:\s+\[[^\]\n]*\]|\s+<[^>\n]*>)*",  # a reply command and its arguments
    r"\b(?:resolved|stale|duplicate|spam|no-response|max_command_lines)\b",  # words commands take
    r"\bhealth\.[a-z_]+",  # a configuration key
    r"\bopenssl rand -hex \d+",  # a command line the secret's refusal suggests
]
# Left after data and allowed terms are gone: English in a Japanese mail.
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:\s+[A-Za-z]{2,})+")
# Kana, kanji and Japanese punctuation: not in an English mail.
JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")
# Never words of ours: addresses, URLs, ticket tags.
DATA_SHAPES = [
    r"https?://\S+",
    r"[\w.+-]+@[\w.-]+(?::\d+)?(?:/\w+)?",  # an address, or a mailbox account@host:port/folder
    r"\[[A-Z]*#\d+\]",  # a ticket tag
    r"\[#…\]",  # a ticket tag, as the digest describes it
]
# View fields whose values are words the templates must say through a label filter
# (ticket.state|state …): not data, so an unlabelled "waiting" would be found.
LABELLED = {"state", "old_state", "new_state", "status", "sla", "target"}


def data_of(value: object, field: str = "") -> Iterator[str]:
    """Every string that is data in a view: field values and a Msg's string parameters."""
    if isinstance(value, str):
        if field not in LABELLED and value.strip():
            yield value
    elif isinstance(value, Msg):
        for name, param in value.params.items():
            yield from data_of(param, name)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from data_of(getattr(value, f.name), f.name)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from data_of(item, field)
    elif isinstance(value, Mapping):  # a Msg parameter in each language: an entry's names
        for item in value.values():
            yield from data_of(item, field)


def without_data(text: str, data: list[str]) -> str:
    """``text`` with every piece of data cut out (longest first, also as HTML shows it)."""
    for item in sorted(set(data), key=len, reverse=True):
        for form in (item, html.escape(item), html.escape(item, quote=False)):
            text = text.replace(form, " ")
            for line in form.splitlines():  # a multi-line value, shown indented
                if len(line.strip()) > 1:
                    text = text.replace(line.strip(), " ")
    for shape in DATA_SHAPES:
        text = re.sub(shape, " ", text)
    return text


# An element marked with a language of its own (the pages' switch names each language
# in itself: English on a Japanese page) is in that language by declaration, not a slip.
MARKED = re.compile(r'<(?!html\b)(\w+)\b[^>]*\slang="[^"]*"[^>]*>.*?</\1>', re.DOTALL)


def readable(part: str, is_html: bool) -> str:
    if not is_html:
        return part
    body = re.sub(r"<head>.*?</head>", " ", part, flags=re.DOTALL)
    body = MARKED.sub(" ", body)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def findings(text: str, locale: str, data: Sequence[str] = ()) -> list[str]:
    """What is in the wrong language in ``text``, a mail part in ``locale``."""
    left = without_data(text, list(data))
    if locale == "en":
        return JAPANESE.findall(left)
    for allowed in LATIN_IN_JAPANESE:
        left = re.sub(allowed, " ", left)
    return [m.group(0) for m in ENGLISH_RUN.finditer(left)]


def scan(renderer: Renderer, view: v.View, locale: str) -> list[str]:
    """Every finding in the subject, the text part and the HTML part of ``view``."""
    parts = renderer.render(view, locale)
    data = list(data_of(view))
    found = []
    for name, part, is_html in (
        ("subject", parts.subject, False),
        ("text", unwrapped(parts.text), False),  # a server's words, broken across lines
        ("html", parts.html, True),
    ):
        found += [f"{name}: {f!r}" for f in findings(readable(part, is_html), locale, data)]
    return found


ALL = [*samples.SAMPLES, *samples.said()]


def _id(view: v.View) -> str:
    return v.kind_of(view)


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("view", ALL, ids=_id)
def test_every_mail_is_in_one_language(view: v.View, locale: str) -> None:
    assert scan(Renderer(), view, locale) == []


def test_the_samples_say_every_message_the_code_decides() -> None:
    """The views of :func:`samples.said` carry every msgid marked in ``gateway/`` that a
    mail can show (the CLI's own lines are checked by test_cli_language)."""
    said: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, Msg):
            said.add(value.msgid)
            for p in value.params.values():
                walk(p)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name))
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)

    for view in ALL:
        walk(view)
    from_code = msgids(lambda path: path.startswith("gateway/") and not path.startswith(NO_MAIL))
    tables = (
        labels.STATES,
        labels.CUSTOMER_STATES,  # a status mail to the requester
        labels.CLOSE_REASONS,
        labels.OUTCOMES,
        labels.SLA_TARGETS,
        labels.PRIORITIES,
        labels.RUN_STATES,  # /approve's answer (the samples) and the CLI's runs
    )
    shown_by_filters = {m.msgid for table in tables for m in table.values()}
    shown_by_filters |= {labels.file_size(n).msgid for n in (100, 5120, 3 << 20)}  # |size
    assert from_code - said - shown_by_filters - NOT_IN_MAIL == set()


# Packages whose messages are said elsewhere than in mail: the CLI (test_cli_language),
# chat cards and modals (gateway/chat renders them in the channel's language).
NO_MAIL = (
    "gateway/runtime/",
    "gateway/chat/",
    "gateway/web/",  # pages: test_web_pages renders them in ja and en
    "gateway/core/spans.py",  # a duration: the board's median, `catalog stats` (test_web_spans)
    "gateway/catalog/action_reader.py",  # `catalog check` says these, to an operator
    "gateway/catalog/reader.py",  # … and these (catalog problems, with their line)
    "gateway/catalog/keyword_reader.py",  # … and these (an entry's keywords)
    "gateway/catalog/overlaps.py",  # … and its notes (shared keywords, unreachable entries)
    "gateway/catalog/load.py",
    "gateway/catalog/yaml_errors.py",  # … and why the file is not YAML, with its line
    "gateway/core/domains.py",  # a domain with no IDNA2008 form: a config error, the form
    "gateway/config/",  # configuration errors: the CLI says them (exit 78)
    "gateway/outbound/maildir.py",  # an unusable [outbound] maildir: the same
    "gateway/receive/bulk.py",  # `ingest`'s line per input
    "gateway/runner/new_said.py",  # … and what it says of a new ticket (test_cli_mixed_lines)
    "gateway/runner/reply_said.py",  # … of a reply, an ignored mail (test_cli_ingest_said)
    "gateway/runner/replies.py",  # … its clauses of each reply outcome (the same test)
    "gateway/runner/early.py",  # … why a mail was ignored (the same test)
    "gateway/runner/ticketless.py",  # … a reply to a digest (test_reply_to_ticketless_mail)
    "gateway/runner/rows.py",  # … an inbox row's state
    "gateway/scheduling/member_bounces.py",  # `status`'s warning of a member's mail that came back
    "gateway/runner/verdicts.py",  # … why a row failed: an outage, a bug of ours
    "gateway/actions/results.py",  # internal notes on the ticket, in the team's language
    "gateway/actions/notes.py",  # … and the notes themselves (a run's end)
    "gateway/actions/reply.py",  # … and why a reply was held back: an event (the page)
    "gateway/catalog/linear.py",  # `catalog check` says these, to an operator
    "gateway/catalog/regex_errors.py",  # … and why a keyword regex cannot be read
    "gateway/core/file_kinds.py",  # a path that is no file: said with the config error
    "gateway/notify/template_check.py",  # a team template's mistake: `catalog check`, the log
    # a wordless mail's text, translated once as it is stored, in the ticket's language
    # (as a ticket's "(no subject)" title; tests/test_wordless_mail.py says it in both)
    "gateway/pipeline/no_words.py",
    "gateway/pipeline/carried_mail.py",  # … a body-less forward's line (test_mail_shapes)
    "gateway/catalog/sla_reader.py",  # … and these (an entry's sla and priority)
    "gateway/catalog/field_reader.py",  # … and these (an entry's fields)
    "gateway/catalog/nodes.py",  # … and a list or mapping where a text belongs
    "gateway/receive/files.py",  # `ingest`: why an input cannot be read
    "gateway/receive/mbox_file.py",  # … and why the rest of an mbox cannot be, now
    "gateway/receive/stdin.py",  # … and why standard input cannot be
    "gateway/receive/folders.py",  # … and why a folder found in a folder is not read
    "gateway/receive/smtp/auth.py",  # a bad line of [smtp] auth_users_file: a config error
    "gateway/config/",  # configuration problems and warnings: the CLI and the log
    "gateway/core/key_strength.py",  # a weak key: said with the config or catalog error
    "gateway/core/proxies.py",  # an unusable proxy: said with the config error, or logged
    "gateway/pipeline/unanswered.py",  # why no automatic mail: test_unanswered_language
    "gateway/outbound/failures.py",  # why a mail waits or failed: status (test_outbox_errors)
    "gateway/tickets/event_words.py",  # what a limit's event did: the page and tickets show
    "gateway/core/retired_words.py",  # only read back from rows: test_stored_words
    "gateway/core/db_errors.py",  # why the database is unavailable: the CLI (test_db_errors)
)

# Messages marked in gateway/ that no mail shows, and why.
NOT_IN_MAIL = {
    # who acted when no person did, at the start of a chat thread's line and in a ticket
    # page's history (labels.SYSTEM_ACTORS; test_web_system_actors reads it in both)
    "The scheduler",
    "The inventory",
    "The gateway",
    # the managers' summary marks a leaver's row with it, translated as the rows are named
    # (digest._names), not a Msg in the view: test_former_member reads it in Japanese
    "(not in the team)",
    # a time the zone cannot say (year 9999 east of UTC): zone.OutOfRange says it as the
    # time's own text, not as a Msg in a view (test_cli_far_due reads it in both languages)
    "out of range in {zone} ({at} as stored)",
    "nothing due",  # the CLI's sweep line
    "{jobs}; {mails} mail queued",  # the CLI's sweep line
    "sent to the reply address issued to you",  # why a mail passed: the verdict's "via" is kept
    "DKIM signature of {domain} verified by {server}",  # … and no person is told
    "DMARC pass for {domain} from {server}",
    "unknown field",  # a form or chat modal says it beside the field; events keep English
    # a cleared field in the page's and `tickets show`'s history (labels.field_cleared); a
    # mail's notice says the same with its time and who ("… cleared Plan (it was pro)")
    "cleared {name} (it was {old})",
    "This field is required.",  # likewise, beside an empty required field
    # a file the config names that is no small regular file: said with the config error
    "not a regular file (a named pipe, a device or a socket): name the file",
    "not a regular file but {kind}: name the file",
    "larger than {limit} bytes, more than such a file holds: is it the right file?",
    "(no subject)",  # a ticket's title, translated once as it opens (test_ticket_title)
    # why refile held an action (an action-held event): the page and tickets show say it
    "it ran the action of {entry} already (run #{run})",
    # … and why a merge's completed sheet held it (test_actions_merged_ran)
    "ticket #{ticket} merged into it ran the action of {entry} already (run #{run})",
    # a removed entry's mark, in the entry's name as a view gets it (Catalog.shown_name):
    # test_unplaced_conversation reads it in the managers' summary
    "{entry} (not in the catalog)",
    # the separator of a list of names (the entries an unknown /category is told, the
    # values /category took), joined as it is made: test_catalog_words, test_entry_names
    ", ",
    # the ticket page's close buttons, also read as the words /close takes (/close 解決)
    "Resolved",
    "Stale",
    "Duplicate",
    "Spam",
    "No response",
    # the board's and the lists' mark of an untouched ticket (放置), also read by /close;
    # the status mail names that close reason "no recent activity" (長期間更新なし)
    "stale",
}


def test_every_translation_is_japanese() -> None:
    """Each ja msgstr of the catalog, its placeholders filled with data, has no English
    run: a translation left in English is found even where no sample shows it."""
    left_in_english = {}
    plural = plurals()
    for msgid in sorted(msgids(lambda path: True)):
        text = translate(NP_(msgid, plural[msgid], 2) if msgid in plural else N_(msgid), "ja")
        filled = re.sub(r"%\(\w+\)s|\{\w+(?:![rsa])?\}", " DATA ", text)
        if found := findings(filled, "ja", ["DATA"]):
            left_in_english[msgid] = found
    assert left_in_english == {}


# ---------------------------------------------------------------- the scanner bites


def test_an_english_sentence_in_a_japanese_template_is_found(tmp_path: Path) -> None:
    (tmp_path / "ja").mkdir()
    (tmp_path / "ja" / "acknowledgement.txt.j2").write_text(
        "{{ recipient.display }} 様\n\nお問い合わせを受け付けました。\n"
        "Someone from our team will get back to you.\n",
        encoding="utf-8",
    )
    found = scan(Renderer(tmp_path), samples.SAMPLES[0], "ja")
    # the team's text is the HTML part too (it wrote no HTML): found in both
    assert found == [
        "text: 'Someone from our team will get back to you'",
        "html: 'Someone from our team will get back to you'",
    ]


def test_a_message_the_catalog_does_not_know_is_found() -> None:
    untranslated = N_("the relay refused the mail: {error}", error="550 no such user")
    view = v.HealthAlert(samples.TEAM, samples.BOSS, untranslated, False, "2026-03-02 10:00 JST")
    found = scan(Renderer(), view, "ja")
    assert "subject: 'the relay refused the mail'" in found
    assert scan(Renderer(), view, "en") == []


def test_japanese_in_an_english_template_is_found(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "acknowledgement.subject.j2").write_text(
        "受付: {{ ticket.subject }}\n", encoding="utf-8"
    )
    assert scan(Renderer(tmp_path), samples.SAMPLES[0], "en") == ["subject: '受付'"]


def test_data_is_not_a_finding() -> None:
    """A requester's English subject in a Japanese mail is theirs, not ours."""
    view = v.Acknowledgement(samples.TEAM, samples.ALICE, samples.ticket(1, "Printer jams again"))
    assert scan(Renderer(), view, "ja") == []
    assert "Printer jams again" in Renderer().render(view, "ja").text
