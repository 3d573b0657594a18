"""What the daemon says once at start, in the journal an admin reads first.

The same findings ``status`` reports (and some only the daemon can see, its own
environment's proxy), logged as warnings by the daemon's logger: the daemon starts
all the same. Apart from :mod:`gateway.runtime.daemon`, which stays about serving.
"""

from __future__ import annotations

import logging
from pathlib import Path

from gateway.config.credential_files import credential_exposures
from gateway.config.data_folder import data_folder_exposure
from gateway.config.proxy import environment_proxy_warning
from gateway.config.relays import relays_unlisted
from gateway.config.secret import key_exposure
from gateway.config.settings import Settings
from gateway.config.web import links_off
from gateway.notify.template_check import template_warnings
from gateway.runtime.disk_space import disk_problems, disk_warnings

log = logging.getLogger("gateway.daemon")  # the daemon's: where an admin looks for them


def warn_at_start(settings: Settings) -> None:
    """What ``status`` warns of, once: a secret key or a password's file others may
    read, a data folder others may write, links left out of mails until base_url is
    set, a proxy in the environment that webhook actions cannot use (the daemon's own
    environment, which ``status`` cannot see), a disk nearly full or too full for the
    largest mail (that one a problem for ``status``; the daemon starts all the same,
    and such mail is refused for now), a team template that will not compile (its
    mails go out from ours), Authentication-Results that mail from other machines
    cannot bring (:mod:`gateway.config.relays`)."""
    for warning in (
        key_exposure(settings.gateway.secret_file, settings.gateway.data_dir),
        data_folder_exposure(settings.gateway.data_dir),
        *credential_exposures(settings, _action_secret_files(settings)),
        links_off(settings.web),
        environment_proxy_warning(settings.actions),
        relays_unlisted(settings),
        *disk_warnings(settings),
        *(problem.message for problem in disk_problems(settings)),
        *template_warnings(settings.gateway.templates_dir),
    ):
        if warning is not None:
            log.warning("%s", warning)


def _action_secret_files(settings: Settings) -> list[tuple[str, Path]]:
    """The webhook actions' key files of the configured catalog; none when it cannot be
    read (the start stops at it just after, saying why)."""
    from gateway.core.errors import CatalogError
    from gateway.runtime.reader import catalog_holder

    try:
        return list(catalog_holder(settings).current.secret_files())
    except CatalogError:
        return []
