"""The installed package, not only the checkout, carries what it needs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from gateway.core.resources import templates_dir
from tests.support.paths import REPO


def test_templates_found_from_checkout() -> None:
    assert (templates_dir() / "mail" / "acknowledgement.txt.j2").is_file()


def test_wheel_contains_templates_migrations_and_typing_marker(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [wheel] = tmp_path.glob("ticket_gateway-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "gateway/templates/mail/acknowledgement.txt.j2" in names
    for locale in ("ja", "en"):  # the words of the templates and of the code
        assert f"gateway/locale/{locale}/LC_MESSAGES/messages.mo" in names
    assert any(n.startswith("store/migrations/versions/0001") for n in names)
    assert "store/migrations/env.py" in names and "store/migrations/script.py.mako" in names
    assert "gateway/py.typed" in names and "store/py.typed" in names
    # the example catalog's action script, where the packaged catalog looks for it, runnable
    script = zipfile.ZipFile(wheel).getinfo("gateway/examples/account_action.py")
    assert (script.external_attr >> 16) & 0o111, "account_action.py lost its executable bit"
    assert "gateway/catalog/examples/catalog.yaml" in names
    assert any(n.startswith("store/migrations/versions/0002") for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "ticket-gateway = gateway.runtime.entry:main" in zipfile.ZipFile(wheel).read(entry).decode()
    )
