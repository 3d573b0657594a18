"""The lines of ``ticket-gateway status`` besides health: the web's address and
the warnings (unsafe or worth a look, but not a problem that exits 1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.core.i18n import N_, NP_, Msg
from gateway.runtime.cli.common import Speaker

if TYPE_CHECKING:
    from gateway.config.settings import Settings
    from gateway.scheduling.health import HealthReport


def web_status(settings: Settings) -> dict[str, object]:
    """Where the pages should be and whether something answers there (the daemon's
    web server runs in the daemon; this command only knocks on its port)."""
    import socket

    cfg = settings.web
    out: dict[str, object] = {"enabled": cfg.enabled, "base_url": cfg.base_url}
    if not cfg.enabled:
        return out
    out["address"] = f"http://{cfg.host}:{cfg.port}/"
    try:
        with socket.create_connection((cfg.host, cfg.port), timeout=1.0):
            out["listening"] = True
    except OSError:
        out["listening"] = False
    return out


def status_warnings(report: HealthReport) -> list[Msg]:
    """Mail that failed for good in the last 24 hours: a warning, not a problem. Most
    are bounces to a mistyped or departed customer address, each already told where it
    belongs (a delivery-failed event in its ticket's history); exit 1 for them would
    page someone at night for what no one on call can fix, and teach them to ignore
    the check. A relay that is down or refuses for the time being is a problem anyway:
    its mail waits past max_outbox_age."""
    if not report.failed_recent:
        return []
    from gateway.core.i18n import LOCALES, translate

    # each failure's error in each language (a Msg, or an older row's text as it is)
    shown = {
        locale: "; ".join(
            (f"#{f.ticket_id} " if f.ticket_id is not None else "")
            + f"{', '.join(f.recipients)}: {translate(f.error, locale)}"
            for f in report.recent_failures
        )
        for locale in LOCALES
    }
    return [
        NP_(
            "{count} outgoing mail failed for good in the last 24 h, not retried ({command}"
            " shows its delivery-failed event): {failures}",
            "{count} outgoing mails failed for good in the last 24 h, not retried ({command}"
            " shows each one's delivery-failed event): {failures}",
            report.failed_recent,
            count=report.failed_recent,
            command="ticket-gateway tickets show ID",
            failures=shown,
        )
    ]


def say_web(said: Speaker, web: dict[str, object]) -> None:
    """Where the pages are and whether the daemon answers there."""
    if web["enabled"]:
        answer = (
            N_("listening") if web["listening"] else N_("not answering (is the daemon running?)")
        )
        said.say(
            N_(
                "web: {address} ({url}): {answer}",
                address=web["address"],
                url=web["base_url"],
                answer=answer,
            )
        )
    else:
        said.say(N_("web: off ([web] is not configured)"))
