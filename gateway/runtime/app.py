"""Composition root: settings → engine → clock → runner (and, in ``run``, the sources).

Nothing else builds these; tests build an :class:`App` with their own clock and
database URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.catalog.load import CatalogHolder
from gateway.config.settings import Settings
from gateway.config.slack_members import SlackMembers
from gateway.core.clock import Clock, SystemClock
from gateway.core.sqlite_url import sqlite_path
from gateway.runtime.reader import catalog_holder, schema_current
from gateway.runtime.refusals import database_refusal
from gateway.tickets import conversation, news
from store.checkpoint import WalCheckpointer
from store.db import make_engine, session_factory

if TYPE_CHECKING:  # imported by build() when it makes one: see its ``processing``
    from gateway.runner.runner import Runner


@dataclass(frozen=True, slots=True)
class App:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    runner: Runner | None  # None: built without processing (build's ``processing``)
    catalog: CatalogHolder  # reloaded by the daemon on SIGHUP
    runner_engine: Engine  # the runner's: on SQLite it commits without fsync (make_engine)
    checkpointer: WalCheckpointer | None = None  # checkpoint_apart: the runner's checkpoints
    slack_members: SlackMembers | None = None  # the Slack member map, reloaded on SIGHUP

    def the_runner(self) -> Runner:
        """The runner, which every App but the doors' own has (build's ``processing``)."""
        assert self.runner is not None, "an App built without processing"
        return self.runner

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
        self.runner_engine.dispose()
        self.engine.dispose()
        if self.checkpointer is not None:
            self.checkpointer.close()


def build(
    settings: Settings,
    clock: Clock | None = None,
    *,
    migrate_schema: bool = True,
    parse_apart: bool = False,
    checkpoint_apart: bool = False,
    catalog_text: str | None = None,
    before_migrating: Callable[[str | None, str], None] | None = None,
    create: bool = True,
    processing: bool = True,
) -> App:
    """Wire the parts; bring the schema to head first (raises TransientError if down).

    A catalog with problems raises CatalogError here, before anything listens.
    ``parse_apart``: the runner parses every row in its worker process, not only big
    or hostile ones; the daemon asks for it, so that parsing (a third of what a row
    costs) does not hold the GIL its event loop needs to answer (issue #18).
    ``checkpoint_apart``: on SQLite the runner's commits leave the write-ahead log's
    checkpoints to a thread of their own (:mod:`store.checkpoint`); a bulk ingest asks
    for it, as its runner commits without pause.
    ``catalog_text``: the catalog the daemon has in use, for its processing child.
    ``before_migrating``: told ``(current, head)`` before the schema is upgraded.
    ``create=False``: where there is no database, :class:`~gateway.core.errors.NoDatabase`
    and nothing made (every command but ``run``, ``ingest`` and ``db upgrade``).
    ``processing=False``: no runner (``App.runner`` is None) and nothing of its chain,
    parser or templates imported: the daemon's doors, when its processing child runs
    the runner (issue #18: 8 MB of the listener's memory).
    """
    catalog = catalog_holder(settings, catalog_text)
    if (refused := database_refusal(settings, create=create)) is not None:
        raise refused  # the database's own (gateway.runtime.refusals), before it is opened
    # checkpoint_apart: no commit of this process checkpoints; the thread does (below)
    engine = make_engine(
        settings.database.url,
        checkpoints=not checkpoint_apart,
        longest_step=settings.limits.processing_budget,  # a row's stage, inside its transaction
    )
    clock = clock or SystemClock()
    if migrate_schema:
        schema_current(settings, engine, clock, before_migrating, create=create)
    # the tickets service's hooks read these: chat news, and the mails a change causes
    mail = conversation.MailContext(settings, lambda: catalog.current)
    info = {news.INFO_KEY: settings.chat, conversation.CONTEXT: mail}
    sessions = session_factory(engine, info)
    conversation.install(sessions)
    if not processing:
        return App(
            settings, engine, sessions, clock, None, catalog, engine, None, SlackMembers(settings)
        )
    # its own engine: the runner's commits need no fsync (see make_engine), which on
    # SQLite is half of what processing a message costs
    db_path = sqlite_path(settings.database.url)
    checkpointer = WalCheckpointer(Path(db_path)) if db_path and checkpoint_apart else None
    runner_engine = (
        make_engine(settings.database.url, durable=False, checkpoints=checkpointer is None)
        if engine.dialect.name == "sqlite"
        else engine
    )
    runner_sessions = session_factory(runner_engine, info)
    conversation.install(runner_sessions)
    runner = _runner(settings, clock, runner_sessions, catalog, engine, db_path, parse_apart)
    if checkpointer is not None:
        checkpointer.__enter__()
    return App(
        settings,
        engine,
        sessions,
        clock,
        runner,
        catalog,
        runner_engine,
        checkpointer,
        SlackMembers(settings),
    )


def _runner(
    settings: Settings,
    clock: Clock,
    sessions: sessionmaker[Session],
    catalog: CatalogHolder,
    engine: Engine,
    db_path: str | None,
    parse_apart: bool,
) -> Runner:
    """The runner on ``sessions`` (its own engine's); the chain, the parser and the
    templates are imported here, by the processes that process."""
    from gateway.runner.budget import RowParser
    from gateway.runner.runner import Runner
    from store.row_claims import RowClaims
    from store.turnstile import Turnstile

    # big or hostile rows in a worker; in the daemon every row (parse_apart)
    parser = RowParser(0 if parse_apart else settings.limits.isolate_above)
    return Runner(
        settings,
        clock,
        sessions,
        catalog,
        parser=parser,
        turnstile=Turnstile(db_path) if db_path is not None else None,
        claims=RowClaims(engine) if engine.dialect.name == "postgresql" else None,
    )
