"""A real daemon with the pages on, for tests in Debian's Chromium: its address, its
database, its SMTP port, and a Japanese member's browser page signed in by the mailed
link (once per daemon: sign-in mails are few)."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from store import tickets
from store.db import make_engine, session_factory, transaction
from store.models import OutboxRow
from tests.support.browser import ARGS, CHROMIUM, site
from tests.support.daemon import daemon_thread
from tests.support.mails import mail
from tests.support.pipeline import text_of
from tests.support.waiting import eventually

MEMBER = "ops2@example.test"  # reads Japanese


class Gateway:
    """The running daemon: its page address, its database, its SMTP port."""

    def __init__(self, base: str, url: str, smtp_port: int, browser: Any) -> None:
        self.base, self.url, self.smtp_port, self.browser = base, url, smtp_port, browser

    def session(self) -> Any:
        engine = make_engine(self.url)
        return engine, transaction(session_factory(engine))

    def outbox(self, kind: str) -> list[OutboxRow]:
        engine = make_engine(self.url)
        try:
            with transaction(session_factory(engine)) as s:
                return list(s.scalars(select(OutboxRow).where(OutboxRow.kind == kind)))
        finally:
            engine.dispose()

    def tickets(self) -> list[dict[str, Any]]:
        engine = make_engine(self.url)
        try:
            with transaction(session_factory(engine)) as s:
                return [tickets.detail(s, t["id"]) or {} for t in tickets.list_tickets(s)]
        finally:
            engine.dispose()

    def ticket(self, tid: int) -> dict[str, Any]:
        return next(t for t in self.tickets() if t["id"] == tid)

    def mail_in(
        self, subject: str, body: str, sender: str, headers: dict[str, str] | None = None
    ) -> int:
        """A request by mail (``headers`` added: ``Importance``…); the new ticket's id
        once it is filed."""
        before = {t["id"] for t in self.tickets()}
        with smtplib.SMTP("127.0.0.1", self.smtp_port) as client:
            # bytes go out as they are: CRLF as on the wire (a long subject's header is
            # folded, and bare LFs made one "line" over SMTP's limit)
            raw = mail(subject, body, sender=sender, headers=headers).replace(b"\n", b"\r\n")
            client.sendmail(sender, ["support@example.test"], raw)
        new = eventually(lambda: {t["id"] for t in self.tickets()} - before, timeout=30)
        assert new
        return max(new)

    def send_purchase(
        self, page: Any, subject: str, item: str, quantity: str, budget: str
    ) -> dict[str, Any]:
        """Fill in and send the purchase form open in ``page`` (``budget``: a choice's
        label as shown); the ticket it became, once filed."""
        page.fill("#name", "伊藤 花子")
        page.fill("#email", "ito@customer.test")
        page.fill("#subject", subject)
        page.fill("#f_item", item)
        page.fill("#f_quantity", quantity)
        page.select_option("#f_budget", label=budget)
        page.click("button.primary")
        page.wait_for_url("**/new/purchase/sent")
        ticket = eventually(
            lambda: next((t for t in self.tickets() if t["subject"] == subject), None),
            timeout=30,
        )
        assert ticket is not None
        return ticket

    signed_in: Any = None  # the member's cookies, once signed in (sign-in mails are few)

    def member_page(self) -> Any:
        """A ja browser page signed in as MEMBER (by the mailed link, the first time)."""
        context = self.browser.new_context(
            locale="ja-JP", viewport={"width": 1400, "height": 900}, storage_state=self.signed_in
        )
        page = context.new_page()
        if self.signed_in is not None:
            return page
        sent = len(self.outbox("sign_in"))
        page.goto(f"{self.base}/sign-in")
        page.fill("#email", MEMBER)
        page.click("button.primary")
        mails = eventually(lambda: self.outbox("sign_in")[sent:])
        link = re.search(r"https?://\S+/sign-in/\S+", text_of(mails[-1]))
        assert link
        page.goto(link.group(0))
        page.click("#sign-in")
        page.wait_for_url("**/board")
        self.signed_in = context.storage_state()
        return page


@contextmanager
def running_gateway(folder: Path, extra: str = "") -> Iterator[Gateway]:
    """The daemon (the team's tag ``[HELP#12]``: the merge box takes it as ``/merge
    [HELP#12]`` does) and a browser, for a module's tests; ``extra``: sections added to
    its configuration (``[catalog]`` of the module's own)."""
    from playwright.sync_api import sync_playwright

    here = site(folder)
    config = here.config
    text = config.read_text(encoding="utf-8")
    text = text.replace("[gateway]\n", '[gateway]\ntag_prefix = "HELP"\n', 1)
    config.write_text(text + extra, encoding="utf-8")
    with daemon_thread(config) as (ready, _stop, _result), sync_playwright() as p:
        assert ready.wait(30)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield Gateway(here.base, here.url, here.smtp_port, browser)
        finally:
            browser.close()
