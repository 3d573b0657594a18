"""Composition root: settings → engine → clock → runner (and, in ``run``, the sources).

Nothing else builds these; tests build an :class:`App` with their own clock and
database URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.clock import Clock, SystemClock
from gateway.pipeline.runner import Runner
from gateway.settings import Settings
from store import migrate
from store.db import make_engine, session_factory


@dataclass(frozen=True, slots=True)
class App:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    runner: Runner

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, clock: Clock | None = None, *, migrate_schema: bool = True) -> App:
    """Wire the parts; bring the schema to head first (raises TransientError if down)."""
    engine = make_engine(settings.database.url)
    if migrate_schema:
        migrate.ensure_current(engine)
    sessions = session_factory(engine)
    clock = clock or SystemClock()
    return App(settings, engine, sessions, clock, Runner(settings, clock, sessions))
