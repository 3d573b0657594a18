"""``actions show``'s argv of a command action: credentials passed as an ops person
writes them for curl, env or a database client were shown in clear (the output is
pasted into tickets and chat): an HTTP header (``-H "Authorization: Bearer …"``,
``--header=X-Api-Key: …``), an environment assignment (``env API_TOKEN=…``), curl's
``-u user:password``. Each is masked now; the rest of the command stays readable."""

from __future__ import annotations

from gateway.catalog.model import Action
from gateway.runtime.cli.action_show import masked_argv


def _shown(*argv: str) -> list[str]:
    return masked_argv(Action(type="command", argv=("curl", *argv)))


def test_a_header_that_carries_a_credential_is_masked() -> None:
    assert _shown("-H", "Authorization: Bearer sk-live-123") == [
        "curl", "-H", "Authorization: …"
    ]  # fmt: skip
    assert _shown("--header=X-Api-Key: k9") == ["curl", "--header=X-Api-Key: …"]
    assert _shown("-H", "Proxy-Authorization:Basic Ym9iOnB3") == [
        "curl", "-H", "Proxy-Authorization: …"
    ]  # fmt: skip
    assert _shown("-H", "Cookie: session=s3cr3t") == ["curl", "-H", "Cookie: …"]
    assert _shown("-H", "Accept: application/json") == ["curl", "-H", "Accept: application/json"]


def test_an_environment_assignment_naming_a_secret_is_masked() -> None:
    shown = masked_argv(Action(type="command", argv=("env", "API_TOKEN=abc123", "LANG=C", "run")))
    assert shown == ["env", "API_TOKEN=…", "LANG=C", "run"]


def test_a_user_and_password_after_curls_user_option_is_masked() -> None:
    assert _shown("-u", "admin:hunter2", "https://x.test/") == [
        "curl", "-u", "admin:…", "https://x.test/"
    ]  # fmt: skip
    assert _shown("--user=bob:pw2") == ["curl", "--user=bob:…"]
    assert _shown("--user", "bob") == ["curl", "--user", "bob"]  # no password: asked for
