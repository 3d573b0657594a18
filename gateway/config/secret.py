"""The reply-token key: from the environment, a file, or generated once under var/.

Never from the command line or the config text itself, where it would leak
into process lists and backups of the config. A generated key is written
with mode 0600 and kept, so reply addresses stay valid across restarts.
"""

from __future__ import annotations

import os
from pathlib import Path

from gateway.config.sections import Section
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_

ENV_SECRET = "TICKET_GATEWAY_SECRET"
MIN_LENGTH = 16  # bytes


def read_secret(s: Section, secret_file: Path | None, data_dir: Path) -> bytes:
    """``$TICKET_GATEWAY_SECRET``, then ``secret_file``, else ``<data_dir>/secret``."""
    if os.environ.get(ENV_SECRET):
        return os.environ[ENV_SECRET].encode()
    if secret_file is not None:
        try:
            value = secret_file.read_bytes().strip()
        except OSError as exc:
            raise ConfigError(
                s.path, s.key("secret_file"), N_("cannot read: {error}", error=str(exc))
            ) from None
        if len(value) < MIN_LENGTH:
            raise ConfigError(s.path, s.key("secret_file"), N_("secret must be ≥ 16 bytes"))
        return value
    generated = data_dir / "secret"
    if not generated.exists():
        import secrets

        generated.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(generated, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return generated.read_bytes().strip()
