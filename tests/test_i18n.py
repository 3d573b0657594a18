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


def test_a_count_is_said_in_the_plural_form_english_needs() -> None:
    """English says "1 mail" and "2 mails" (and "0 mails"), never "mail(s)"; Japanese has
    one form for every count. Kept as data (a health alert), the plural comes back."""
    import json

    from gateway.core.i18n import NP_, dump, load

    def queued(n: int) -> Msg:
        return NP_(
            "{count} mail queued for {week}",
            "{count} mails queued for {week}",
            n,
            count=n,
            week="2026-W09",
        )

    assert [translate(queued(n), "en") for n in (0, 1, 2)] == [
        "0 mails queued for 2026-W09",
        "1 mail queued for 2026-W09",
        "2 mails queued for 2026-W09",
    ]
    ja = [translate(queued(n), "ja") for n in (1, 2)]
    assert ja[0].replace("1", "2") == ja[1] and "(s)" not in ja[0] and "mail" not in ja[0]
    again = load(json.loads(json.dumps(dump(queued(2)))))
    assert again == queued(2) and translate(again, "en") == "2 mails queued for 2026-W09"
    assert str(queued(1)) == "1 mail queued for 2026-W09"  # logs: English, singular


def test_no_message_says_its_plural_in_brackets() -> None:
    """No msgid the code makes says "row(s)" or "attempt(s)": a count takes its plural
    from gettext (NP_ in the code, {% pluralize %} in templates). Retired msgids stay as
    older rows hold them, and are only read back."""
    from io import BytesIO

    from babel.messages.pofile import read_po

    from gateway.core.retired_words import RETIRED

    path = REPO / "gateway" / "locale" / "en" / "LC_MESSAGES" / "messages.po"
    catalog = read_po(BytesIO(path.read_bytes()), locale="en")
    retired = {m.msgid for m in RETIRED}
    ids = [m.id for m in catalog if m.id]
    texts = [t for mid in ids for t in ((mid,) if isinstance(mid, str) else mid)]
    assert len(texts) > 500  # the whole catalog was read, plural entries too
    assert [t for t in texts if "(s)" in t and t not in retired] == []


def test_no_translation_says_its_text_twice() -> None:
    """Three English entries had their text twice over (a catalog update gone wrong), so
    ``status --json``, the log and the managers' alert said a full disk's problem twice
    in one line, and a ``base_url`` with a path was refused in a doubled sentence."""
    from babel.messages.pofile import read_po

    doubled = []
    for locale in LOCALES:
        with open(REPO / "gateway" / "locale" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
            catalog = read_po(f)
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for said in strings:
                half = len(said) // 2
                if said and len(said) % 2 == 0 and said[:half] == said[half:]:
                    doubled.append(f"{locale}: {said[:60]}…")
    assert doubled == []
