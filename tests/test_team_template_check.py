"""A team's template with a mistake is found before a mail needs it: ``catalog check``
and a daemon's start name the file, the line and the mistake. (When a mail needs it, the
mail goes out from the built-in templates: ``tests/test_team_templates.py``.)"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.notify.template_check import template_mistakes, template_notes
from gateway.runtime.daemon import warn_at_start
from tests.support.cli import run
from tests.support.config import write_config


def _team(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "team"
    for name, raw in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(raw)
    return folder


GOOD = {
    "ja/acknowledgement.txt.j2": "{{ recipient }} 様\n承りました。\n".encode(),
    "acknowledgement.subject.j2": b"{% trans tag=ticket.tag %}Received {{ tag }}{% endtrans %}\n",
}


def test_a_clean_team_folder_has_no_mistakes(tmp_path: Path) -> None:
    assert template_mistakes(_team(tmp_path, GOOD)) == []
    assert template_mistakes(None) == []


def test_each_mistake_is_named_with_its_file_and_line(tmp_path: Path) -> None:
    folder = _team(
        tmp_path,
        {
            **GOOD,
            "en/acknowledgement.txt.j2": b"Dear {{ recipient }},\n\n{% if %}\n",
            "status_change.txt.j2": b"{% trans %}Closed{% endtrans\n",
            "ja/status_change.subject.j2": b"{{ ticket.tag }}\n\n" + "状態".encode("cp932"),
            "notes.txt": b"{% if %}",  # not a template: never read
        },
    )
    found = {(m.path, m.line): m.error for m in template_mistakes(folder)}
    assert sorted(found) == [
        (folder / "en" / "acknowledgement.txt.j2", 3),
        (folder / "ja" / "status_change.subject.j2", 3),
        (folder / "status_change.txt.j2", 1),
    ]
    assert "not UTF-8" in str(found[(folder / "ja" / "status_change.subject.j2", 3)])


def test_catalog_check_names_a_broken_team_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _team(tmp_path, {"en/acknowledgement.txt.j2": b"Dear customer,\n{% if %}\n"})
    config = write_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    team = 'data_dir = "var"\ntemplates_dir = "team"\n'
    config.write_text(text.replace('data_dir = "var"\n', team), encoding="utf-8")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    done = run(config, "catalog", "check", capsys=capsys)
    assert f"{folder / 'en' / 'acknowledgement.txt.j2'}:2: " in done.out, done.out
    assert done.code == 78  # the configuration ([gateway] templates_dir) to fix
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    said = run(config, "catalog", "check", capsys=capsys).out
    assert "acknowledgement.txt.j2:2: テンプレートの書き方に誤りがあります: " in said, said
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    (folder / "en" / "acknowledgement.txt.j2").write_text("Dear customer,\n", encoding="utf-8")
    done = run(config, "catalog", "check", capsys=capsys)
    assert done.code == 0 and "acknowledgement" not in done.out


def test_a_daemon_starting_with_a_broken_team_template_says_so(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _team(tmp_path, {"en/acknowledgement.txt.j2": b"Dear customer,\n{% if %}\n"})
    settings = replace(settings, gateway=replace(settings.gateway, templates_dir=folder))
    with caplog.at_level(logging.WARNING, logger="gateway.runtime.daemon"):
        warn_at_start(settings)
    [said] = [r.getMessage() for r in caplog.records if "acknowledgement" in r.getMessage()]
    assert f"{folder / 'en' / 'acknowledgement.txt.j2'}:2: " in said


def test_a_team_file_no_mail_reads_is_noted_with_the_name_meant(tmp_path: Path) -> None:
    """``acknowledgment.txt.j2`` (a typo) is never read: the team would wait for its words
    in vain. A note says so, with the name most likely meant; a kind of the catalog's
    actions (``on_success.reply``) and a piece of their own (``_header.j2``) are read."""
    folder = _team(
        tmp_path,
        {
            **GOOD,
            "en/acknowledgment.txt.j2": b"Thanks\n",
            "account_created.txt.j2": b"Done\n",
            "_header.j2": b"ACME\n",
            "status.txt.j2": b"?\n",
            "ja/notes.txt.j2": b"?\n",
        },
    )
    said = [str(n) for n in template_notes(folder, {"account_created"})]
    assert said == [
        f"note: {folder / 'en' / 'acknowledgment.txt.j2'}: no mail reads this file "
        "(did you mean 'acknowledgement.txt.j2'?)",
        f"note: {folder / 'ja' / 'notes.txt.j2'}: no mail reads this file",
        f"note: {folder / 'status.txt.j2'}: no mail reads this file",
    ]


def test_catalog_check_notes_a_misspelt_team_file_and_stays_ok(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _team(tmp_path, {"ja/acknowledgment.txt.j2": "承りました。\n".encode()})
    config = write_config(tmp_path)
    team = 'data_dir = "var"\ntemplates_dir = "team"\n'
    config.write_text(config.read_text(encoding="utf-8").replace('data_dir = "var"\n', team))
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    done = run(config, "catalog", "check", capsys=capsys)
    assert done.code == 0  # a note: nothing is wrong with what the mails read
    assert (
        f"note: {folder / 'ja' / 'acknowledgment.txt.j2'}: no mail reads this file "
        "(did you mean 'acknowledgement.txt.j2'?)"
    ) in done.out, done.out


def test_a_folder_named_for_no_language_of_ours_is_noted(tmp_path: Path) -> None:
    """``jp/`` (the country, not the language) or ``ja_JP/`` is never looked in: the
    team's Japanese files would wait there unread."""
    folder = _team(
        tmp_path,
        {
            "jp/acknowledgement.txt.j2": "承りました。\n".encode(),
            "ja_JP/acknowledgement.subject.j2": "受付\n".encode(),
            "en/acknowledgement.txt.j2": b"Thanks\n",
        },
    )
    (folder / "_pieces").mkdir()  # nothing in it: a folder of theirs, never looked in
    said = [str(n) for n in template_notes(folder, set())]
    assert said == [
        f"note: {folder / 'ja_JP'}: no mail reads this folder (the languages are ja and en)",
        f"note: {folder / 'jp'}: no mail reads this folder (the languages are ja and en)",
    ]


def test_catalog_check_notes_a_misspelt_team_file_beside_a_broken_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team folder with a broken template and a misspelt one: the check named the broken
    one, exit 78, and said nothing of the other, which the admin learnt of only after
    fixing the first and running it again (a note leaves the exit status as it is)."""
    folder = _team(
        tmp_path,
        {
            "en/acknowledgement.txt.j2": b"Dear customer,\n{% if %}\n",
            "ja/acknowledgment.txt.j2": "承りました。\n".encode(),
        },
    )
    config = write_config(tmp_path)
    team = 'data_dir = "var"\ntemplates_dir = "team"\n'
    config.write_text(config.read_text(encoding="utf-8").replace('data_dir = "var"\n', team))
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    done = run(config, "catalog", "check", capsys=capsys)
    assert done.code == 78
    assert f"{folder / 'en' / 'acknowledgement.txt.j2'}:2: " in done.out, done.out
    assert (
        f"note: {folder / 'ja' / 'acknowledgment.txt.j2'}: no mail reads this file "
        "(did you mean 'acknowledgement.txt.j2'?)"
    ) in done.out, done.out
