"""Why an outgoing mail was not delivered (yet), in words each reader reads in their language.

The outbox row keeps the :class:`Msg` (``outbox.last_error_said``) beside its English
text, and ``status`` says it in the reader's language. What the relay or the system
said (an SMTP reply line, an exception's text) stays as it was said, a parameter; each
English text is close to the one kept before the errors were Msgs (the log reads the
same). One function per way to fail: the language tests say each of them.
"""

from __future__ import annotations

from datetime import timedelta

from gateway.core.i18n import N_, Msg
from gateway.core.spans import period


def maildir_unusable(why: Msg) -> Msg:
    return N_("[outbound] maildir: {why}", why=why)


def maildir_unwritable(path: str, error: str | Msg) -> Msg:
    return N_("cannot write to maildir {path}: {error}", path=path, error=error)


def connection_lost(where: str, error: str | Msg) -> Msg:
    """The relay's connection failed while a mail was being sent."""
    return N_("relay {where}: the connection failed: {error}", where=where, error=error)


def unreachable(where: str, error: str | Msg) -> Msg:
    return N_("relay {where} unreachable: {error}", where=where, error=error)


def untrusted(where: str, why: str | Msg) -> Msg:
    """An issuer we do not know (self-signed, a private CA): ``ca_file`` helps."""
    return N_(
        "TLS certificate of {where} is not trusted ({why}); set [outbound] ca_file",
        where=where,
        why=why,
    )


def not_for_host(where: str, host: str) -> Msg:
    """A valid certificate made out to other names: ``host`` is what to change."""
    return N_(
        "TLS certificate of {where} is not for the host name {host}; set [outbound] host "
        "to a name the certificate is for (ca_file cannot help)",
        where=where,
        host=host,
    )


def invalid_certificate(where: str, why: str | Msg) -> Msg:
    """Expired, not yet valid or revoked: the relay needs another certificate."""
    return N_(
        "TLS certificate of {where} is not trusted ({why}); ca_file cannot help: the "
        "relay needs a valid certificate",
        where=where,
        why=why,
    )


def no_starttls(where: str) -> Msg:
    """``tls = "starttls"`` and a relay that answers without offering it."""
    return N_(
        "relay {where} does not offer STARTTLS: nothing is sent in clear; use its port "
        'for STARTTLS (587) or tls = "implicit" (465)',
        where=where,
    )


def no_auth(where: str) -> Msg:
    """``username`` set and a relay that offers no AUTH (on this port, after STARTTLS)."""
    return N_(
        "relay {where} does not offer AUTH: use its port for logins (587), or remove "
        "[outbound] username if it lets this machine send without one",
        where=where,
    )


def login_refused(where: str, code: int) -> Msg:
    return N_(
        "relay {where} refused our login ({code}); check username and password",
        where=where,
        code=code,
    )


def sender_refused(where: str, code: int, reply: str, *, login: bool) -> Msg:
    """MAIL FROM refused (``login``: a 530 and no username configured: it wants one)."""
    if login:
        return N_(
            "relay {where} refused our sender: {code} {reply}; set [outbound] username and "
            "password_file",
            where=where,
            code=code,
            reply=reply,
        )
    return N_(
        "relay {where} refused our sender: {code} {reply}", where=where, code=code, reply=reply
    )


def no_smtputf8(address: str) -> Msg:
    """An internationalised address: it needs SMTPUTF8, which we do not send."""
    return N_(
        "the address {address} needs SMTPUTF8, which the gateway does not send",
        address=address,
    )


def answered(code: int, reply: str) -> Msg:
    """The relay's answer about this mail (``reply``: its own words after the code)."""
    return N_("the relay answered {code} {reply}", code=code, reply=reply)


def unwritable_envelope(error: str) -> Msg:
    """A sender or recipient no SMTP command can carry (one that needs SMTPUTF8 from
    us, a line break): the relay was never asked, and asking again changes nothing."""
    return N_(
        "the mail's sender or recipients cannot be written in an SMTP command ({error}): not sent",
        error=error,
    )


def password_env_unset(name: str) -> Msg:
    return N_("environment variable {name} is not set", name=name)


def no_password() -> Msg:
    return N_("[outbound] username is set but no password_file or password_env")


def password_unreadable(path: str, error: str | Msg) -> Msg:
    return N_("cannot read [outbound] password_file {path}: {error}", path=path, error=error)


def gave_up(after: timedelta, error: Msg | str) -> Msg:
    """Temporary failures for longer than ``[outbound] give_up_after``: failed for good."""
    return N_("gave up after {after}: {error}", after=period(after), error=error)
