"""The README's catalog snippets, copied by users into their ``catalog.yaml``, load.

``test_readme_config`` checks every TOML key the README shows; the YAML blocks of
"Service catalog", "Catalog actions" and "Priority" had no such check, so an example
that the loader refuses (a renamed key, a value the reader no longer takes) would be
the first thing a new team meets. Each block goes through the real loader, for the
team the README's own configuration blocks make: its ``[business_hours]`` and
``[[business_hours.calendars]]`` (so ``calendar: osaka`` and ``"2bd"`` are judged as
they are at a start), with the holiday file the README prints beside them.

A block that is part of a catalog (one entry, ``- id: …``) is completed only with
what the README says it leaves out: the ``entries:`` key, the one fallback entry every
catalog needs, and the name the action's block elides (``# … name, … as above …``).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from gateway.catalog.load import load_for
from gateway.catalog.model import Action
from gateway.config.load import load_settings
from gateway.config.units import parse_duration
from gateway.core.errors import CatalogError
from tests.support.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
FALLBACK = "  - id: other\n    name: Other\n    fallback: true\n    manager: boss@example.test\n"


def blocks(kind: str) -> list[str]:
    """The fenced blocks of ``kind`` (``yaml``, ``toml``, ``text``), in README order."""
    return re.findall(rf"^```{kind}\n(.*?)^```", README, re.S | re.M)


def toml_block(first_line: str) -> str:
    """The one TOML block that starts with ``first_line``."""
    found = [b for b in blocks("toml") if b.startswith(first_line)]
    assert len(found) == 1, first_line
    return found[0]


def as_catalog(block: str) -> str:
    """``block`` as a whole catalog file: a lone entry is put under ``entries:``, an
    entry whose name the README elides gets one, and a catalog without its fallback
    gets the README's."""
    if block.startswith("  - id:"):
        block = "entries:\n" + block
    block = re.sub(r"^    # … name, [^\n]*\n", "    name: Accounts\n", block, flags=re.M)
    if "fallback:" not in block:
        block += FALLBACK
    return block


def catalogs() -> list[str]:
    found = blocks("yaml")
    assert len(found) >= 4  # priority, the catalog, the anchors, the action
    return found


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A config of the README's calendar blocks and the files they name, with the
    action's secret and CA file and its reply's templates beside the catalog."""
    holidays = blocks("text")
    holidays = [b for b in holidays if b.startswith("# holidays-jp.txt")]
    assert len(holidays) == 1
    (tmp_path / "holidays-jp.txt").write_text(holidays[0], encoding="utf-8")
    (tmp_path / "holidays-osaka.txt").write_text(holidays[0], encoding="utf-8")
    (tmp_path / "account-hook.secret").write_text(secrets.token_hex(32) + "\n")
    # the loader checks that a ca_file is a file it can read; TLS reads it at delivery
    (tmp_path / "private-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    for language in ("ja", "en"):
        folder = tmp_path / "templates" / language
        folder.mkdir(parents=True)
        (folder / "account_created.subject.j2").write_text("{{ ticket.tag }}\n")
        (folder / "account_created.txt.j2").write_text("{{ recipient }}: {{ result }}\n")
    config = (
        '[gateway]\ndata_dir = "var"\ntemplates_dir = "templates"\n'
        + toml_block("[schedule]")
        + toml_block("[business_hours]")
        + toml_block("[[business_hours.calendars]]")
    )
    # [schedule]'s commented-out `calendar = "office"` stays a comment: no such calendar
    (tmp_path / "gateway.toml").write_text(config, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("number", range(len(catalogs())))
def test_every_catalog_block_of_the_readme_loads(team: Path, number: int) -> None:
    path = team / "catalog.yaml"
    path.write_text(as_catalog(catalogs()[number]), encoding="utf-8")
    catalog = load_for(load_settings(team / "gateway.toml"), path)
    assert catalog.entries[-1].id == "other" and len(catalog.entries) >= 2


def test_the_catalog_block_keeps_what_its_comments_say(team: Path) -> None:
    """The first catalog block's own comments are promises: its calendar, its waits in
    working days, a choice's label beside the value stored, a number's bounds."""
    path = team / "catalog.yaml"
    path.write_text(as_catalog(catalogs()[1]), encoding="utf-8")
    vpn = load_for(load_settings(team / "gateway.toml"), path).entries[0]
    assert vpn.id == "vpn" and vpn.calendar == "osaka"
    fields = {f.name: f for f in vpn.fields}
    assert fields["os"].required and fields["os"].choices == ("windows", "macos", "linux")
    assert fields["budget"].choices == ("opex", "capex")
    assert fields["seats"].type == "number"


def test_the_anchor_block_keeps_its_entrys_own_sla_whole(team: Path) -> None:
    """ "its own, whole: no resolve from x-common", as the block's comment says."""
    path = team / "catalog.yaml"
    path.write_text(as_catalog(catalogs()[2]), encoding="utf-8")
    vpn = load_for(load_settings(team / "gateway.toml"), path).entries[0]
    assert vpn.manager == "boss@example.test"
    assert vpn.first_response is not None and vpn.resolve is None


def test_the_action_blocks_defaults_and_bounds_are_the_loaders(team: Path) -> None:
    """The action block's comments give ``timeout`` and ``retries`` their default and
    their bound ("default 30s, at most 1h"; "default 3, at most 10"): a catalog writer
    sizes a slow receiver's retries by them, and a value past the bound stops a start."""
    [block] = [b for b in catalogs() if "    action:\n" in b]
    timeout = re.search(r"^ +timeout: \S+ +# default (\S+), at most (\S+)$", block, re.M)
    retries = re.search(r"^ +retries: \d+ +# .*\(default (\d+), at most (\d+)\)$", block, re.M)
    assert timeout is not None and retries is not None
    path = team / "catalog.yaml"

    def action(**keys: str) -> Action:
        text = re.sub(r"^ +(timeout|retries): .*\n", "", as_catalog(block), flags=re.M)
        written = "".join(f"      {key}: {value}\n" for key, value in keys.items())
        path.write_text(text.replace("    action:\n", "    action:\n" + written), "utf-8")
        entry = load_for(load_settings(team / "gateway.toml"), path).entries[0]
        assert entry.action is not None
        return entry.action

    default = action()
    assert default.timeout == parse_duration(timeout[1])
    assert default.retries == int(retries[1])
    most = action(timeout=timeout[2], retries=retries[2])
    assert most.timeout == parse_duration(timeout[2])
    assert most.retries == int(retries[2])
    for past in ({"retries": str(int(retries[2]) + 1)}, {"timeout": "61m"}):
        with pytest.raises(CatalogError):
            action(**past)
