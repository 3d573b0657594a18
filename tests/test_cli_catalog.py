"""``catalog check``, ``catalog match`` and ``stats`` on the command line."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update

from gateway.runtime.cli.common import columns
from store.models import Ticket
from tests.support.catalogs import GOOD
from tests.support.cli import run
from tests.support.config import with_database, write_config
from tests.support.mails import mail

BROKEN = GOOD.replace("resolve: 2d", "resolve: two days").replace("id: other", "id: vpn")


@pytest.fixture
def config(tmp_path: Path) -> str:
    return str(write_config(tmp_path, secret_file=True))


def test_check_default_is_the_packaged_example(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(config, "catalog", "check", capsys=capsys)
    assert code == 0
    assert "examples/catalog.yaml: ok, 7 entries, fallback 'other'" in out


def test_check_reports_every_problem_with_path_and_line(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    code, out, _ = run(config, "catalog", "check", str(path), capsys=capsys)
    assert code == 65
    assert out.splitlines() == [
        f"{path}:6: entry 'vpn': sla.resolve: not a duration: 'two days'"
        " (use e.g. '14d' or '2h30m')",
        f"{path}:12: duplicate id 'vpn' (first at line 2)",
    ]


def test_check_uses_configured_path_and_members(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "catalog.yaml").write_text(GOOD, encoding="utf-8")
    members = (
        '[catalog]\npath = "catalog.yaml"\n[[members]]\nemail = "ops@example.test"\n'
        '[[members]]\nemail = "boss@example.test"\nrole = "manager"\n'
    )
    cfg = write_config(tmp_path, secret_file=True, extra=members)
    code, out, _ = run(cfg, "catalog", "check", capsys=capsys)
    assert code == 78  # the configured catalog: a configuration error, as for every command
    assert out.splitlines() == [
        f"{tmp_path / 'catalog.yaml'}:5: entry 'vpn': assignee:"
        " unknown member 'ops2@example.test' (not in [[members]])",
        f"the team is the [[members]] of {cfg}: when someone leaves or changes address there,"
        " give what the catalog names them for to a member too",
    ]


def test_match_explains_the_score(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    eml = tmp_path / "m.eml"
    eml.write_bytes(
        mail(
            subject="ＶＰＮが繋がらない",
            body="在宅勤務中です。\nOS：Windows\n\n"
            "2026年3月2日 サポート <support@example.test>:\n> プリンタの件\n",
        )
    )
    code, out, _ = run(config, "catalog", "match", str(eml), capsys=capsys)
    assert code == 0
    assert out.splitlines() == [
        "entry: vpn (VPN and remote access)",  # LANG=C: the names in English too
        "score: 7",
        "  'vpn' in subject: weight 2 -> 6",
        "  '在宅勤務' in body: weight 1 -> 1",
        "field os: windows",
    ]
    code, out, _ = run(
        config, "catalog", "match", "--json", "--locale", "en", str(eml), capsys=capsys
    )
    data = json.loads(out)
    assert data["entry"] == "vpn" and data["name"] == "VPN and remote access"
    assert data["fields"] == {"os": "windows"} and data["missing"] == []


def test_match_reports_missing_fields_and_fallback(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    eml = tmp_path / "p.eml"
    eml.write_bytes(mail(subject="プリンタが動かない", body="数量：3\n"))
    code, out, _ = run(config, "catalog", "match", str(eml), capsys=capsys)
    assert code == 0 and "missing: printer_name (Printer name)" in out
    eml.write_bytes(mail(subject="Desk move", body="Please move my desk.\n"))
    code, out, _ = run(config, "catalog", "match", str(eml), capsys=capsys)
    assert out.splitlines()[:2] == [
        "entry: other (Other) (fallback: no keyword matched)",
        "score: 0",
    ]
    assert run(config, "catalog", "match", str(tmp_path / "nope.eml"), capsys=capsys)[0] == 66


def test_stats_json_shape(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path, url=db_url, secret_file=True)
    for n in range(2):
        (tmp_path / f"{n}.eml").write_bytes(mail(subject=f"Projector broken {n}"))
        assert run(cfg, "ingest", str(tmp_path / f"{n}.eml"), capsys=capsys)[0] == 0
    code, out, _ = run(cfg, "stats", "--json", capsys=capsys)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"entries", "assignees", "weeks", "fallback", "recent", "quarter_since"}
    assert set(data["recent"]) == {"30d", "90d"}  # the board's catalog panel, same numbers
    assignee = {"assignee", "open", "stale", "overdue", "due_soon", "force_closed_quarter"}
    assert assignee <= set(data["assignees"][0])
    entry = {"entry", "open", "closed", "overdue", "due_soon", "median_close_seconds"}
    assert entry == set(data["entries"][0])
    assert sum(e["open"] for e in data["entries"]) == 2
    assert data["fallback"]["entry"] == "other"
    assert {"week", "opened", "closed"} == set(data["weeks"][0])
    code, out, _ = run(cfg, "stats", capsys=capsys)
    assert code == 0 and "median close" in out and "candidates for new entries" in out


def test_stats_groups_the_fallbacks_words_as_the_board_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The words under the fallback that come together in the same tickets, one new entry
    each (the board's ready-to-paste stubs): in ``--json`` and in the text."""
    cfg = write_config(tmp_path, url=f"sqlite:///{tmp_path}/gw.db", secret_file=True)
    for n, subject in enumerate(["Catering menu lunch", "Catering lunch order", "Parking permit"]):
        (tmp_path / f"{n}.eml").write_bytes(mail(subject=subject, body="Thanks.\n"))
        assert run(cfg, "ingest", str(tmp_path / f"{n}.eml"), capsys=capsys)[0] == 0
    code, out, _ = run(cfg, "stats", "--json", capsys=capsys)
    groups = json.loads(out)["fallback"]["groups"]
    assert groups == [{"terms": ["catering", "lunch"], "tickets": 2}], groups
    code, out, _ = run(cfg, "stats", capsys=capsys)
    assert code == 0
    assert "words that come together in the same tickets (one new entry each):" in out
    assert "catering · lunch" in out


def test_stats_text_says_times_as_the_team_reads_them_and_keeps_japanese_in_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The oldest ticket's time as ``tickets show`` says it (the team's time zone, to the
    minute), not stored ISO text; a Japanese term takes two columns a character, so the
    columns after it stay under each other."""
    cfg = write_config(tmp_path, secret_file=True)
    for n, subject in enumerate(["会議室の予約", "会議室の予約の変更", "Lunch menu", "Lunch"]):
        (tmp_path / f"{n}.eml").write_bytes(mail(subject=subject, body=f"{subject}\n"))
        assert run(cfg, "ingest", str(tmp_path / f"{n}.eml"), capsys=capsys)[0] == 0
    out = run(cfg, "stats", capsys=capsys).out
    [boss] = [line for line in out.splitlines() if line.startswith("boss@example.test")]
    assert re.search(r"#1 \d{4}-\d\d-\d\d$", boss), boss  # its day in the team's zone
    terms = [m for line in out.splitlines() if (m := re.match(r"  (\S+)( +)\S+ +2 tickets$", line))]
    assert {m[1] for m in terms} >= {"会議室", "予約", "lunch"}, out
    assert len({columns("  " + m[1] + m[2]) for m in terms}) == 1, out  # the kinds line up


def test_stats_prints_no_fallback_heading_over_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With nothing under the fallback, or nothing recurring there, ``stats`` says so in
    one line instead of a heading with nothing under it."""
    cfg = with_database(write_config(tmp_path, secret_file=True))
    code, out, _ = run(cfg, "stats", capsys=capsys)
    assert code == 0
    assert "candidates for new entries:" not in out
    assert "nobody has an open ticket" in out and "assignee" not in out  # no empty table
    assert "no ticket opened or closed by week yet" in out and "\nweek " not in out
    assert out.rstrip().endswith(
        "no tickets under 'other' in the last 30 days: no candidates for new entries"
    )
    (tmp_path / "one.eml").write_bytes(mail(subject="Lunch menu", body="Lunch menu\n"))
    assert run(cfg, "ingest", str(tmp_path / "one.eml"), capsys=capsys)[0] == 0
    code, out, _ = run(cfg, "stats", capsys=capsys)
    assert out.rstrip().endswith("no term recurs in the 1 'other' tickets of the last 30 days yet")


def test_stats_names_the_window_of_the_fallback_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fallback report reads the last 30 days: with the fallback's tickets all older,
    ``stats`` said "no tickets under 'other'" just under an entries table that listed
    them open, and the board "the 3 tickets filed under the fallback" beside a lane of
    40. Each says which days it counts."""
    cfg = write_config(tmp_path, secret_file=True)
    for n in range(2):
        (tmp_path / f"{n}.eml").write_bytes(mail(subject=f"Lunch menu {n}", body="Lunch\n"))
        assert run(cfg, "ingest", str(tmp_path / f"{n}.eml"), capsys=capsys)[0] == 0
    engine = create_engine(f"sqlite:///{tmp_path}/gateway.db")
    with engine.begin() as db:  # filed 40 days ago, open since
        db.execute(update(Ticket).values(created_at=datetime.now(UTC) - timedelta(days=40)))
    engine.dispose()
    out = run(cfg, "stats", capsys=capsys).out
    assert re.search(r"^other +2 +0", out, re.M), out  # open under the fallback…
    # …none of them of the report's days
    assert out.rstrip().endswith(
        "no tickets under 'other' in the last 30 days: no candidates for new entries"
    )


SHARED = """\
entries:
  - id: printer
    name: {ja: プリンター, en: Printer}
    keywords: [printer, プリンター, トナー]
    assignee: ops@example.test
  - id: toner
    name: {ja: トナー, en: Toner}
    keywords: [トナー, {term: ぷりんたー, weight: 2}, Printer, {regex: 'cartridge'}]
    assignee: ops@example.test
  - id: form-only
    name: {ja: 入館申請, en: Building access}
    assignee: ops@example.test
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""


def test_check_notes_shared_keywords_and_an_entry_without_any(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A manager who puts one word under two entries, or spells it another way (プリンター,
    ぷりんたー: one word to the matcher), sees which entry a request with only that word
    goes to (where it weighs most, else the first listed); an entry with no keywords is
    reached only by choosing it. Notes, not
    problems: the catalog is fine and the exit status says so."""
    path = tmp_path / "catalog.yaml"
    path.write_text(SHARED, encoding="utf-8")
    code, out, _ = run(config, "catalog", "check", str(path), capsys=capsys)
    assert code == 0
    assert out.splitlines() == [
        f"{path}: ok, 4 entries, fallback 'other'",
        "note: keyword 'printer' is in printer and toner: a request with only it goes to"
        " printer (listed first)",
        "note: keyword 'プリンター' is in printer and toner: a request with only it goes to"
        " toner (its weight is highest)",
        "note: keyword 'トナー' is in printer and toner: a request with only it goes to"
        " printer (listed first)",
        "note: form-only has no keywords: only the web form, Slack and /category file"
        " tickets there",
    ]


def test_check_says_its_notes_in_japanese(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    path = tmp_path / "catalog.yaml"
    path.write_text(SHARED, encoding="utf-8")
    _, out, _ = run(config, "catalog", "check", str(path), capsys=capsys)
    notes = out.splitlines()[1:]
    assert len(notes) == 4
    assert all(not any(w in n for w in ("keyword", "request", "listed")) for n in notes), notes


def test_match_says_where_each_keyword_matched_in_the_clis_language(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The place of a hit is a word the reader reads, not the event's key: a Japanese
    terminal reads 件名 and 本文, as it reads the rest of the line."""
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    eml = tmp_path / "m.eml"
    eml.write_bytes(mail(subject="ＶＰＮが繋がらない", body="在宅勤務中です。\n"))
    code, out, _ = run(config, "catalog", "match", str(eml), capsys=capsys)
    assert code == 0
    assert "  「vpn」（件名）: 重み 2 → 6 点" in out.splitlines(), out
    assert "  「在宅勤務」（本文）: 重み 1 → 1 点" in out.splitlines(), out
    assert "subject" not in out and "body" not in out


def test_match_leaves_the_signature_block_out(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``catalog match`` reads the request as filing does: a department in the signature
    (VPN推進室) is not a request about VPN."""
    eml = tmp_path / "m.eml"
    body = "プリンタが動きません。\n\n山田 太郎\n情報システム部 VPN推進室\nTEL: 03-1234-5678\n"
    eml.write_bytes(mail(subject="お願い", body=body))
    code, out, _ = run(config, "catalog", "match", str(eml), capsys=capsys)
    assert code == 0 and out.startswith("entry: printer"), out
    assert "'vpn'" not in out


def test_match_explains_a_tie_by_the_order_of_the_catalog(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two entries that score the same: the manager asking why the mail went to printer
    and not to toner reads that it was a tie, settled by the order of the catalog (as
    ``catalog check``'s note says of the shared keyword), in ``--json`` too."""
    path = tmp_path / "catalog.yaml"
    path.write_text(SHARED, encoding="utf-8")
    cfg = write_config(tmp_path, secret_file=True, extra='[catalog]\npath = "catalog.yaml"\n')
    eml = tmp_path / "m.eml"
    eml.write_bytes(mail(subject="トナー", body="お願いします。\n"))
    code, out, _ = run(cfg, "catalog", "match", str(eml), capsys=capsys)
    assert code == 0
    assert "  runner-up: toner 3 (a tie: printer is listed first in the catalog)" in (
        out.splitlines()
    ), out
    code, out, _ = run(cfg, "catalog", "match", "--json", str(eml), capsys=capsys)
    assert json.loads(out)["tied_with"] == ["toner"]
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    _, out, _ = run(cfg, "catalog", "match", str(eml), capsys=capsys)
    assert "  次点: toner 3（同点: 先に書かれた printer に入ります）" in out.splitlines(), out
    eml.write_bytes(mail(subject="トナー", body="cartridge\n"))  # toner wins outright
    _, out, _ = run(cfg, "catalog", "match", str(eml), capsys=capsys)
    assert "  次点: printer 3" in out.splitlines(), out


def test_match_says_a_fallback_by_veto_is_not_one_without_keywords(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A request whose keywords matched but whose every scoring entry a negative keyword
    vetoed falls to the fallback for that reason: "no keyword matched" would send the
    manager looking for a keyword that is there."""
    path = tmp_path / "catalog.yaml"
    path.write_text(
        GOOD.replace("keywords: [vpn,", "negative: [survey]\n    keywords: [vpn,"),
        encoding="utf-8",
    )
    cfg = write_config(tmp_path, secret_file=True, extra='[catalog]\npath = "catalog.yaml"\n')
    eml = tmp_path / "m.eml"
    eml.write_bytes(mail(subject="VPN survey", body="Please fill in the VPN survey.\n"))
    code, out, _ = run(cfg, "catalog", "match", str(eml), capsys=capsys)
    assert code == 0
    assert out.splitlines()[0] == (
        "entry: other (Other) (fallback: every entry that matched was vetoed)"
    ), out
    assert "  vetoed: vpn by negative keyword 'survey'" in out.splitlines()


def test_stats_marks_a_term_the_catalog_has_as_a_keyword_already(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The manager added a catering entry; tickets that stay in the fallback (closed ones,
    vetoed, filed by hand, not refiled yet) still hold "catering". It is no candidate
    for a new entry any more: the report says whose keyword it is already, and no group
    (the board's ready-to-paste entries) offers it again."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(SHARED, encoding="utf-8")
    cfg = write_config(tmp_path, secret_file=True, extra='[catalog]\npath = "catalog.yaml"\n')
    for n, subject in enumerate(["Catering lunch menu", "Catering lunch order"]):
        (tmp_path / f"{n}.eml").write_bytes(mail(subject=subject, body="Thanks.\n"))
        assert run(cfg, "ingest", str(tmp_path / f"{n}.eml"), capsys=capsys)[0] == 0
    catalog.write_text(
        SHARED.replace(
            "  - id: other",
            "  - id: catering\n    name: Catering\n    keywords: [CATERING]\n"
            "    assignee: ops@example.test\n  - id: other",
        ),
        encoding="utf-8",
    )
    fallback = json.loads(run(cfg, "stats", "--json", capsys=capsys).out)["fallback"]
    terms = {t["term"]: t for t in fallback["terms"]}
    assert terms["catering"]["keyword_of"] == ["catering"]
    assert terms["lunch"]["keyword_of"] == []
    assert all("catering" not in g["terms"] for g in fallback["groups"]), fallback
    out = run(cfg, "stats", capsys=capsys).out
    [line] = [line for line in out.splitlines() if line.startswith("  catering ")]
    assert line.endswith("2 tickets  (a keyword of catering already)"), line


ONE_LANGUAGE = """\
entries:
  - id: printer
    name: {ja: プリンター}
    keywords: [printer]
    assignee: ops@example.test
    fields:
      - {name: room, label: {en: Room}, required: true}
      - {name: floor}
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""


def test_a_name_or_label_missing_in_one_language_says_what_its_readers_read(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A manager who wrote an entry's name in Japanese only learns from ``catalog check``
    what an English reader reads instead (its id; a label: the English one, else the
    field's name), and ``catalog match`` does not say the id twice ("printer (printer)").
    A field with no label at all reads its name everywhere, as meant: no note."""
    path = tmp_path / "catalog.yaml"
    path.write_text(ONE_LANGUAGE, encoding="utf-8")
    code, out, _ = run(config, "catalog", "check", str(path), capsys=capsys)
    assert code == 0
    assert out.splitlines()[1:] == [
        "note: printer has no name in en: readers in en read 'printer'",
        "note: printer: field room has no label in ja: readers in ja read 'Room'",
    ], out
    cfg = write_config(tmp_path, secret_file=True, extra='[catalog]\npath = "catalog.yaml"\n')
    eml = tmp_path / "m.eml"
    eml.write_bytes(mail(subject="printer", body="jammed\n"))
    out = run(cfg, "catalog", "match", "--locale", "en", str(eml), capsys=capsys).out
    assert out.splitlines()[0] == "entry: printer", out
    out = run(cfg, "catalog", "match", "--locale", "ja", str(eml), capsys=capsys).out
    assert out.splitlines()[0] == "entry: printer (プリンター)", out


def test_stats_marks_an_entry_the_catalog_no_longer_has_as_the_board_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A row of tickets under an entry removed (or renamed) since reads as gone, as the
    board's catalog panel says it, not as an entry the manager may look for in the YAML."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(SHARED, encoding="utf-8")
    cfg = write_config(tmp_path, secret_file=True, extra='[catalog]\npath = "catalog.yaml"\n')
    (tmp_path / "m.eml").write_bytes(mail(subject="printer jammed", body="Help.\n"))
    assert run(cfg, "ingest", str(tmp_path / "m.eml"), capsys=capsys)[0] == 0
    catalog.write_text(SHARED.replace("id: printer", "id: printers"), encoding="utf-8")
    out = run(cfg, "stats", capsys=capsys).out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("printer")}
    assert rows["printers"].split()[1:3] == ["0", "0"], out
    assert rows["printer"].startswith("printer (not in the catalog)"), out
    assert rows["printer"].split()[5:7] == ["1", "0"], out  # open, closed


def test_a_keyword_every_entry_shares_is_one_short_note(tmp_path: Path) -> None:
    """A word under 500 entries (a catalog generated from a spreadsheet) is one note that
    names the first ten and counts the rest, not a line of 500 ids."""
    from gateway.catalog.load import parse_catalog
    from gateway.catalog.overlaps import notes
    from gateway.core.i18n import translate

    entries = "".join(
        f"  - id: e{n}\n    name: E{n}\n    keywords: [shared, w{n}]\n" for n in range(500)
    )
    fallback = "  - id: other\n    name: Other\n    fallback: true\n    manager: b@example.test\n"
    [note] = [translate(m, "en") for m in notes(parse_catalog("entries:\n" + entries + fallback))]
    assert note == (
        "note: keyword 'shared' is in e0, e1, e2, e3, e4, e5, e6, e7, e8, e9 and 490 more:"
        " a request with only it goes to e0 (listed first)"
    )
