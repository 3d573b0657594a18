"""``tickets field ID`` lists the sheet within 78 columns, in English and Japanese.

The listing made each column as wide as its widest cell, so an entry's long label
("Budget category (capital or operating expense) (budget_category)") and a choice
field's values pushed every line to 105 columns: a terminal broke each row in two and
the columns left each other. Labels and types are cut with "…" to columns of their
own (``--json`` keeps them whole); the value, the data a member came for, never is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.runtime.cli.common import columns
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail

CATALOG = """
entries:
  - id: purchase
    name: {ja: 購入申請, en: Purchase}
    keywords: [purchase, 購入]
    fields:
      - {name: quantity, label: {ja: 数量, en: Quantity}, type: number, required: true}
      - name: budget_category
        label:
          ja: 予算区分（設備投資・経費・リース）
          en: Budget category (capital or operating expense)
        type: choice
        required: true
        choices:
          - {value: capex, label: {ja: 設備投資, en: Capital expenditure}}
          - {value: opex, label: {ja: 経費, en: Operating expenditure}}
          - {value: lease, label: {ja: リース, en: Lease}}
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""


@pytest.mark.parametrize("lang", ["C.UTF-8", "ja_JP.UTF-8"])
def test_the_sheet_fits(
    tmp_path: Path, lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    config = write_config(tmp_path, extra='[catalog]\npath = "catalog.yaml"\n')
    message = tmp_path / "p.eml"
    message.write_bytes(mail("購入申請: モニター", "数量: 2\n", date=datetime.now(UTC)))
    assert run(config, "ingest", str(message), capsys=capsys).code == 0
    monkeypatch.setenv("LC_ALL", lang)
    out = run(config, "tickets", "field", "1", capsys=capsys).out
    lines = out.splitlines()
    assert len(lines) == 2, out
    assert [line for line in lines if columns(line) > 78] == [], out
    assert lines[0].rstrip().endswith("  2"), out  # the value, whole
    assert "…" in lines[1], out  # the long label, cut
