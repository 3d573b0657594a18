"""What an admin installing the gateway gets wrong, tried through the real loader and
command: a misspelt key is named with the key meant, a config saved with a byte-order
mark (Windows Notepad) is read as the same TOML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.errors import ConfigError
from tests.support.cli import run
from tests.support.config import LOCAL, config_error, load_toml


@pytest.mark.parametrize(
    ("section", "typo", "meant"),
    [
        ("", "gatway", "gateway"),
        ("[gateway]", "adress", "address"),
        ("[gateway]", "Timezone", "timezone"),
        ("[smtp]", "prot", "port"),
        ("[schedule]", "digets", "digest"),
        ("[[members]]\nemail = 'a@example.test'", "rol", "role"),
        ("[web]", "base_ulr", "base_url"),
        ("[mail]", "coalese", "coalesce"),
        ("[[imap]]\nhost = 'h'\nusername = 'u'", "pasword_file", "password_file"),
    ],
)
def test_a_misspelt_key_names_the_key_meant(
    tmp_path: Path, section: str, typo: str, meant: str
) -> None:
    # a top-level typo comes before the first table, as a section's name would; one of
    # [gateway] goes in the [gateway] table LOCAL opens
    if not section:
        parts: tuple[str, ...] = (f"{typo} = 1", LOCAL)
    else:
        parts = (LOCAL, *([section] if section != "[gateway]" else []), f"{typo} = 1")
    err = config_error(tmp_path, *parts)
    assert err.key.endswith(typo)
    assert str(tmp_path / "gateway.toml") in str(err)
    assert f"'{meant}'" in str(err)


def test_a_key_like_none_is_named_without_a_guess(tmp_path: Path) -> None:
    err = config_error(tmp_path, LOCAL, "[smtp]", "zzzz = 1")
    assert err.key == "smtp.zzzz" and "mean" not in str(err)


def test_the_guess_is_said_in_japanese_by_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(LOCAL + "adress = 'a@example.test'\n", encoding="utf-8")
    ran = run(cfg, "catalog", "check", capsys=capsys)
    assert ran.code == 78
    assert "[gateway.adress]" in ran.err and "'address'" in ran.err
    assert "did you mean" not in ran.err and "unknown key" not in ran.err


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_config_saved_with_a_byte_order_mark_is_read(tmp_path: Path, newline: str) -> None:
    cfg = tmp_path / "gateway.toml"
    text = newline.join([*LOCAL.splitlines(), 'address = "help@example.test"', ""])
    cfg.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_settings(cfg).gateway.address == "help@example.test"


def test_a_database_url_from_the_environment_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The admin looks where the error says: not in gateway.toml (which has no URL) but
    in the environment file; and the password in it is not printed to the journal."""
    monkeypatch.setenv("TICKET_GATEWAY_DATABASE_URL", "mysql://gw:s3cret-pw@db.example.test/gw")
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(LOCAL, encoding="utf-8")
    ran = run(cfg, "status", capsys=capsys)
    assert ran.code == 78
    assert "TICKET_GATEWAY_DATABASE_URL" in ran.err and str(cfg) not in ran.err
    assert "s3cret-pw" not in ran.err and "gw:…@db.example.test" in ran.err


def test_a_database_url_in_the_file_is_shown_without_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(LOCAL + '[database]\nurl = "mysql://gw:s3cret-pw@db/gw"\n', encoding="utf-8")
    ran = run(cfg, "status", capsys=capsys)
    assert ran.code == 78 and "[database.url]" in ran.err and str(cfg) in ran.err
    assert "s3cret-pw" not in ran.err


def test_postgres_is_read_as_postgresql_as_libpq_reads_it(tmp_path: Path) -> None:
    settings = load_toml(tmp_path, LOCAL, '[database]\nurl = "postgres://gw@db.example.test/gw"')
    assert settings.database.url == "postgresql://gw@db.example.test/gw"


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Asia/Tokio", "Asia/Tokyo"),
        ("asia/tokyo", "Asia/Tokyo"),
        ("europe/berlin", "Europe/Berlin"),
    ],
)
def test_a_time_zone_that_does_not_exist_names_the_one_meant(
    tmp_path: Path, written: str, meant: str
) -> None:
    err = config_error(tmp_path, LOCAL + f'timezone = "{written}"')
    assert err.key == "gateway.timezone" and f"'{meant}'" in str(err)


def test_a_time_zones_abbreviation_names_the_zone_meant(tmp_path: Path) -> None:
    """ "JST" is what a Japanese team calls its time, but no zone is named so."""
    err = config_error(tmp_path, LOCAL + 'timezone = "JST"')
    assert err.key == "gateway.timezone" and "'Asia/Tokyo'" in str(err)
    err = config_error(tmp_path, LOCAL + 'timezone = "kst"')
    assert "'Asia/Seoul'" in str(err)


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("EST", "'America/New_York'"),  # no summer time: New York's clocks are an hour off
        ("MST", "'America/Denver'"),
        ("localtime", "host"),  # whatever the machine is set to, moved with it
        ("Factory", "no clock"),
    ],
)
def test_a_zone_the_system_has_but_no_team_lives_in_is_refused(
    tmp_path: Path, written: str, said: str
) -> None:
    """Files of the zone database that are not a place's clock: a fixed offset named like
    a region's winter time, the host's own setting, a placeholder."""
    err = config_error(tmp_path, LOCAL + f'timezone = "{written}"')
    assert err.key == "gateway.timezone" and said in str(err)


@pytest.mark.parametrize("written", ["Asia/Tokyo", "Japan", "UTC", "Etc/GMT-9", "CET", "HST"])
def test_a_places_zone_or_utc_is_taken(tmp_path: Path, written: str) -> None:
    assert load_toml(tmp_path, LOCAL + f'timezone = "{written}"').gateway.timezone == written


@pytest.mark.parametrize(
    ("written", "fixed"),
    [
        ("+09:00", "'Etc/GMT-9'"),
        ("UTC+9", "'Etc/GMT-9'"),  # was "did you mean 'UTC'?": nine hours off
        ("GMT+9", "'Etc/GMT-9'"),  # was "did you mean 'GMT+0'?"
        ("utc-05:00", "'Etc/GMT+5'"),
        ("+0000", "'UTC'"),
        ("UTC+5:30", None),  # no zone of the database is that offset all year
        ("+15:00", None),  # no clock is that far ahead
    ],
)
def test_an_offset_is_never_guessed_to_be_another_zone(
    tmp_path: Path, written: str, fixed: str | None
) -> None:
    """An offset is no place's clock: the operator is asked for the place's zone, and
    told the fixed zone of that offset (the database writes its sign reversed), never
    offered a name merely spelt like it ('UTC', 'GMT+0': hours away)."""
    from gateway.core.i18n import translate

    err = config_error(tmp_path, LOCAL + f'timezone = "{written}"')
    assert err.key == "gateway.timezone"
    for locale in ("en", "ja"):
        said = translate(err.message, locale)
        assert "'Asia/Tokyo'" in said and "mean" not in said and "'UTC'?" not in said, said
        assert fixed is None or fixed in said, said
        assert fixed is not None or "Etc/" not in said, said


def test_a_time_zone_near_none_is_refused_without_a_guess(tmp_path: Path) -> None:
    err = config_error(tmp_path, LOCAL + 'timezone = "Mars/Olympus_Mons"')
    assert err.key == "gateway.timezone" and "mean" not in str(err)


@pytest.mark.parametrize(
    ("section", "line"),
    [
        ("mail", "off = [{}]"),
        ("mail", 'off = [["status_change"]]'),
        ("mail", 'off = ["thanks"]'),
        ("mail", 'coalesce = "2h"'),
        ("smtp", "require_tls = true"),
        ("smtp", 'auth_users_file = "gateway.toml"'),
        ("smtp", 'tls_cert = "gateway.toml"'),
        ("smtp", 'trusted_networks = ["10.0.0.0/33"]'),
        ("smtp", "trusted_networks = [10]"),
        ("smtp", 'session_timeout = "0s"'),
    ],
)
def test_settings_that_cannot_be_are_said_in_japanese_with_the_key(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    section: str,
    line: str,
) -> None:
    """Every line is the reader's language (no English sentence in a Japanese shell),
    and a value of the wrong type is an error, never a traceback."""
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(LOCAL + f"[{section}]\n{line}\n", encoding="utf-8")
    ran = run(cfg, "catalog", "check", capsys=capsys)
    assert ran.code == 78
    said = ran.err.split("]", 1)[1]  # what follows the file and the key
    assert f"{cfg}: [{section}." in ran.err
    assert not re.search(r"\b(must|is|not|needs|only|cannot)\b", said), said


def test_the_daemon_says_at_start_that_others_may_read_the_secret_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The journal is where an admin looks after `systemctl start`: the warning `status`
    gives is logged when the daemon starts too, naming the file and the fix."""
    import logging

    from tests.support.config import write_config
    from tests.support.daemon import daemon_thread
    from tests.support.ports import free_port

    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    config = write_config(tmp_path, secret_file=True, port=free_port())
    key = tmp_path / "secret.key"
    key.chmod(0o644)
    with caplog.at_level(logging.WARNING), daemon_thread(config) as (ready, _stop, _):
        assert ready.wait(60)
    assert f"the secret file {key} can be read by other users (mode 0644)" in caplog.text
    assert f"chmod 600 {key}" in caplog.text


def test_a_config_saved_as_shift_jis_names_the_line(tmp_path: Path) -> None:
    cfg = tmp_path / "gateway.toml"
    text = LOCAL + 'address = "support@example.test"\n[[members]]\nemail = "a@example.test"\n'
    cfg.write_bytes((text + 'name = "田中"\n').encode("shift_jis"))
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg)
    said = str(caught.value)
    assert str(cfg) in said and "line 6" in said and "UTF-8" in said
    assert "codec" not in said and "position" not in said


@pytest.mark.parametrize(
    ("member", "first"),
    [
        ("Support@Example.test", "gateway.address"),
        ("support+ops@example.test", "gateway.address"),
        ("help@example.test", "smtp.aliases"),
    ],
)
def test_a_member_at_one_of_the_gateways_own_addresses_is_refused(
    tmp_path: Path, member: str, first: str
) -> None:
    """Mail to it comes back to the gateway and is dropped as its own: a manager listed
    so (the shared support mailbox) would never get an alert, a notice or a digest."""
    err = config_error(
        tmp_path,
        LOCAL + 'address = "support@example.test"',
        '[smtp]\naliases = ["help@example.test"]',
        f'[[members]]\nemail = "ops@example.test"\n[[members]]\nemail = "{member}"',
    )
    assert err.key == "members[1].email" and first in str(err)
