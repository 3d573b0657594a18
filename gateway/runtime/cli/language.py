"""The language of the command line's lines for people: one rule, stdlib only.

Its own module because the MTA pipe's fast path (:mod:`gateway.runtime.entry`)
says a line too, and must not pay for argparse or the settings to choose the
words.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from gateway.core.i18n import supported


def cli_locale(configured: str, environ: Mapping[str, str] = os.environ) -> str:
    """The language of the CLI's lines for people.

    The first of ``$LC_ALL``, ``$LC_MESSAGES``, ``$LANG`` that is set (POSIX's
    order) decides when it names Japanese (``ja…``) or English (``en…``);
    ``C`` and ``POSIX`` (also ``C.UTF-8``) mean English, so scripts and tests
    that read our output see the same words everywhere. Any other language, or
    none set, leaves the team's ``[gateway] locale``.
    """
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if not value:
            continue
        language = value.split(".", 1)[0].split("@", 1)[0].lower()
        if language.startswith("ja"):
            return "ja"
        if language.startswith("en") or language in ("c", "posix"):
            return "en"
        break
    return supported(configured)
