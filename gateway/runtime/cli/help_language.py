"""``--help`` and argparse's own lines (usage, errors) in the CLI's language.

Every line a person reads comes from our catalogs, the command line's help too: a
Japanese team's ``ticket-gateway --help`` has no English sentence in it. The help
texts are written ``h(N_("…"))`` where the parser is built, in the language
:func:`~gateway.runtime.cli.language.cli_locale` picks ($LC_ALL, $LC_MESSAGES,
$LANG, else the built-in default: the config file is not read before the
arguments are). argparse says its own lines ("usage:", "the following arguments
are required", …) through gettext's default domain; :func:`install` points it at
our catalog instead, whose entries for them are listed in :data:`ARGPARSE` with
the msgids as Python spells them. A msgid of a later Python that is not listed
stays English.
"""

from __future__ import annotations

import argparse

from gateway.core.i18n import N_, Msg, gettext_for, translate
from gateway.runtime.cli.common import Speaker

# argparse's own lines that a person can meet (Python 3.11's msgids; its errors
# about how a parser was built are for us, not for them, and stay English)
ARGPARSE = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("expected %s argument"),
    N_("expected %s arguments"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)


def help_locale() -> str:
    """The language of the parser being built (:func:`install` chose it), else of now."""
    return _chosen[0] if _chosen else _current()


def _current() -> str:
    """The CLI's language before any config is read: what a Speaker says in when the
    settings could not be read (the built-in default for ``[gateway] locale``)."""
    return Speaker(None).locale


_chosen: list[str] = []  # set by install(), once per parser built: not once per help text


def h(message: Msg) -> str:
    """A help text in the CLI's language; argparse expands ``%`` in help texts."""
    return translate(message, help_locale()).replace("%", "%%")


def text(message: Msg) -> str:
    """A description in the CLI's language (argparse does not expand it)."""
    return translate(message, help_locale())


def install() -> None:
    """Choose the CLI's language for the parser about to be built, and have argparse
    say its own lines from our catalog in it."""
    _chosen[:] = [_current()]
    setattr(argparse, "_", _gettext)  # noqa: B010 - argparse's module-level gettext
    setattr(argparse, "ngettext", _ngettext)  # noqa: B010


def _gettext(message: str) -> str:
    return gettext_for(help_locale(), message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return gettext_for(help_locale(), singular if n == 1 else plural)


def argparse_text(message: str) -> str:
    """One of argparse's own messages in the help language, for a usage error a handler
    finds after parsing (an argument optional for one action only) said as argparse says
    it."""
    return _gettext(message)


class WideHelpFormatter(argparse.HelpFormatter):
    """argparse's help, wrapped by the columns a terminal gives each character (a kanji
    two, :func:`gateway.core.wrap.width_of`), not by characters: the Japanese help ran
    to 118 columns on an 80-column terminal, broken again wherever the terminal chose.
    Breaks fall where a reader allows them (between words; in Japanese between
    characters, kinsoku kept), as in our mails."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        from gateway.core.wrap import wrap

        return wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        from gateway.core.wrap import wrap

        return "\n".join(
            indent + line for line in wrap(" ".join(text.split()), width - len(indent))
        )
