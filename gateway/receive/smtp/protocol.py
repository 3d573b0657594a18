"""aiosmtpd's SMTP and LMTP, as our listener speaks them.

What differs from aiosmtpd's own: every reply carries an enhanced status code
(RFC 3463, :mod:`.replies`), which senders and their logs expect; a message with a
bare CR is refused (SMTP smuggling: see BARE_CR); a fault of ours at DATA is answered
once the data has ended, never before; a session asks the listener
whether its peer may have one more (a cap per client address) and tells it when
it ends, so the listener can count sessions and drain them at shutdown; and DATA
is read with bounded memory (issue #14). aiosmtpd keeps every fragment of a line
that has no line end and discards them only at the next CRLF: 200 MiB without
one took the daemon from 89 to 272 MB. Here a line longer than RFC 5321 allows
is never kept: the transaction ends in ``500`` when its data ends, and a sender
that keeps going far past the size limit (twice it, or 10 MB more) is answered
and cut off. A connection that cannot be served at all gets :class:`Refuse`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, syntax

from gateway.receive.smtp.refusals import FROM_THE_LIBRARY, log_refusal
from gateway.receive.smtp.replies import with_enhanced_code

SHUTTING_DOWN = "421 4.3.2 Service shutting down, try again later"
# max_sessions: the system is busy, RFC 3463 4.3.2 ("not accepting network messages");
# max_sessions_per_client is policy, 4.7.0 as Postfix answers its per-client limits
TOO_BUSY = "421 4.3.2 Too many connections, try again later"
TOO_BUSY_FROM_YOU = "421 4.7.0 Too many connections from your address, try again later"
LINE_TOO_LONG = "500 Line too long (see RFC5321 4.5.3.1.6)"
TOO_MUCH_DATA = "552 Error: Too much mail data"
# SMTP smuggling (CVE-2023-51764): only CRLF.CRLF ends DATA, so <LF>.<LF>, <CR>.<CR>
# and their mixes are content, never a second message. A bare LF is a line end as
# Postfix (smtpd_forbid_bare_newline = normal, its default) and our parser read it,
# so a script's LF-only message is taken. A bare CR is not: Postfix keeps it inside
# the line while Python's parser splits there, so a relay in front would have checked
# one header where we would read two (a second From); the message is refused once its
# data ends, as sendmail 8.18 does by default (a relay passing one on gets the 550
# and bounces it to its sender: mail software writes CR LF).
BARE_CR = "550 5.5.2 Bare CR in the message: lines must end in CR LF (RFC 5321 2.3.8)"
IDLE = "421 4.4.2 {host} Error: timeout exceeded"  # Postfix's words, which MTAs' logs know
TIME_UP = "421 4.4.2 Session time limit exceeded, closing connection"
DRAIN_AT_LEAST = 10_000_000  # bytes read (and dropped) past the size limit before hanging up
# What a session's reader may hold before it pauses the socket (twice this) and
# the longest line it reads whole. aiosmtpd sets both to its line limit, 1001
# bytes: a 45 kB message then paused and resumed the socket some twenty times,
# and nearly every line of DATA waited a turn of the event loop (issue #18:
# about a third of the listener's time). Line limits are still checked on what
# is read (RFC 5321's 1000 in DATA, aiosmtpd's per command), and what one
# session may buffer stays bounded (this twice, plus one read of the socket).
READ_AHEAD = 64 * 1024

# the refusals once DATA has ended: LMTP repeats them per recipient (RFC 2033 4.2)
_AFTER_DATA = frozenset(
    {
        "552 5.3.4 Message too big for this system",
        "500 5.5.2 Line too long (RFC 5321 4.5.3.1.6)",
        BARE_CR,
    }
)


def _longest_lf_line(line: bytes, stuffed: bool) -> int:
    """The length of the longest line in ``line`` (no CRLF in it) when a bare LF ends a
    line too, as Postfix and our parser read it: a script's LF-only message of 300
    short lines is 300 lines, not one of 12 kB (it got ``500 Line too long``).
    ``stuffed``: its first byte is the dot added for transparency, which does not count."""
    if b"\n" not in line:  # the common line, found at C speed: nothing to split
        return len(line) - stuffed
    first, *rest = line.split(b"\n")
    return max(len(first) - stuffed, *map(len, rest))


def _plain(joined: bytes, lines: list[bytes], line_limit: int) -> bool:
    """Whether a block's whole ``lines`` (``joined`` split on CRLF) need no look one by
    one: none is the end or has a dot to unstuff (no line starts with a dot), none holds
    a bare LF (none in the block at all), and none is longer than a line may be. Found
    at C speed: the loop's Python turn per line was a third of the listener's time
    (issue #18); a block that fails any of them goes through the loop."""
    return (
        bool(lines)
        and not joined.startswith(b".")
        and b"\r\n." not in joined
        and joined.count(b"\n") == joined.count(b"\r\n")
        and max(map(len, lines)) + 2 <= line_limit
    )


class GatewaySMTP(SMTP):
    """aiosmtpd's SMTP with enhanced status codes, bounded DATA, and hooks when the
    session starts (may this peer have one more?) and ends."""

    on_lost: Callable[[GatewaySMTP], None] = staticmethod(lambda _: None)
    admit: Callable[[GatewaySMTP], str | None] = staticmethod(lambda _: None)

    def __init__(
        self,
        *args: Any,
        session_time: float | None = None,
        line_length_limit: int | None = None,
        **kwargs: Any,
    ) -> None:
        """``session_time``: seconds a session may last, however busy (None: no end);
        ``line_length_limit``: the longest line of DATA (see .limits)."""
        super().__init__(*args, **kwargs)
        if line_length_limit is not None:
            self.line_length_limit = line_length_limit
        self._session_time = session_time
        self._offered: str | None = None  # the sender of the MAIL being answered
        self._time_up: asyncio.TimerHandle | None = None
        reader = self._stream_reader  # type: ignore[attr-defined]
        assert isinstance(reader, asyncio.StreamReader)
        reader._limit = READ_AHEAD  # type: ignore[attr-defined]  # see READ_AHEAD

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        starting = self.transport is None  # not the switch to TLS after STARTTLS
        super().connection_made(transport)
        refusal = self.admit(self) if starting else None
        if starting and refusal is None and self._session_time is not None:
            self._time_up = self.loop.call_later(self._session_time, self._end_of_time)
        if refusal is not None:  # the greeting never goes out: the refusal does
            if self._handler_coroutine is not None:
                self._handler_coroutine.cancel()
            if isinstance(transport, asyncio.WriteTransport):
                transport.write(refusal.encode() + b"\r\n")
            transport.close()

    def _syntax_available(self, method: Callable[..., Any]) -> bool:
        """What HELP lists: not AUTH when no users are configured (EHLO does not
        offer it either: handler.handle_EHLO)."""
        if getattr(method, "__name__", "") == "smtp_AUTH" and self._authenticator is None:
            return False
        return bool(super()._syntax_available(method))

    @syntax("MAIL FROM: <address>", extended=" [SP <mail-parameters>]")  # as aiosmtpd's
    async def smtp_MAIL(self, arg: str | None) -> None:
        """aiosmtpd's MAIL, the sender offered kept while it is answered: a refusal of
        aiosmtpd's own there (``552`` for a ``SIZE=`` over ``max_message_size``, which
        every big MTA declares) is logged with that sender (.refusals), who is not in
        the envelope yet."""
        keyword = self._strip_command_keyword("FROM:", arg) if arg else None
        self._offered = self._getaddr(keyword)[0] if keyword else None
        try:
            await super().smtp_MAIL(arg)
        finally:
            self._offered = None

    @syntax("DATA")  # as aiosmtpd's: HELP lists it, and HELP DATA answers
    async def smtp_DATA(self, arg: str) -> None:
        """aiosmtpd's DATA, reading with bounded memory: see the module docstring."""
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        envelope = self.envelope
        assert envelope is not None
        if not envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        with ExitStack() as held:
            fault = self._expect(held)  # see store.turnstile
            read = await self._read_data()  # read even after a fault: never as commands
            if read is None:
                return  # the connection went away, or we ended it
            if isinstance(read, str):
                await self.push(read)
                self._set_post_data_state()  # type: ignore[no-untyped-call]
                return
            if fault is None:
                envelope.content = envelope.original_content = read
                try:
                    status = await self._call_handler_hook("DATA")
                except Exception as error:  # noqa: BLE001 - a fault of ours: answered below
                    fault = error
        if fault is not None:  # ours: 451 as any failure to store (handler.handle_exception)
            status = await self.handle_exception(fault)
            if isinstance(self, LMTP):  # once per recipient, or the client waits for the rest
                status = "\r\n".join([status] * len(envelope.rcpt_tos))
        self._set_post_data_state()  # type: ignore[no-untyped-call]
        await self.push(status)

    def _expect(self, held: ExitStack) -> Exception | None:
        """Hold the handler's ``expecting`` for this DATA; what failed, if it did (a lock
        file that cannot be opened: no descriptor left). aiosmtpd answered that before
        the data was read, and read the message's lines as commands."""
        expecting = getattr(self.event_handler, "expecting", None)
        if expecting is None:
            return None
        try:
            held.enter_context(expecting())
        except Exception as error:  # noqa: BLE001 - answered once the data ended
            return error
        return None

    async def _read_data(self) -> bytes | str | None:
        """The message (dot-unstuffed), or the refusal to send once its data ended, or
        None when the sender went on past the point of listening (then we hang up).

        Read in blocks of what has arrived, not a line per await (issue #18: the
        event loop's turn per line was a third of the listener's time); the lines
        of a block are then taken one by one as before. A line without its CRLF
        yet waits for the next block, but never longer than a line may be."""
        data = bytearray()  # one growing buffer, not one object per line
        size, limit = 0, self.data_size_limit or 0
        ceiling = limit + max(limit, DRAIN_AT_LEAST) if limit else 0
        refusal = ""
        line_start = True  # False: we are inside a line too long to keep
        partial = b""  # the start of a line whose CRLF has not come yet
        # the line in hand began in an earlier block and its LF lines before ``partial``
        # are kept already: no dot to unstuff, and it cannot be the final dot
        continued = False
        while self.transport is not None:
            try:
                block = await self._reader.read(READ_AHEAD)
            except asyncio.CancelledError:
                self._writer.close()
                raise
            if not block:  # the sender hung up: as a read of a line would say
                raise asyncio.IncompleteReadError(partial, None)
            # session_timeout is for a session gone idle: aiosmtpd restarts its timer at
            # each command only, and cut off a message still coming in after that long
            self._reset_timeout()
            joined = partial + block
            lines = joined.split(b"\r\n")
            partial = lines.pop()
            # a CR in one of these whole lines that is no CRLF's: counted for the block
            # at C speed, so the common block (none) costs its lines no test each
            bare_cr = joined.count(b"\r") != joined.count(b"\r\n") + partial.count(b"\r")
            taken = len(joined) - len(partial)  # the whole lines' bytes, their CRLFs too
            if (
                line_start
                and not continued
                and not refusal
                and not bare_cr
                and (not limit or size + taken <= limit)
                and _plain(joined, lines, self.line_length_limit)
            ):  # the common block: kept whole, as the loop below would keep it
                data += memoryview(joined)[:taken]
                size += taken
                lines = []
            for n, line in enumerate(lines):
                if line_start and not continued and line == b".":
                    self._unread(lines[n + 1 :], partial)  # a command sent too early
                    return refusal or bytes(data)
                tail = not line_start  # the end of a line too long to keep
                line_start = True
                # sizes without the dot added for transparency (RFC 1870, RFC 5321
                # 4.5.3.1.6): counted, a message at the limit with such lines got 552
                stuffed = not tail and not continued and line.startswith(b".")
                continued = False
                size += len(line) + 2 - stuffed
                if not tail and _longest_lf_line(line, stuffed) + 2 > self.line_length_limit:
                    refusal = refusal or LINE_TOO_LONG
                    data.clear()
                if limit and size > limit and not refusal:
                    refusal = TOO_MUCH_DATA
                    data.clear()
                if bare_cr and not refusal and b"\r" in line:  # split on CRLF: a CR left is bare
                    refusal = BARE_CR
                    data.clear()
                if ceiling and size > ceiling:
                    await self._hang_up(refusal)
                    return None
                if not refusal:
                    data += memoryview(line)[1:] if stuffed else line
                    data += b"\r\n"
            cut = partial.rfind(b"\n") + 1  # the LF lines of a line whose CRLF is to come
            if cut and line_start:
                piece, partial = partial[:cut], partial[cut:]
                stuffed = not continued and piece.startswith(b".")
                continued = True  # what follows is the rest of this line: no dot, no end
                size += cut - stuffed
                if _longest_lf_line(piece, stuffed) + 2 > self.line_length_limit:
                    refusal = refusal or LINE_TOO_LONG
                    data.clear()
                if limit and size > limit and not refusal:
                    refusal = TOO_MUCH_DATA
                    data.clear()
                if b"\r" in piece and not refusal:  # no CRLF in it: a CR is bare
                    refusal = BARE_CR
                    data.clear()
                if ceiling and size > ceiling:
                    await self._hang_up(refusal)
                    return None
                if not refusal:
                    data += memoryview(piece)[1:] if stuffed else piece
            keep = 1 if partial.endswith(b"\r") else 0  # its CRLF may be split
            dot = line_start and not continued and partial.startswith(b".")  # nor its dot
            if len(partial) - keep - dot + 2 > self.line_length_limit:  # too long: dropped
                size += len(partial) - keep
                partial = partial[len(partial) - keep :]
                refusal = refusal or LINE_TOO_LONG
                data.clear()
                line_start = False
                if ceiling and size > ceiling:
                    await self._hang_up(refusal)
                    return None
        return None

    async def _hang_up(self, refusal: str) -> None:
        """Past listening: answer, and hang up."""
        await self.push(refusal)
        if self.transport is not None:
            self.transport.close()

    def _unread(self, lines: list[bytes], partial: bytes) -> None:
        """Give back what came after the end of the data: the commands that follow
        it are read as if no block had been taken."""
        rest = b"".join(line + b"\r\n" for line in lines) + partial
        if rest:
            self._reader._buffer[0:0] = rest  # type: ignore[attr-defined]

    async def push(self, status: Any) -> None:
        if not isinstance(status, str):  # AUTH challenges: nothing to rewrite
            await super().push(status)
            return
        text = status if self._answers_hello(status) else with_enhanced_code(status)
        envelope = self.envelope
        if text[:3] in FROM_THE_LIBRARY:  # a refusal of aiosmtpd's own: logged (.refusals)
            log_refusal(text, self.session, envelope, sender=self._offered)
        if text in _AFTER_DATA and isinstance(self, LMTP) and envelope is not None:
            text = "\r\n".join([text] * max(1, len(envelope.rcpt_tos)))
        await super().push(text)

    def _answers_hello(self, status: str) -> bool:
        """The greeting and the answer to EHLO/HELO/LHLO: no enhanced code (RFC 2034 3)."""
        return (
            status.startswith("250-")  # only EHLO's answer has more lines than one
            or status in ("250 HELP", f"250 {self.hostname}")  # its last; HELO's
            or status == f"220 {self.hostname} {self.__ident__}"
        )

    def _end_of_time(self) -> None:
        """``max_session_time`` is up: say so and hang up, whatever the session was
        doing (a message not yet answered is not stored; its sender tries again)."""
        transport = self.transport
        if isinstance(transport, asyncio.WriteTransport) and not transport.is_closing():
            transport.write(TIME_UP.encode() + b"\r\n")
            transport.close()

    def _timeout_cb(self) -> None:
        """``session_timeout`` is up: say why, then hang up (RFC 5321 3.8). aiosmtpd
        only closed the socket, and the sending MTA logged a lost connection."""
        transport = self.transport
        if isinstance(transport, asyncio.WriteTransport) and not transport.is_closing():
            transport.write(IDLE.format(host=self.hostname).encode() + b"\r\n")
        super()._timeout_cb()  # type: ignore[no-untyped-call]

    def connection_lost(self, error: Exception | None) -> None:
        if self._time_up is not None:
            self._time_up.cancel()
        try:
            super().connection_lost(error)
        finally:
            self.on_lost(self)

    @property
    def in_transaction(self) -> bool:
        return self.envelope is not None and self.envelope.mail_from is not None


class GatewayLMTP(GatewaySMTP, LMTP):
    """LMTP (RFC 2033) for delivery from Postfix or Dovecot: one reply per recipient."""

    async def check_helo_needed(self, helo: str = "LHLO") -> bool:
        """A command before LHLO is told to send LHLO (aiosmtpd said HELO)."""
        return bool(await super().check_helo_needed(helo))


class Refuse(asyncio.Protocol):
    """Greets with a 421 and hangs up: shutting down, or too many sessions."""

    def __init__(self, reply: str) -> None:
        self._reply = reply.encode() + b"\r\n"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.WriteTransport):
            transport.write(self._reply)
        transport.close()


def say_goodbye(session: GatewaySMTP) -> None:
    """An idle session is told 421 and closed: RFC 5321 4.2.2 allows it at shutdown."""
    transport = session.transport
    if isinstance(transport, asyncio.WriteTransport) and not transport.is_closing():
        transport.write(SHUTTING_DOWN.encode() + b"\r\n")
        transport.close()
