"""A member's Outlook forward names its customer in every language of the label table.

Outlook in German writes ``Von:``/``Gesendet:``/``An:``/``Betreff:`` under
"-----Ursprüngliche Nachricht-----", in French ``De :``/``Envoyé :``/``À :``/``Objet :``
under "-----Message d'origine-----" (a space before the colon); new Outlook and Outlook
on the web draw a rule instead. The forward finder reads the labels from
:mod:`gateway.pipeline.parse.quote_languages`' table, as the quote cutter does: the
ticket is the customer's, as for an English Outlook forward. Through the real runner.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.pipeline.forward import FIELDS, inline
from gateway.pipeline.parse.quote_languages import LANGUAGES
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS
from tests.support.mails import mail
from tests.support.pipeline import deliver, show

DKIM = "mx.example.test; dkim=pass header.d=example.test"

# language → (the member's words and the forwarded block, the original's subject)
OUTLOOK: dict[str, tuple[str, str]] = {
    "en": (
        "Please open a ticket for this.\n\n"
        "-----Original Message-----\n"
        "From: Alice Example [mailto:alice@customer.test]\n"
        "Sent: Friday, December 4, 2026 10:00 AM\n"
        "To: Ops One <ops@example.test>\n"
        "Subject: Printer broken\n\n"
        "The printer on floor 3 prints nothing.\n",
        "Printer broken",
    ),
    "de": (
        "Bitte ein Ticket dafür anlegen.\n\n"
        "-----Ursprüngliche Nachricht-----\n"
        "Von: Anna Müller <anna.mueller@kunde.test>\n"
        "Gesendet: Freitag, 4. Dezember 2026 10:00\n"
        "An: Ops One <ops@example.test>\n"
        "Betreff: Drucker defekt\n\n"
        "Der Drucker im 3. Stock druckt nichts.\n",
        "Drucker defekt",
    ),
    "fr": (
        "Merci d'ouvrir un ticket.\n\n"
        "-----Message d'origine-----\n"
        "De : Claire Dupont <claire.dupont@client.test>\n"
        "Envoyé : vendredi 4 décembre 2026 10:00\n"
        "À : Ops One <ops@example.test>\n"
        "Objet : Imprimante en panne\n\n"
        "L'imprimante du 3e étage n'imprime rien.\n",
        "Imprimante en panne",
    ),
    # new Outlook: a rule over the block, "Enviado el:" (two words) for the date
    "es": (
        "Por favor, abrid un ticket.\n\n"
        "________________________________\n"
        "De: Lucía García <lucia.garcia@cliente.test>\n"
        "Enviado el: viernes, 4 de diciembre de 2026 10:00\n"
        "Para: Ops One <ops@example.test>\n"
        "Asunto: Impresora averiada\n\n"
        "La impresora de la tercera planta no imprime.\n",
        "Impresora averiada",
    ),
}
SENDERS = {
    "en": "alice@customer.test",
    "de": "anna.mueller@kunde.test",
    "fr": "claire.dupont@client.test",
    "es": "lucia.garcia@cliente.test",
}


@pytest.fixture
def desk(settings: Settings, clock: FakeClock) -> Iterator[App]:
    gw = replace(
        settings.gateway,
        trusted_authserv_ids=("mx.example.test",),
        per_person_domains=("example.test",),
    )
    app = build(replace(settings, gateway=gw, members=MEMBERS), clock)
    yield app
    app.close()


@pytest.mark.parametrize("language", sorted(OUTLOOK))
def test_an_outlook_forward_opens_the_ticket_for_its_original_sender(
    desk: App, language: str
) -> None:
    body, subject = OUTLOOK[language]
    raw = mail(
        f"WG: {subject}",
        body=body,
        sender="Ops One <ops@example.test>",
        headers={"Authentication-Results": DKIM},
    )
    out = deliver(desk, raw)
    assert out.ticket_id is not None
    t = show(desk, out.ticket_id)
    assert t["requester"] == SENDERS[language]
    assert "ops@example.test" in t["participants"]
    [created] = [e for e in t["events"] if e["kind"] == "created"]
    assert created["detail"]["forwarded_by"] == "ops@example.test"


@pytest.mark.parametrize("language", sorted(OUTLOOK))
def test_the_forwarded_block_gives_sender_subject_and_date(language: str) -> None:
    body, subject = OUTLOOK[language]
    found = inline(body)
    assert found is not None
    assert found.sender.email == SENDERS[language]
    assert found.subject == subject
    assert isinstance(found.date, str) and "2026" in found.date
    assert found.text.splitlines()[0].startswith(("The ", "Der ", "L'", "La "))


def test_no_label_of_the_table_names_two_fields() -> None:
    """One table for the forward finder and the quote cutter: a label is one column of
    one row, and no two languages give the same word two meanings (the finder would
    read the sender from a date line)."""
    seen: dict[str, set[str]] = {}
    for row in LANGUAGES.values():
        for column in ("sender", "sent", "to", "subject"):
            for word in getattr(row, column):
                seen.setdefault(" ".join(word.split()).lower(), set()).add(column)
    assert {w: c for w, c in seen.items() if len(c) > 1} == {}
    assert set(FIELDS) == set(seen)
