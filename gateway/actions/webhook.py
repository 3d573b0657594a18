"""A webhook delivery: one signed JSON POST, and what its answer means.

The body is the run's document, byte for byte. Headers:

* ``X-Ticket-Gateway-Signature: sha256=<hex>``: HMAC-SHA256 over the exact body,
  keyed by the contents of the action's ``secret_file`` (surrounding whitespace
  and the final newline stripped; read at each delivery, so rotating it needs no
  restart);
* ``X-Ticket-Gateway-Delivery``: a new id per attempt;
* ``Idempotency-Key`` (also in the body): the same for every attempt of a run.

TLS certificates are always verified (the system's CAs, or the action's
``ca_file``); plain http only reaches this machine (``catalog check``). Redirects
are not followed. 2xx succeeds; 5xx, 408, 429, a timeout and a failed connection are
tried again (not before the answer's Retry-After, up to ``retry_max``); another 4xx and
anything else fail at once. The timeout bounds the whole attempt: the host name's lookup
(:mod:`gateway.actions.dial`; a name server that does not answer in time is said so, and
tried again), the connection, TLS, the request and the answer. The answer is read in the
charset its Content-Type names, else sniffed as a mail's body is.

An outgoing HTTP proxy (``[actions] proxy``, else the environment's ``https_proxy`` /
``http_proxy``, else ``all_proxy``, and ``no_proxy``: :mod:`gateway.core.proxies`; one
that cannot be used is also said at start, :mod:`gateway.config.proxy`) carries
an https call in a CONNECT tunnel: TLS runs end to end inside it and the certificate is
checked against the target's host name, never the proxy's, so the proxy sees only where
the call goes. A proxy that refuses the tunnel (407, 403) or cannot be reached is a
failed connection, tried again: the target never saw the call, and the proxy's owner can
fix it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import re
import socket
import ssl
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from gateway.actions import failures
from gateway.actions.dial import (
    Dial,
    HTTPConnection,
    HTTPSConnection,
    LinkLocal,
    Lookup,
    LookupTimedOut,
    dialer,
    system_lookup,
)
from gateway.actions.outcome import NOT_READ, Attempt, Verdict, cut_more, decode, whole_characters
from gateway.core.i18n import Msg
from gateway.core.os_errors import os_error
from gateway.core.proxies import ENVIRONMENT, Proxy, ProxyError, ProxySetting, proxy_for
from gateway.core.utf8 import secret_bytes

SIGNATURE_HEADER = "X-Ticket-Gateway-Signature"
DELIVERY_HEADER = "X-Ticket-Gateway-Delivery"
KEY_HEADER = "Idempotency-Key"
USER_AGENT = "ticket-gateway-actions/1"
DEFAULT_PORTS = {"https": 443, "http": 80}  # the schemes catalog check allows
# a terminal's control sequence (CSI ``ESC [ … final``, OSC ``ESC ] … BEL|ST``, or ESC and
# one character), else any C0 control or DEL: none belongs in a status line or a header
_CONTROLS = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)?|[\x00-\x1f\x7f]"
)
_URL_SAFE = "/?&=;:@!$'()*+,~%#[]"  # RFC 3986's delimiters and "%": they stay as written
# OpenSSL's reason for a first answer that is no TLS record: the port speaks plain text
PLAIN_TEXT = "WRONG_VERSION_NUMBER"
LOCATION_CHARS = 500  # of a redirect's Location kept in the error (a URL, not a page)

# the 4xx answers that are the target asking for time, not refusing the request: tried
# again like a 5xx (after its Retry-After, if it gave one); every other 4xx fails at once
TEMPORARY_STATUSES: dict[int, str] = {
    408: "Request Timeout: it gave up waiting for our request, which it never read",
    429: "Too Many Requests: a rate limit, which lifts by itself",
}


def sign(secret: bytes, body: bytes) -> str:
    """The signature header's value for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def read_secret(path: Path) -> bytes:
    return secret_bytes(path).strip()


def deliver(
    url: str,
    body: bytes,
    *,
    secret: bytes,
    key: str,
    timeout: float,
    limit: int,
    ca_file: Path | None = None,
    proxies: ProxySetting = ENVIRONMENT,
    lookup: Lookup = system_lookup,
) -> Attempt:
    """POST ``body`` to ``url`` once; never raises for what the far end did. ``lookup``:
    how host names are looked up (the system's resolver)."""
    delivery = str(uuid.uuid4())
    started = time.monotonic()
    deadline = started + timeout
    parts = urlsplit(url)
    path = _encoded((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    try:
        proxy = proxy_for(url, proxies, all_proxy=True)
    except ProxyError as exc:  # the environment's: fixed outside, so try again later
        return Attempt(
            Verdict.TEMPORARY,
            None,
            failures.proxy_unusable(exc.msg, exc.where),
            "",
            0.0,
            "",
            delivery,
        )
    host = parts.hostname or ""
    try:
        dial = dialer(lookup, deadline)
        # the port always given: without one, http.client reads an IPv6 host's last
        # group as the port ("2001:db8::1" was the host "2001:db8:" at port 1)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        conn = _connection(parts.scheme, host, port, timeout, ca_file, proxy, dial)
    except OSError as exc:  # the ca_file, read now: removed, unreadable, or not PEM since
        why = (  # catalog check; a file that holds no PEM certificate is OpenSSL's code
            failures.not_a_certificate(exc.reason or type(exc).__name__)
            if isinstance(exc, ssl.SSLError) and not isinstance(exc, ssl.SSLCertVerificationError)
            else os_error(exc)
        )
        return Attempt(Verdict.PERMANENT, None, failures.ca_file_unusable(why), "", 0.0)
    if proxy is not None and parts.scheme == "http":  # absolute-form: the proxy forwards
        path = f"http://{parts.netloc.rpartition('@')[2]}{path}"
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body),
        DELIVERY_HEADER: delivery,
        KEY_HEADER: key,
    }
    if proxy is not None and parts.scheme == "http" and (auth := proxy.authorization()):
        headers["Proxy-Authorization"] = auth  # a tunnel's goes in its CONNECT instead

    cut = 0  # bytes of the answer not kept (outcome.NOT_READ: how many unknown)

    def attempt(
        verdict: Verdict, status: int | None, error: Msg | str, text: str = "", after: str = ""
    ) -> Attempt:
        seconds = time.monotonic() - started
        return Attempt(verdict, status, error, text, seconds, text, delivery, after, cut)

    # Each read has the timeout, but a target that sends a byte now and then (its status
    # line and headers are read by http.client, a line up to 64 KiB) would never hit it:
    # at the deadline the connection is cut, whatever is being read.
    expired = threading.Event()
    watchdog = threading.Timer(max(deadline - time.monotonic(), 0.0), _cut, (conn, expired))
    watchdog.daemon = True
    watchdog.start()
    try:
        try:
            conn.connect()  # and, through a proxy, the tunnel: its refusal is said so
        except OSError as exc:
            passed = (TimeoutError, ssl.SSLError, LookupTimedOut, LinkLocal)  # said below
            if proxy is None or expired.is_set() or isinstance(exc, passed):
                raise
            # http.client says the proxy's own status line ("Tunnel connection failed:
            # 407 …") as an OSError without an errno: its words, kept as an answer's are
            said = os_error(exc) if exc.errno is not None else str(exc)
            return attempt(Verdict.TEMPORARY, None, failures.proxy_refused(str(proxy), said))
        conn.request("POST", path, body=body, headers=headers)
        response = _final(conn, conn.getresponse())
        if not _length_ok(response):
            raise failures.BadLength(response.msg.get_all("Content-Length"))
        data, cut = _read(conn, response, limit, deadline)
        charset = response.msg.get_content_charset()
        if cut:  # the limit may have split a character: its part is cut too
            whole = whole_characters(data, charset)
            data, cut = whole, cut_more(cut, len(data) - len(whole))
        text = decode(data, charset)
    except (OSError, http.client.HTTPException) as exc:
        if isinstance(exc, LookupTimedOut):  # the name server's silence, said as its own
            return attempt(Verdict.TEMPORARY, None, failures.lookup_timed_out(exc.host, timeout))
        if isinstance(exc, LinkLocal):  # tried again, it would be refused again
            return attempt(Verdict.PERMANENT, None, failures.link_local(exc.host, exc.address))
        if isinstance(exc, TimeoutError) or expired.is_set():  # cut: whatever it raised
            return attempt(Verdict.TEMPORARY, None, failures.no_answer(timeout))
        if isinstance(exc, ssl.SSLCertVerificationError):
            return attempt(Verdict.PERMANENT, None, failures.untrusted(os_error(exc)))
        if isinstance(exc, ssl.SSLError) and getattr(exc, "reason", None) == PLAIN_TEXT:
            where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            return attempt(Verdict.PERMANENT, None, failures.not_tls(where))
        if isinstance(exc, ssl.SSLError):
            return attempt(Verdict.PERMANENT, None, failures.tls_failed(os_error(exc)))
        if isinstance(exc, http.client.HTTPException):  # an answer, but not HTTP's
            why = failures.broken_answer(exc)
            return attempt(Verdict.TEMPORARY, None, failures.connection_failed(why))
        return attempt(Verdict.TEMPORARY, None, failures.connection_failed(os_error(exc)))
    finally:
        watchdog.cancel()
        conn.close()
    status = response.status
    if 200 <= status < 300:
        return attempt(Verdict.OK, status, "", text)
    reason = _header_text(response.reason)
    error = failures.http_status(status, reason)
    if 300 <= status < 400 and (location := response.getheader("Location")):
        where = urljoin(url, _header_text(location).strip())[:LOCATION_CHARS]
        error = failures.redirected(status, reason, where)
    if 500 <= status < 600 or status in TEMPORARY_STATUSES:
        # when to come back, if it said: the first, if a proxy added its own (http.client
        # would join them, "120, 90", which reads as nothing)
        after = (response.msg.get_all("Retry-After") or [""])[0]
        return attempt(Verdict.TEMPORARY, status, error, text, after)
    return attempt(Verdict.PERMANENT, status, error, text)


def _final(
    conn: http.client.HTTPConnection, response: http.client.HTTPResponse
) -> http.client.HTTPResponse:
    """The final answer past any interim ones (``102 Processing``, ``103 Early Hints``):
    http.client reads past ``100 Continue`` only, and would take a 1xx for the end (the
    run failed for good while the target went on to answer 200). ``101`` is final: we
    asked for no other protocol. Read from the same buffered stream, where the next
    answer may already wait; the watchdog bounds a target that sends 1xx forever."""
    while 100 <= response.status < 200 and response.status != 101:
        following = http.client.HTTPResponse(conn.sock, method="POST")
        following.fp = response.fp  # handed on: the interim one, dropped, must not close
        response.fp = None  # type: ignore[assignment]  # the stream (http.client's own None)
        following.begin()
        response = following
    return response


def _length_ok(response: http.client.HTTPResponse) -> bool:
    """Whether the answer's Content-Length, if it has one, is one whole number: every
    value of every such header the same digits (RFC 9110 §8.6 allows ``42, 42``). With a
    Transfer-Encoding it does not count (RFC 9112 §6.3), as http.client ignores it."""
    if response.getheader("Transfer-Encoding") is not None:
        return True
    fields = response.msg.get_all("Content-Length") or []
    values = {v.strip() for f in fields for v in f.split(",")}
    return not fields or (len(values) == 1 and all(v.isascii() and v.isdigit() for v in values))


def _encoded(target: str) -> str:
    """The request's path and query as a browser or curl sends what a person wrote: UTF-8
    percent-encoded (``/hooks/アカウント``, a space), what was encoded left as it is.
    http.client sends neither: a non-ASCII path raised, a space failed every try."""
    return quote(target, safe=_URL_SAFE)


def _header_text(value: str) -> str:
    """A status line's words or a header as the target wrote them: http.client reads their
    bytes as latin-1, so a Japanese system's UTF-8 or Shift_JIS ``内部エラー`` would reach
    the ticket as mojibake, and a terminal's escape sequence as it came. Read back to its
    bytes and decoded as the body is (the same sniffing); one line, so a terminal's
    sequence goes whole (``ESC ] 0;title BEL``, ``ESC [ 2J``) with every control left."""
    return decode(_CONTROLS.sub("", value).encode("latin-1", "replace"))


def _cut(conn: http.client.HTTPConnection, expired: threading.Event) -> None:
    """End the exchange at its deadline: a read blocked on the socket returns at once."""
    expired.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _connection(
    scheme: str,
    host: str,
    port: int | None,
    timeout: float,
    ca_file: Path | None,
    proxy: Proxy | None,
    dial: Dial,
) -> http.client.HTTPConnection:
    """A connection to the target, or to the proxy: for https a CONNECT tunnel to the
    target, whose TLS (``server_hostname``, so the certificate check) is the target's."""
    if scheme == "https":
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        if proxy is None:
            return HTTPSConnection(host, port, timeout=timeout, context=context, dial=dial)
        conn = HTTPSConnection(proxy.host, proxy.port, timeout=timeout, context=context, dial=dial)
        auth = proxy.authorization()
        conn.set_tunnel(host, port or 443, {"Proxy-Authorization": auth} if auth else None)
        return conn
    if proxy is None:
        return HTTPConnection(host, port, timeout=timeout, dial=dial)
    return HTTPConnection(proxy.host, proxy.port, timeout=timeout, dial=dial)


def _read(
    conn: http.client.HTTPConnection,
    response: http.client.HTTPResponse,
    limit: int,
    deadline: float,
) -> tuple[bytes, int]:
    """At most ``limit`` bytes of the body, and not past ``deadline`` (a trickling answer
    cannot hold the worker beyond the action's timeout); and how many bytes were left
    unkept. One byte past the limit is read to tell an answer of exactly ``limit`` bytes
    (whole: its end may be a chunked answer's last chunk or the close, not yet read) from
    a longer one; what was left is then its Content-Length's rest, else (chunked, or
    ended by the close) NOT_READ. The rest is never read to count it: a large answer
    would hold the worker to its timeout. A body that ends short of its Content-Length
    (the close, or the cut at the deadline) raises as a chunked one cut short does: the
    answer did not come whole, so the attempt is tried again."""
    data = b""
    while len(data) <= limit:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        if conn.sock is not None:
            conn.sock.settimeout(left)
        chunk = response.read1(min(65_536, limit + 1 - len(data)))
        if not chunk and response.length:  # closed (or cut at the deadline) short of its
            raise http.client.IncompleteRead(data, response.length)  # Content-Length
        if not chunk:
            return data, 0
        data += chunk
    if response.length is not None:  # what its Content-Length says is left
        return data[:limit], len(data) - limit + response.length
    if response.isclosed():  # its end was read with the byte past the limit
        return data[:limit], len(data) - limit
    return data[:limit], NOT_READ
