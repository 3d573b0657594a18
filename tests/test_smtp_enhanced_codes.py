"""RFC 2034 ENHANCEDSTATUSCODES: advertised, and an RFC 3463 code on every reply of
class 2, 4 or 5 (not the greeting, not the EHLO/LHLO answer, as RFC 2034 says), SMTP
and LMTP alike, never two on one line: aiosmtpd gives some of its replies a code and
not others (``250 OK``, ``503 Error: need MAIL command``, ``221 Bye``). Raw sockets
against the real listener."""

from __future__ import annotations

import re

import pytest

from gateway.config.settings import Settings
from gateway.receive.smtp.replies import with_enhanced_code
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.smtp import listening, raw_session, smtp_settings

CODED = re.compile(r"^[245]\d\d[ -][245]\.\d{1,3}\.\d{1,3}( |$)")
TWICE = re.compile(r"^\d{3}[ -]\d\.\d{1,3}\.\d{1,3} \d\.\d{1,3}\.\d{1,3}")

COMMANDS = [
    b"MAIL FROM:<a@customer.test>",  # before the greeting: 503 5.5.1
    b"{HELLO} client.test",
    b"NOOP",
    b"RSET",
    b"VRFY someone",
    b"EXPN list",
    b"HELP",
    b"HELP MAIL",
    b"FOO",  # not a command
    b"DATA",  # no MAIL yet
    b"RCPT TO:<support@example.test>",  # no MAIL yet
    b"MAIL FROM:<a@customer.test> SIZE=5000",  # over the limit: 552 5.3.4 at MAIL
    b"MAIL FROM:<a@customer.test> SIZE=abc",
    b"MAIL FROM:<a@customer.test> BODY=BINARYMIME",
    b"MAIL FROM:<a@customer.test> XFOO=1",
    b"MAIL FROM:<a@customer.test> SMTPUTF8=yes",
    b"MAIL FROM:<a@customer.test> BODY=8BITMIME SIZE=100",
    b"MAIL FROM:<b@customer.test>",  # nested
    b"RCPT TO:<support@example.test> NOTIFY=NEVER",
    b"RCPT TO:<nobody@example.test>",
    b"RCPT TO:<support@example.test>",
    b"DATA now",
    b"",  # an empty line
    b"MAIL FROM:<" + b"a" * 1100 + b"@customer.test>",  # too long a command
    b"RSET",
    b"STARTTLS",  # no TLS configured
    b"QUIT",
]


@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
@sqlite_only
def test_every_reply_carries_one_enhanced_status_code(
    app: App, settings: Settings, lmtp: bool
) -> None:
    hello = b"LHLO" if lmtp else b"EHLO"
    wire = b"".join(c.replace(b"{HELLO}", hello) + b"\r\n" for c in COMMANDS)
    cfg = smtp_settings(settings, lmtp=lmtp, max_message_size=1000)
    with listening(cfg, app.sessions, app.clock) as srv:
        replies = raw_session(srv.port, wire).decode().splitlines()
    greeting, *rest = replies
    assert greeting.startswith("220 ")
    hello_reply = [r for r in rest if r.startswith("250-") or r == "250 HELP"]
    assert "250-ENHANCEDSTATUSCODES" in hello_reply
    answers = [r for r in rest if r not in hello_reply]
    assert len(answers) == len(COMMANDS) - 1, answers
    for reply in answers:
        assert CODED.match(reply) and not TWICE.match(reply), reply
    helo = "LHLO" if lmtp else "HELO"
    assert answers[0] == f"503 5.5.1 Error: send {helo} first"
    assert answers[1] == "250 2.0.0 OK"  # NOOP
    assert answers[10].startswith("552 5.3.4")  # SIZE over the limit, refused at MAIL
    assert answers[15].startswith("250 2.1.0")  # BODY=8BITMIME SIZE=100
    assert answers[18].startswith("550 5.1.1")  # not ours
    assert answers[-1] == "221 2.0.0 Bye"


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("250 OK", "250 2.0.0 OK"),
        ("503 Error: need MAIL command", "503 5.5.1 Error: need MAIL command"),
        (
            '500 Error: command "FOO" not recognized',
            '500 5.5.2 Error: command "FOO" not recognized',
        ),
        ("421 4.7.0 AUTH sent too many times", "421 4.7.0 AUTH sent too many times"),
        ("250 2.0.0 OK\r\n451 4.3.0 later", "250 2.0.0 OK\r\n451 4.3.0 later"),
        ("250 OK\r\n250 OK", "250 2.0.0 OK\r\n250 2.0.0 OK"),
        ("354 End data with <CR><LF>.<CR><LF>", "354 End data with <CR><LF>.<CR><LF>"),
        ("552 Error: Too much mail data", "552 5.3.4 Message too big for this system"),
    ],
)
def test_with_enhanced_code(given: str, sent: str) -> None:
    assert with_enhanced_code(given) == sent
