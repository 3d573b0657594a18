"""The README's "Command reference" is the CLI's: the same commands, the same options.

A command or option that the manual lists and the parser lacks is an operator's
first error message; one the parser has and the manual omits is a feature nobody
finds. The parser is walked as argparse built it, so a command added without a line
in the reference fails here. The files and the mail templates the README names are
checked the same way.
"""

from __future__ import annotations

import argparse
import re

from gateway.runtime.cli.main import _parser
from tests.support.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def reference() -> dict[str, set[str]]:
    """command words → the options its line in "Command reference" shows."""
    section = README.split("## Command reference", 1)[1]
    block = section.split("```\n", 2)[1]
    commands: dict[str, set[str]] = {}
    lines: list[str] = []
    for text in block.splitlines():
        if text.startswith("ticket-gateway"):
            lines.append(text)
        elif lines:  # a continuation of the line above
            lines[-1] += " " + text.strip()
    commands[""] = set()  # the global options, wherever a line shows them
    for line in lines:
        if line.startswith("ticket-gateway [--config PATH] "):
            commands[""].add("--config")
            line = line.replace(" [--config PATH]", "", 1)
        words = line.split()[1:]
        name = []
        for word in words:
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            name.append(word)
        options = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", line))
        if name:
            commands[" ".join(name)] = options
        else:
            commands[""] |= options
    return commands


def parsed() -> dict[str, set[frozenset[str]]]:
    """command words → the options its parser takes (without -h), each as the set
    of its spellings (``-o``, ``--output``)."""
    found: dict[str, set[frozenset[str]]] = {}

    def walk(parser: argparse.ArgumentParser, name: list[str]) -> None:
        options = {
            frozenset(action.option_strings)
            for action in parser._actions
            if action.option_strings and "-h" not in action.option_strings
        }
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found[" ".join(name)] = options
            return
        if name:
            assert not options, f"{name}: options before the action are not in the reference"
        for sub in subs:
            for word, child in sub.choices.items():
                walk(child, [*name, word])

    walk(_parser(), [])
    return found


def test_the_reference_lists_every_command_the_cli_has() -> None:
    assert sorted(set(reference()) - {""}) == sorted(parsed())


def _differ(shown: set[str], takes: set[frozenset[str]]) -> list[str]:
    """Options shown that are not taken, and options taken that are not shown."""
    spelled = {s for spellings in takes for s in spellings}
    unknown = sorted(shown - spelled)
    missing = sorted("/".join(sorted(o)) for o in takes if not o & shown)
    return [f"not taken: {o}" for o in unknown] + [f"not shown: {o}" for o in missing]


def test_every_command_shows_the_options_it_takes() -> None:
    ref, cli = reference(), parsed()
    top = _parser()
    globals_ = {
        frozenset(a.option_strings)
        for a in top._actions
        if a.option_strings and "-h" not in a.option_strings
    }
    assert _differ(ref.pop(""), globals_) == []
    spelled = {s for g in globals_ for s in g}
    wrong = {
        name: problems
        for name, takes in cli.items()
        if (problems := _differ(ref.get(name, set()) - spelled, takes))
    }
    assert wrong == {}


def test_every_repository_path_the_readme_names_exists() -> None:
    named = re.findall(
        r"(?<![\w/.-])((?:gateway|store|templates|systemd|examples|tests|bench|tools|chat)"
        r"/[\w./-]*\w/?)",
        README,
    )
    missing = sorted({p for p in named if not (REPO / p).exists()})
    assert missing == []


def test_the_mail_templates_are_the_kinds_and_pieces_the_readme_lists() -> None:
    section = README.split("### Templates", 1)[1].split("The words are not", 1)[0]
    listed = set(re.findall(r"`(\w+)`", section.split("The kinds are", 1)[1]))
    pieces = set(re.findall(r"`(_\w+\.(?:html\.)?j2|_\w+\.txt\.j2)`", section))
    files = {p.name for p in (REPO / "templates" / "mail").iterdir()}
    kinds = {f.split(".")[0] for f in files if not f.startswith("_")}
    assert sorted(kinds ^ (listed - {"ja", "en"})) == []
    assert sorted({f for f in files if f.startswith("_")} ^ pieces) == []


def test_the_unit_settings_the_readme_quotes_are_the_units() -> None:
    """``MemoryMax=1G``, ``WatchdogSec=30`` … as the README quotes them are what
    ``systemd/ticket-gateway.service`` sets: an administrator sizes the machine and
    reads a restart by them. A directive the unit leaves at systemd's default
    (``KillMode=control-group``) is not the unit's to check; a quote of some exit codes
    (``RestartPreventExitStatus=78``) must be among the unit's."""
    unit: dict[str, str] = {}
    for line in (REPO / "systemd" / "ticket-gateway.service").read_text().splitlines():
        if re.fullmatch(r"[A-Z]\w*=.*", line):
            key, value = line.split("=", 1)
            unit[key] = value
    quoted = set(re.findall(r"`([A-Z][A-Za-z]+)=([^`]+)`", README))
    checked = {(k, v) for k, v in quoted if k in unit}
    assert len(checked) >= 8  # the section still quotes the unit
    wrong = sorted(
        f"{k}={v} (the unit: {unit[k]})"
        for k, v in checked
        if v != unit[k]
        and not (k == "RestartPreventExitStatus" and set(v.split()) <= set(unit[k].split()))
    )
    assert wrong == []
