"""``ticket-gateway db upgrade``: migrate the schema to the newest revision."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gateway.core.i18n import N_
from gateway.runtime.cli.common import EX_OK
from gateway.runtime.cli.help_language import h

if TYPE_CHECKING:
    from gateway.config.settings import Settings


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from store import migrate
    from store.db import make_engine

    engine = make_engine(settings.database.url, longest_step=settings.limits.processing_budget)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    engine.dispose()
    print(f"database at revision {after}" + ("" if before == after else f" (was {before})"))
    return EX_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser("db", help=h(N_("database maintenance"))).add_subparsers(
        required=True, metavar="ACTION"
    )
    d.add_parser("upgrade", help=h(N_("migrate the schema to the newest revision"))).set_defaults(
        handler=cmd_db_upgrade
    )
