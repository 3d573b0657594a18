"""Reply and forward prefixes of the Nordic, Slavic, Greek, Turkish and other mail
clients leave a ticket's title as they leave it in English: ``VS: Tulostin ei toimi``
(Finnish Outlook) is "Tulostin ei toimi". A prefix is a word *and* its colon: the same
letters as the subject's own first word stay ("VS Code crashes", "Svar på …")."""

from __future__ import annotations

import pytest

from gateway.pipeline.thread import base_subject

# (the prefix as a client writes it, the client and language)
PREFIXES = [
    ("SV", "Swedish, Danish, Norwegian reply (svar)"),
    ("Sv", "the same, as Apple Mail and Thunderbird write it"),
    ("VS", "Finnish, Estonian reply (vastaus, vastus); Danish, Norwegian forward"),
    ("VB", "Swedish forward (vidarebefordrat)"),
    ("VL", "Finnish forward (välitetty)"),
    ("Antw", "Dutch reply (antwoord)"),
    ("Doorst", "Dutch forward (doorgestuurd)"),
    ("Odp", "Polish, Czech, Slovak reply (odpowiedź, odpověď)"),
    ("PD", "Polish forward (przekazanie dalej)"),
    ("PŘ", "Czech forward (přeposlat)"),
    ("ΑΠ", "Greek reply (απάντηση)"),
    ("Απ", "the same, in lower case"),
    ("ΣΧΕΤ", "Greek reply, older Outlook (σχετικά)"),
    ("ΠΡΘ", "Greek forward (προώθηση)"),
    ("Отв", "Russian reply (ответ)"),
    ("Пересл", "Russian forward (переслано)"),
    ("Ynt", "Turkish reply (yanıt)"),
    ("İlt", "Turkish forward (ilet)"),
    ("Vá", "Hungarian reply (válasz)"),
    ("Odg", "Slovenian, Croatian reply (odgovor)"),
    ("Atb", "Latvian reply (atbilde)"),
    ("Bls", "Indonesian reply (balas)"),
    ("Trs", "Indonesian forward (terusan)"),
    ("השב", "Hebrew reply"),
    ("הועבר", "Hebrew forward"),
    ("회신", "Korean reply"),
    ("전달", "Korean forward"),
]


@pytest.mark.parametrize("prefix", [p for p, _ in PREFIXES])
def test_a_prefix_goes(prefix: str) -> None:
    assert base_subject(f"{prefix}: Skrivaren fungerar inte") == "Skrivaren fungerar inte"
    assert base_subject(f"{prefix.upper()}:Skrivaren") == "Skrivaren"
    assert base_subject(f"Re: {prefix}: AW: Skrivaren") == "Skrivaren"
    assert base_subject(f"{prefix} [2]: Skrivaren") == "Skrivaren"


@pytest.mark.parametrize(
    "subject",
    [
        "VS Code crashes on start",
        "Sv dator startar inte",
        "Svar på fakturan saknas",
        "VB6 application will not start",
        "Odpowiedź z serwera: 500",
        "PDF: the printer prints it blank",
        "Ynthetic: data",
        "Отвертка нужна: склад",
        "Vásárlás: a számla hiányzik",
        "Doorstop: order one",
    ],
)
def test_words_that_only_begin_like_a_prefix_stay(subject: str) -> None:
    assert base_subject(subject) == subject
