"""The files that hold a password or a key besides the reply-token key's
(:func:`gateway.config.secret.key_exposure`): which they are, and which of them other
users of the machine may read or change.

A mailbox's password lets anyone read every request and send as the support
address; the relay's, send as the team; the listener's AUTH users file, get mail
stored as a trusted peer; its TLS key, pose as the listener; a chat webhook's URL, post
as the team; a webhook action's key, start the team's automation. ``status`` warns of each
such file open to others, and the daemon says it once at its start, as it does for
the reply-token key. Only "others" counts: a file the group may read is the admin's
choice (a group of admins, or the group a secrets manager writes as).
"""

from __future__ import annotations

import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from gateway.config.settings import Settings
from gateway.core.i18n import N_, Msg


def credential_files(settings: Settings) -> Iterator[tuple[str, Path]]:
    """(its key in the config, as a config error names it, and the file), for each
    file of a credential set."""
    # the listener's TLS key: whoever has it can pose as the listener
    if settings.smtp.tls_key is not None:
        yield "[smtp.tls_key]", settings.smtp.tls_key
    # the AUTH users (and their password hashes) of peers outside trusted_networks
    if settings.smtp.auth_users_file is not None:
        yield "[smtp.auth_users_file]", settings.smtp.auth_users_file
    for mailbox in settings.imap:
        # the mailbox's password, or its OAuth token: every request, readable by all
        if mailbox.password_file is not None:
            yield "[imap.password_file]", mailbox.password_file
        if mailbox.oauth2_token_file is not None:
            yield "[imap.oauth2_token_file]", mailbox.oauth2_token_file
    # the relay's password: mail sent as the team
    if settings.outbound.password_file is not None:
        yield "[outbound.password_file]", settings.outbound.password_file
    # the Slack app's tokens: posting and reading as the app in the team's workspace; a
    # Teams or Slack-format webhook's URL, which carries its own signature
    yield from settings.chat.credential_files


def credential_exposures(settings: Settings, more: Iterable[tuple[str, Path]] = ()) -> list[Msg]:
    """Why each credential file other users may read or change is a risk; ``more``:
    those named outside the config (a webhook action's ``secret_file``, in the catalog:
    :meth:`gateway.catalog.model.Catalog.secret_files`)."""
    found = []
    for key, path in dict.fromkeys([*credential_files(settings), *more]):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue  # a file that cannot be read is said where it is used
        if mode & (stat.S_IROTH | stat.S_IWOTH):
            found.append(
                N_(
                    "the file {path} ({key}) holds a password or key and can be read by "
                    "other users (mode {mode}); run: chmod 600 {path}",
                    path=str(path),
                    key=key,
                    mode=format(mode, "04o"),
                )
            )
    return found
