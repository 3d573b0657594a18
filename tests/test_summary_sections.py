"""Every section of the managers' weekly summary names each of its rows and says "none"
when it has none: the open tickets filed under no entry are counted as the board's
"(not filed)" lane, not on a line with no name; a week without open tickets says so
under "by state" as the other sections do."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from gateway.notify import views as v
from gateway.notify.render import Renderer
from tests.support.samples import SAMPLES

RENDERER = Renderer()
SUMMARY = next(s for s in SAMPLES if isinstance(s, v.WeeklySummary))
NOT_FILED = {"ja": "（未分類）", "en": "(not filed)"}
NONE = {"ja": "ありません。", "en": "none"}


def _section(text: str, heading: str) -> list[str]:
    """The lines under ``heading`` up to the next one."""
    body = text.split(heading, 1)[1].split("\n■", 1)[0]
    return [line.strip() for line in body.splitlines()[1:] if line.strip()]


def _html_items(html: str, heading: str) -> list[str]:
    after = html.split(heading, 1)[1].split("<h3>", 1)[0]
    return [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", after)]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_unfiled_open_tickets_are_named_as_the_board_names_them(locale: str) -> None:
    view = replace(
        SUMMARY,
        by_entry=(v.NamedCount("VPN", 2), v.NamedCount("", 3)),
        sla_by_entry=(v.SlaCount("", 1, 0),),
        outside_catalog=None,
    )
    parts = RENDERER.render(view, locale)
    heading = {"ja": "未完了のチケット（カタログ項目別）", "en": "Open tickets by entry"}[locale]
    sla = {
        "ja": "SLA 期限超過・期限間近の未完了チケット（カタログ項目別）",
        "en": "Open tickets past an SLA deadline or due soon, by entry",
    }[locale]
    for lines in (_section(parts.text, heading), _html_items(parts.html, heading)):
        assert lines[1].startswith(NOT_FILED[locale] + ":")
    for lines in (_section(parts.text, sla), _html_items(parts.html, sla)):
        assert lines[0].startswith(NOT_FILED[locale] + ":")
    assert not re.search(r"^\s*:", parts.text, re.M)


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_week_without_open_tickets_says_none_by_state(locale: str) -> None:
    parts = RENDERER.render(replace(SUMMARY, by_state=()), locale)
    heading = {"ja": "未完了のチケット（状態別）", "en": "Open tickets by state"}[locale]
    assert _section(parts.text, heading) == [NONE[locale]]
    assert _html_items(parts.html, heading) == [NONE[locale]]
