"""Every way an attempt of a catalog action fails, as :mod:`gateway.actions.failures`
says it, with what a real far end or system puts in it. The ``action_failed`` mail and
the run's history show them, so the language scanner reads them all."""

from __future__ import annotations

import errno
import socket
import ssl

from gateway.actions import failures
from gateway.actions.notes import ACTION_TYPES
from gateway.core.i18n import N_, Msg
from gateway.core.key_strength import weakness
from gateway.core.os_errors import CERT_SAID, CLASS_SAID, EAI_SAID, ERRNO_SAID, os_error
from gateway.core.proxies import ProxyError, parse_proxy
from gateway.notify.labels import CLOSE_REASONS


def action_failures() -> list[Msg]:
    weak = weakness(b"password")
    assert weak is not None
    return [
        failures.proxy_unusable("no proxy for https in the environment"),
        failures.proxy_unusable("only http:// proxies can be used", "$https_proxy"),
        *(failures.proxy_unusable(_refused(url), "$https_proxy") for url in REFUSED_PROXIES),
        failures.proxy_refused("http://proxy.example.test:3128", "407 Proxy Authentication"),
        failures.no_answer(30.0),
        failures.lookup_timed_out("hooks.example.test", 30.0),
        failures.link_local("hooks.example.test", "169.254.169.254"),
        failures.untrusted("self-signed certificate"),
        failures.tls_failed("WRONG_VERSION_NUMBER"),
        failures.not_tls("hooks.example.test:443"),  # an https URL to a plain-text port
        failures.connection_failed(os_error(ConnectionRefusedError(111, "Connection refused"))),
        *(failures.connection_failed(said) for _kind, said in failures.BROKEN_ANSWERS),
        failures.http_status(503, "Service Unavailable"),
        failures.redirected(301, "Moved Permanently", "https://hooks.example.test/v2/account"),
        failures.cannot_start(
            "/usr/local/bin/create-account", os_error(FileNotFoundError(2, "No such file"))
        ),
        failures.killed_at_timeout(60.0),
        failures.stopped_with_daemon(),
        failures.stopped_with_actions_run(),
        failures.temporary_exit(75),
        failures.exit_code(65),
        failures.killed_by_signal(9),
        failures.killed_by_signal(40),  # a real-time signal: no name
        failures.not_in_catalog({"ja": "アカウント", "en": "Accounts"}, ACTION_TYPES["webhook"]),
        failures.not_in_catalog("account", ACTION_TYPES["command"]),  # the entry removed
        failures.ticket_closed(CLOSE_REASONS["duplicate"]),
        failures.ticket_merged(12),
        failures.ticket_refiled({"ja": "プリンター", "en": "Printers"}),
        failures.taken_away("user_id"),
        failures.never_reported(3),
        failures.internal_error("KeyError: 'fields'"),
        failures.secret_unreadable(os_error(PermissionError(13, "Permission denied"))),
        failures.ca_file_unusable(os_error(IsADirectoryError(21, "Is a directory"))),
        failures.ca_file_unusable(failures.not_a_certificate("NO_CERTIFICATE_OR_CRL_FOUND")),
        failures.secret_weak(weak),
        *(failures.connection_failed(said) for said in system_errors()),
    ]


# proxies no webhook goes through, each refused in its own words
REFUSED_PROXIES = ("https://proxy.example.test:3128", "socks5://proxy.example.test:1080")


def _refused(url: str) -> Msg:
    try:
        parse_proxy(url)
    except ProxyError as exc:
        return exc.msg
    raise AssertionError(f"{url} was taken as a proxy")


def system_errors() -> list[Msg]:
    """Every way gateway.core.os_errors says a system's failure: each row of its tables
    and each form it falls back to (an errno no row names, a resolver code, a TLS code)."""
    wrong = ssl.SSLError(1, "wrong version number")
    wrong.reason = "WRONG_VERSION_NUMBER"
    return [
        *ERRNO_SAID.values(),
        *EAI_SAID.values(),
        *CERT_SAID.values(),
        *(said for _, _, said in CLASS_SAID),
        os_error(OSError(errno.ENOTUNIQ, "Name not unique on network")),
        os_error(socket.gaierror(-12345, "Unknown resolver error")),
        os_error(wrong),
        os_error(ssl.SSLCertVerificationError(1, "certificate verify failed")),
        N_("system error {code}", code="ValueError"),
    ]
