"""The reply-token key: from the environment, a file, or generated once under var/.

Never from the command line or the config text itself, where it would leak
into process lists and backups of the config. A generated key is written
with mode 0600 and kept, so reply addresses stay valid across restarts.
"""

from __future__ import annotations

import os
import stat
from contextlib import suppress
from pathlib import Path

from gateway.config.sections import EMPTY_VARIABLE, Section
from gateway.core.errors import ConfigError
from gateway.core.folders import private_folder
from gateway.core.i18n import N_, Msg
from gateway.core.key_strength import MIN_BYTES, weakness
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
                "the generated secret {path} is shorter than 16 bytes: remove it (a new one "
                "is made at the next start; reply addresses sent so far stop working)",
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
