"""Every way an attempt of a catalog action fails, as :mod:`gateway.actions.failures`
says it, with what a real far end or system puts in it. The ``action_failed`` mail and
the run's history show them, so the language scanner reads them all."""

from __future__ import annotations

from gateway.actions import failures
from gateway.actions.results import ACTION_TYPES
from gateway.core.i18n import Msg
from gateway.core.key_strength import weakness
from gateway.notify.labels import CLOSE_REASONS


def action_failures() -> list[Msg]:
    weak = weakness(b"password")
    assert weak is not None
    return [
        failures.proxy_unusable("no proxy for https in the environment"),
        failures.proxy_unusable("only http:// proxies can be used", "$https_proxy"),
        failures.proxy_refused("http://proxy.example.test:3128", "407 Proxy Authentication"),
        failures.no_answer(30.0),
        failures.untrusted("self-signed certificate"),
        failures.tls_failed("WRONG_VERSION_NUMBER"),
        failures.connection_failed("[Errno 111] Connection refused"),
        failures.http_status(503, "Service Unavailable"),
        failures.redirected(301, "Moved Permanently", "https://hooks.example.test/v2/account"),
        failures.cannot_start("/usr/local/bin/create-account", "No such file or directory"),
        failures.killed_at_timeout(60.0),
        failures.stopped_with_daemon(),
        failures.temporary_exit(75),
        failures.exit_code(65),
        failures.killed_by_signal(9),
        failures.not_in_catalog({"ja": "アカウント", "en": "Accounts"}, ACTION_TYPES["webhook"]),
        failures.not_in_catalog("account", ACTION_TYPES["command"]),  # the entry removed
        failures.ticket_closed(CLOSE_REASONS["duplicate"]),
        failures.ticket_merged(12),
        failures.never_reported(3),
        failures.internal_error("KeyError: 'fields'"),
        failures.secret_unreadable("Permission denied"),
        failures.ca_file_unusable("No such file or directory"),
        failures.secret_weak(weak),
    ]
