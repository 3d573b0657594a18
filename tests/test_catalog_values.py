"""The catalog reads a number, a flag and a list of choices one way wherever it is
written: ``weight: 1e3`` as ``min: 1e3``, ``required: 'yes'`` as ``required: yes``; a
choice written twice and a weight a negative keyword cannot use are problems."""

from __future__ import annotations

import pytest

from gateway.catalog.load import parse_catalog
from gateway.core.errors import CatalogError
from tests.support.catalogs import GOOD


def mutate(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def said(text: str) -> list[tuple[int, str]]:
    try:
        parse_catalog(text, source="catalog.yaml")
    except CatalogError as exc:
        return [(p.line, str(p.message)) for p in exc.problems]
    return []


@pytest.mark.parametrize(
    ("written", "weight"),
    [("1e3", 1000.0), ("1E3", 1000.0), ("'2'", 2.0), ("2.5", 2.5), ("1_000", 1000.0)],
)
def test_a_weight_is_read_as_min_and_max_are(written: str, weight: float) -> None:
    cat = parse_catalog(mutate("weight: 2", f"weight: {written}"))
    assert cat.entries[0].keywords[1].weight == weight


@pytest.mark.parametrize("written", ["abc", "0x10", "true", "[1, 2]", ".inf", "0", "1e-400"])
def test_a_weight_that_is_no_number_above_0_is_named_with_its_file(written: str) -> None:
    text = mutate("weight: 2", f"weight: {written}")
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text, source="catalog.yaml")
    assert "catalog.yaml" in str(caught.value)
    assert any(line == 4 and "weight must be a number above 0" in m for line, m in said(text))


@pytest.mark.parametrize(("key", "written"), [("min", "1e0"), ("max", "1e3"), ("step", "1E0")])
def test_a_bound_in_e_notation_is_taken(key: str, written: str) -> None:
    extra = f", type: number, {key}: {written}}}"
    text = mutate(", type: choice, choices: [windows, mac],\n         required: true}", extra)
    assert said(text) == []


def test_retries_are_read_as_every_other_number() -> None:
    action = "    action: {type: webhook, url: 'https://hooks.example.test/x', retries: '2'}\n"
    text = mutate("    stale_after: 3d\n", "    stale_after: 3d\n" + action)
    assert not [m for _, m in said(text) if "retries" in m]
    bad = text.replace("retries: '2'", "retries: 1.5")
    assert any("retries must be a whole number" in m for _, m in said(bad))


@pytest.mark.parametrize(
    "choices",
    [
        "[windows, windows]",
        "[windows, Windows]",
        "[windows, ＷＩＮＤＯＷＳ]",
        "[mac, {value: MAC}]",
    ],
)
def test_a_choice_written_twice_is_named_with_entry_and_field(choices: str) -> None:
    text = mutate("choices: [windows, mac]", f"choices: {choices}")
    found = said(text)
    assert any(
        line == 10 and "entry 'vpn'" in m and "'os'" in m and "twice" in m for line, m in found
    ), found


def test_a_weight_on_a_negative_keyword_is_refused() -> None:
    text = mutate(
        "    stale_after", "    negative: [survey, {term: poll, weight: 3}]\n    stale_after"
    )
    found = said(text)
    assert any(
        line == 7 and "entry 'vpn'" in m and "negative" in m and "weight" in m for line, m in found
    ), found
    assert said(text.replace(", weight: 3", "")) == []


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("true", True),
        ("'yes'", True),
        ('"On"', True),
        ("YES", True),
        ("yEs", True),
        ("'false'", False),
        ("no", False),
        ("'OFF'", False),
    ],
)
def test_a_flag_is_read_one_way_quoted_or_not(written: str, value: bool) -> None:
    text = mutate("required: true", f"required: {written}")
    assert parse_catalog(text).entries[0].fields[0].required is value
    fallback = mutate("fallback: true", f"fallback: {written}")
    if value:
        assert parse_catalog(fallback).fallback.id == "other"
    else:
        assert any("no fallback entry" in m for _, m in said(fallback))


@pytest.mark.parametrize("written", ["maybe", "1", "'y'", "[true]"])
def test_a_flag_that_is_none_of_the_spellings_is_named(written: str) -> None:
    found = said(mutate("required: true", f"required: {written}"))
    assert any(line == 11 and "required must be true or false" in m for line, m in found), found
