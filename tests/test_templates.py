"""Every template kind renders in both locales from realistic view models, and the
composed mail parses back with the stdlib ``email`` package with the headers we promise:
Message-ID, Date, threading, Reply-To token address, subject tag, Auto-Submitted."""

from __future__ import annotations

import email
import email.policy
import os
import re
from dataclasses import replace
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import UndefinedError
from sqlalchemy import select

from gateway.notify import compose
from gateway.notify import views as v
from gateway.notify.render import Renderer, Settled, environment
from gateway.runtime.app import App
from store.db import transaction
from store.models import OutboxRow
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.samples import ALICE, SAMPLES, T42, TEAM
from tests.support.samples import ticket as _ticket

# the team writes the templates of this kind (``on_success.reply``): rendered below
TEAM_KINDS = {"action_reply"}


def test_samples_cover_every_kind() -> None:
    assert {v.kind_of(s) for s in SAMPLES} | TEAM_KINDS == {k.name for k in v.MAIL_KINDS.values()}


def test_an_action_reply_renders_the_teams_own_template(tmp_path: Path) -> None:
    """``on_success.reply`` names a kind of the team's; without an HTML template the
    text is shown as HTML too (escaped)."""
    for locale, word in (("ja", "作成しました"), ("en", "created")):
        (tmp_path / locale).mkdir()
        (tmp_path / locale / "account_created.subject.j2").write_text(
            f"{word}: {{{{ result.account }}}}\n", encoding="utf-8"
        )
        (tmp_path / locale / "account_created.txt.j2").write_text(
            f"{{{{ recipient.display }}}}: {word} {{{{ fields.user_id }}}} <b>\n",
            encoding="utf-8",
        )
    view = v.ActionReply(
        TEAM, ALICE, T42, "account_created", {"user_id": "taro"}, {"account": "taro"}
    )
    for locale, word in (("ja", "作成しました"), ("en", "created")):
        parts = Renderer(tmp_path).render(view, locale)
        assert parts.subject == f"{word}: taro"
        assert parts.text.startswith(f"山田 花子: {word} taro <b>")
        assert "&lt;b&gt;" in parts.html and "</html>" in parts.html
        assert v.kind_of(view) == "action_reply"


def _envelope(view: v.View, charset: str = "utf-8") -> compose.Envelope:
    ticket = getattr(view, "ticket", None)
    kind = v.kind_of(view)
    return compose.Envelope(
        kind=kind,
        sender=v.Person("support@example.test", "サポート窓口"),
        to=view.recipient,
        message_id=compose.new_message_id("example.test", 42),
        date=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        subject_tag=ticket.tag if ticket else "",
        reply_to="support+42-0123456789abcdef@example.test" if ticket else "",
        in_reply_to="req-1@customer.test" if ticket else "",
        references=("req-1@customer.test", "t42.abc@example.test") if ticket else (),
        auto_submitted=v.mail_kind(view).auto_submitted,
        ticket_id=42 if ticket else None,
        charset=charset,
    )


def _parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("view", SAMPLES, ids=lambda s: v.kind_of(s))
def test_every_template_renders_and_parses_back(view: v.View, locale: str) -> None:
    parts = Renderer().render(view, locale)
    assert parts.subject and "\n" not in parts.subject
    if isinstance(view, v.OpsReply):  # the member's words as written: no greeting of ours
        assert parts.text.startswith(view.text) and view.recipient.display not in parts.text
    else:
        assert view.recipient.display in parts.text
    assert "{{" not in parts.text
    assert "<script>" not in parts.html  # HTML is autoescaped …
    if isinstance(view, v.Acknowledgement):
        assert "<script>" in parts.text  # … plain text is not (it is never interpreted)
        assert "[#42]" in parts.text  # how to reply: keep the tag
    env = _envelope(view)
    msg = _parse(compose.compose(env, parts))
    assert msg["Message-ID"] == f"<{env.message_id}>"
    assert msg["Date"].datetime == env.date
    assert msg.get("Auto-Submitted") == (env.auto_submitted or None)  # none on a person's words
    assert msg["X-Ticket-Gateway"].startswith(v.kind_of(view))
    assert msg["To"].addresses[0].addr_spec == view.recipient.email
    assert msg.get_body(("plain",)).get_content().startswith(parts.text.split("\n")[0])
    assert "</html>" in msg.get_body(("html",)).get_content()
    if env.ticket_id is not None:
        assert msg["Subject"].startswith("[#42] ")
        assert msg["In-Reply-To"] == "<req-1@customer.test>"
        assert msg["References"] == "<req-1@customer.test> <t42.abc@example.test>"
        assert msg["Reply-To"].addresses[0].addr_spec == env.reply_to
    else:
        assert "In-Reply-To" not in msg and "Reply-To" not in msg


def test_digests_are_auto_generated_answers_auto_replied_and_a_persons_words_neither() -> None:
    [digest] = [_envelope(s) for s in SAMPLES if isinstance(s, v.WeeklyDigest)][:1]
    ack = _envelope(SAMPLES[0])
    assert (digest.auto_submitted, ack.auto_submitted) == ("auto-generated", "auto-replied")
    relayed = [s for s in SAMPLES if isinstance(s, v.OpsReply)]
    assert relayed and all(_envelope(s).auto_submitted == "" for s in relayed)
    raw = compose.compose(_envelope(relayed[0]), Renderer().render(relayed[0], "ja"))
    assert "Auto-Submitted" not in _parse(raw) and b"X-Ticket-Gateway: ops_reply" in raw


@pytest.mark.parametrize("view", SAMPLES, ids=lambda s: v.kind_of(s))
def test_automatic_mail_says_so_to_every_responder_and_a_persons_words_do_not(
    view: v.View,
) -> None:
    """``Precedence: bulk`` beside RFC 3834's ``Auto-Submitted`` on every automatic mail,
    as Zammad and RT send it: the vacation responders that predate RFC 3834 (sendmail's
    vacation, many a hosting company's auto-responder) read only that, and answered each
    acknowledgement and reminder. A member's answer relayed by us is a person's mail:
    none of the three, so the requester's out-of-office reply reaches the member as it
    would have reached them directly (Exchange withholds it for ``X-Auto-Response-Suppress``)."""
    env = _envelope(view)
    msg = _parse(compose.compose(env, Renderer().render(view, "ja")))
    automatic = bool(env.auto_submitted)
    assert automatic != isinstance(view, v.OpsReply)
    assert msg.get("Precedence") == ("bulk" if automatic else None)
    assert msg.get("X-Auto-Response-Suppress") == ("All" if automatic else None)


def test_a_plain_text_piece_is_escaped_in_html() -> None:
    """Requesters' names are data: in the HTML part they are text, never markup."""
    evil = v.Person("alice@customer.test", "<b>evil</b>")
    view = v.SlaOverdue(TEAM, ALICE, replace(_ticket(9, "x"), requester=evil), "resolve", "x")
    html = Renderer().render(view, "en").html
    assert "<b>evil</b>" not in html and "&lt;b&gt;evil&lt;/b&gt;" in html


def test_iso_2022_jp_when_configured_and_possible() -> None:
    view = SAMPLES[0]
    parts = Renderer().render(view, "ja")
    msg = _parse(compose.compose(_envelope(view, "iso-2022-jp"), parts))
    assert msg.get_body(("plain",)).get_content_charset() == "iso-2022-jp"
    assert "お問い合わせを受け付けました" in msg["Subject"]
    assert "山田 花子 様" in msg.get_body(("plain",)).get_content()
    # a character JIS X 0208 cannot carry: UTF-8 rather than a broken mail
    odd = v.Acknowledgement(TEAM, ALICE, _ticket(42, "サーバ① が停止 🔥"))
    msg = _parse(compose.compose(_envelope(odd, "iso-2022-jp"), Renderer().render(odd, "ja")))
    assert msg.get_body(("plain",)).get_content_charset() == "utf-8"
    assert "サーバ① が停止 🔥" in msg["Subject"]


@pytest.mark.parametrize(
    "evil",
    [
        "VPN\r\nBcc: victim@evil.test",
        "VPN\nBcc: victim@evil.test",
        "VPN\rBcc: victim@evil.test",
        "VPN\u2028Bcc: victim@evil.test",
    ],
)
def test_crlf_in_subject_or_name_injects_no_header(evil: str) -> None:
    victim = v.Person("alice@customer.test", evil)
    view = v.Acknowledgement(TEAM, victim, _ticket(42, evil))
    env = _envelope(view)
    raw = compose.compose(env, Renderer().render(view, "en"))
    msg = _parse(raw)
    assert "Bcc" not in msg and b"\nBcc:" not in raw
    assert msg["Subject"].count("Bcc: victim@evil.test") == 1
    assert msg["To"].addresses[0].addr_spec == "alice@customer.test"
    assert len(msg["To"].addresses) == 1


@pytest.mark.parametrize(
    "literal",
    [
        "=?utf-8?b?DQo=?=",  # an encoded CR LF, written out as text
        "VPN =?utf-8?q?down=0D=0ABcc:_victim@evil.test?= now",
        "=?iso-2022-jp?b?GyRCJDMkcyRLJEEkTxsoQg==?=",  # the words of another text
    ],
)
def test_text_that_looks_like_an_encoded_word_is_sent_as_the_text_it_is(literal: str) -> None:
    """A subject, a name or a file's name whose text is ``=?utf-8?b?DQo=?=`` (a customer
    encodes it, or types it into a form) was written as it is, ASCII, and every reader
    decoded it: a CR LF in the Subject a script reads back, another name shown. RFC 2047
    section 5: text that could be taken for an encoded word is encoded."""
    victim = v.Person("alice@customer.test", literal)
    view = v.Acknowledgement(TEAM, victim, _ticket(42, literal))
    for charset in ("utf-8", "iso-2022-jp"):
        env = replace(_envelope(view, charset), sender=v.Person("support@example.test", literal))
        file = compose.Enclosure(literal + ".txt", "text/plain", b"x")
        parts = Renderer().render(view, "en")
        raw = compose.compose(env, parts, (file,))
        assert parts.subject.endswith(literal)
        for msg in (_parse(raw), email.message_from_bytes(raw, policy=email.policy.strict)):
            assert msg["Subject"] == f"[#42] {parts.subject}"
            assert [_name_of(raw, h) for h in ("To", "From")] == [literal, literal]
            [part] = msg.iter_attachments()
            assert part.get_filename() == f"{literal}.txt"
            assert part.get_param("name") == f"{literal}.txt"
            assert all("\r" not in str(value) and "\n" not in str(value) for value in msg.values())


def _name_of(raw: bytes, header: str) -> str:
    """The display name as RFC 2047 section 6.2 reads it: the space between two encoded
    words ignored (Python's address parser keeps one there, so a long name split into
    words reads back with a space that is not in it)."""
    name, _ = parseaddr(email.message_from_bytes(raw)[header].replace("\r\n", ""))
    return str(make_header(decode_header(name)))


def test_encoded_crlf_subject_from_a_real_mail_injects_no_header(app: App) -> None:
    """The subject arrives as an encoded word hiding CR/LF; our acknowledgement repeats it."""
    raw_in = mail(subject="x").replace(
        b"Subject: x", b"Subject: =?utf-8?q?VPN_down=0D=0ABcc:_victim@evil.test?="
    )
    out = deliver(app, raw_in)
    assert out.ticket_id is not None
    with transaction(app.sessions) as s:
        [row] = s.scalars(select(OutboxRow)).all()
        raw = row.raw
    msg = _parse(raw)
    assert "Bcc" not in msg and b"\nBcc:" not in raw
    assert msg["Subject"].startswith(f"[#{out.ticket_id}] ")
    assert "VPN down" in msg["Subject"]


def test_team_folder_overrides_single_templates(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "acknowledgement.subject.j2").write_text(
        "Got it: {{ ticket.subject }}\n", encoding="utf-8"
    )
    parts = Renderer(tmp_path).render(SAMPLES[0], "en")
    assert parts.subject.startswith("Got it: VPN")
    assert "We have received" not in parts.subject
    assert "thank you for contacting us" in parts.text  # not overridden: ours


def test_a_team_file_for_both_languages_and_one_for_one_language(tmp_path: Path) -> None:
    """``<dir>/<locale>/<file>`` first, then ``<dir>/<file>`` (both languages), then ours."""
    (tmp_path / "ja").mkdir()
    (tmp_path / "acknowledgement.subject.j2").write_text(
        "{% trans state=ticket.state|state, subject=ticket.subject %}"
        "Ticket {{ state }}: {{ subject }}{% endtrans %}\n",
        encoding="utf-8",
    )  # a shared file keeps {% trans %}: each reader gets their language
    (tmp_path / "ja" / "acknowledgement.txt.j2").write_text(
        "{{ recipient.display }} 様\n\n承りました。\n", encoding="utf-8"
    )
    ja, en = (Renderer(tmp_path).render(SAMPLES[0], loc) for loc in ("ja", "en"))
    assert ja.subject.startswith("状況が更新されました（対応中）: ") and ja.text.endswith(
        "承りました。\n"
    )
    assert (
        en.subject.startswith("Ticket in progress: ") and "thank you for contacting us" in en.text
    )


def test_a_typo_in_a_template_is_an_error_not_a_blank(tmp_path: Path) -> None:
    """In our own files an unknown name raises (the render tests catch it); in a team's
    file it is logged and that mail is rendered from ours: never a blank, and never a
    request that cannot become a ticket (tests/test_team_templates.py)."""
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "acknowledgement.subject.j2").write_text(
        "{{ ticket.subjcet }}\n", encoding="utf-8"
    )
    assert Renderer(tmp_path).render(SAMPLES[0], "en") == Renderer().render(SAMPLES[0], "en")
    with pytest.raises(UndefinedError):
        environment([tmp_path / "en"], "en").get_template("acknowledgement.subject.j2").render(
            v.context(SAMPLES[0])
        )


def test_the_same_mail_composes_to_the_same_bytes() -> None:
    """The outbox keeps the bytes and a resend repeats them: the multipart boundary
    comes from the Message-ID, not from chance."""
    view = SAMPLES[0]
    parts = Renderer().render(view, "ja")
    env = _envelope(view)
    first = compose.compose(env, parts)
    assert compose.compose(env, parts) == first
    other = compose.compose(replace(env, message_id="other@example.test"), parts)
    assert other != first
    assert len(_parse(first).get_payload()) == 2


def test_a_text_holding_the_boundary_gets_another_one() -> None:
    """A body that happens to contain the boundary this Message-ID gives (it cannot
    know the Message-ID ahead, but say it did) still makes a mail of two intact parts."""
    view = SAMPLES[0]
    env = _envelope(view)
    parts = Renderer().render(view, "en")
    taken = f"--{compose._boundary(env.message_id)}"
    sly = replace(parts, text=f"{parts.text}\n{taken}\nX-Injected: yes\n\n{taken}--\n")
    msg = _parse(compose.compose(env, sly))
    plain, html = msg.get_payload()
    assert taken in plain.get_content() and "X-Injected" not in html
    assert msg.get_boundary() != compose._boundary(env.message_id)


def test_an_edited_template_is_used_once_its_check_is_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A running daemon picks up a team's edit without a restart; the file is looked at
    again only once ``Settled.CHECK_EVERY`` has passed since the last look."""
    (tmp_path / "en").mkdir()
    subject = tmp_path / "en" / "acknowledgement.subject.j2"
    subject.write_text("First: {{ ticket.subject }}\n", encoding="utf-8")
    renderer = Renderer(tmp_path)
    assert renderer.render(SAMPLES[0], "en").subject.startswith("First: ")
    subject.write_text("Second: {{ ticket.subject }}\n", encoding="utf-8")
    os.utime(subject, (subject.stat().st_atime, subject.stat().st_mtime + 10))
    monkeypatch.setattr(Settled, "CHECK_EVERY", 3600.0)
    assert renderer.render(SAMPLES[0], "en").subject.startswith("First: ")  # not due yet
    monkeypatch.setattr(Settled, "CHECK_EVERY", 0.0)
    assert renderer.render(SAMPLES[0], "en").subject.startswith("Second: ")


@pytest.mark.parametrize("place", ["en", ""])
def test_a_team_file_copied_in_while_running_is_used_once_its_check_is_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, place: str
) -> None:
    """A team's file added to a running daemon's folder (the README's way: copy just that
    file in) was never used until a restart: the built-in file of that name, read for an
    earlier mail, stayed the one the renderer held, as only that file was looked at again."""
    monkeypatch.setattr(Settled, "CHECK_EVERY", 0.0)
    (tmp_path / "en").mkdir()
    renderer = Renderer(tmp_path)
    assert renderer.render(SAMPLES[0], "en").subject.startswith("We have received")  # ours
    (tmp_path / place / "acknowledgement.subject.j2").write_text(
        "Ours now: {{ ticket.subject }}\n", encoding="utf-8"
    )
    assert renderer.render(SAMPLES[0], "en").subject.startswith("Ours now: ")
    (tmp_path / place / "acknowledgement.subject.j2").unlink()  # and taken away again
    assert renderer.render(SAMPLES[0], "en").subject.startswith("We have received")


_COMPAT32_WIRE = email.policy.compat32.clone(linesep="\r\n", max_line_length=78)
_HEADER_TEXT = st.one_of(
    st.text(st.sampled_from([*"aZ09<>@.;,=-_/", " "]), min_size=55, max_size=80),
    st.lists(
        st.sampled_from([*"aZ09<>@.;,=\"'()[]:-_/ \t", "\r\n", "\r\n ", "é", "日本", "\udcff"]),
        max_size=90,
    ).map("".join),
)  # the first near the 78 columns, where the shortcut ends; the second anything


@given(
    name=st.sampled_from(["Subject", "To", "Message-ID", "X-Ticket-Gateway", "References"]),
    value=_HEADER_TEXT,
)
@settings(max_examples=600, deadline=None)
def test_the_one_line_shortcut_folds_as_compat32_does(name: str, value: str) -> None:
    """A header written as one line without the stdlib's folding is written exactly as
    the stdlib writes it; any other header still goes through the stdlib."""
    try:
        expected = _COMPAT32_WIRE.fold_binary(name, value)
    except Exception as exc:  # noqa: BLE001 - then ours must fail the same way
        with pytest.raises(type(exc)):
            compose.WIRE.fold_binary(name, value)
        return
    assert compose.WIRE.fold_binary(name, value) == expected
    assert compose.WIRE.fold(name, value) == _COMPAT32_WIRE.fold(name, value)


@pytest.mark.parametrize("charset", ["utf-8", "iso-2022-jp"])
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_sample_composes_to_the_bytes_compat32_gives(
    charset: str, locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every kind of mail, in both languages and both charsets, with long References:
    the same bytes as composed with the stdlib's own folding throughout."""
    for view in SAMPLES:
        parts = Renderer().render(view, locale)
        env = _envelope(view, charset)
        env = replace(env, references=tuple(f"r{i}.{'x' * 30}@example.test" for i in range(12)))
        ours = compose.compose(env, parts)
        head = ours.split(b"\r\n\r\n", 1)[0]
        assert all(len(line) <= 78 for line in head.split(b"\r\n")), v.kind_of(view)
        words = re.findall(rb"=\?[^?]+\?[bBqQ]\?[^?]*\?=", head)
        assert words and all(len(w) <= 75 for w in words)  # RFC 2047 section 2
        with monkeypatch.context() as m:
            m.setattr(compose, "WIRE", _COMPAT32_WIRE)
            assert compose.compose(env, parts) == ours, v.kind_of(view)
