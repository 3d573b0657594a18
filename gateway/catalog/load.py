"""Load and validate the catalog YAML, and keep it current across SIGHUP.

An operator fixing a catalog needs *every* problem with the line it is on, not
the first exception: :mod:`gateway.catalog.reader` collects them all and
:func:`load_catalog` raises one :class:`CatalogError` carrying the list.

Members are checked only when ``[[members]]`` is configured: the built-in
defaults have no members, and the packaged example must still load there.

What actions refer to outside the file (programs, secrets, the team's templates)
is checked against the catalog's folder; the packaged example's folder for that
is the shipped ``examples/`` (:func:`gateway.core.resources.examples_dir`), where
its ``account`` action's script lives in a checkout and in a wheel alike.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gateway.catalog.action_reader import Where
from gateway.catalog.model import Catalog
from gateway.catalog.reader import UNKNOWN_MEMBER, read
from gateway.config.settings import Member, Settings
from gateway.core.counted import counted
from gateway.core.errors import CatalogError, ConfigError, Problem
from gateway.core.i18n import N_, Msg
from gateway.core.resources import examples_dir
from gateway.core.utf8 import bad_line, decoded, file_error, small_file

log = logging.getLogger("gateway.catalog")


def catalog_path(settings: Settings) -> Path:
    """The configured catalog, else the example shipped inside the package."""
    if settings.catalog.path is not None:
        return settings.catalog.path
    return EXAMPLE


EXAMPLE = Path(__file__).resolve().parent / "examples" / "catalog.yaml"


def where_of(
    path: Path,
    templates_dir: Path | None = None,
    working_days: bool = False,
    calendars: frozenset[str] = frozenset(),
) -> Where:
    """Where the actions of the catalog at ``path`` find their files and run, whether
    the team has the calendar its waits in working days need, and the names of the
    calendars an entry may name."""
    resolved = path.resolve()
    base = examples_dir() if resolved == EXAMPLE else resolved.parent
    return Where(base, templates_dir, working_days, calendars)


def load_catalog(
    path: Path,
    members: Sequence[Member] = (),
    templates_dir: Path | None = None,
    *,
    working_days: bool = False,
    calendars: frozenset[str] = frozenset(),
) -> Catalog:
    """Read and validate ``path``; raises :class:`CatalogError` with every problem.

    ``templates_dir``: the team's templates (``[gateway] templates_dir``), where an
    action's ``on_success.reply`` must exist; ``working_days``: the team has
    ``[business_hours]``, so an entry's waits may be working days (``"2bd"``);
    ``calendars``: the names of its ``[[business_hours.calendars]]``, the ones an entry's
    ``calendar:`` may say besides ``always``."""
    text = read_catalog_text(path)
    return _parsed(text, path, members, templates_dir, working_days, calendars)


def load_for(settings: Settings, path: Path | None = None) -> Catalog:
    """The catalog at ``path`` (default: the configured one) for the team of
    ``settings``: its members, its templates and its calendar. The configured one that
    cannot be read raises the ConfigError of :func:`configured_unreadable`."""
    try:
        return load_catalog(
            path or catalog_path(settings),
            settings.members,
            settings.gateway.templates_dir,
            working_days=settings.business_hours is not None,
            calendars=settings.calendars.names,
        )
    except CatalogError as exc:
        if path is None and (mistake := configured_unreadable(settings, exc)) is not None:
            raise mistake from None
        raise


def read_catalog_text(path: Path) -> str:
    try:
        return decoded(small_file(path))  # a byte-order mark is no YAML
    except UnicodeDecodeError as exc:  # saved as Shift_JIS: the line, not a byte offset
        problem = N_("not UTF-8 text: save {name} as UTF-8", name=path.name)
        raise CatalogError(str(path), [Problem(bad_line(exc), problem)]) from None
    except OSError as exc:  # the path is on the line already: the reason alone
        error = file_error(exc)
        problem = N_("cannot read: {error}", error=error)
        raise CatalogError(str(path), [Problem(0, problem)], unreadable=error) from None


def configured_unreadable(settings: Settings, exc: CatalogError) -> ConfigError | None:
    """The configured catalog that cannot be read at all (gone, a folder, a named pipe
    or a device): a mistake in ``[catalog] path``, said as one, naming the config, the
    key and the file, as an unreadable ``secret_file`` is (it was ``fifo:0: cannot
    read``, naming neither). None for any other catalog error."""
    path = settings.catalog.path
    if exc.unreadable is None or path is None or exc.path != str(path):
        return None
    said = N_("cannot read {file}: {error}", file=str(path), error=exc.unreadable)
    return ConfigError(settings.source, "catalog.path", said)


def _parsed(
    text: str,
    path: Path,
    members: Sequence[Member],
    templates_dir: Path | None,
    working_days: bool,
    calendars: frozenset[str] = frozenset(),
) -> Catalog:
    where = where_of(path, templates_dir, working_days, calendars)
    try:
        return parse_catalog(text, members, source=str(path), where=where)
    except CatalogError as exc:
        if path.resolve() == EXAMPLE:  # not the team's to fix: the team's to replace
            exc.hint = example_hint()
        raise


def example_hint() -> Msg:
    """Said once after the problems of the packaged example: it gives tickets to example
    addresses, so the team's first ``[[members]]`` makes it refuse to load, and the
    problems name a file inside the installed package that nobody should edit."""
    return N_(
        "this is the example catalog shipped with ticket-gateway, used while [catalog] "
        'path is not set: write your team\'s catalog (README, "Service catalog") and set '
        "[catalog] path to it"
    )


def members_hint(problems: Sequence[Problem], config: str) -> Msg | None:
    """Said once after a catalog's problems when one is an entry naming someone not in
    ``[[members]]``: those are read from the configuration file, not the catalog, and
    the usual cause is a member taken out of it (they left, their address changed)
    while the catalog still gives them an entry."""
    if not any(isinstance(p.message, Msg) and p.message.msgid == UNKNOWN_MEMBER for p in problems):
        return None
    return N_(
        "the team is the [[members]] of {config}: when someone leaves or changes address "
        "there, give what the catalog names them for to a member too",
        config=config,
    )


def check_catalog(
    path: Path,
    members: Sequence[Member] = (),
    templates_dir: Path | None = None,
    *,
    working_days: bool = False,
    calendars: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Every problem in ``path`` with its line; empty when the catalog is fine."""
    try:
        load_catalog(path, members, templates_dir, working_days=working_days, calendars=calendars)
    except CatalogError as exc:
        return list(exc.problems)
    return []


def parse_catalog(
    text: str, members: Sequence[Member] = (), *, source: str = "", where: Where | None = None
) -> Catalog:
    """``where``: None checks no file an action names (a catalog given as text)."""
    entries, found = read(text, members, where)
    if found:
        # a mistake under an anchor is found once per entry that names it: said once
        once = {(p.line, str(p.message)): p for p in found}
        raise CatalogError(source, sorted(once.values(), key=lambda p: p.line))
    return Catalog(tuple(entries), source, hashlib.sha256(text.encode("utf-8")).hexdigest())


@dataclass(frozen=True, slots=True)
class CatalogRef:
    """Where another process finds the catalog in use, and which one it is: a parse
    worker loads it itself (a path is a few bytes to send; the catalog is kilobytes
    per message) and works for it only if what it read has the same ``digest``."""

    path: Path
    members: tuple[Member, ...]
    templates_dir: Path | None
    digest: str
    working_days: bool = False  # [business_hours]: waits may be working days
    calendars: frozenset[str] = frozenset()  # the calendars an entry may name


_LOADED: dict[CatalogRef, Catalog | None] = {}  # a worker's: each catalog read once


def load_ref(ref: CatalogRef) -> Catalog | None:
    """The catalog ``ref`` names, read once per process; None when the file no longer
    holds that catalog (changed, gone, broken since)."""
    if ref not in _LOADED:
        try:
            found: Catalog | None = load_catalog(
                ref.path,
                ref.members,
                ref.templates_dir,
                working_days=ref.working_days,
                calendars=ref.calendars,
            )
        except CatalogError:
            found = None
        _LOADED[ref] = found if found is not None and found.digest == ref.digest else None
    return _LOADED[ref]


class CatalogHolder:
    """The catalog in use; :meth:`reload` swaps it only for a valid new one.

    The daemon calls ``reload`` on SIGHUP. A broken edit must not take the
    gateway down or leave it unclassified, so the old catalog stays and the log
    says exactly why the new one was refused.
    """

    def __init__(
        self,
        path: Path,
        members: Sequence[Member] = (),
        loader: Callable[[Path, Sequence[Member]], Catalog] | None = None,
        *,
        templates_dir: Path | None = None,
        text: str | None = None,
        working_days: bool = False,
        calendars: frozenset[str] = frozenset(),
        config: str | None = None,
    ) -> None:
        """``text``: the catalog another process has in use, read from ``path`` there and
        taken as it is (the daemon's processing child starts with the daemon's catalog,
        even when the file has since been changed into one the daemon refused).
        ``working_days``: the team has ``[business_hours]``; ``calendars``: the names of
        its other calendars (:func:`load_catalog`). ``config``: the configuration file
        whose ``[catalog] path`` names ``path`` (a reload that cannot read it says so)."""
        self.path, self._members, self._templates_dir = path, tuple(members), templates_dir
        self._config = config
        self._working_days, self._calendars = working_days, calendars
        self._loader = loader
        self._lock = threading.RLock()  # the watch's thread, and SIGHUP's handler (nested)
        self._seen = looks(path)  # the file as the last (re)load found it
        if text is not None:
            self._current = self._parse(text)
        else:
            self._current, text = self._load()  # at start a bad catalog is fatal
        self.text: str | None = text  # the text of the catalog in use (None: not a file's)
        # told after each catalog taken: the daemon sends it to its processing child
        self.followers: list[Callable[[], object]] = []

    @property
    def current(self) -> Catalog:
        return self._current

    def ref(self) -> CatalogRef | None:
        """The catalog in use, for a worker process to load (None: not read from a file
        here, as with a test's own loader)."""
        digest = self._current.digest
        if not digest:
            return None
        return CatalogRef(
            self.path,
            self._members,
            self._templates_dir,
            digest,
            self._working_days,
            self._calendars,
        )

    def _parse(self, text: str) -> Catalog:
        return _parsed(
            text,
            self.path,
            self._members,
            self._templates_dir,
            self._working_days,
            self._calendars,
        )

    def _load(self) -> tuple[Catalog, str | None]:
        """The catalog at ``path``, and its text (None from a test's own loader)."""
        if self._loader is not None:
            return self._loader(self.path, self._members), None
        text = read_catalog_text(self.path)
        return self._parse(text), text

    def take(self, text: str) -> bool:
        """The catalog another process read from ``path`` and took, as its text (the
        daemon's, sent to its processing child): it replaces the one in use here, or is
        refused and logged as a reload would be. An empty text (the other process's
        catalog was not read from a file) has the file read again."""
        if not text:
            return self.reload()
        return self._swap(lambda: (self._parse(text), text))

    def reload(self) -> bool:
        with self._lock:
            self._seen = looks(self.path)  # before reading: a save meanwhile is seen next
            return self._swap(self._load)

    def reload_if_changed(self) -> bool | None:
        """The file read again if it was saved since the last (re)load, as
        :meth:`reload` does (True: taken; False: refused, the old one kept and the
        problems logged); None when it was not. A save caught half-written is refused
        once, and the save that completes it changes the file again."""
        with self._lock:
            if looks(self.path) == self._seen:
                return None
            return self.reload()

    def _swap(self, load: Callable[[], tuple[Catalog, str | None]]) -> bool:
        with self._lock:
            return self._swapped(load)

    def _swapped(self, load: Callable[[], tuple[Catalog, str | None]]) -> bool:
        try:
            new, text = load()
        except CatalogError as exc:
            kept = counted(len(self._current.entries), "entry", "entries")
            if exc.unreadable is not None:  # no line 0 of a file never read: the key, why
                where = f"{self._config}: [catalog.path] " if self._config else ""
                log.error(
                    "catalog reload refused: %scannot read %s: %s; keeping the catalog in use (%s)",
                    where,
                    self.path,
                    exc.unreadable,
                    kept,
                )
                return False
            log.error(
                "catalog reload refused: %s has %s; keeping the catalog in use (%s)",
                self.path,
                counted(len(exc.problems), "problem"),
                kept,
            )
            for p in exc.problems:
                log.error("  %s:%d: %s", self.path, p.line, p.message)
            return False
        if new.digest and new.digest == self._current.digest:  # the same text: no news
            log.info("catalog unchanged: %s", self.path)
            return True
        self._current, self.text = new, text
        log.info("catalog reloaded from %s: %d entries", self.path, len(new.entries))
        for follow in self.followers:
            follow()
        return True


WATCH_INTERVAL = 2.0  # seconds between the daemon's looks at the catalog file


def looks(path: Path) -> tuple[int, ...] | None:
    """What tells a save of ``path`` from the last one: its inode (an editor renames a
    new file over it), size and times; None when it cannot be read."""
    try:
        st = path.stat()  # a symlink followed: a swapped link target counts
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def watch_catalog(
    holder: CatalogHolder, stop: threading.Event, interval: float = WATCH_INTERVAL
) -> None:
    """The daemon's look at the catalog file every ``interval`` until ``stop``: a manager
    who saved the YAML needs no ``systemctl reload`` (SIGHUP still works) for new mail to
    be filed by it; a broken save is refused as a reload refuses it."""
    while not stop.wait(interval):
        holder.reload_if_changed()
