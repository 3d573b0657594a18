"""The gettext catalogs: complete, not fuzzy, compiled, and used the way the code expects."""

from __future__ import annotations

import subprocess
import sys

from gateway.core.i18n import LOCALES, N_, Msg, supported, translate
from tests.support.paths import REPO


def test_catalogs_are_complete_and_compiled() -> None:
    """Every marked string has a ja and an en translation, none fuzzy, and the .mo files
    match the .po files (``tools/i18n.py update`` / ``compile`` fix what this finds)."""
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "i18n.py"), "check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_message_carries_its_parameters_until_it_is_said() -> None:
    m = N_("unknown command /{name}", name="frob")
    assert isinstance(m, Msg) and m.params == {"name": "frob"}
    assert translate(m, "en") == "unknown command /frob"
    assert str(m) == "unknown command /frob"  # logs and events stay English


def test_plain_strings_are_data_and_pass_through() -> None:
    assert translate("件名そのまま", "en") == "件名そのまま"


def test_unknown_locales_fall_back() -> None:
    assert supported("fr") == "en" and set(LOCALES) == {"ja", "en"}


def test_a_message_kept_as_data_is_said_again_later() -> None:
    """What a job row keeps (health alerts): msgid and params, nested ones too, as JSON."""
    import json

    from gateway.core.i18n import dump, load

    m = N_("mailbox {account} was never polled successfully{why}", account="a@b", why=N_("x"))
    again = load(json.loads(json.dumps(dump(m))))
    assert again == m and translate(again, "ja").startswith("メールボックス a@b")
