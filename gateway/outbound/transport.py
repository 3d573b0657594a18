"""Where outgoing bytes go: a local maildir or an SMTP relay.

A transport answers one question per mail: delivered, try again later
(:class:`TemporaryFailure`), or never (:class:`PermanentFailure`). Problems
with the relay itself (refused connection, timeout, TLS, our own AUTH) are
temporary whatever their code: they say nothing about the mail, and failing
every queued mail because a password expired would be the wrong lesson.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from pathlib import Path
from types import TracebackType
from typing import Protocol

from gateway.config.settings import OutboundSettings
from gateway.core.cert_fix import CertFix, cert_fix
from gateway.core.i18n import Msg
from gateway.core.os_errors import os_error
from gateway.core.utf8 import not_utf8, secret_text
from gateway.outbound import failures, maildir
from store.outbox import DueMail


class TemporaryFailure(Exception):
    """Retry this mail later (4xx, relay unreachable, timeout). ``said``: why, in each
    reader's language (:mod:`gateway.outbound.failures`); ``str()`` is English."""

    def __init__(self, said: Msg | str) -> None:
        super().__init__(str(said))
        self.said = said


class RelayDown(TemporaryFailure):
    """The relay cannot be used at all right now: the rest of the batch waits too."""


class PermanentFailure(Exception):
    """The relay refused this mail for good (5xx), or it cannot take it at all (``said``
    why, ``code`` 0): recorded on the ticket, not retried."""

    def __init__(self, code: int, text: str, said: Msg | None = None) -> None:
        """``code`` 0 and ``said``: refused by us before the relay was asked."""
        self.said: Msg | str = said if said is not None else failures.answered(code, text)
        super().__init__(str(self.said))
        self.code = code


class Transport(Protocol):
    def send(self, mail: DueMail) -> None: ...

    def close(self) -> None: ...


class MaildirTransport:
    """The embedded default: what would have been sent, readable with any mail client."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ready = False

    def send(self, mail: DueMail) -> None:
        try:
            if not self.ready:
                maildir.prepare(self.path)  # tmp/ new/ cur/ in an empty folder too, 0700
                self.ready = True
            name = maildir.unique_name(mail.created_at, mail.id)
            # private (0600) from its creation: mailbox.Maildir.add made it 0666 & ~umask
            maildir.deliver(self.path, mail.raw.replace(b"\r\n", b"\n"), name)  # local ends
        except maildir.MaildirUnusable as exc:
            raise RelayDown(failures.maildir_unusable(exc.message)) from None
        except OSError as exc:
            raise RelayDown(failures.maildir_unwritable(str(self.path), os_error(exc))) from exc

    def close(self) -> None:
        self.ready = False  # a folder removed meanwhile is made again by the next batch


class SmtpTransport:
    """One connection per batch, opened on the first mail; TLS is always verified."""

    def __init__(self, settings: OutboundSettings, local_hostname: str | None = None) -> None:
        self.settings = settings
        self.local_hostname = local_hostname
        self.conn: smtplib.SMTP | None = None
        self.delivered = 0  # mails the relay took on this connection

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def send(self, mail: DueMail) -> None:
        _ascii_only(mail)
        worn = self.conn is not None and self.delivered > 0
        try:
            self._transaction(mail)
        except _HungUp as exc:
            self._drop()
            if not worn:  # a new connection's first mail: the relay's trouble, not a limit
                raise exc.failure from exc.__cause__
            try:  # a relay's limit of mails a connection (421): once more, on a new one
                self._transaction(mail)
            except _HungUp as again:
                self._drop()
                raise again.failure from again.__cause__
        self.delivered += 1

    def _transaction(self, mail: DueMail) -> None:
        """One MAIL…DATA; what the relay answered, as the sender's exceptions, in a
        :class:`_HungUp` when the relay ended the connection with a ``421`` at any step
        (smtplib has closed it): then the connection is of no more use."""
        conn = self.conn or self._connect()
        try:
            # Some recipients refused and others not counts as sent: a retry would
            # duplicate the mail for those who got it.
            conn.sendmail(mail.envelope_from, list(mail.recipients), mail.raw)
        except smtplib.SMTPRecipientsRefused as exc:
            answers = list(exc.recipients.values())
            raise _ended(any(a[0] == 421 for a in answers), _refusal(answers)) from exc
        except smtplib.SMTPSenderRefused as exc:
            failure = self._sender_refused(exc.smtp_code, exc.smtp_error)
            raise _ended(exc.smtp_code == 421, failure) from exc
        except smtplib.SMTPDataError as exc:
            raise _ended(exc.smtp_code == 421, _by_code(exc.smtp_code, exc.smtp_error)) from exc
        except ValueError as exc:  # smtplib's own refusal to write the command (a line
            # break, non-ASCII without SMTPUTF8): this mail only, never the queue behind
            # it; the transaction it left half-begun goes with the connection
            self.close()
            raise PermanentFailure(0, str(exc), failures.unwritable_envelope(str(exc))) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # gone or too slow: not tried again at once (a relay that answers late may
            # have the mail), the rest of the batch waits for the backoff
            self._drop()
            raise RelayDown(failures.connection_lost(self._where(), os_error(exc))) from exc

    def _drop(self) -> None:
        """Forget a connection the relay ended (no QUIT: nobody is there to answer it)."""
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        conn: smtplib.SMTP | None = None
        try:
            context = ssl.create_default_context(cafile=str(s.ca_file) if s.ca_file else None)
            if s.tls == "implicit":
                conn = smtplib.SMTP_SSL(
                    s.host,
                    s.port,
                    self.local_hostname,
                    timeout=s.timeout.total_seconds(),
                    context=context,
                )
            else:
                conn = smtplib.SMTP(
                    s.host, s.port, self.local_hostname, timeout=s.timeout.total_seconds()
                )
            self._secure(conn, context)
        except (smtplib.SMTPException, OSError, RelayDown) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, RelayDown):  # no password, STARTTLS or AUTH: already says so
                raise
            raise self._diagnose(exc) from exc
        self.conn, self.delivered = conn, 0
        return conn

    def _secure(self, conn: smtplib.SMTP, context: ssl.SSLContext) -> None:
        if self.settings.tls == "starttls":
            conn.ehlo()
            if not conn.has_extn("starttls"):  # an error, never plain text
                raise RelayDown(failures.no_starttls(self._where()))
            conn.starttls(context=context)
            conn.ehlo()
        if self.settings.username:
            if not conn.has_extn("auth"):  # smtplib said "unreachable" for this one too
                raise RelayDown(failures.no_auth(self._where()))
            conn.login(self.settings.username, read_password(self.settings))

    def _diagnose(self, exc: BaseException) -> RelayDown:
        """One line that says what to do, for the log and the row's last_error."""
        if isinstance(exc, ssl.SSLCertVerificationError):
            fix = cert_fix(exc)  # the setting that can help, not ca_file for all
            if fix is CertFix.HOST:
                return RelayDown(failures.not_for_host(self._where(), self.settings.host))
            if fix is CertFix.SERVER:
                return RelayDown(failures.invalid_certificate(self._where(), os_error(exc)))
            return RelayDown(failures.untrusted(self._where(), os_error(exc)))
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return RelayDown(failures.login_refused(self._where(), exc.smtp_code))
        return RelayDown(failures.unreachable(self._where(), os_error(exc)))

    def _sender_refused(self, code: int, text: bytes | str) -> Exception:
        """MAIL FROM refused. The envelope sender is our own address on every mail, so
        the refusal is about us and this relay (it wants a login: 530; it does not let
        us send as that address: 5.7.1, 5.1.8), the same for every mail queued: the
        relay is down for us until ``[outbound]`` or the relay is fixed, and no mail is
        given up for it (``give_up_after`` still ends the wait). Only a message too big
        (552, x.3.4, announced with SIZE) is that mail's own, and permanent."""
        said = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        if code == 552 or said.lstrip().startswith(("5.3.4", "4.3.4")):
            return _by_code(code, said)
        login = code == 530 and not self.settings.username
        return RelayDown(failures.sender_refused(self._where(), code, said, login=login))

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"


def read_password(settings: OutboundSettings) -> str:
    """From the environment or a file, at every connection; never from the command line."""
    if settings.password_env:
        value = os.environ.get(settings.password_env, "")
        if not value:
            raise RelayDown(failures.password_env_unset(settings.password_env))
        return value
    if settings.password_file is None:
        raise RelayDown(failures.no_password())
    try:
        return secret_text(settings.password_file).rstrip("\r\n")
    except OSError as exc:
        error = os_error(exc)
        raise RelayDown(failures.password_unreadable(str(settings.password_file), error)) from None
    except UnicodeDecodeError as exc:  # saved as Shift_JIS: the line, not a codec's words
        path = str(settings.password_file)
        raise RelayDown(failures.password_unreadable(path, not_utf8(exc))) from None


class _HungUp(Exception):
    """The relay ended the connection with a ``421`` while it had this mail; ``failure``
    is what the sender is told when it is not tried again."""

    def __init__(self, failure: Exception) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _ended(hung_up: bool, failure: Exception) -> Exception:
    """``failure``, inside a :class:`_HungUp` when the relay ended the connection."""
    return _HungUp(failure) if hung_up else failure


def _ascii_only(mail: DueMail) -> None:
    """An address that is not ASCII (山田@例え.jp) needs SMTPUTF8 all the way, headers
    included, which we do not write (README): that mail can never go, and only that one
    fails. smtplib raised an encoding error half-way through its MAIL command, which
    left the row leased, its batch waiting and the relay inside a MAIL transaction."""
    wide = [a for a in (mail.envelope_from, *mail.recipients) if not a.isascii()]
    if wide:
        raise PermanentFailure(0, "", failures.no_smtputf8(wide[0]))


def _by_code(code: int, text: bytes | str) -> Exception:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    if 500 <= code < 600:
        return PermanentFailure(code, message)
    return TemporaryFailure(failures.answered(code, message))


def _refusal(answers: list[tuple[int, bytes]]) -> Exception:
    """All refused; permanent only when every refusal was permanent."""
    permanent = [a for a in answers if 500 <= a[0] < 600]
    code, text = (permanent or answers)[0]
    return (
        _by_code(code, text)
        if len(permanent) == len(answers)
        else TemporaryFailure(failures.answered(code, text.decode("utf-8", "replace")))
    )


def transport_for(settings: OutboundSettings) -> Transport:
    if settings.mode == "smtp":
        return SmtpTransport(settings)
    return MaildirTransport(settings.maildir)
