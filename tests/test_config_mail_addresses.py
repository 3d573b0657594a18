"""The team's and the members' mail addresses, as the config file gives them: one the
wire can carry without SMTPUTF8 (an ASCII local part), or refused at start naming the
file and the key (exit 78); an internationalised domain is kept in its IDNA form."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.config.addresses import BadAddress, wire_address
from gateway.core.domains import ascii_address
from gateway.runtime.cli.main import main
from tests.support.config import LOCAL, SECRET_ENV, config_error, load_toml


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TICKET_GATEWAY_DATABASE_URL", raising=False)


def _member(address: str) -> str:
    return f'[[members]]\nemail = "{address}"\nrole = "manager"'


BAD = [
    "担当@example.test",  # a local part only SMTPUTF8 carries
    "josé@example.test",
    "ops@@example.test",
    "ops@example..test",
    ".ops@example.test",
    "o..ps@example.test",
    "ops.@example.test",
    "ops@-example.test",
    "ops@example-.test",
    "ops(x)@example.test",
    "ops x@example.test",
    "ops@exa_mple.test",
    "a" * 65 + "@example.test",  # a local part is 64 octets at most (RFC 5321)
    "ops@" + "a" * 64 + ".test",  # a label 63
    "ops@",
    "@example.test",
]


@pytest.mark.parametrize("address", BAD)
def test_a_member_address_that_cannot_go_on_the_wire_is_refused(
    tmp_path: Path, address: str
) -> None:
    err = config_error(tmp_path, LOCAL, _member("ops@example.test"), _member(address))
    assert err.key == "members[1].email"
    assert err.path == str(tmp_path / "gateway.toml")


@pytest.mark.parametrize("address", BAD)
def test_a_gateway_address_that_cannot_go_on_the_wire_is_refused(
    tmp_path: Path, address: str
) -> None:
    err = config_error(tmp_path, LOCAL + f'address = "{address}"')
    assert err.key == "gateway.address"


def test_a_non_ascii_local_part_says_why(tmp_path: Path) -> None:
    """The operator reads that the part before @ needs SMTPUTF8, not just "invalid"."""
    err = config_error(tmp_path, LOCAL, _member("担当@example.test"))
    assert "SMTPUTF8" in str(err) and "担当" in str(err)


def test_the_command_exits_78_naming_the_file_and_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(LOCAL + "\n" + _member("サポート@example.test") + "\n", encoding="utf-8")
    assert main(["--config", str(config), "status"]) == 78
    err = capsys.readouterr().err
    assert f"{config}: [members[0].email]" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("ops@例え.jp", "ops@xn--r8jz45g.jp"),
        ("ops@bücher.example", "ops@xn--bcher-kva.example"),
        ("Ops@EXAMPLE.test", "ops@example.test"),
        ("ops@xn--r8jz45g.jp", "ops@xn--r8jz45g.jp"),
        ("first.last+tag@mail.example.test", "first.last+tag@mail.example.test"),
        ("ops@localhost", "ops@localhost"),
        # IDNA2008, as mail systems convert today: IDNA2003 made these fass.de and σ
        ("ops@faß.de", "ops@xn--fa-hia.de"),
        ("ops@ς.gr", "ops@xn--3xa.gr"),
        ("ops@ＥＸＡＭＰＬＥ。ｊｐ", "ops@example.jp"),
    ],
)
def test_an_internationalised_domain_is_kept_in_its_idna_form(
    tmp_path: Path, written: str, kept: str
) -> None:
    s = load_toml(
        tmp_path,
        LOCAL + f'address = "support@{written.split("@")[1]}"',
        _member(written),
    )
    assert s.members[0].email == kept
    assert s.gateway.address == "support@" + kept.split("@")[1]


def test_a_domain_idna_cannot_encode_is_refused_clearly(tmp_path: Path) -> None:
    # a label of 70 characters encodes to more than 63 octets: no IDNA form exists
    err = config_error(tmp_path, LOCAL, _member("ops@" + "例" * 70 + ".jp"))
    assert err.key == "members[0].email" and "IDNA" in str(err)


@pytest.mark.parametrize(
    ("domain", "named"),
    [("💩.la", "U+1F4A9"), ("a\u200db.example", "U+200D"), ("xn--a.jp", "xn--a")],
)
def test_a_domain_idna2008_refuses_names_the_character_or_label(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], domain: str, named: str
) -> None:
    """IDNA2003 encoded emoji and dropped a stray joiner silently; IDNA2008 has no form
    for them, and the operator reads which character (or label) and where, exit 78."""
    config = tmp_path / "gateway.toml"
    config.write_text(LOCAL + "\n" + _member(f"ops@{domain}") + "\n", encoding="utf-8")
    assert main(["--config", str(config), "status"]) == 78
    err = capsys.readouterr().err
    assert f"{config}: [members[0].email]" in err and named in err
    assert "Traceback" not in err


def test_the_same_member_written_in_both_forms_is_one_address(tmp_path: Path) -> None:
    """Unicode and punycode of one domain are one mailbox: listed twice, refused once."""
    err = config_error(tmp_path, LOCAL, _member("ops@例え.jp"), _member("ops@xn--r8jz45g.jp"))
    assert err.key == "members[1].email"


def test_the_catalog_names_a_member_in_either_form(tmp_path: Path) -> None:
    """A catalog written with the domain as people read it still names the member the
    config keeps in IDNA form (not "unknown member")."""
    from gateway.catalog.load import load_catalog

    s = load_toml(tmp_path, LOCAL, _member("boss@例え.jp"))
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "entries:\n  - id: other\n    name: Other\n    fallback: true\n"
        "    manager: boss@例え.jp\n    assignee: BOSS@xn--r8jz45g.jp\n",
        encoding="utf-8",
    )
    entry = load_catalog(catalog, s.members).entries[0]
    assert entry.manager == "boss@xn--r8jz45g.jp"
    assert entry.assignees == ("boss@xn--r8jz45g.jp",)


@pytest.mark.parametrize("sender", ["boss@例え.jp", "Boss@XN--R8JZ45G.jp", " boss@例え.JP"])
def test_a_member_is_found_by_either_form_of_the_domain(tmp_path: Path, sender: str) -> None:
    """A mail sent with SMTPUTF8 names the domain in Unicode: still the member."""
    s = load_toml(tmp_path, LOCAL, _member("boss@例え.jp"))
    found = s.member(sender)
    assert found is not None and found.email == "boss@xn--r8jz45g.jp"
    assert s.member("boss@例.jp") is None


@given(st.text(max_size=40) | st.emails().map(lambda e: e.replace(".", "。", 1)))
def test_an_address_the_config_takes_is_kept_in_the_one_form(text: str) -> None:
    """What the config keeps of an address is the form every other address is kept and
    compared in (:func:`gateway.core.domains.ascii_address`): a member's address is
    one function's answer, whichever door names them; the config only refuses more."""
    try:
        kept = wire_address(text.strip())
    except BadAddress:
        return
    assert kept == ascii_address(text.strip())


@pytest.mark.parametrize(
    ("aliases", "key", "first"),
    [
        ('["help@example.test", "HELP@example.test"]', "smtp.aliases[1]", "smtp.aliases[0]"),
        ('["help@例え.jp", "help@xn--r8jz45g.jp"]', "smtp.aliases[1]", "smtp.aliases[0]"),
        ('["support@example.test"]', "smtp.aliases[0]", "gateway.address"),
    ],
)
def test_an_alias_listed_twice_or_the_address_itself_is_refused(
    tmp_path: Path, aliases: str, key: str, first: str
) -> None:
    """As a member listed twice: the second is a copy that was meant to be another
    address (the one the team expected the listener to accept), and nothing said so."""
    err = config_error(
        tmp_path, LOCAL + 'address = "support@example.test"', f"[smtp]\naliases = {aliases}"
    )
    assert err.key == key and first in str(err)


@pytest.mark.parametrize(
    ("written", "kept"),
    [("例え.jp", "xn--r8jz45g.jp"), ("faß.de", "xn--fa-hia.de"), ("Example.TEST", "example.test")],
)
def test_per_person_domains_take_a_domain_as_members_do(
    tmp_path: Path, written: str, kept: str
) -> None:
    """A member may be written ops@例え.jp; the same team's per_person_domains = ["例え.jp"]
    was "not a domain name". It is kept in the form senders are compared in."""
    s = load_toml(tmp_path, LOCAL + f'per_person_domains = ["{written}"]')
    assert s.gateway.per_person_domains == (kept,)


def test_a_per_person_domain_with_no_idna2008_form_says_why(tmp_path: Path) -> None:
    err = config_error(tmp_path, LOCAL + 'per_person_domains = ["💩.example"]')
    assert err.key == "gateway.per_person_domains" and "U+1F4A9" in str(err)


_RELAY = '[outbound]\nmode = "smtp"\ntls = "starttls"\nhost = "{host}"'
_IMAP = '[[imap]]\nhost = "{host}"\nusername = "u"\npassword_env = "IMAP_PASSWORD"'


@pytest.mark.parametrize(("section", "key"), [(_RELAY, "outbound.host"), (_IMAP, "imap[0].host")])
@pytest.mark.parametrize(
    ("written", "kept"),
    [("faß.example", "xn--fa-hia.example"), ("メール.例え.jp", "xn--4dkua4c.xn--r8jz45g.jp")],
)
def test_a_server_named_in_unicode_is_reached_by_its_idna2008_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, section: str, key: str, written: str, kept: str
) -> None:
    """The socket layer would encode a Unicode host with Python's IDNA2003 codec:
    faß.example would be fass.example, another host. The config keeps the name the
    relay's certificate and DNS carry."""
    monkeypatch.setenv("IMAP_PASSWORD", "pw")
    s = load_toml(tmp_path, LOCAL, section.format(host=written))
    host = s.outbound.host if key == "outbound.host" else s.imap[0].host
    assert host == kept


@pytest.mark.parametrize(("section", "key"), [(_RELAY, "outbound.host"), (_IMAP, "imap[0].host")])
def test_a_server_name_with_no_idna2008_form_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, section: str, key: str
) -> None:
    monkeypatch.setenv("IMAP_PASSWORD", "pw")
    err = config_error(tmp_path, LOCAL, section.format(host="💩.la"))
    assert err.key == key and "U+1F4A9" in str(err)


@pytest.mark.parametrize("name", ["田中\\n花子", "Ops\\u001b[31m", "a\\tb", "x\\u0085y", "\\u2028"])
def test_a_member_name_with_a_control_character_is_refused(tmp_path: Path, name: str) -> None:
    """A member's name is printed in one line of mails, pages and the digest; a line
    break or a terminal's escape in it broke that line (or the operator's terminal)."""
    err = config_error(tmp_path, LOCAL, f'[[members]]\nemail = "ops@example.test"\nname = "{name}"')
    assert err.key == "members[0].name"


def test_a_member_name_in_any_script_is_kept(tmp_path: Path) -> None:
    s = load_toml(
        tmp_path, LOCAL, '[[members]]\nemail = "ops@example.test"\nname = "田中 花子 (Ops)"'
    )
    assert s.members[0].name == "田中 花子 (Ops)"
