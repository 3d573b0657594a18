"""Saved answers' pure and file parts (issue #19): which names are safe, which files are
answers, which language is sent, and that a template sees the ticket and nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.notify import answers
from gateway.notify.answers import AnswerError, AnswerView
from gateway.pipeline.answer_names import UseAnswer, choose, is_safe

VIEW = AnswerView(
    id=42,
    ref="[#42]",
    subject="パスワードを忘れました",
    requester="ito@customer.test",
    requester_name="伊藤 花子",
    state="new",
    priority="high",
    entry="アカウント",
    entry_id="account",
    assignee="ops2@example.test",
)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("password-reset", True),
        ("vpn_client2", True),
        ("0day", True),
        ("../secret", False),
        ("a/b", False),
        ("a\\b", False),
        (".hidden", False),
        ("-rf", False),
        ("_x", False),
        ("Password", False),  # choose() lower-cases first; the file name is lower-case
        ("ｐａｓｓ", False),  # full width: not the ASCII file name
        ("a\x00b", False),
        ("x" * 65, False),
        ("", False),
        ("reset.ja", False),  # a locale is not part of the name
    ],
)
def test_only_plain_names_reach_the_file_system(name: str, safe: bool) -> None:
    assert is_safe(name) is safe


def test_choose_lower_cases_and_names_the_answers_there_are() -> None:
    known = ("password-reset", "vpn-client")
    assert choose("Password-Reset", known) == UseAnswer("password-reset")
    assert "password-reset, vpn-client" in str(choose("faq", known))
    assert "not a saved answer's name" in str(choose("../../etc/passwd", known))
    assert "none yet" in str(choose("faq", ()))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "answers"
    d.mkdir()
    (d / "reset.ja.txt.j2").write_text(
        "{{ ticket.requester_name }} 様\n手順は次のとおりです。OS: {{ fields.os }}\n",
        encoding="utf-8",
    )
    (d / "reset.en.txt.j2").write_text("Dear {{ ticket.requester_name }},\n", encoding="utf-8")
    (d / "only-en.en.txt.j2").write_text("English only ({{ ticket.ref }})", encoding="utf-8")
    (d / "only-ja.ja.txt.j2").write_text("日本語のみ", encoding="utf-8")
    (d / "Bad Name.ja.txt.j2").write_text("x", encoding="utf-8")  # not a safe name
    (d / "reset.fr.txt.j2").write_text("x", encoding="utf-8")  # not a language we speak
    (d / "notes.txt").write_text("x", encoding="utf-8")
    (d / "dir.ja.txt.j2").mkdir()  # a folder is not an answer
    return d


def test_available_lists_answers_and_their_languages_only(folder: Path) -> None:
    assert answers.available(folder) == {
        "only-en": ("en",),
        "only-ja": ("ja",),
        "reset": ("en", "ja"),
    }
    assert answers.available(folder / "missing") == {}


@pytest.mark.parametrize(
    ("name", "wanted", "team", "sent"),
    [
        ("reset", "ja", "en", "ja"),  # the requester's language
        ("reset", "en", "ja", "en"),
        ("reset", None, "en", "en"),  # no language known: the team's
        ("only-en", "ja", "ja", "en"),  # none in theirs nor the team's: what there is
        ("only-ja", "en", "en", "ja"),
        ("only-en", "ja", "en", "en"),  # the team's before anything else
    ],
)
def test_the_language_falls_back_to_the_teams_then_to_what_exists(
    folder: Path, name: str, wanted: str | None, team: str, sent: str
) -> None:
    _, locale = answers.render(folder, name, VIEW, {"os": "windows"}, wanted=wanted, team=team)
    assert locale == sent


def test_the_ticket_and_its_fields_are_the_context(folder: Path) -> None:
    text, _ = answers.render(folder, "reset", VIEW, {"os": "windows"}, wanted="ja", team="ja")
    assert text == "伊藤 花子 様\n手順は次のとおりです。OS: windows"
    en, _ = answers.render(folder, "only-en", VIEW, {}, wanted="en", team="ja")
    assert en == "English only ([#42])"


@pytest.mark.parametrize(
    "template",
    [
        "{{ ticket.__class__.__mro__ }}",  # the sandbox: no underscore attributes
        "{{ fields.__class__.__subclasses__() }}",
        "{{ settings.gateway.secret }}",  # not in the context: StrictUndefined
        "{{ ticket.password }}",
        "{% include 'reset.ja.txt.j2' %}",  # no loader: nothing else is readable
        "{% import 'os' as os %}",
        "{{ lipsum.__globals__ }}",
        "{{ ticket.subject",  # a syntax error
    ],
)
def test_a_template_sees_nothing_but_the_ticket(folder: Path, template: str) -> None:
    (folder / "evil.en.txt.j2").write_text(template, encoding="utf-8")
    with pytest.raises(AnswerError) as err:
        answers.render(folder, "evil", VIEW, {"os": "windows"}, wanted="en", team="en")
    assert "saved answer 'evil' cannot be used" in str(err.value.why)


def test_a_link_out_of_the_folder_and_a_huge_file_are_refused(folder: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the database password", encoding="utf-8")
    os.symlink(secret, folder / "leak.en.txt.j2")
    with pytest.raises(AnswerError) as err:
        answers.render(folder, "leak", VIEW, {}, wanted="en", team="en")
    assert str(err.value.why).endswith(": it lies outside the folder of saved answers")
    (folder / "big.en.txt.j2").write_text("x" * (answers.MAX_BYTES + 1), encoding="utf-8")
    with pytest.raises(AnswerError) as err:  # it said "cannot be used", and not why
        answers.render(folder, "big", VIEW, {}, wanted="en", team="en")
    assert str(err.value.why).endswith(
        f": big.en.txt.j2 holds {answers.MAX_BYTES + 1} bytes, more than the "
        f"{answers.MAX_BYTES} a saved answer may"
    ), err.value.why


@pytest.mark.parametrize("name", ["../answers/reset", "missing", "reset.ja", ""])
def test_an_unsafe_or_unknown_name_is_no_answer(folder: Path, name: str) -> None:
    with pytest.raises(AnswerError) as err:
        answers.render(folder, name, VIEW, {}, wanted="ja", team="ja")
    assert str(err.value.why) == f"no saved answer {name!r}"


def test_a_saved_answer_written_on_windows_is_read_or_named_by_its_line(folder: Path) -> None:
    """Notepad's byte-order mark is no text of the answer; a file saved as Shift_JIS is
    refused naming its line and what to do, not Python's codec and byte offset."""
    (folder / "bom.ja.txt.j2").write_bytes("\ufeff{{ ticket.ref }} 様\n".encode())
    text, _ = answers.render(folder, "bom", VIEW, {}, wanted="ja", team="ja")
    assert text == "[#42] 様"
    (folder / "sjis.ja.txt.j2").write_bytes("お世話になります。\n手順です。\n".encode("shift_jis"))
    with pytest.raises(AnswerError) as err:
        answers.render(folder, "sjis", VIEW, {}, wanted="ja", team="ja")
    why = str(err.value.why)
    assert "line 1" in why and "UTF-8" in why and "codec" not in why
