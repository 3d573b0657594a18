"""Why an attempt of an action did not succeed, in words each reader reads in their language.

The run's row keeps the :class:`Msg` (``action_runs.last_error_said``) beside its
English text, and ``tickets show``, ``actions list``, the ticket's note and the
``action_failed`` mail say it in their reader's language. What the far end or the
system said (an HTTP reason, a signal number) stays as it was said, a parameter;
an operating-system or TLS failure is said from :mod:`gateway.core.os_errors`, in the
reader's language too. One function per way to fail, so the language scanner's
samples can say each of them (tests/support/samples.py).
"""

from __future__ import annotations

import http.client
import signal
from collections.abc import Mapping

from gateway.core.i18n import N_, NP_, Msg


def proxy_unusable(why: Msg | str, where: str = "") -> Msg:
    """The environment's proxy setting (``where``: its name, $https_proxy) cannot be
    used: fixed outside, so tried again."""
    if where:
        return N_("the proxy cannot be used: {where}: {why}", where=where, why=why)
    return N_("the proxy cannot be used: {why}", why=why)


def proxy_refused(proxy: str, error: str | Msg) -> Msg:
    """The proxy would not open the connection (its CONNECT answer, or its socket)."""
    return N_("connection failed: through the proxy {proxy}: {error}", proxy=proxy, error=error)


def no_answer(seconds: float) -> Msg:
    return N_("no answer within {seconds}s", seconds=format(seconds, "g"))


def lookup_timed_out(host: str, seconds: float) -> Msg:
    """The name server did not answer for ``host`` (the target, or the proxy) within the
    action's timeout: the attempt ended there, and is tried again."""
    return N_(
        "the name server did not answer for {host} within {seconds}s",
        host=host,
        seconds=format(seconds, "g"),
    )


def link_local(host: str, address: str) -> Msg:
    """``host`` was looked up to a link-local address (the cloud's metadata service's
    range), which is never dialled (:class:`gateway.actions.dial.LinkLocal`)."""
    return N_(
        "{host} is at the link-local address {address} (the cloud's metadata service's "
        "range), which is never called",
        host=host,
        address=address,
    )


def untrusted(why: str | Msg) -> Msg:
    """The target's TLS certificate (``why``: :func:`gateway.core.os_errors.os_error`)."""
    return N_("TLS certificate not trusted: {why}", why=why)


def tls_failed(why: str | Msg) -> Msg:
    return N_("TLS failed: {why}", why=why)


def not_tls(where: str) -> Msg:
    """An ``https://`` URL whose port answered without TLS (OpenSSL's
    ``WRONG_VERSION_NUMBER``: its first bytes are no TLS record): the receiver speaks
    plain HTTP there, or the port is another service's. Said as OpenSSL's code, the
    reader was left to guess which setting to change."""
    return N_(
        "{where} answered in plain text, not TLS: if the receiver speaks plain HTTP there, "
        "write its url with http:// (allowed to this machine only); else the port is "
        "another service's",
        where=where,
    )


def connection_failed(error: str | Msg) -> Msg:
    return N_("connection failed: {error}", error=error)


# what http.client raises on an answer that is not HTTP as it must be → its words, first
# match wins (a subclass before its base). Said before as "system error BadStatusLine",
# the library's class name, in every language, and a close as "reset by the other side"
class BadLength(http.client.HTTPException):
    """An answer's Content-Length is not one whole number (``-5``, ``abc``, ``2, 4``, two
    headers that disagree): http.client read such a body to the close, or by the first
    header, and a 200 with a body framed by guess was a success (RFC 9112 §6.3: the
    framing is invalid, the answer discarded). Raised by the webhook's reading."""


BROKEN_ANSWERS: tuple[tuple[type[Exception], Msg], ...] = (
    # its Content-Length: not one whole number, so where its body ends is a guess
    (BadLength, N_("the answer's Content-Length is not one whole number")),
    # closed with no answer at all (a crash, a proxy that gave up): not a reset
    (http.client.RemoteDisconnected, N_("it closed the connection without an answer")),
    # shorter than its Content-Length or its chunks announced, or a chunk size not a number
    (http.client.IncompleteRead, N_("the answer broke off before its end")),
    # a status line or header past http.client's 64 KiB a line
    (http.client.LineTooLong, N_("a line of the answer's head is too long")),
    # no "HTTP/1.x 200 …" first: not an HTTP server on that port, or TLS spoken to http
    (http.client.BadStatusLine, N_("the answer does not begin with an HTTP status line")),
    # anything else http.client refuses (more than 100 headers, …)
    (http.client.HTTPException, N_("the answer is not HTTP as it should be")),
)


def broken_answer(exc: Exception) -> Msg:
    """Why the target's answer could not be read as HTTP (:data:`BROKEN_ANSWERS`)."""
    return next(said for kind, said in BROKEN_ANSWERS if isinstance(exc, kind))


def http_status(status: int, reason: str) -> Msg:
    """The target answered with something else than 2xx (``reason``: its own words); in English
    the line as it came, as before."""
    return N_("HTTP {status} {reason}", status=status, reason=reason)


def redirected(status: int, reason: str, location: str) -> Msg:
    """A 3xx: never followed (the signed body would go where the catalog does not say),
    so the admin who moved the receiver is told where it points now."""
    return N_(
        "HTTP {status} {reason}: redirected to {location} (not followed; if that is the "
        "receiver, put it in the catalog's url)",
        status=status,
        reason=reason,
        location=location,
    )


def cannot_start(program: str, error: str | Msg) -> Msg:
    return N_("cannot start {program}: {error}", program=program, error=error)


def killed_at_timeout(seconds: float) -> Msg:
    return N_("killed after the timeout of {seconds}s", seconds=format(seconds, "g"))


def stopped_with_daemon() -> Msg:
    """The daemon was stopped (a restart, a deploy) while the program ran: its group was
    ended with it, and the run is due again at the next start, the try not counted."""
    return N_("stopped with the daemon before it ended; it runs again at the next start")


def stopped_with_actions_run() -> Msg:
    """``ticket-gateway actions run`` was interrupted (Ctrl-C, cron's ``timeout``) while
    the program ran: its group was ended as at the daemon's stop, and the run is due
    again for the daemon or the next ``actions run``, the try not counted."""
    return N_(
        "stopped with actions run (interrupted) before it ended; the daemon or the next "
        "actions run runs it again"
    )


def temporary_exit(code: int) -> Msg:
    """Exit 75 (EX_TEMPFAIL): the command asks to be run again later."""
    return N_("exit {code} (temporary failure)", code=code)


def exit_code(code: int) -> Msg:
    return N_("exit {code}", code=code)


def killed_by_signal(number: int) -> Msg:
    """The program died of a signal: its number and, as ``kill -l`` says it, its name (an
    operator tells SIGKILL, the OOM killer's, from SIGSEGV, a crash, by the name)."""
    try:
        name = signal.Signals(number).name
    except ValueError:  # a real-time signal: only its number
        return N_("killed by signal {signal}", signal=number)
    return N_("killed by signal {signal} ({name})", signal=number, name=name)


def not_in_catalog(entry: Mapping[str, str] | str, action_type: Msg | str) -> Msg:
    """The entry (or its action of this type) was removed from the catalog since:
    ``entry`` by its names when the catalog still has it (:meth:`Entry.said`), else its
    id; ``action_type`` as the ticket page's runs say it."""
    return N_(
        "entry {entry!r} has no {type} action in the catalog now",
        entry=entry,
        type=action_type,
    )


def ticket_closed(reason: Msg | str) -> Msg:
    """The ticket was closed while the run waited (``reason``: the close reason's label):
    the work was done by hand, withdrawn, or was never a request, so it is not run."""
    return N_("the ticket was closed ({reason}) before the action ran", reason=reason)


def ticket_merged(target: int) -> Msg:
    """The ticket was merged into ``target`` while the run waited: that ticket's own run
    does the work, and this one would do it twice."""
    return N_("the ticket was merged into #{target} before the action ran", target=target)


def ticket_refiled(entry: Mapping[str, str] | str) -> Msg:
    """The ticket was filed under another ``entry`` (its names, else its id) while the run
    waited: the request was not the run's entry's, so its action is not run."""
    return N_("the ticket was filed under {entry} before the action ran", entry=entry)


def taken_away(names: str) -> Msg:
    """A required value the run's document holds was taken away from the sheet while the
    run waited (``tickets field --clear``: it was another person's): sent as stored, the
    value taken away would do the work."""
    return N_("{names} was taken away from the sheet before the action ran", names=names)


def never_reported(attempts: int) -> Msg:
    """Every try's worker died before it could record an outcome."""
    return NP_(
        "gave up: {attempts} attempt never reported (the worker died)",
        "gave up: {attempts} attempts never reported (the worker died)",
        attempts,
        attempts=attempts,
    )


def internal_error(error: str) -> Msg:
    """Our own bug (the log has the traceback); ``error``: the exception's type and text."""
    return N_("internal error: {error}", error=error)


def secret_unreadable(error: str | Msg) -> Msg:
    return N_("cannot read the secret_file: {error}", error=error)


def ca_file_unusable(error: str | Msg) -> Msg:
    """The webhook's ``ca_file`` (read at each delivery) is gone, unreadable or holds no
    certificate: the admin's to fix, then ``actions retry``."""
    return N_("cannot use the ca_file: {error}", error=error)


def not_a_certificate(code: str) -> Msg:
    """The ``ca_file`` holds no PEM certificate (``code``: OpenSSL's reason code)."""
    return N_("it holds no certificate ({code})", code=code)


def secret_weak(why: Msg) -> Msg:
    return N_("the secret_file is too weak: {why}", why=why)
