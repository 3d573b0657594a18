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
    """Where the pages should be and whether this gateway's answer there (the daemon's
    web server runs in the daemon; this command asks its pages for the proof of the
    word the daemon wrote into its lock, :mod:`gateway.core.instance`). ``listening``:
    they answered with it; ``other``: something answered without it (another program
    on the port, another instance), or None when this user may not read the lock or
    nothing answered at all; ``silent``: the port took the connection and said nothing
    within the wait, as a hung daemon's does (the kernel still accepts for it), which
    is no sign of another program."""
    cfg = settings.web
    out: dict[str, object] = {"enabled": cfg.enabled, "base_url": cfg.base_url}
    if not cfg.enabled:
        return out
    out["address"] = f"http://{cfg.host}:{cfg.port}/"
    answer = _ask(cfg.host, cfg.port)
    out["listening"], out["other"], out["silent"] = False, answer is not None, answer is _SILENT
    if answer is None:
        return out
    if answer is _SILENT:  # whose port it is cannot be told from silence
        out["other"] = None
        return out
    from gateway.core.instance import proof
    from gateway.receive import pipe

    try:
        instance = pipe.daemon_instance(settings.gateway.data_dir)
    except OSError:  # another user's lock: what answers cannot be told apart
        out["other"] = None
        return out
    ours = instance is not None and answer == proof(instance)
    out["listening"], out["other"] = ours, not ours
    return out


# what _ask returns when the connection was taken and nothing came back in time
_SILENT = "\x00silent"


def _ask(host: str, port: int) -> str | None:
    """The body of a 200 answer to ``GET`` :data:`gateway.core.instance.PATH`, stripped
    (empty for any other answer), :data:`_SILENT` when the connection was accepted and
    not a byte came back within the wait, or None when nothing accepts the connection.
    Plain HTTP/1.0 over a socket: ``status`` stays light (no ``http.client``)."""
    import socket

    from gateway.core.instance import PATH

    # no Host: HTTP/1.0 needs none, and the pages answer a request without one
    # (gateway.web.hosts): [web] host may be a name the pages do not answer under
    request = f"GET {PATH} HTTP/1.0\r\nConnection: close\r\n\r\n"
    received = b""
    try:
        with socket.create_connection((host, port), timeout=1.0) as conn:
            try:
                conn.sendall(request.encode("ascii"))
                while len(received) < 65536 and (chunk := conn.recv(65536)):
                    received += chunk
            except TimeoutError:  # accepted, then silence: a hung daemon, or a slow one
                return "" if received else _SILENT
            except OSError:  # it accepted, then said nothing we could read
                return ""
    except OSError:
        return None
    head, _, body = received.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    if len(status) < 2 or status[1] != b"200":
        return ""
    return body.decode("ascii", errors="replace").strip()


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
            N_("listening")
            if web["listening"]
            else N_("not answering (is the daemon running?)")
            if web["other"] is False
            else N_("accepts connections but does not answer (is the daemon hung?)")
            if web.get("silent")
            else N_("another program answers there, not this gateway")
            if web["other"]
            else N_("something answers; this user may not read the daemon lock to tell what")
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
        said.say(N_("web: off (on with enabled = true in [web])"))
