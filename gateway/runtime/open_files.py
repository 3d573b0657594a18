"""The daemon's limit of open files: raised to what it may have at start, and said once.

Every SMTP session, page connection, IMAP account, Slack socket and SQLite file is a
file descriptor. A process often starts with a soft limit of 1024 (systemd's
default for a service, a login shell's ``ulimit -n``) while its hard limit allows
far more (systemd's default: 524288): the soft limit stays low for programs that
watch descriptors with ``select()``, which cannot take one numbered 1024 or more.
The daemon's sockets are watched with epoll and poll only (asyncio, psycopg,
imapclient), so, as Go programs do at start, it raises its own soft limit to its
hard one; the unit sets ``LimitNOFILE=`` besides (systemd/ticket-gateway.service).

At most :data:`CEILING`: a hard limit of a billion (some container runtimes) made
the soft limit of every program a catalog action starts that high too, and an old
program that closes every descriptor up to its limit before it runs then spends
minutes doing so. A soft limit already higher (an admin's own) is never lowered.
"""

from __future__ import annotations

import logging
import resource

log = logging.getLogger("gateway.daemon")

# far above what the listeners hold at once ([smtp] max_sessions 100, a browser's six
# connections a user); the same as the unit's LimitNOFILE
CEILING = 65536


def raise_open_files(ceiling: int = CEILING) -> int:
    """Raise the soft limit of open files to the hard limit (at most ``ceiling``) when
    it is lower, and log the one the daemon runs with (returned): the number an EMFILE
    warning names later is then in the same journal from the start."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = ceiling if hard == resource.RLIM_INFINITY else min(hard, ceiling)
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        except (OSError, ValueError) as exc:  # a sandbox may refuse: the daemon runs on
            log.warning("the limit of open files stays at %s: %s", soft, exc)
        else:
            soft = want
    log.info("the daemon may hold %s open files (hard limit: %s)", _said(soft), _said(hard))
    return soft


def _said(limit: int) -> str:
    return "unlimited" if limit == resource.RLIM_INFINITY else str(limit)
