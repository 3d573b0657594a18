"""``status``'s warnings, each with a stable code for scripts.

A warning is worth a look but is no problem (the exit status stays 0). People read its
text in the CLI's language; ``status --json`` gives each one as ``{"code", "text"}``: the
code a script can switch on, which never changes with the wording or the locale, and
the text in English whatever ``LANG`` says. Where a warning comes from, and its code,
is one table (:data:`WARNINGS`), documented in the README under ``status``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from gateway.core.i18n import Msg

if TYPE_CHECKING:
    from gateway.catalog.model import Catalog
    from gateway.config.settings import Settings
    from gateway.scheduling.health import HealthReport
    from gateway.scheduling.workload import Outside


@dataclass(frozen=True, slots=True)
class Seen:
    """What the warnings are read from: the site, its health report, the open tickets
    outside the catalog (None: the catalog could not be read); ``human``: said to
    people (disk figures in MB and GB), not to a script (exact bytes); ``catalog``: the
    catalog read (None: it could not be), whose webhook actions' key files count too."""

    settings: Settings
    report: HealthReport
    outside: Outside | None
    human: bool = False
    catalog: Catalog | None = None


@dataclass(frozen=True, slots=True)
class Warned:
    code: str  # a key of WARNINGS: stable, for scripts
    message: Msg  # said in the reader's language; in English in --json

    def as_dict(self) -> dict[str, str]:
        """For ``status --json``: the text in English (``str`` of a Msg), never the CLI's."""
        return {"code": self.code, "text": str(self.message)}


def _disks(seen: Seen) -> Iterable[Msg]:
    from gateway.runtime.cli.disk_lines import crowded
    from gateway.runtime.disk_space import crowded_rooms, disk_warnings

    if seen.human:
        return [crowded(room) for room in crowded_rooms(seen.settings)]
    return disk_warnings(seen.settings)


def _secret(seen: Seen) -> Iterable[Msg]:
    from gateway.config.secret import key_exposure

    gateway = seen.settings.gateway
    return [m for m in (key_exposure(gateway.secret_file, gateway.data_dir),) if m is not None]


def _data_folder(seen: Seen) -> Iterable[Msg]:
    from gateway.config.data_folder import data_folder_exposure

    return [m for m in (data_folder_exposure(seen.settings.gateway.data_dir),) if m is not None]


def _credentials(seen: Seen) -> Iterable[Msg]:
    from gateway.config.credential_files import credential_exposures

    files = seen.catalog.secret_files() if seen.catalog is not None else ()
    return credential_exposures(seen.settings, files)


def _links(seen: Seen) -> Iterable[Msg]:
    from gateway.config.web import links_off

    return [m for m in (links_off(seen.settings.web),) if m is not None]


def _proxy(seen: Seen) -> Iterable[Msg]:
    from gateway.config.proxy import environment_proxy_warning

    return [m for m in (environment_proxy_warning(seen.settings.actions),) if m is not None]


def _relays(seen: Seen) -> Iterable[Msg]:
    from gateway.config.relays import relays_unlisted

    return [m for m in (relays_unlisted(seen.settings),) if m is not None]


def _failed(seen: Seen) -> Iterable[Msg]:
    from gateway.runtime.cli.status_lines import status_warnings

    return status_warnings(seen.report)


def _bounced(seen: Seen) -> Iterable[Msg]:
    from gateway.scheduling.health import in_zone

    if not seen.human:  # --json: the time as ISO 8601 in UTC, as everywhere there
        return seen.report.bounced_members
    return [
        m
        for m in (in_zone(b, seen.settings.gateway.timezone) for b in seen.report.bounced_members)
        if isinstance(m, Msg)
    ]


def _outside(seen: Seen) -> Iterable[Msg]:
    return [m for m in (seen.outside.message(),) if m is not None] if seen.outside else []


# code → where its warnings come from, in the order status says them. A code is never
# renamed nor reused for another kind: scripts match on it.
WARNINGS: Final[dict[str, Callable[[Seen], Iterable[Msg]]]] = {
    "disk_nearly_full": _disks,  # a disk we write to has under 100 MB or 1 % free (one each)
    "secret_file_readable": _secret,  # other users may read the reply-token key's file (#14)
    # other users may write the data folder (or own it): a key or database of theirs there
    "data_folder_writable": _data_folder,
    # other users may read a password's or key's file ([[imap]] password_file, …): one each
    "credential_file_readable": _credentials,
    "base_url_unset": _links,  # [web] on without base_url: mails carry no links to the pages
    "proxy_unusable": _proxy,  # $https_proxy/$ALL_PROXY is no http:// proxy webhooks can use
    # trusted_authserv_ids set, the listener open to other machines without logins, and
    # trusted_networks naming only this one: no mail from elsewhere proves its sender
    "relay_networks_unset": _relays,
    "mail_failed_recently": _failed,  # outgoing mail failed for good in the last 24 hours
    # a member's mail about no ticket (a weekly digest) came back within 8 days
    "member_mail_bounced": _bounced,
    "tickets_outside_catalog": _outside,  # open tickets under entries no longer in the catalog
}


def warnings(seen: Seen) -> list[Warned]:
    """Every warning that holds now, with its code."""
    return [Warned(code, message) for code, read in WARNINGS.items() for message in read(seen)]
