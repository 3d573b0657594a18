"""Our own files (the style sheet, the scripts, the icon): which they are, and the URL
a page links each by, with its content's hash.

The hashes are read once, when the daemon starts: after an upgrade the pages name new
URLs, so a browser cannot keep an old style sheet against a new page. A URL with the
current hash is kept for a year; any other (bare, as the browser asks for
``/favicon.ico`` unasked, or an old page's hash) is checked again each time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
# The files we serve, by name, read once: a name from the URL is looked up here and
# never joined to a path (``/static/%2fetc%2fpasswd`` decodes to a name holding "/",
# and a joined absolute path is that path: any file on the machine, the secret too).
FILES = {p.name: p for p in STATIC.iterdir() if p.is_file() and not p.name.startswith(".")}
# each file's version: the start of its SHA-256, enough to tell two releases apart
VERSIONS = {name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for name, p in FILES.items()}
YEAR = 365 * 24 * 3600

# Cache-Control by whether the URL asked for names the file as it is now
CACHING = {
    # the current hash: these bytes never change under this URL
    True: f"public, max-age={YEAR}, immutable",
    # bare or an old hash: it names whatever the file is now, so the browser asks again
    # (aiohttp answers a 304 by the ETag when it has it already)
    False: "no-cache",
}


def url(name: str) -> str:
    """The URL a page links our file ``name`` by (a KeyError for a file we do not have:
    a typo in a template fails its test, not a reader's page)."""
    return f"/static/{name}?v={VERSIONS[name]}"


def cache_control(name: str, version: str | None) -> str:
    return CACHING[version == VERSIONS.get(name)]
