"""Quote heads in other languages: attribution lines, Outlook's From:/Sent: blocks and
"-----Original Message-----" separators as German, French, Spanish, Italian,
Portuguese, Dutch, Scandinavian, Polish, Russian, Chinese and Korean clients write them.

An attribution the reader did not know stayed in a member's words: the ``>`` lines
under it were dropped, the line itself ("Am 05.12.26 um 10:00 schrieb Alice Meyer:",
「在 2026/12/5 10:00, 王丽 写道:」) was relayed to the requester as the last line of the
answer; a block or separator it did not know let the old mail (and its ``/close``)
through as the writer's words. The existing rule holds in every language: below the
writer's words an attribution cuts only when quoted text, a header block or nothing
follows it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.pipeline.parse.quote_languages import LANGUAGES
from gateway.pipeline.parse.quotes import split_reply
from gateway.runtime.app import App
from tests.support import hostile
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

WORDS = "Done, the VPN works again."
QUOTE = "> Can you renew the VPN?\n> /close\n"
OLD = "Can you renew the VPN?\n/close\n"
ADDRESS = "<alice@customer.test>"
BOUND = 3.0  # seconds on a busy two-core machine; quadratic time is minutes

# attribution lines as each client writes them (the Gmail ones with the address)
ATTRIBUTIONS = {
    "de-gmail": f"Am Sa., 5. Dez. 2026 um 10:00 Uhr schrieb Alice {ADDRESS}:",
    "de-thunderbird": "Am 05.12.26 um 10:00 schrieb Alice Meyer:",
    "fr-gmail": f"Le sam. 5 déc. 2026 à 10:00, Alice {ADDRESS} a écrit :",
    "fr-thunderbird": "Le 05/12/2026 à 10:00, Alice Martin a écrit :",
    "es-gmail": f"El sáb, 5 dic 2026 a las 10:00, Alice ({ADDRESS}) escribió:",
    "es-thunderbird": "El 05/12/2026 a las 10:00, Alice García escribió:",
    "it-gmail": f"Il giorno sab 5 dic 2026 alle ore 10:00 Alice {ADDRESS} ha scritto:",
    "it-thunderbird": "Il 05/12/2026 10:00, Alice Rossi ha scritto:",
    "pt-gmail": f"Em sáb., 5 de dez. de 2026 às 10:00, Alice {ADDRESS} escreveu:",
    "pt-thunderbird": "Em 05/12/2026 10:00, Alice Silva escreveu:",
    "nl-gmail": f"Op za 5 dec. 2026 om 10:00 schreef Alice {ADDRESS}:",
    "nl-thunderbird": "Op 05-12-2026 om 10:00 schreef Alice de Vries:",
    "sv-gmail": f"Den lör 5 dec. 2026 kl 10:00 skrev Alice {ADDRESS}:",
    "sv-thunderbird": "Den 2026-12-05 kl. 10:00, skrev Alice Svensson:",
    "da-thunderbird": "Den 05.12.2026 kl. 10.00 skrev Alice Jensen:",
    "no-gmail": f"lør. 5. des. 2026 kl. 10:00 skrev Alice {ADDRESS}:",
    "pl-gmail": f"sob., 5 gru 2026 o 10:00 Alice {ADDRESS} napisał(a):",
    "pl-thunderbird": "W dniu 05.12.2026 o 10:00, Alice Kowalska pisze:",
    "pl-dnia": "Dnia 05.12.2026 o 10:00 Alice Kowalska napisał(a):",
    "ru-gmail": f"сб, 5 дек. 2026 г. в 10:00, Alice {ADDRESS}:",
    "ru-thunderbird": "05.12.2026 10:00, Алиса Иванова пишет:",
    "zh-gmail": f"Alice {ADDRESS} 于2026年12月5日周六 10:00写道：",
    "zh-thunderbird": "在 2026/12/5 10:00, 王丽 写道:",
    "zh-tw-thunderbird": "於 2026/12/5 10:00, 王麗 寫道:",
    "zh-tw-gmail": f"Alice {ADDRESS} 於 2026年12月5日 週六 上午10:00寫道：",
    "ko-gmail": f"2026년 12월 5일 (토) 오전 10:00, Alice {ADDRESS}님이 작성:",
    "ko-name": "2026년 12월 5일 (토) 오전 10:00, 김민지님이 작성:",
}

# Outlook's block above the old mail it copies unmarked
BLOCKS = {
    "de": "Von: Alice <alice@customer.test>\nGesendet: Samstag, 5. Dezember 2026 10:00\n"
    "An: support@example.test\nBetreff: VPN",
    "fr": "De : Alice <alice@customer.test>\nEnvoyé : samedi 5 décembre 2026 10:00\n"
    "À : support@example.test\nObjet : VPN",
    "es": "De: Alice <alice@customer.test>\nEnviado el: sábado, 5 de diciembre de 2026 10:00\n"
    "Para: support@example.test\nAsunto: VPN",
    "it": "Da: Alice <alice@customer.test>\nInviato: sabato 5 dicembre 2026 10:00\n"
    "A: support@example.test\nOggetto: VPN",
    "pt-br": "De: Alice <alice@customer.test>\nEnviada em: sábado, 5 de dezembro de 2026 10:00\n"
    "Para: support@example.test\nAssunto: VPN",
    "nl": "Van: Alice <alice@customer.test>\nVerzonden: zaterdag 5 december 2026 10:00\n"
    "Aan: support@example.test\nOnderwerp: VPN",
    "sv": "Från: Alice <alice@customer.test>\nSkickat: den 5 december 2026 10:00\n"
    "Till: support@example.test\nÄmne: VPN",
    "da": "Fra: Alice <alice@customer.test>\nSendt: 5. december 2026 10:00\n"
    "Til: support@example.test\nEmne: VPN",
    "pl": "Od: Alice <alice@customer.test>\nWysłano: sobota, 5 grudnia 2026 10:00\n"
    "Do: support@example.test\nTemat: VPN",
    "ru": "От: Alice <alice@customer.test>\nОтправлено: 5 декабря 2026 г. 10:00\n"
    "Кому: support@example.test\nТема: VPN",
    "zh": "发件人: Alice <alice@customer.test>\n发送时间: 2026年12月5日 10:00\n"
    "收件人: support@example.test\n主题: VPN",
    "zh-tw": "寄件者: Alice <alice@customer.test>\n寄件日期: 2026年12月5日 上午 10:00\n"
    "收件者: support@example.test\n主旨: VPN",
    "ko": "보낸 사람: Alice <alice@customer.test>\n보낸 날짜: 2026년 12월 5일 토요일 오전 10:00\n"
    "받는 사람: support@example.test\n제목: VPN",
}

SEPARATORS = {
    "de": "-----Ursprüngliche Nachricht-----",
    "fr": "-----Message d'origine-----",
    "es": "-----Mensaje original-----",
    "it": "-----Messaggio originale-----",
    "pt": "-----Mensagem original-----",
    "nl": "-----Oorspronkelijk bericht-----",
    "sv": "-----Ursprungligt meddelande-----",
    "da": "-----Oprindelig meddelelse-----",
    "no": "-----Opprinnelig melding-----",
    "pl": "-----Wiadomość oryginalna-----",
    "ru": "-----Исходное сообщение-----",
    "zh": "------------------ 原始邮件 ------------------",
    "ko": "-----원본 메시지-----",
}


@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_an_attribution_over_a_quote_goes_with_it(attribution: str, gap: str) -> None:
    assert split_reply(f"{WORDS}\n\n{attribution}{gap}{QUOTE}") == WORDS
    assert split_reply(f"{attribution}{gap}{QUOTE}\n{WORDS}\n") == WORDS  # bottom-posted
    assert split_reply(f"{attribution}{gap}{QUOTE}") == ""


@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_words_below_an_attribution_whose_quote_was_deleted_stay_new(attribution: str) -> None:
    assert split_reply(f"{attribution}\n\n{WORDS}\n") == WORDS


WRAPPED = {
    "de-gmail": f"Am Sa., 5. Dez. 2026 um 10:00 Uhr schrieb Alice <\n{ADDRESS[1:]}:",
    "de-verb-last": "Am 05.12.26 um 10:00 schrieb\nAlice Meyer:",  # a whole line alone
    "nl-verb-last": "Op 05-12-2026 om 10:00 schreef\nAlice de Vries:",
    "zh-gmail": f"Alice {ADDRESS} 于2026年12月5日周六\n10:00写道：",
    "fr-gmail": f"Le sam. 5 déc. 2026 à 10:00, Alice {ADDRESS} a\nécrit :",
}


@pytest.mark.parametrize("attribution", WRAPPED.values(), ids=WRAPPED.keys())
def test_a_wrapped_attribution_is_one(attribution: str) -> None:
    """Mobile clients wrap a long attribution; where its first line ends with the verb
    ("… schrieb" over "Alice Meyer:"), the name under it is part of it, not words."""
    assert split_reply(f"{WORDS}\n\n{attribution}\n{QUOTE}") == WORDS
    assert split_reply(f"{attribution}\n\n{WORDS}\n") == WORDS


@pytest.mark.parametrize("block", BLOCKS.values(), ids=BLOCKS.keys())
def test_an_outlook_block_starts_the_old_mail(block: str) -> None:
    assert split_reply(f"{WORDS}\n\n{block}\n\n{OLD}") == WORDS
    assert split_reply(f"{block}\n\n{OLD}") == ""  # nothing written above it


@pytest.mark.parametrize("separator", SEPARATORS.values(), ids=SEPARATORS.keys())
def test_an_original_message_separator_starts_the_old_mail(separator: str) -> None:
    assert split_reply(f"{WORDS}\n\n{separator}\n{OLD}") == WORDS
    assert split_reply(f"{separator}\n{OLD}") == ""


@pytest.mark.parametrize(
    "text",
    [
        # the writer's own lines, shaped like attributions but with no date
        "Am Montag schrieb ich dem Hersteller:\n1. Neustart\n2. Update\n",
        "他写道：\n请重启服务器。\n",
        "Den här veckan skrev vi:\nallt fungerar\n",
        "Den 5 december skrev jag till leverantören:\n1. omstart\n",
        "我在2026年写道：\n请重启服务器。\n",
        # an attribution-shaped line of the writer's over their own lines (no quote
        # below it, no address in it): the existing rule keeps it
        "Siehe unten.\n\nAm 05.12.2026 um 10:00 schrieb ich an den Hersteller:\n1. Neustart\n",
        "请看下面。\n\n在 2026/12/5 10:00, 我 写道:\n1. 重启\n",
        # Outlook-like labels without the block's other lines
        "Van: de leverancier\nhet is opgelost\n",
    ],
)
def test_the_writers_own_lines_stay(text: str) -> None:
    assert split_reply(text) == text.strip()


def test_every_language_row_says_something() -> None:
    for name, row in LANGUAGES.items():
        assert any(getattr(row, f) for f in row.__dataclass_fields__), name


# the pieces of the rules, for lines that almost match them
_PIECES = [
    "Am ", "Den ", "W dniu ", "在 ", "於 ", "05.12.2026", "2026年12月5日", "10:00", "1",
    "schrieb", "skrev", "a écrit", "pisze", "пишет", "写道", "寫道", "님이 작성", " ", ":",
    "：", "<a@b.test>", "@", "Von:", "Gesendet:", "发件人:", "보낸 사람:", "-----", "原始邮件",
    "Mensaje original", "\u3000", "\t", "*",
]  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    unit=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4).map("".join),
    end=st.sampled_from(["", ":", " x", "写道：", " schrieb x:"]),
)
def test_long_lines_of_the_rules_pieces_cost_linear_time(unit: str, end: str) -> None:
    """One line of 100 000 characters, and as many lines just under the 400 characters
    within which attributions are looked for: neither costs more than linear time."""
    long_line = unit * (100_000 // len(unit)) + end
    short = (unit * (399 // len(unit)))[: 399 - len(end)] + end
    text = f"{long_line}\n{short}\n" + f"{short}\n" * (64 * 1024 // 400) + "> x\n"
    with hostile.within(BOUND, f"split_reply on {unit!r}…{end!r}"):
        split_reply(text)


# ------------------------------------------------------------------ end to end


def test_a_members_german_answer_relays_neither_the_attribution_nor_the_quote(
    team: App,
) -> None:
    deliver(team, mail("VPN", body="Können Sie das VPN erneuern?\n"))
    to = reply_address(team, 1, "ops@example.test")
    body = (
        "Guten Tag,\n\ndas VPN ist erneuert.\n\n"
        "Am 05.12.26 um 10:00 schrieb Alice Example:\n> Können Sie das VPN erneuern?\n"
    )
    deliver(
        team, mail("Re: [#1] VPN", body=body, sender="ops@example.test", to=to), envelope_to=(to,)
    )
    sent = [text_of(m) for m in outbox(team, "ops_reply")]
    assert len(sent) == 1
    assert "das VPN ist erneuert." in sent[0]
    assert "schrieb" not in sent[0] and "Können Sie" not in sent[0]


def test_a_japanese_members_answer_under_a_chinese_attribution_relays_only_the_answer(
    team: App,
) -> None:
    deliver(team, mail("VPN の更新", body="VPN を更新してください。\n"))
    to = reply_address(team, 1, "ops2@example.test")
    body = (
        "更新しました。ご確認ください。\n\n在 2026/12/5 10:00, 王丽 写道:\n"
        "> VPN を更新してください。\n"
    )
    raw = mail("Re: [#1] VPN の更新", body=body, sender="ops2@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    sent = [text_of(m) for m in outbox(team, "ops_reply")]
    assert len(sent) == 1
    assert "更新しました。ご確認ください。" in sent[0]
    assert "写道" not in sent[0] and "王丽" not in sent[0]


@pytest.mark.parametrize("block", [BLOCKS["fr"], BLOCKS["zh"]], ids=["fr", "zh"])
def test_a_requesters_old_mail_under_a_foreign_outlook_block_is_not_a_command(
    team: App, block: str
) -> None:
    deliver(team, mail("VPN", body="VPN が繋がりません。\n"))
    to = reply_address(team, 1, "alice@customer.test")
    body = f"{block}\n\n/close\nVPN が繋がりません。\n"
    deliver(team, mail("RE: [#1] VPN", body=body, to=to), envelope_to=(to,))
    assert show(team, 1)["state"] != "closed"
