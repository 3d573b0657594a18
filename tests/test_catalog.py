"""Catalog validation names every problem with its line; reload keeps a good catalog."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.catalog.assign import choose_assignee, next_in_turn
from gateway.catalog.load import (
    CatalogHolder,
    catalog_path,
    check_catalog,
    load_catalog,
    parse_catalog,
)
from gateway.config.settings import CatalogSettings, Member, Settings
from gateway.core.errors import CatalogError, Problem
from tests.support.catalogs import GOOD

MEMBERS = (
    Member("ops@example.test"),
    Member("ops2@example.test"),
    Member("boss@example.test", role="manager"),
)


def problems(text: str, members: tuple[Member, ...] = MEMBERS) -> list[Problem]:
    """The problems, each message as its English text (the CLI says it in its language)."""
    try:
        parse_catalog(text, members)
    except CatalogError as exc:
        return [Problem(p.line, str(p.message)) for p in exc.problems]
    return []


def test_good_catalog_loads_typed() -> None:
    cat = parse_catalog(GOOD, MEMBERS)
    vpn = cat.entries[0]
    assert vpn.assignees == ("ops@example.test", "ops2@example.test")
    assert vpn.first_response == timedelta(hours=4) and vpn.resolve == timedelta(days=2)
    assert vpn.stale_after == timedelta(days=3)
    assert vpn.auto_close_after == timedelta(days=14)
    assert [k.weight for k in vpn.keywords] == [1.0, 2.0, 1.0]
    assert vpn.keywords[1].cjk and not vpn.keywords[0].cjk
    assert vpn.fields[0].choices == ("windows", "mac") and vpn.fields[0].required
    assert cat.fallback.id == "other" and cat.fallback.manager == "boss@example.test"


def test_packaged_example_is_valid_with_and_without_members() -> None:
    example = catalog_path(Settings())
    assert example.name == "catalog.yaml" and example.is_file()
    assert check_catalog(example) == []
    assert check_catalog(example, MEMBERS) == []
    assert catalog_path(Settings(catalog=CatalogSettings(Path("/x.yaml")))) == Path("/x.yaml")


def mutate(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (mutate("[ops@example.test, ops2", "[ops@example.test, nobody"), 5, "unknown member"),
        (mutate("manager: boss@example.test", "manager: ops@example.test"), 15, "not a manager"),
        (mutate("id: other", "id: vpn"), 12, "duplicate id 'vpn' (first at line 2)"),
        (mutate("    fallback: true\n", ""), 1, "no fallback entry"),
        (mutate("    manager: boss@example.test\n", ""), 12, "must name a 'manager'"),
        (mutate("resolve: 2d", "resolve: 2 days"), 6, "resolve: not a duration"),
        (mutate("stale_after: 3d", "stale_after: soon"), 7, "stale_after: not a duration"),
        (mutate("stale_after: 3d", "stale_after: 0d"), 7, "stale_after: must be longer than 0"),
        (mutate("resolve: 2d", "resolve: 0m"), 6, "resolve: must be longer than 0"),
        (mutate("'any(connect)?'", "'any(connect'"), 4, "bad regular expression"),
        (mutate("'any(connect)?'", "'anyconnect|'"), 4, "can match an empty text"),
        (mutate("'any(connect)?'", "'(anyconnect)?'"), 4, "can match an empty text"),
        (mutate("type: choice", "type: dropdown"), 10, "unknown field type 'dropdown'"),
        (mutate(", choices: [windows, mac]", ""), 10, "needs a 'choices' list"),
        (mutate("    stale_after", "    stale_afer"), 7, "unknown key 'stale_afer'"),
        (mutate("weight: 2", "weight: -1"), 4, "weight must be a number above 0"),
        # YAML reads 1.0e+400 as infinity: a score no JSON (nor PostgreSQL's) can hold
        (mutate("weight: 2", "weight: 1.0e+400"), 4, "weight must be a number above 0"),
        (
            mutate("    name: Other\n", "    name: Other\n    fallback: true\n"),
            15,
            "duplicate key 'fallback'",
        ),
        ("entries:\n  - id: a\n    name: [unclosed\n", 4, "not valid YAML"),
    ],
    ids=[
        "unknown-member",
        "manager-role",
        "duplicate-id",
        "missing-fallback",
        "fallback-without-manager",
        "bad-duration-sla",
        "bad-duration",
        "zero-stale-after",
        "zero-sla",
        "bad-regex",
        "regex-matching-nothing",
        "regex-all-optional",
        "unknown-field-type",
        "choice-without-choices",
        "unknown-key",
        "bad-weight",
        "infinite-weight",
        "duplicate-key",
        "yaml-syntax",
    ],
)
def test_each_mistake_is_reported_on_its_line(text: str, line: int, fragment: str) -> None:
    found = problems(text)
    assert any(p.line == line and fragment in p.message for p in found), found


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        # a word where a list was meant: the key as written, the entry, and how to list it
        (
            "keywords: [vpn, {",
            "negative: survey\n    keywords: [vpn, {",
            "negative: must be a list",
        ),
        (
            "keywords: [vpn, {term: リモート, weight: 2}, {regex: 'any(connect)?'}]",
            "keywords: vpn",
            "keywords: must be a list",
        ),
        (
            "keywords: [vpn, {term: リモート, weight: 2}, {regex: 'any(connect)?'}]",
            "keywords:",
            "keywords: must be a list",
        ),
    ],
)
def test_a_keyword_list_that_is_no_list_is_said_with_its_key_and_entry(
    old: str, new: str, said: str
) -> None:
    [problem] = problems(mutate(old, new))
    assert problem.line == 4 and problem.message.startswith(f"entry 'vpn': {said}"), problem


@pytest.mark.parametrize("keyword", ["[vpn]", "[[vpn]]", "[[]]"])
def test_a_keyword_that_is_neither_a_word_nor_a_mapping_is_one_problem(keyword: str) -> None:
    """Said once: "must be a mapping" and then "needs one of term and regex" of the
    same list is one mistake told twice."""
    found = problems(mutate("keywords: [vpn, {", f"keywords: [{keyword}, {{"))
    assert len(found) == 1 and found[0].line == 4, found


@pytest.mark.parametrize(
    ("old", "new", "line", "said"),
    [
        ("name: {ja: VPN, en: VPN}", "name: {ja: [VPN], en: VPN}", 3, "ja must be a text"),
        ("{name: os,", "{name: [os],", 10, "name must be a text"),
        ("required: true}", "required: true, example: [win, mac]}", 11, "example must be a text"),
        ("choices: [windows, mac]", "choices: [windows, {value: [mac]}]", 10, "value must be"),
        ("name: Other", "name: {en: {x: Other}}", 13, "en must be a text"),
    ],
)
def test_a_list_or_mapping_where_a_text_belongs_is_a_problem(
    old: str, new: str, line: int, said: str
) -> None:
    """Not taken as its YAML written out ("[win, mac]" as the example a mail shows)."""
    found = problems(mutate(old, new))
    assert any(p.line == line and said in p.message for p in found), found


def test_second_fallback_is_reported_where_it_is_declared() -> None:
    text = GOOD + (
        "  - id: misc\n    name: Misc\n    fallback: true\n    manager: boss@example.test\n"
    )
    assert Problem(18, "a second fallback entry (the first is 'other')") in problems(text)


def test_members_are_checked_only_when_configured() -> None:
    text = mutate("[ops@example.test, ops2", "[ops@example.test, nobody")
    assert problems(text, ()) == []


def test_all_problems_are_reported_together_in_line_order() -> None:
    text = mutate("resolve: 2d", "resolve: 2 days").replace("type: choice", "type: nope")
    text = text.replace("id: other", "id: vpn")
    found = problems(text)
    assert [p.line for p in found] == sorted(p.line for p in found)
    assert {6, 10, 12} <= {p.line for p in found}


def test_holder_keeps_old_catalog_when_new_one_is_invalid(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(GOOD, encoding="utf-8")
    holder = CatalogHolder(path, MEMBERS)
    first = holder.current
    path.write_text(mutate("resolve: 2d", "resolve: later"), encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="gateway.catalog"):
        assert holder.reload() is False
    assert holder.current is first
    assert "catalog reload refused" in caplog.text
    assert f"{path}:6: entry 'vpn': sla.resolve: not a duration" in caplog.text
    assert holder.text == GOOD  # the text in use, not the file's refused one
    path.write_text(GOOD.replace("id: vpn", "id: remote"), encoding="utf-8")
    assert holder.reload() is True
    assert holder.current.entries[0].id == "remote"
    assert holder.text == GOOD.replace("id: vpn", "id: remote")


def test_holder_given_the_text_in_use_takes_it_whatever_the_file_holds(tmp_path: Path) -> None:
    """The daemon's processing child starts with the daemon's catalog; later reloads
    read the file as usual."""
    path = tmp_path / "catalog.yaml"
    path.write_text(mutate("resolve: 2d", "resolve: later"), encoding="utf-8")
    holder = CatalogHolder(path, MEMBERS, text=GOOD)
    assert holder.current.entries[0].id == "vpn" and holder.text == GOOD
    assert holder.current.digest == CatalogHolder(tmp_path / "x", MEMBERS, text=GOOD).current.digest
    assert holder.reload() is False and holder.text == GOOD
    remote = GOOD.replace("id: vpn", "id: remote")
    assert holder.take(remote) is True  # what the daemon took, whatever the file says now
    assert holder.current.entries[0].id == "remote" and holder.text == remote
    path.write_text(GOOD, encoding="utf-8")
    assert holder.take("") is True and holder.text == GOOD  # no text: the file


def test_holder_refuses_an_unreadable_file_and_start_fails_on_a_bad_one(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(GOOD, encoding="utf-8")
    holder = CatalogHolder(path)
    path.unlink()
    assert holder.reload() is False and holder.current.entries[0].id == "vpn"
    with pytest.raises(CatalogError):
        CatalogHolder(path)
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path / "missing.yaml")
    assert info.value.problems[0].line == 0


def test_round_robin_serves_in_turn_and_a_newcomer_joins_the_round() -> None:
    people = ("a@x.test", "b@x.test", "c@x.test")
    newest: dict[str, int] = {}
    served = []
    for tid in range(1, 7):
        who = next_in_turn(people, newest)
        served.append(who)
        newest[who] = tid
    assert served == [*people, *people]
    # d joins after a long time: served once at once, then in the round, not until
    # "caught up" with the others' history
    team = (*people, "d@x.test")
    newest = {"a@x.test": 900, "b@x.test": 901, "c@x.test": 902}
    turns = []
    for tid in range(903, 911):
        who = next_in_turn(team, newest)
        turns.append(who)
        newest[who] = tid
    assert turns == ["d@x.test", "a@x.test", "b@x.test", "c@x.test"] * 2
    # the one who waited longest goes first, whatever the list order
    assert next_in_turn(people, {"a@x.test": 7, "b@x.test": 3, "c@x.test": 5}) == "b@x.test"
    with pytest.raises(ValueError):
        next_in_turn((), {})


def test_assignee_rules() -> None:
    cat = parse_catalog(GOOD, MEMBERS)
    vpn, other = cat.entries
    assert choose_assignee(cat, vpn, {"ops@example.test": 1}).assignee == "ops2@example.test"
    both = {"ops@example.test": 4, "ops2@example.test": 2}
    assert choose_assignee(cat, vpn, both).assignee == "ops2@example.test"
    fallback = choose_assignee(cat, other, {})
    assert (fallback.assignee, fallback.rule) == ("boss@example.test", "fallback-manager")


def test_empty_entries_still_need_a_fallback() -> None:
    assert problems("entries: []\n") == [
        Problem(
            1, "no fallback entry: mark exactly one entry (usually 'other') with 'fallback: true'"
        )
    ]
    assert problems("") == [Problem(1, "the catalog is empty: it needs an 'entries' list")]


def test_packaged_example_speaks_japanese_and_english() -> None:
    cat = load_catalog(catalog_path(Settings()))
    assert len(cat.entries) >= 6 and cat.fallback.id == "other"
    for entry in cat.entries:
        assert set(entry.names) == {"ja", "en"} and entry.names["ja"] != entry.names["en"]
        assert entry.assignees or entry.fallback
        for f in entry.fields:
            assert set(f.labels) == {"ja", "en"}
    assert any(k.cjk for e in cat.entries for k in e.keywords)
    assert any(k.regex is not None for e in cat.entries for k in e.keywords)
    assert any(e.negative for e in cat.entries)
    assert any(len(e.assignees) > 1 for e in cat.entries)


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("[vpn, '']", "an empty keyword: write a word, or leave the line out"),
        ("[vpn, '  ']", "an empty keyword: write a word, or leave the line out"),
        ("[vpn, ~]", "an empty keyword: write a word, or leave the line out"),  # YAML's null
        ("[vpn, null]", "an empty keyword: write a word, or leave the line out"),
        ("[vpn, {term: ~, weight: 2}]", "an empty keyword: write a word, or leave the line out"),
        ("[vpn, ー]", "keyword 'ー' has no letter or digit: nearly every mail would hold it"),
        ("[vpn, '-']", "keyword '-' has no letter or digit: nearly every mail would hold it"),
        ("[vpn, '・']", "keyword '・' has no letter or digit: nearly every mail would hold it"),
    ],
)
def test_a_keyword_that_would_find_nothing_or_everything_is_a_problem(
    written: str, said: str
) -> None:
    """A list item left empty (``-`` alone, ``''``, YAML's ``~`` or ``null``) was taken:
    a null as the word "null" (a negative one vetoed every mail saying it), the others
    as a keyword that matches nothing. A keyword of marks alone (ー, -) was found in
    nearly every mail. Each is a problem on its line now."""
    text = GOOD.replace(
        "keywords: [vpn, {term: リモート, weight: 2}, {regex: 'any(connect)?'}]",
        f"keywords: {written}",
    )
    assert problems(text) == [Problem(4, said)]
    negative = GOOD.replace("    assignee: [ops", f"    negative: {written}\n    assignee: [ops")
    assert problems(negative) == [Problem(5, said)]


@pytest.mark.parametrize("written", ["C++", "C#", "Wi-Fi", "365", "ＰＣ", "ｻｰﾊﾞ", "印"])
def test_short_or_signed_keywords_are_fine(written: str) -> None:
    text = GOOD.replace("keywords: [vpn,", f"keywords: ['{written}',")
    assert problems(text) == []


@pytest.mark.parametrize(
    "written",
    ["ops@example.test, ops2@example.test", "ops@example.test ops2@example.test", "a@b@c.test"],
)
def test_two_addresses_in_one_string_are_a_problem_even_without_members(written: str) -> None:
    """``assignee: a@x, b@x`` is one YAML string, not a list: with ``[[members]]`` it was
    an unknown member, without them it was taken as one address nobody has (the
    notices went to it). It is a problem either way, saying how to write a list."""
    text = GOOD.replace("assignee: [ops@example.test, ops2@example.test]", f"assignee: {written}")
    said = (
        f"expected one member's e-mail address, not {written!r}"
        " (several are a list: [a@example.test, b@example.test])"
    )
    assert problems(text, ()) == [Problem(5, said)]
    assert problems(text) == [Problem(5, said)]


def test_a_text_is_kept_as_written_not_as_yaml_1_1_would_type_it() -> None:
    """A label, an example or a choice's value is a text: YAML 1.1 reads ``yes`` as
    true and ``5.10`` as 5.1, but the manager wrote the words ``yes`` and ``5.10``
    (a version), and a choice ``{value: on}`` is stored as ``on``, as a plain ``- on``
    is, never as ``True``."""
    text = mutate(
        "required: true}",
        "required: true}\n"
        "      - {name: agree, label: {ja: 同意, en: yes}, type: choice,\n"
        "         choices: [no, {value: on, label: {ja: はい, en: yes}},"
        " {value: 1.10, label: Release 1.10}]}\n"
        "      - {name: version, example: 5.10}\n"
        "      - {name: code, example: 0x1F}",
    )
    agree, version, code = parse_catalog(text, MEMBERS).entries[0].fields[1:]
    assert agree.label("en") == "yes"
    assert agree.choices == ("no", "on", "1.10")
    assert agree.choice_label("on", "en") == "yes"
    assert version.example == "5.10" and code.example == "0x1F"


def test_an_id_is_read_as_written() -> None:
    """``id: yes`` is the id ``yes``, not Python's ``True`` (refused as not lower case);
    ``id: 1_0`` is the id ``1_0`` a member types, not YAML 1.1's number 10; and a problem
    quotes the id as written (``YES``)."""
    cat = parse_catalog(GOOD.replace("id: vpn", "id: yes").replace("id: other", "id: 1_0"))
    assert [e.id for e in cat.entries] == ["yes", "1_0"]
    found = problems(GOOD.replace("id: vpn", "id: YES"))
    assert any("id 'YES'" in p.message for p in found), found


def test_an_entry_named_in_one_language_is_not_said_twice_in_the_other() -> None:
    """``name: {ja: プリンター}``: an English reader reads the id, and the id beside it
    again ("printer (printer)") says nothing; the Japanese reader reads both."""
    from gateway.core.i18n import translate

    entry = parse_catalog(GOOD.replace("name: {ja: VPN, en: VPN}", "name: {ja: リモート}"))
    said = entry.entries[0].said_with_id()
    assert translate(said, "en") == "vpn"
    assert translate(said, "ja") == "リモート（vpn）"


def test_holder_takes_a_catalog_saved_since_without_a_hangup(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The manager saves the YAML; the daemon looks at the file (its time, size and
    inode) and takes what changed: a save in place, an editor's rename of a new file over
    it. A save caught half-written is refused once (the old catalog kept, the problem
    logged, not again at every look), and the save that completes it is taken."""
    import os

    path = tmp_path / "catalog.yaml"
    path.write_text(GOOD, encoding="utf-8")
    holder = CatalogHolder(path, MEMBERS)
    assert holder.reload_if_changed() is None  # nothing saved since
    renamed = GOOD.replace("id: vpn", "id: remote")
    (tmp_path / ".catalog.yaml.swp").write_text(renamed, encoding="utf-8")
    os.replace(tmp_path / ".catalog.yaml.swp", path)  # vim, VS Code: a new file renamed over
    assert holder.reload_if_changed() is True and holder.current.entries[0].id == "remote"
    path.write_text(GOOD[:120], encoding="utf-8")  # caught in the middle of a save
    with caplog.at_level(logging.ERROR, logger="gateway.catalog"):
        assert holder.reload_if_changed() is False
        assert holder.reload_if_changed() is None  # refused once, not at every look
    assert holder.current.entries[0].id == "remote"
    assert caplog.text.count("catalog reload refused") == 1
    path.write_text(GOOD, encoding="utf-8")  # the save completed
    assert holder.reload_if_changed() is True and holder.current.entries[0].id == "vpn"
    path.unlink()
    assert holder.reload_if_changed() is False and holder.current.entries[0].id == "vpn"
    assert holder.reload_if_changed() is None


def test_the_daemon_looks_at_the_catalog_until_stopped(tmp_path: Path) -> None:
    """The daemon's catalog watch: a look per interval, until the stop is set."""
    import threading

    from gateway.catalog.load import watch_catalog

    path = tmp_path / "catalog.yaml"
    path.write_text(GOOD, encoding="utf-8")
    holder = CatalogHolder(path, MEMBERS)
    path.write_text(GOOD.replace("id: vpn", "id: remote"), encoding="utf-8")

    class OneLook(threading.Event):
        """Lets the loop look once, then stops it (no real waiting)."""

        looks = 0

        def wait(self, timeout: float | None = None) -> bool:
            self.looks += 1
            return self.looks > 1

    watch_catalog(holder, OneLook())
    assert holder.current.entries[0].id == "remote"


def test_a_reload_of_the_catalog_in_use_tells_nobody(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A SIGHUP after the watch took the save (or one sent twice) reads the same text: the
    catalog in use stays, and neither the log nor the processing child hears of a
    reload that changed nothing."""
    path = tmp_path / "catalog.yaml"
    path.write_text(GOOD, encoding="utf-8")
    holder = CatalogHolder(path, MEMBERS)
    told: list[int] = []
    holder.followers.append(lambda: told.append(1))
    with caplog.at_level(logging.INFO, logger="gateway.catalog"):
        assert holder.reload() is True
    assert told == [] and "catalog reloaded" not in caplog.text
    path.write_text(GOOD.replace("id: vpn", "id: remote"), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="gateway.catalog"):
        assert holder.reload_if_changed() is True and holder.reload() is True
    assert told == [1] and caplog.text.count("catalog reloaded") == 1
