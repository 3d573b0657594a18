"""A catalog as an admin writes one: YAML's own ways of not repeating oneself (anchors,
aliases, merge keys), a misspelt key named with the key meant, a value of the wrong
shape shown as written (never as the parser's node objects), and the mails_off
problems said in the reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.catalog.load import parse_catalog
from gateway.core.errors import CatalogError, Problem
from gateway.core.i18n import translate
from tests.support.catalogs import GOOD
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.cpu import cpu_within

OTHER = "  - id: other\n    name: Other\n    fallback: true\n    manager: boss@example.test\n"


def problems(text: str) -> list[Problem]:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text)
    return list(caught.value.problems)


def test_merge_keys_share_an_entrys_settings() -> None:
    text = """\
x-common: &common
  manager: boss@example.test
  sla: {first_response: 4h, resolve: 2d}
  stale_after: 3d
entries:
  - id: vpn
    name: VPN
    <<: *common
    stale_after: 5d
  - id: mail
    name: Mail
    <<: [*common, {auto_close_after: 9d, stale_after: 1d}]
  - id: other
    name: Other
    fallback: true
    <<: *common
"""
    catalog = parse_catalog(text)
    vpn, mail, other = catalog.entries
    assert vpn.manager == mail.manager == other.manager == "boss@example.test"
    assert vpn.resolve is not None and vpn.resolve.days == 2
    assert vpn.stale_after is not None and vpn.stale_after.days == 5  # its own wins
    # of several merged mappings the first wins, as YAML says
    assert mail.stale_after is not None and mail.stale_after.days == 3
    assert mail.auto_close_after is not None and mail.auto_close_after.days == 9


def test_a_mistake_in_merged_settings_is_reported_where_it_is_written() -> None:
    text = "x-common: &common\n  stale_after: soon\nentries:\n  - id: vpn\n    name: VPN\n"
    text += "    <<: *common\n  - id: mail\n    name: Mail\n    <<: *common\n" + OTHER
    # said once, where it is written, however many entries take it
    assert [p.line for p in problems(text)] == [2]


def test_a_merge_key_of_something_else_than_a_mapping_is_a_problem_on_its_line() -> None:
    text = "entries:\n  - id: vpn\n    name: VPN\n    <<: 5\n" + OTHER
    found = problems(text)
    assert [p.line for p in found] == [4]
    assert "<<" in str(found[0].message) or "merge" in str(found[0].message)


def test_aliases_are_read_as_what_they_name() -> None:
    text = "entries:\n  - id: vpn\n    name: VPN\n    keywords: &words [vpn, リモート]\n"
    text += "  - id: remote\n    name: Remote\n    keywords: *words\n" + OTHER
    first, second, _ = parse_catalog(text).entries
    assert first.keywords == second.keywords and len(first.keywords) == 2


def test_another_top_level_key_is_still_refused() -> None:
    found = problems("common: 1\n" + GOOD)
    assert any(p.line == 1 and "common" in str(p.message) for p in found)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("keyword: [vpn]", "keywords"),
        ("asignee: ops@example.test", "assignee"),
        ("stale_afer: 3d", "stale_after"),
        ("fallbak: false", "fallback"),
    ],
)
def test_a_misspelt_entry_key_names_the_key_meant(typo: str, meant: str) -> None:
    text = f"entries:\n  - id: vpn\n    name: VPN\n    {typo}\n" + OTHER
    found = problems(text)
    assert len(found) == 1 and found[0].line == 4
    assert f"'{meant}'" in str(found[0].message)


def test_a_misspelt_field_key_names_the_key_meant() -> None:
    text = "entries:\n  - id: vpn\n    name: VPN\n    fields:\n      - name: os\n"
    text += "        requried: true\n" + OTHER
    found = problems(text)
    assert len(found) == 1 and found[0].line == 6 and "'required'" in str(found[0].message)


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("id: [vpn]", "[vpn]"),
        ("manager: [boss@example.test]", "[boss@example.test]"),
        ("assignee: {a: b}", "{a: b}"),
        ("stale_after: [3d]", "[3d]"),
        ("keywords: [{term: [a, b]}]", "[a, b]"),
        ("fallback: [yes]", "[yes]"),
    ],
)
def test_a_value_of_the_wrong_shape_is_shown_as_written(line: str, shown: str) -> None:
    text = (
        "entries:\n  - name: VPN\n    "
        + line
        + "\n"
        + ("  - id: vpn\n" if "id:" not in line else "")
    )
    text = text.replace("  - id: vpn\n", "    id: vpn\n") + OTHER
    found = problems(text)
    said = " ".join(str(p.message) for p in found)
    assert "Node" not in said and "tag:yaml.org" not in said, said
    assert shown in said, said


def test_mails_off_problems_are_said_in_japanese_too() -> None:
    for value in ("status_change", "[thanks]"):
        text = f"entries:\n  - id: vpn\n    name: VPN\n    mails_off: {value}\n" + OTHER
        (problem,) = problems(text)
        ja = translate(problem.message, "ja")
        assert ja != translate(problem.message, "en") and "mails_off" in ja


def test_catalog_check_prints_the_guess(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("entries:\n  - id: vpn\n    nmae: VPN\n" + OTHER, encoding="utf-8")
    ran = run(
        write_config(tmp_path, secret_file=True), "catalog", "check", str(path), capsys=capsys
    )
    assert ran.code == 65
    assert f"{path}:3: unknown key 'nmae' in an entry; did you mean 'name'?" in ran.out


@pytest.mark.parametrize(
    "line", ["    sla: {? [a] : b}", "    ? [a, b]\n    : c", "    fields:\n      - {? {x: 1} : y}"]
)
def test_a_key_that_is_a_list_or_a_mapping_is_a_problem_not_a_traceback(line: str) -> None:
    text = "entries:\n  - id: vpn\n    name: VPN\n" + line + "\n" + OTHER
    found = problems(text)
    assert found and all(p.line >= 4 for p in found)
    assert any("[a" in str(p.message) or "{x: 1}" in str(p.message) for p in found)


def test_a_catalog_of_thirty_thousand_keywords_loads_and_matches_in_linear_time() -> None:
    """300 entries of 100 keywords each (a third of them Japanese): read, and a 64 KB mail
    matched against all of them. CPU seconds (a loaded machine stretches wall time alone),
    measured here at 0.3 s to load, 0.07 s for the first match (it builds the catalog's
    index) and 0.03 s for a later one. The bounds leave a slow machine five times that
    and still fail what grows with the product of the sizes: each keyword checked against
    every one read before it (loading: 10 s and more), each keyword looked for in the
    text one by one without the index (0.7 s a match)."""
    from gateway.catalog.match import MAX_TEXT, Classification, classify

    lines = ["entries:"]
    for e in range(300):
        lines += [f"  - id: e{e}", f"    name: Entry {e}", "    keywords:"]
        lines += [
            f"      - 語{e}の{k}番" if k % 3 == 0 else f"      - word{e}x{k}" for k in range(100)
        ]
    text = "\n".join(lines) + "\n" + OTHER
    catalog = cpu_within(2.0, lambda: parse_catalog(text), "loading")
    assert sum(len(e.keywords) for e in catalog.entries) == 30_000
    body = ("サーバーにつながらない件です。word5x7 も試しました。" * 3000)[:MAX_TEXT]

    def match() -> Classification:
        return classify(catalog, "語42の3番 について", body)

    # one run: the first match builds the catalog's index, and later ones reuse it
    cpu_within(1.0, match, "the first matching", 1)
    found = cpu_within(0.2, match, "matching")  # the least of three, the index built
    assert found.entry_id == "e42"  # the subject's hit (× 3) over the body's
    assert dict(found.scores) == {"e42": 3.0, "e5": 1.0}


def test_a_catalog_saved_as_shift_jis_is_a_problem_on_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalog.yaml"
    text = "entries:\n  - id: vpn\n    name: VPN\n    keywords: [リモート]\n" + OTHER
    path.write_bytes(text.encode("shift_jis"))
    config = write_config(tmp_path, secret_file=True)
    ran = run(config, "catalog", "check", str(path), capsys=capsys)
    assert ran.code == 65
    assert ran.out.startswith(f"{path}:4: ") and "UTF-8" in ran.out and "codec" not in ran.out


def test_a_catalog_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    from gateway.catalog.load import load_catalog

    path = tmp_path / "catalog.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert [e.id for e in load_catalog(path).entries] == ["vpn", "other"]


def test_a_missing_catalog_is_said_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, secret_file=True, extra='[catalog]\npath = "nope.yaml"\n')
    ran = run(config, "tickets", "list", capsys=capsys)
    assert ran.code == 78
    line = f"[catalog.path] cannot read {tmp_path / 'nope.yaml'}: no such file or folder"
    assert line in ran.err and f"{config}: " in ran.err and "[Errno" not in ran.err
