"""Parameter sheets: key/value lines, YAML blocks, labels in every locale, types."""

from __future__ import annotations

import pytest

from gateway.catalog.load import parse_catalog
from gateway.catalog.model import Entry, Field
from gateway.catalog.sheet import field_problems, missing_required, parse_sheet, validate
from gateway.core.i18n import N_, dump, load, translate
from gateway.pipeline.parse.message import parse_message
from tests.support.mails import mail

CATALOG = """
entries:
  - id: purchase
    name: {ja: 購入申請, en: Purchase requests}
    keywords: [purchase]
    assignee: boss@example.test
    fields:
      - {name: item, label: {ja: 品名, en: Item}, required: true}
      - {name: quantity, label: {ja: 数量, en: Quantity}, type: number, required: true}
      - {name: needed_by, label: {ja: 希望納期, en: Needed by}, type: date}
      - {name: approver, label: {ja: 承認者, en: Approver}, type: email, required: true}
      - {name: budget, label: {ja: 予算区分, en: Budget}, type: choice,
         choices: [opex, capex]}
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""


@pytest.fixture
def entry() -> Entry:
    found = parse_catalog(CATALOG).entry("purchase")
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("item: Laptop\nquantity: 2\n", {"item": "Laptop", "quantity": "2"}),
        ("Item: Laptop\nQuantity: 2\n", {"item": "Laptop", "quantity": "2"}),
        ("品名：ノートPC\n数量：３台\n", {"item": "ノートPC", "quantity": "3"}),
        ("品名: ノートPC\n数量: 1,200\n", {"item": "ノートPC", "quantity": "1200"}),
        ("- needed by: 2026-04-01\n", {"needed_by": "2026-04-01"}),
        ("・希望納期：2026年4月1日\n", {"needed_by": "2026-04-01"}),
        ("希望納期：２０２６／４／１\n", {"needed_by": "2026-04-01"}),
        ("needed_by: 2026/4/1\n", {"needed_by": "2026-04-01"}),
        ("承認者：Boss@Example.TEST\n", {"approver": "boss@example.test"}),
        ("予算区分：ＣＡＰＥＸ\n", {"budget": "capex"}),
        ("quantity: 2.50\n", {"quantity": "2.5"}),
        (
            '```yaml\nitem: Monitor 27"\nquantity: 4\nneeded_by: 2026-05-01\n```\n',
            {"item": 'Monitor 27"', "quantity": "4", "needed_by": "2026-05-01"},
        ),
        (
            "Please see below.\n```\n品名: マウス\n数量: 10\n```\nThanks\n",
            {"item": "マウス", "quantity": "10"},
        ),
        ("Note: this is urgent\nhttps://shop.example/item: 42\nitem: Dock\n", {"item": "Dock"}),
        # how Japanese forms and templates label their lines: the key in 【】, the value
        # after it; a numbered list (1. / １． / (1) / ①); a square or diamond bullet
        (
            "【品名】ノートPC\n【数量】 ３台\n【希望納期】：2026/4/1\n",
            {"item": "ノートPC", "quantity": "3", "needed_by": "2026-04-01"},
        ),
        (
            "1. 品名：ノートPC\n２．数量：3\n(3) 希望納期: 2026/4/1\n④予算区分：capex\n",
            {"item": "ノートPC", "quantity": "3", "needed_by": "2026-04-01", "budget": "capex"},
        ),
        ("■品名：ノートPC\n◆数量：3\n", {"item": "ノートPC", "quantity": "3"}),
        ("【重要】\n【至急】品名の件です\n1. まず: 確認\n", {}),  # no field's key
    ],
    ids=[
        "en-names",
        "en-labels",
        "ja-fullwidth-colon",
        "ja-thousands",
        "bullet-label",
        "ja-date",
        "fullwidth-slash-date",
        "slash-date",
        "email-lowercased",
        "choice-nfkc",
        "decimal",
        "yaml-block",
        "unlabelled-fence-ja",
        "prose-ignored",
        "ja-lenticular-brackets",
        "ja-numbered-list",
        "ja-square-bullets",
        "ja-headings-ignored",
    ],
)
def test_values_are_found_and_canonical(entry: Entry, text: str, expected: dict[str, str]) -> None:
    sheet = parse_sheet(entry, text)
    assert sheet.values == expected
    assert sheet.rejected == ()


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("quantity: many\n", "quantity", "not a number"),
        ("needed_by: next week\n", "needed_by", "not a date"),
        ("needed_by: 2026-02-30\n", "needed_by", "no such date: '2026-02-30'"),
        ("approver: the boss\n", "approver", "not an e-mail address"),
        ("budget: petty cash\n", "budget", "not one of opex, capex"),
        ("```yaml\nquantity: lots\n```\n", "quantity", "not a number"),
    ],
)
def test_invalid_values_are_rejected_with_a_reason(
    entry: Entry, text: str, field: str, reason: str
) -> None:
    sheet = parse_sheet(entry, text)
    assert field not in sheet.values
    [rejected] = sheet.rejected
    assert rejected.field == field and rejected.reason.startswith(reason)


def test_missing_required_in_each_locale(entry: Entry) -> None:
    sheet = parse_sheet(entry, "品名：ノートPC\n")
    assert missing_required(entry, sheet.values, "ja") == [
        ("quantity", "数量"),
        ("approver", "承認者"),
    ]
    assert missing_required(entry, sheet.values, "en") == [
        ("quantity", "Quantity"),
        ("approver", "Approver"),
    ]
    full = {"item": "x", "quantity": "1", "approver": "a@b.test"}
    assert missing_required(entry, full, "ja") == []


def test_quoted_history_does_not_fill_the_sheet(entry: Entry) -> None:
    body = (
        "数量：5\n\n2026年3月2日(月) 9:00 サポート <support@example.test>:\n"
        "> 品名：プリンタ\n> 承認者：boss@example.test\n"
    )
    msg = parse_message(mail(subject="Re: 購入申請", body=body))
    sheet = parse_sheet(entry, msg.new_text)
    assert sheet.values == {"quantity": "5"}


def test_later_value_overrides_earlier(entry: Entry) -> None:
    assert parse_sheet(entry, "数量：1\nquantity: 3\n").values == {"quantity": "3"}


def test_examples_for_the_missing_fields_mail(entry: Entry) -> None:
    from gateway.catalog.sheet import example_for

    by_name = {f.name: example_for(f) for f in entry.fields}
    assert by_name == {
        "item": "",
        "quantity": "1",
        "needed_by": "2026-04-01",
        "approver": "name@example.com",
        "budget": "opex / capex",
    }
    custom = parse_catalog(
        CATALOG.replace("required: true}", "required: true, example: ThinkPad X1}", 1)
    ).entry("purchase")
    assert custom is not None and example_for(custom.fields[0]) == "ThinkPad X1"
    for f in entry.fields:  # every derived example is itself a valid answer
        if example_for(f) and f.type != "choice":
            assert parse_sheet(entry, f"{f.name}: {example_for(f)}").values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026年4月1日（水）", "2026-04-01"),  # the weekday a Japanese mail adds to a date
        ("2026年4月1日(水曜日)", "2026-04-01"),
        ("2026/4/1(水)", "2026-04-01"),
        ("２０２６／０４／０１（水曜）", "2026-04-01"),
        ("2026-04-01 (Wed)", "2026-04-01"),
        ("2026-04-01 (wednesday)", "2026-04-01"),
    ],
)
def test_a_date_with_its_weekday_is_a_date(entry: Entry, value: str, expected: str) -> None:
    sheet = parse_sheet(entry, f"希望納期：{value}\n")
    assert sheet.values == {"needed_by": expected} and sheet.rejected == ()


@pytest.mark.parametrize(
    "value",
    [
        "２０２６ー０４ー０１",  # the input method in hiragana mode types ー for the hyphen key
        "2026−4−1",  # a Mac's input method in full width: the minus sign
        "2026–04–01（水）",  # a word processor's en dash, with the weekday
    ],
)
def test_a_date_with_the_dash_an_input_method_types_is_a_date(entry: Entry, value: str) -> None:
    """Refused as "not a date" while the dash between its numbers can be no other thing."""
    sheet = parse_sheet(entry, f"希望納期：{value}\n")
    assert sheet.values == {"needed_by": "2026-04-01"} and sheet.rejected == ()


@pytest.mark.parametrize("value", ["2026年4月1日（木）", "2026-04-01 (Thu)"])
def test_a_weekday_that_disagrees_with_the_date_is_refused(entry: Entry, value: str) -> None:
    """Which of the two was meant cannot be known: the requester is asked again."""
    sheet = parse_sheet(entry, f"希望納期：{value}\n")
    [rejected] = sheet.rejected
    assert rejected.field == "needed_by" and "weekday" in rejected.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [("５名", "5"), ("3つ", "3"), ("10ライセンス", "10"), ("2セット", "2"), ("4人", "4")],
)
def test_a_number_with_a_japanese_counter_is_a_number(
    entry: Entry, value: str, expected: str
) -> None:
    sheet = parse_sheet(entry, f"数量：{value}\n")
    assert sheet.values == {"quantity": expected} and sheet.rejected == ()


LABELLED = CATALOG.replace(
    "choices: [opex, capex]}",
    "choices: [opex, {value: capex, label: {ja: 設備投資, en: Capital expense}}]}",
)


def test_a_choice_carries_a_label_per_language_and_stores_its_value() -> None:
    """A choice written ``{value, label}``: people read (and may write) the label in
    their language, the sheet stores the value; a plain choice is its own label."""
    from gateway.catalog.sheet import example_for

    entry = parse_catalog(LABELLED).entry("purchase")
    assert entry is not None
    budget = entry.field("budget")
    assert budget is not None and budget.choices == ("opex", "capex")
    assert [budget.choice_label(c, "ja") for c in budget.choices] == ["opex", "設備投資"]
    assert budget.choice_label("capex", "en") == "Capital expense"
    assert example_for(budget, "ja") == "opex / 設備投資"
    for said in ("予算区分：設備投資\n", "budget: capital expense\n", "Budget: CAPEX\n"):
        assert parse_sheet(entry, said).values == {"budget": "capex"}, said


def test_catalog_check_names_a_choice_without_a_value() -> None:
    from gateway.catalog.load import CatalogError

    bad = CATALOG.replace("choices: [opex, capex]}", "choices: [opex, {label: 設備投資}]}")
    with pytest.raises(CatalogError) as err:
        parse_catalog(bad)
    assert "a choice needs a 'value'" in str(err.value)


def test_a_refused_choice_lists_the_labels_of_the_readers_language() -> None:
    """The form and the acknowledgement show a choice's label in the reader's language
    (設備投資); the reason a value was refused lists the same words, not the stored
    values (opex, capex) the requester never saw."""
    budget = Field(
        "budget",
        {"ja": "予算区分", "en": "Budget"},
        type="choice",
        choices=("opex", "capex"),
        choice_labels={
            "opex": {"ja": "運用費", "en": "Operating expense"},
            "capex": {"ja": "設備投資", "en": "Capital expense"},
        },
    )
    value, reason = validate(budget, "petty cash")
    assert value == "" and reason is not None
    assert translate(reason, "ja") == translate(
        N_("not one of {choices}", choices="運用費, 設備投資"), "ja"
    )
    assert "Operating expense, Capital expense" in translate(reason, "en")
    assert translate(load(dump(reason)), "ja") == translate(reason, "ja")  # as a row keeps it


def test_a_choice_may_be_written_as_either_part_of_a_bracketed_label() -> None:
    """People shorten 経費（OPEX） to 経費 or to OPEX; a word that two choices' labels share
    says neither, and is refused rather than taken as the first."""
    budget = Field(
        "budget",
        {"ja": "予算区分", "en": "Budget"},
        type="choice",
        choices=("opex", "capex", "special"),
        choice_labels={
            "opex": {"ja": "経費（OPEX）", "en": "Operating expense (OPEX)"},
            "capex": {"ja": "設備投資（CAPEX）", "en": "Capital expense (CAPEX)"},
            "special": {"ja": "経費（特別）", "en": "Special expense"},
        },
    )
    assert [validate(budget, w)[0] for w in ("経費（OPEX）", "ＯＰＥＸ", "設備投資", "capex")] == [
        "opex",
        "opex",
        "capex",
        "capex",
    ]
    assert validate(budget, "特別") == ("special", None)
    assert validate(budget, "Operating expense")[0] == "opex"
    value, reason = validate(budget, "経費")  # opex's and special's
    assert value == "" and reason is not None


# a zero-width space, a byte-order mark, a word joiner, a left-to-right mark: what a value
# copied from a web page, a chat message or a spreadsheet cell brings along unseen
UNSEEN = ("\u200b", "\ufeff", "\u2060", "\u200e")


@pytest.mark.parametrize("unseen", UNSEEN)
def test_characters_nobody_sees_at_a_values_ends_are_not_part_of_it(
    entry: Entry, unseen: str
) -> None:
    """A pasted value kept them: the item went to the action as "\\u200bThinkPad" (no
    system finds that user or product), and a date or an address with one was refused
    as "not a date" or "not an e-mail address" while it read as a right one."""
    typed = {
        "item": f"{unseen}ThinkPad{unseen}",
        "quantity": f"{unseen}3",
        "needed_by": f"2026-04-01{unseen}",
        "approver": f"{unseen}boss@example.test",
        "budget": f"opex{unseen}",
    }
    sheet, problems = field_problems(entry, typed)
    assert problems == {}
    assert sheet.values == {
        "item": "ThinkPad",
        "quantity": "3",
        "needed_by": "2026-04-01",
        "approver": "boss@example.test",
        "budget": "opex",
    }
    assert parse_sheet(entry, f"品名：{unseen}ThinkPad{unseen}\n").values == {"item": "ThinkPad"}


def test_a_required_value_of_only_unseen_characters_is_missing(entry: Entry) -> None:
    """It passed as given: the sheet was complete (an action ran) with nothing in it."""
    _, problems = field_problems(entry, {"item": "\u200b\u200b", "approver": "\ufeff "})
    assert problems["item"] == problems["approver"] == N_("This field is required.")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("令和8年4月1日", "2026-04-01"),  # the era year, as Japanese forms and offices write it
        ("令和８年４月１日（水）", "2026-04-01"),  # typed with the input method, with its weekday
        ("令和 8 年 4 月 1 日", "2026-04-01"),
        ("令和元年5月1日", "2019-05-01"),  # the era's first year is 元年
        ("㋿8年4月1日", "2026-04-01"),  # the era's name as one character
        ("平成31年4月30日", "2019-04-30"),
        ("昭和64年1月7日", "1989-01-07"),
        ("R8.4.1", "2026-04-01"),  # the era's initial, as business forms shorten it
        ("R08/04/01", "2026-04-01"),
        ("H31.4.30", "2019-04-30"),
    ],
)
def test_a_japanese_era_date_is_a_date(entry: Entry, value: str, expected: str) -> None:
    """Refused as "not a date" while it is how a Japanese requester (and their
    company's own forms) writes one."""
    sheet = parse_sheet(entry, f"希望納期：{value}\n")
    assert sheet.values == {"needed_by": expected} and sheet.rejected == ()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("令和0年4月1日", "not a date"),
        ("令和8年2月30日", "no such date"),  # the shape is right: the day is none
        ("X8.4.1", "not a date"),
        ("令和年4月1日", "not a date"),
    ],
)
def test_an_era_date_that_names_no_day_is_refused(entry: Entry, value: str, reason: str) -> None:
    [rejected] = parse_sheet(entry, f"希望納期：{value}\n").rejected
    assert rejected.field == "needed_by" and rejected.reason.startswith(reason)


def test_a_flag_at_a_values_end_keeps_its_tag_characters(entry: Entry) -> None:
    """Tag characters are format characters too, but they end a flag: 🏴 and its tags
    are the flag of England, and without them a black flag."""
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    sheet, _ = field_problems(entry, {"item": f"マグカップ {england}"})
    assert sheet.values["item"] == f"マグカップ {england}"


def test_half_a_character_from_a_chat_modal_is_a_replacement_character(entry: Entry) -> None:
    """A Slack payload's JSON may escape half a character (``"\\ud800"``): the value,
    kept so, could be stored nowhere (the submission failed whole) nor quoted back."""
    sheet, problems = field_problems(entry, {"item": "\ud800ThinkPad", "budget": "\udfff"})
    assert sheet.values == {"item": "\ufffdThinkPad"}
    [bad] = sheet.rejected
    assert (bad.field, bad.value, "budget" in problems) == ("budget", "\ufffd", True)
