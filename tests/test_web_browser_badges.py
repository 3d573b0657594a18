"""The board's badges can be read: each one's words stand out from what is behind them.
The priority badges (``urgent``, ``high``, added with priorities in #19) had a class
the style sheet never coloured: white words on the white card, a blank pill in the
card where the ticket's most urgent fact should be.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway

pytestmark = needs_browser

# Each badge's words, and the contrast of their colour with the first colour painted
# behind them (the badge's own background, else its card's, and so on up), by WCAG's
# relative luminance. 4.5 is WCAG AA's minimum for text of this size.
BADGES = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const behind = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll('.badge')].map((b) => {
    const a = lum(rgb(getComputedStyle(b).color)), z = lum(behind(b));
    return [b.className, b.innerText, (Math.max(a, z) + 0.05) / (Math.min(a, z) + 0.05)];
  });
}"""


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("badges")) as gateway:
        yield gateway


def test_every_badge_on_the_board_can_be_read(gw: Gateway) -> None:
    """An urgent card (the team's marker), a high one (the client's flag) and a card
    with a required field missing: each badge's words stand out in both languages."""
    gw.mail_in("【至急】プリンタが止まった", "3F のプリンタです。\n", "sato@customer.test")
    gw.mail_in(
        "Printer jam on 3F", "Please look.\n", "kim@customer.test", headers={"Importance": "high"}
    )
    gw.mail_in("VPN につながらない", "自宅からです。\n", "ito@customer.test")
    page = gw.member_page()
    for lang, words in (("ja", {"緊急", "高"}), ("en", {"urgent", "high"})):
        page.goto(f"{gw.base}/board?lang={lang}")
        badges = page.evaluate(BADGES)
        assert words <= {text for _, text, _ in badges}
        assert len({cls for cls, _, _ in badges}) >= 3  # urgent, high, fields missing
        faint = [(cls, text, round(ratio, 2)) for cls, text, ratio in badges if ratio < 4.5]
        assert faint == []
    page.context.close()
