"""A team's template with a mistake in it, saved into a running gateway: requests still
become tickets, the requester still gets an answer (from the built-in templates), and
the log names the kind and the error. Only a kind the team alone has keeps its error."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.notify.render import Renderer
from gateway.runtime.app import App, build
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, outbox, subject_of, text_of
from tests.support.samples import SAMPLES

BROKEN = {
    "syntax": "{% if %}\n",
    "unknown name": "Hello {{ ticket.nmae }}\n",
    "raises": "{{ 1 // 0 }}\n",
}


def _team(tmp_path: Path, file: str, text: str) -> Path:
    folder = tmp_path / "team"
    (folder / "en").mkdir(parents=True, exist_ok=True)
    (folder / "en" / file).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def built() -> Iterator[list[App]]:
    apps: list[App] = []
    yield apps
    for app in apps:
        app.close()


@pytest.mark.parametrize("mistake", sorted(BROKEN))
def test_a_broken_team_template_does_not_stop_a_request(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    built: list[App],
    mistake: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = _team(tmp_path, "acknowledgement.txt.j2", BROKEN[mistake])
    app = build(replace(settings, gateway=replace(settings.gateway, templates_dir=folder)), clock)
    built.append(app)
    with caplog.at_level(logging.ERROR, logger="gateway.notify.render"):
        out = deliver(app, mail(subject="Printer jams"))
    assert out.ticket_id is not None and len(all_tickets(app)) == 1
    [ack] = outbox(app, "acknowledgement")
    assert subject_of(ack).endswith("Printer jams") and "Printer jams" in text_of(ack)
    [line] = [r.getMessage() for r in caplog.records]
    assert "acknowledgement (en)" in line and "templates_dir" in line


def test_a_good_team_file_beside_a_broken_one_in_the_other_language(tmp_path: Path) -> None:
    folder = _team(tmp_path, "acknowledgement.txt.j2", "{% if %}\n")
    (folder / "ja").mkdir()
    (folder / "ja" / "acknowledgement.txt.j2").write_text("承りました。\n", encoding="utf-8")
    renderer = Renderer(folder)
    assert renderer.render(SAMPLES[0], "ja").text == "承りました。\n"  # the team's, as written
    assert renderer.render(SAMPLES[0], "en") == Renderer().render(SAMPLES[0], "en")


def test_a_team_file_saved_with_a_byte_order_mark_renders_without_it(tmp_path: Path) -> None:
    """Windows Notepad starts the file with U+FEFF: it is no text of the mail (an
    invisible first character of the subject or of the body, shown as "?" by some
    clients)."""
    folder = tmp_path / "team"
    (folder / "ja").mkdir(parents=True)
    for file, text in (("acknowledgement.subject.j2", "受付"), ("acknowledgement.txt.j2", "承り")):
        (folder / "ja" / file).write_bytes(("\ufeff" + text + "\n").encode())
    done = Renderer(folder).render(SAMPLES[0], "ja")
    assert done.subject == "受付" and done.text == "承り\n"


REACHING_IN = {
    "a class's bases": "{{ ''.__class__.__mro__ }}",
    "a module's globals": "{{ cycler.__init__.__globals__ }}",
    "os through lipsum": "{{ lipsum.__globals__['os'].getcwd() }}",
    "a view's class": "{{ ticket.__class__.__init__.__globals__ }}",
    "a format string": "{{ '{0.__class__.__mro__}'.format(ticket) }}",
}


@pytest.mark.parametrize("how", sorted(REACHING_IN))
def test_a_team_template_cannot_reach_python_internals(
    tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The templates folder may be writable by people who may not run programs as the
    daemon (an ops member editing the wording): a template is a text, never a way to the
    gateway's modules, its secret or the shell. Jinja's sandbox refuses the attempt, the
    log says so and the mail goes out from the built-in templates."""
    folder = _team(tmp_path, "acknowledgement.txt.j2", REACHING_IN[how] + "\n")
    with caplog.at_level(logging.ERROR, logger="gateway.notify.render"):
        done = Renderer(folder).render(SAMPLES[0], "en")
    assert done == Renderer().render(SAMPLES[0], "en")
    [line] = [r.getMessage() for r in caplog.records]
    assert "SecurityError" in line or "UndefinedError" in line, line


def test_the_built_in_templates_render_alike_in_the_sandbox(tmp_path: Path) -> None:
    """With a team folder every template runs sandboxed, ours too: each sample renders
    as it does without one."""
    (tmp_path / "team").mkdir()
    team, plain = Renderer(tmp_path / "team"), Renderer()
    for view in SAMPLES:
        for locale in ("ja", "en"):
            assert team.render(view, locale) == plain.render(view, locale)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Dear customer,\n\n{% if %}\n", 3),  # a syntax error
        ("Dear customer,\n{{ ticket.nmae }}\n", 2),  # an unknown name
        ("Dear customer,\n\n\n{{ 1 // 0 }}\n", 4),  # an error when rendered
    ],
)
def test_the_log_names_the_team_file_and_line_of_the_mistake(
    tmp_path: Path, text: str, line: int, caplog: pytest.LogCaptureFixture
) -> None:
    """ "acknowledgement (en) failed" alone leaves the team guessing which of its files
    (the subject, the text, the HTML, a shared macro) and where: the log names both."""
    folder = _team(tmp_path, "acknowledgement.txt.j2", text)
    with caplog.at_level(logging.ERROR, logger="gateway.notify.render"):
        Renderer(folder).render(SAMPLES[0], "en")
    [logged] = [r.getMessage() for r in caplog.records]
    assert f"{folder / 'en' / 'acknowledgement.txt.j2'}:{line}:" in logged, logged


def test_a_team_text_part_without_its_html_is_the_html_too(tmp_path: Path) -> None:
    """A team changed the words of the text part only: the HTML part, which most mail
    clients show instead, must say their words, not the built-in ones they replaced."""
    folder = tmp_path / "team"
    (folder / "ja").mkdir(parents=True)
    (folder / "ja" / "acknowledgement.txt.j2").write_text(
        "承りました。担当より折り返しご連絡します。\n", encoding="utf-8"
    )
    done = Renderer(folder).render(SAMPLES[0], "ja")
    assert "折り返しご連絡します" in done.html
    assert "あらためてご連絡いたします" not in done.html  # the built-in words it replaced
    assert Renderer(folder).render(SAMPLES[0], "en") == Renderer().render(SAMPLES[0], "en")


def test_a_team_html_part_is_kept_beside_its_text(tmp_path: Path) -> None:
    folder = _team(tmp_path, "acknowledgement.txt.j2", "Thanks, we are on it.\n")
    (folder / "en" / "acknowledgement.html.j2").write_text("<p>Thanks!</p>\n", encoding="utf-8")
    assert Renderer(folder).render(SAMPLES[0], "en").html == "<p>Thanks!</p>\n"


@pytest.mark.parametrize(
    "text",
    [
        "{{ 'ab' * 30000000 }}",  # 60 MB of text: a bigger number would take the memory
        "{{ 3 * 'ab' * 10000000 }}",
        "{{ (10 ** 100000) > 1 }}",  # a number of a hundred thousand digits
    ],
)
def test_a_team_template_cannot_make_a_huge_value(
    tmp_path: Path, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Jinja's sandbox bounds ``range`` but not ``*`` and ``**``: one line of a template
    could take all the memory of the process that files the requests. A value a mail
    cannot need is refused like any other mistake, and ours go out."""
    folder = _team(tmp_path, "acknowledgement.txt.j2", text + "\n")
    with caplog.at_level(logging.ERROR, logger="gateway.notify.render"):
        done = Renderer(folder).render(SAMPLES[0], "en")
    assert done == Renderer().render(SAMPLES[0], "en")
    [line] = [r.getMessage() for r in caplog.records]
    assert "SecurityError" in line, line


def test_a_team_template_may_still_multiply(tmp_path: Path) -> None:
    folder = _team(tmp_path, "acknowledgement.txt.j2", "{{ '=' * 40 }} {{ 2 ** 10 }} {{ 6 * 7 }}\n")
    assert Renderer(folder).render(SAMPLES[0], "en").text == "=" * 40 + " 1024 42\n"


def test_a_team_html_part_without_its_text_is_the_text_too(tmp_path: Path) -> None:
    """The reverse of the case above: a team changed the HTML part only. A client that
    shows the text part (and the text a ticket keeps of our mail) must say the team's
    words too, read out of their HTML as incoming HTML-only mail is read."""
    folder = _team(
        tmp_path,
        "acknowledgement.html.j2",
        "<p>Thanks, {{ recipient }}: we are <b>on it</b>.</p><p>Ticket {{ ticket.tag }}</p>\n",
    )
    done = Renderer(folder).render(SAMPLES[0], "en")
    assert "we are on it." in done.text and "Ticket [#42]" in done.text
    assert "<b>" not in done.text
    assert "received your request" not in done.text  # the built-in words it replaced
    assert done.html.startswith("<p>Thanks, 山田 花子")
    assert Renderer(folder).render(SAMPLES[0], "ja") == Renderer().render(SAMPLES[0], "ja")
