"""A config with a typo in every section, as an admin writes one on a fresh machine:
each error names the file and the key, and the key most likely meant when one is near
(two letters swapped, ``ulr`` for ``url``, is the commonest slip; it named nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.core.spelling import meant
from tests.support.config import config_error

# (the section with its typo, the key the error names, the key it suggests or None)
TYPOS = [
    ('[gateway]\nadress = "support@example.test"', "gateway.adress", "address"),
    ('[database]\nulr = "sqlite:///var/gw.db"', "database.ulr", "url"),
    ('[catalog]\npaht = "catalog.yaml"', "catalog.paht", "path"),
    ("[smtp]\nprot = 2525", "smtp.prot", "port"),
    (
        '[[imap]]\nhost = "imap.example.test"\npasword_file = "p"',
        "imap[0].pasword_file",
        "password_file",
    ),
    ('[outbound]\nmod = "maildir"', "outbound.mod", "mode"),
    ("[limits]\nmax_participant = 20", "limits.max_participant", "max_participants"),
    ('[[members]]\nemail = "a@example.org"\nrloe = "ops"', "members[0].rloe", "role"),
    ("[web]\nprot = 8080", "web.prot", "port"),
    ('[schedule]\ndigset = "mon 09:00"', "schedule.digset", "digest"),
    ("[actions]\nworker = 2", "actions.worker", "workers"),
    ("[mail]\nof = []", "mail.of", "off"),
    ('[health]\nmax_pol_age = "15m"', "health.max_pol_age", "max_poll_age"),
    ('[logging]\nfromat = "json"', "logging.fromat", "format"),
    ('[chat.teams]\nurl_fiel = "x"', "chat.teams.url_fiel", "url_file"),
    ('[business_hours]\nmonn = "09:00-18:00"', "business_hours.monn", "mon"),
    ('[answers]\ndri = "answers"', "answers.dri", "dir"),
    ('[gatway]\naddress = "a@example.test"', "gatway", "gateway"),
]


@pytest.mark.parametrize(("toml", "key", "likely"), TYPOS, ids=[k for _, k, _ in TYPOS])
def test_each_sections_typo_names_the_file_and_the_key(
    tmp_path: Path, toml: str, key: str, likely: str
) -> None:
    err = config_error(tmp_path, toml + "\n")
    assert err.key == key and str(tmp_path / "gateway.toml") in str(err)
    assert f"did you mean {likely!r}" in err.problem, err.problem


@pytest.mark.parametrize(
    ("word", "words", "found"),
    [
        ("ulr", ["url"], "url"),  # two letters swapped: a slip, however short the word
        ("dri", ["dir"], "dir"),
        ("pfx", ["url"], None),  # nothing near
        ("ab", ["ba", "ab2"], "ba"),
        ("tpo", ["top", "opt"], "top"),  # one swap away from top only
    ],
)
def test_two_letters_swapped_are_meant(word: str, words: list[str], found: str | None) -> None:
    assert meant(word, words) == found
