"""A keyword that starts with a dot (``.net``, ``.xlsx``, ``.config``) against the
dotted names a request holds: host names and file names.

``.net`` is the team's word for the .NET framework, yet a bare host name of two
labels (``example.net``, ``Example.net``) still filed the request as a .NET one, and
so did a file named ``app.net.json``. What an ops team means: a dot keyword names a
technology or a file type. Inside a dotted name it counts where the name is written
with a capital there (ASP.NET, VB.NET, Asp.Net, System.Net.Http: names of the
technology), or as the type at a file name's end (report.xlsx, web.config); a
lower-case host name's top-level domain (``.net``, ``.jp``) and a lower-case label
inside a name (``app.net.json``) are the name's own.
"""

from __future__ import annotations

import pytest

from gateway.catalog import match
from gateway.catalog.load import parse_catalog
from gateway.catalog.match import classify

CATALOG = parse_catalog(
    """
entries:
  - id: dotnet
    name: .NET
    keywords: [.net]
    assignee: a@example.test
  - id: excel
    name: Excel
    keywords: [.xlsx]
    assignee: a@example.test
  - id: iis
    name: IIS
    keywords: [.config]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""
)

CASES = [
    # host names: the top-level domain is the host's
    ("example.net に接続できません", "other"),
    ("Example.net が開けない", "other"),
    ("portal.example.net に接続できない", "other"),
    ("example.net.", "other"),  # a sentence's full stop after it
    ("(example.net)", "other"),
    # a lower-case label inside a file's or a host's name
    ("app.net.json の設定が読めない", "other"),
    ("mirror.net.example.org から取れない", "other"),
    # the technology, as people write its names
    (".NET 8 へ移行したい", "dotnet"),
    (".net framework のインストール", "dotnet"),
    ("ASP.NET のサイト", "dotnet"),
    ("Asp.Net Core のサイト", "dotnet"),
    ("VB.NETで作ったツール", "dotnet"),
    ("System.Net.Http の例外", "dotnet"),
    ("example.net のサーバーで .NET 8 が動かない", "dotnet"),  # a word elsewhere too
    ("ＡＳＰ．ＮＥＴ のサイト", "dotnet"),  # typed full-width
    # a file's type at its name's end
    ("report.xlsx が開けない", "excel"),
    ("売上.xlsx が開けない", "excel"),
    ("REPORT.XLSX が開けない", "excel"),
    ("web.config を編集したい", "iis"),
    ("Web.config を編集したい", "iis"),
]


@pytest.mark.parametrize("index_from", [10**9, 0], ids=["scan", "index"])
@pytest.mark.parametrize(("text", "entry"), CASES)
def test_a_dot_keyword_in_a_dotted_name(
    monkeypatch: pytest.MonkeyPatch, index_from: int, text: str, entry: str
) -> None:
    monkeypatch.setattr(match, "INDEX_FROM", index_from)
    assert classify(CATALOG, text, "").entry_id == entry, text
    assert classify(CATALOG, "", text).entry_id == entry, text


def test_a_capital_that_folds_to_two_letters_keeps_the_places_in_line() -> None:
    """The text is case-folded for matching and read as written for its capitals: a
    letter whose folded form is longer (ß is ss, İ is i̇) must not shift the places."""
    assert classify(CATALOG, "Straße İİİ ASP.NET", "").entry_id == "dotnet"
    assert classify(CATALOG, "Straße İİİ example.net", "").entry_id == "other"
