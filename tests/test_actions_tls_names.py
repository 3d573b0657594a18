"""A webhook's TLS certificate is checked against the URL's host, a name or an address,
even when its CA is the action's own ``ca_file``: a certificate of another host fails the
run for good, the target never reached, and the error says which check failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.actions.outcome import Verdict
from gateway.actions.webhook import deliver
from gateway.core.i18n import translate
from gateway.core.proxies import ProxySetting
from tests.support.hooks import HookServer
from tests.support.smtp import self_signed


@pytest.mark.parametrize(
    ("host", "english", "japanese"),
    [
        ("localhost", "not for this host name", "ホスト名"),
        # an address in the URL: OpenSSL's IP_ADDRESS_MISMATCH (64), said before only as
        # "could not be verified (CERTIFICATE_VERIFY_FAILED)"
        ("127.0.0.1", "not for this address", "アドレス"),
    ],
)
def test_a_trusted_certificate_of_another_host_fails_for_good(
    tmp_path: Path, host: str, english: str, japanese: str
) -> None:
    cert, key = self_signed(tmp_path, "other.test")  # trusted, but for other.test only
    server = HookServer(tls=(cert, key)).start()
    try:
        attempt = deliver(
            server.url(host=host),
            b"{}",
            secret=b"hook-secret-0123456789",
            key="k-1",
            timeout=30,  # a hang guard only: the refusal comes at once
            limit=4096,
            ca_file=cert,
            proxies=ProxySetting(""),
        )
        assert (attempt.verdict, attempt.status) == (Verdict.PERMANENT, None)
        assert server.deliveries == []
        said_en, said_ja = translate(attempt.error, "en"), translate(attempt.error, "ja")
        assert said_en.startswith("TLS certificate not trusted") and english in said_en, said_en
        assert japanese in said_ja and "VERIFY" not in said_ja, said_ja
    finally:
        server.stop()
