"""A form opened before a catalog reload and sent after it. The entry may be gone
(removed, or renamed to another id): the form was answered "not found", and everything
the requester had typed was lost. Now the page says the form is no longer offered and
nothing was sent, shows the title and the details typed, to copy, and lists the kinds
of request offered now, in the reader's language. An entry that stays but asks for a
new required field brings the form back with that field marked and the rest kept; a
value typed into a field the reload renamed or removed was filed as never typed, and
now brings the form back with the value shown."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.catalogs import GOOD
from tests.support.pipeline import inbox_rows
from tests.support.web import Rig, form_of, rig

TEXT = "自宅から VPN につながりません。\nエラー 809 が出ます。\n"
# the vpn entry renamed to remote, and a required field added to the fallback
RELOADED = GOOD.replace("id: vpn", "id: remote").replace(
    "    fallback: true\n",
    "    fallback: true\n    fields:\n"
    "      - {name: room, label: {ja: 部屋, en: Room}, required: true}\n",
)


def _typed(csrf: str, token: str) -> FormData:
    data = FormData(
        {
            "csrf": csrf,
            "form_token": token,
            "email": "ito@customer.test",
            "subject": "VPN <接続> できない",
            "text": TEXT,
            "f_os": "windows",
        }
    )
    data.add_field("files", b"x", filename="error.png", content_type="image/png")
    return data


def _open_then_reload(r: Rig, catalog: Path, entry: str, locale: str) -> tuple[int, str]:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf, token = await form_of(client, entry)
        catalog.write_text(RELOADED, encoding="utf-8")
        assert r.app.catalog.reload()
        sent = await client.post(
            f"/new/{entry}", data=_typed(csrf, token), headers={"Accept-Language": locale}
        )
        return sent.status, await sent.text()

    return r.serve(scenario)


def test_a_form_whose_entry_went_away_keeps_what_was_typed(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(GOOD, encoding="utf-8")
    with rig(settings, clock, catalog=catalog) as r:
        status, html = _open_then_reload(r, catalog, "vpn", "ja")
        assert inbox_rows(r.app) == []  # nothing sent
    assert status == 404
    assert "この種類のお問い合わせは受け付けを終了しました" in html
    assert "何も送信されていません" in html
    title = re.search(r'<input id="kept-subject"[^>]*value="([^"]*)"', html)
    assert title and unescape(title.group(1)) == "VPN <接続> できない"
    details = re.search(r'<textarea id="kept-text"[^>]*>(.*?)</textarea>', html, re.S)
    assert details and unescape(details.group(1)).strip() == TEXT.strip()
    assert 'href="/new/remote"' in html and 'href="/new/vpn"' not in html  # offered now
    assert "<script" not in html.split("<main", 1)[1].split(">", 1)[1]


def test_the_page_speaks_the_readers_language(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(GOOD, encoding="utf-8")
    with rig(settings, clock, catalog=catalog) as r:
        status, html = _open_then_reload(r, catalog, "vpn", "en")
    assert status == 404
    assert "This kind of request is no longer offered" in html
    main = html.split("<main", 1)[1].split(">", 1)[1]
    ours = re.sub(r"VPN &lt;接続&gt; できない|自宅.*?。|エラー.*?。", "", main)  # what was typed
    assert not re.search(r"[ぁ-んァ-ン]", ours)


def test_an_entry_that_now_asks_for_more_brings_the_form_back(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(GOOD, encoding="utf-8")
    with rig(settings, clock, catalog=catalog) as r:
        status, html = _open_then_reload(r, catalog, "other", "ja")
        assert inbox_rows(r.app) == []
    assert status == 400
    assert 'id="error-f_room"' in html
    assert 'value="VPN &lt;接続&gt; できない"' in html


def test_a_value_typed_in_a_field_the_reload_removed_is_not_dropped(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The field was renamed (or removed) while the form was open: the value typed in
    it was read by no field of the entry now, and the request was filed without it,
    silently. Now the form comes back (nothing stored) saying it changed, with that
    value shown, and the rest kept; sent again, it is filed."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(GOOD, encoding="utf-8")
    renamed = GOOD.replace(
        "{name: os, label: {ja: OS, en: OS}", "{name: system, label: {ja: OS, en: OS}"
    )

    async def scenario(client: TestClient[Any, Any], r: Rig) -> tuple[int, str, int]:
        csrf, token = await form_of(client, "vpn")
        catalog.write_text(renamed, encoding="utf-8")
        assert r.app.catalog.reload()
        sent = await client.post("/new/vpn", data=_typed(csrf, token))
        html = await sent.text()
        again = await client.post(
            "/new/vpn",
            data={
                "csrf": csrf,
                "form_token": token,
                "email": "ito@customer.test",
                "subject": "VPN <接続> できない",
                "f_system": "windows",
            },
            allow_redirects=False,
        )
        return sent.status, html, again.status

    with rig(settings, clock, catalog=catalog) as r:
        status, html, again = r.serve(lambda c: scenario(c, r))
        assert len(inbox_rows(r.app)) == 1  # the second post only
    assert status == 400 and again == 303
    assert "フォームを開いている間に、このフォームの項目が変わりました" in html
    kept = re.search(r'<ul id="kept-values"[^>]*>(.*?)</ul>', html, re.S)
    assert kept and "<li>windows</li>" in kept.group(1)
    assert 'value="VPN &lt;接続&gt; できない"' in html
