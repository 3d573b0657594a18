"""The reply-token key: from the environment, a file, or generated once under var/.

Never from the command line or the config text itself, where it would leak
into process lists and backups of the config. A generated key is written
with mode 0600 and kept, so reply addresses stay valid across restarts.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from gateway.config.sections import EMPTY_VARIABLE, Section
from gateway.config.settings import GatewaySettings
from gateway.core.errors import ConfigError
from gateway.core.folders import private_folder
from gateway.core.i18n import N_, Msg
from gateway.core.key_strength import MIN_BYTES, weakness
from gateway.core.sqlite_url import sqlite_path
from gateway.core.tokens import mask_url_passwords
from gateway.core.utf8 import file_error, secret_bytes

ENV_SECRET = "TICKET_GATEWAY_SECRET"
# what systemd/environment.example ships: a key anyone who read the example can use
PRIVATE_FILE = 0o600  # the generated key, whatever the umask
PLACEHOLDER = b"change-me-to-64-random-hex-characters"


def read_secret(
    s: Section, secret_file: Path | None, data_dir: Path, *, make: bool = True
) -> bytes:
    """``$TICKET_GATEWAY_SECRET``, then ``secret_file``, else ``<data_dir>/secret``
    (``make=False``: not generated when missing, which is then "cannot read")."""
    if ENV_SECRET in os.environ:  # set but empty: not "unset" (a key of our own)
        # without the space around it, as a file's key is read and systemd's environment
        # file gives it: a shell's `export` with a stray space would sign other tokens
        value = os.environ[ENV_SECRET].encode().strip()
        if not value:
            raise ConfigError("environment", ENV_SECRET, EMPTY_VARIABLE)
        _check(value, "environment", ENV_SECRET)
        return value
    if secret_file is not None:
        try:
            value = secret_bytes(secret_file).strip()
        except OSError as exc:
            raise ConfigError(
                s.path,
                s.key("secret_file"),
                N_(
                    "cannot read {file}: {error}",
                    file=str(secret_file),
                    error=file_error(exc),
                ),
            ) from None
        _check(value, s.path, s.key("secret_file"))
        return value
    generated = generated_path(data_dir)
    value = _generated(s, generated, make)
    if len(value) < MIN_BYTES:  # emptied or cut short: tokens keyed by (almost) nothing
        raise ConfigError(
            s.path,
            s.key("data_dir"),
            N_(
                "the generated secret {path} is shorter than 16 bytes: put the key from a "
                "backup there, or make a new one (openssl rand -hex 32 > {path}; reply "
                "addresses sent so far stop working)",
                path=str(generated),
            ),
        )
    return value


def _generated(s: Section, path: Path, make: bool) -> bytes:
    """The key generated under the data folder, made first if missing. One the user may
    not read or make (another user's data folder: a member reading the gateway's
    database) is a ConfigError like an unreadable ``secret_file``, raised only by what
    needs the key (``reply_key``), not a traceback from every command."""
    try:
        if make and not path.exists():
            _generate(path)
        return secret_bytes(path).strip()
    except OSError as exc:
        error = file_error(exc)
        problem = (
            N_("cannot read {file}: {error}", file=str(path), error=error)
            if path.exists() or not make
            else N_("cannot write {path}: {error}", path=str(path), error=error)
        )
        raise ConfigError(s.path, s.key("data_dir"), problem) from None


def _generate(path: Path) -> None:
    """A new random key at ``path``, written beside it and linked into place, so the
    name only ever holds a whole key; of two first starts at once, one key wins."""
    import secrets

    private_folder(path.parent)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.unlink(missing_ok=True)  # left by a crash: its mode is not to be trusted
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "w") as fh:
            os.fchmod(fh.fileno(), PRIVATE_FILE)  # 0600 whatever the umask took away
            fh.write(secrets.token_hex(32))
            fh.flush()
            os.fsync(fh.fileno())
        with suppress(FileExistsError):  # another process made it first: theirs is the key
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


def generated_path(data_dir: Path) -> Path:
    return data_dir / "secret"


def _check(value: bytes, path: str, key: str) -> None:
    if value.strip().lower().startswith(PLACEHOLDER[:9]):  # "change-me…", edited or not
        raise ConfigError(
            path,
            key,
            N_(
                "is the placeholder of environment.example, which anyone can read: "
                "use 32 random bytes, e.g. the output of: openssl rand -hex 32"
            ),
        )
    if (why := weakness(value)) is not None:  # short, or not random (one rule for every key)
        raise ConfigError(path, key, why)


def exposure(path: Path) -> Msg | None:
    """Why the secret file at ``path`` is a risk (others may read or change it), if it is."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if not mode & (stat.S_IROTH | stat.S_IWOTH):
        return None
    octal = format(mode, "04o")
    return N_(
        "the secret file {path} can be read by other users (mode {mode}): anyone on this "
        "machine can forge reply addresses; run: chmod 600 {path}",
        path=str(path),
        mode=octal,
    )


def key_exposure(secret_file: Path | None, data_dir: Path) -> Msg | None:
    """Why the reply-token key in use is a risk, if it is: the file it is read from
    (``secret_file``, else the generated one) is open to other users. A key from the
    environment has no file. Said by ``status`` and logged by the daemon at start."""
    if os.environ.get(ENV_SECRET):
        return None
    return exposure(secret_file or generated_path(data_dir))


def key_to_make(secret_file: Path | None, data_dir: Path) -> bool:
    """True when the key would be generated now: none in the environment, no
    ``secret_file``, and none generated before in the data folder."""
    return (
        ENV_SECRET not in os.environ
        and secret_file is None
        and not os.path.lexists(generated_path(data_dir))
    )


TicketsHeld = Callable[[str], bool]
"""Whether the database at a URL holds a ticket. The config reads an SQLite file itself
(:func:`sqlite_held`); a server's database is asked by the runtime, which has the
store (``gateway.runtime.refusals.tickets_held``), and raises TransientError when it
cannot be reached: no key is made for a database nobody looked at."""


def sqlite_held(url: str) -> bool:
    """The SQLite file at ``url`` holds a ticket (:func:`holds_tickets`); a server's
    database is not looked at (False)."""
    path = sqlite_path(url)
    return path is not None and holds_tickets(path)


def key_made(
    s: Section, gw: GatewaySettings, url: str, held: TicketsHeld = sqlite_held
) -> GatewaySettings:
    """``gw`` with the key the load left to make once the database's URL was known:
    made, or refused for a database that already holds tickets (made_or_refused)."""
    if not key_to_make(gw.secret_file, gw.data_dir):
        return gw  # the key's problem is another one (a secret_file not read …)
    try:
        key = made_or_refused(s, gw.data_dir, url, held)
    except ConfigError as exc:
        return replace(gw, secret_problem=exc)
    return replace(gw, secret=key, secret_problem=None)


def made_or_refused(s: Section, data_dir: Path, url: str, held: TicketsHeld = sqlite_held) -> bytes:
    """The key generated for a database that holds no ticket yet. One that does (a
    database restored from a backup without its key, a data folder moved without it,
    a ``secret_file`` or ``$TICKET_GATEWAY_SECRET`` dropped from the config) had its
    reply addresses signed with another key, which a new one would silently break (a
    member's reply commands refused, customers' replies unverified): refused, naming
    where the key belongs, as an unreadable ``secret_file`` is (what needs no key still
    works). ``held`` answers for the database at ``url`` (:data:`TicketsHeld`)."""
    if (refused := key_refused(s, data_dir, url, held)) is not None:
        raise refused
    return read_secret(s, None, data_dir, make=True)


def key_refused(
    s: Section, data_dir: Path, url: str, held: TicketsHeld = sqlite_held
) -> ConfigError | None:
    """Why no key may be made in ``data_dir`` (:func:`made_or_refused`), asked also
    before anything is made: a refused ``ingest`` leaves no data folder behind. The
    database is named as its file, or its URL without the password."""
    path = generated_path(data_dir)
    if not held(url):
        return None
    said = N_(
        "no reply-token key at {path}, but the database {database} holds tickets, whose "
        "reply addresses were signed with one: put that key there (from the machine or "
        "the backup the database came from), or, if it is lost, make a new one "
        "(openssl rand -hex 32 > {path}; the reply addresses sent so far then stop "
        "working)",
        path=str(path),
        database=sqlite_path(url) or mask_url_passwords(url),
    )
    return ConfigError(s.path, s.key("data_dir"), said)


def holds_tickets(database: str) -> bool:
    """True when the SQLite file at ``database`` holds at least one ticket; read only,
    and False for anything that cannot be read so (no file, not a database yet, locked):
    the key is made then, as it always was."""
    try:
        if os.path.getsize(database) == 0:
            return False
        uri = f"file:{quote(os.path.abspath(database))}?mode=ro"
        con = sqlite3.connect(uri, uri=True, timeout=1.0)
        try:
            return con.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() is not None
        finally:
            con.close()
    except (OSError, sqlite3.Error):
        return False
