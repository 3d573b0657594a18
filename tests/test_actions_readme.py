"""The README's webhook receiver, run exactly as printed, verifies a real delivery's
signature the way the README documents it, and refuses one signed with another key."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.actions import action_app, drain, runs
from tests.support.daemon import wait_for_port
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.paths import REPO
from tests.support.pipeline import deliver, show
from tests.support.ports import free_port
from tests.support.waiting import eventually


def readme_receiver() -> str:
    """The Python block of README "Catalog actions" that checks the signature."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    [code] = [b for b in blocks if "X-Ticket-Gateway-Signature" in b and "serve_forever" in b]
    return str(code)


def test_the_readme_documents_the_headers_the_runner_sends() -> None:
    from gateway.actions import webhook

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for header in (webhook.SIGNATURE_HEADER, webhook.DELIVERY_HEADER, webhook.KEY_HEADER):
        assert f"`{header}`" in readme
    assert "HMAC-SHA256" in readme and "`sha256=`" in readme
    code = [line for line in readme_receiver().splitlines() if line.strip()]
    assert len(code) <= 14  # about ten lines


@sqlite_only
def test_the_readme_receiver_verifies_a_real_delivery(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    receiver = tmp_path / "hook.py"
    receiver.write_text(readme_receiver(), encoding="utf-8")
    shared = tmp_path / "receiver.secret"
    shared.write_text("correct horse battery staple\n", encoding="utf-8")
    gateway_secret = tmp_path / "hook.secret"  # the action's secret_file: the same key
    gateway_secret.write_text("correct horse battery staple\n", encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(receiver), str(shared), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    action = f"""
        type: webhook
        url: http://127.0.0.1:{port}/hooks/account
        secret_file: hook.secret
        retries: 0
        """
    app = action_app(settings, clock, tmp_path, action)
    try:
        wait_for_port(port, proc)  # no retries: the one delivery must find it listening
        deliver(app, mail(subject="account", body="User ID: taro; $(id)\n"))

        def answered() -> bool:
            done = drain(app)
            return bool(done) and done[0].step == Step.SUCCEEDED

        assert eventually(answered, interval=0.2), runs(app)
        [run] = runs(app)
        assert run["last_status"] == 204
        # another key: the receiver answers 401, a 4xx, and the run fails at once
        gateway_secret.write_text("another key, long enough\n")  # read per delivery
        forged = deliver(app, mail(subject="account", body="User ID: jiro\n")).ticket_id or 0
        [refused] = drain(app)
        assert (refused.step, refused.status) == (Step.FAILED, 401)
        assert show(app, forged)["action_runs"][0]["state"] == "failed"
    finally:
        app.close()
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    [line] = out.splitlines()  # the receiver did the work once, for the genuine delivery
    key, fields = line.split(" ", 1)
    assert key == run["idempotency_key"]
    assert '"user_id": "taro; $(id)"' in fields
