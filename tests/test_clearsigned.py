"""Inline PGP (cleartext-signed) mail: the ticket shows the words, not the armor, and a
member's command under the armor is read (the exploratory round over intake found
``/close`` in a clearsigned reply ignored: "commands: 1 ignored")."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.clearsigned import NOTE, unarmored
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, show


def armored(words: str, *, headers: str = "Hash: SHA256\n", eol: str = "\n") -> str:
    """``words`` as ``gpg --clearsign`` writes them (dash-escaped) around its signature."""
    escaped = "\n".join(f"- {line}" if line.startswith("-") else line for line in words.split("\n"))
    text = (
        f"-----BEGIN PGP SIGNED MESSAGE-----\n{headers}\n{escaped}\n"
        "-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n"
    )
    return text.replace("\n", eol)


WORDS = [
    "Please reset my password.",
    "/close\n\nDone, thanks.",
    "- a list item\n-- \nTaro",
    "パスワードを再設定してください。\n\nよろしくお願いします。",
    "-----BEGIN something that is only text-----",
]


@pytest.mark.parametrize("words", WORDS)
@pytest.mark.parametrize("headers", ["Hash: SHA256\n", "Hash: SHA512\nCharset: UTF-8\n", ""])
def test_the_words_come_out_of_the_armor(words: str, headers: str) -> None:
    assert unarmored(armored(words, headers=headers)) == words


def test_words_around_the_armor_are_kept() -> None:
    text = "Forwarded as signed:\n\n" + armored("inner words") + "\n-- \nsig"
    assert unarmored(text) == "Forwarded as signed:\n\ninner words\n\n-- \nsig"


@pytest.mark.parametrize(
    "text",
    [
        "no armor at all",
        "quoted: -----BEGIN PGP SIGNED MESSAGE----- in a sentence",
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nno signature follows",
        "-----BEGIN PGP SIGNED MESSAGE-----\nnot a header line\nwords\n"
        "-----BEGIN PGP SIGNATURE-----\n-----END PGP SIGNATURE-----",
    ],
)
def test_what_is_not_one_armor_is_left_alone(text: str) -> None:
    assert unarmored(text) is None


def test_a_clearsigned_mail_shows_its_words_and_says_the_signature_was_not_checked() -> None:
    msg = parse_message(mail(body=armored("Please reset my password.")))
    assert msg.text == "Please reset my password."
    assert NOTE in msg.defects


def test_a_members_command_under_the_armor_is_applied(team: App) -> None:
    app = team
    first = deliver(app, mail(message_id="<r1@customer.test>"))
    assert first.ticket_id is not None
    address = reply_address(app, first.ticket_id, "ops@example.test")
    reply = mail(
        subject=f"Re: [#{first.ticket_id}] VPN",
        body=armored("/pending\n\nPlease send the log."),
        sender="ops@example.test",
        to=address,
        in_reply_to="<r1@customer.test>",
    )
    outcome = deliver(app, reply, envelope_to=(address,))
    assert "1 applied" in outcome.reason, outcome.reason
    ticket = show(app, first.ticket_id)
    assert ticket["state"] == "pending"
    assert "BEGIN PGP" not in ticket["messages"][-1]["text"]
