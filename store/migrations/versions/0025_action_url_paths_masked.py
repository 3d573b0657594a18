"""the credentials in webhook URLs' paths masked in what older releases recorded (Slack,
Discord and Zapier incoming webhooks, a segment after ``/key/`` or ``/token/``), as 0021
masked their queries and passwords: the same walk over the same rows, with the masking
that now knows paths; run on rows 0021 already masked, it changes only those paths

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def _walk_of_0021() -> ModuleType:
    """0021's module, loaded from its file beside this one (Alembic's versions are not a
    package): one walk, kept in one place, masking with today's
    :func:`gateway.core.tokens.mask_url_passwords`."""
    path = Path(__file__).with_name('0021_action_urls_masked.py')
    spec = importlib.util.spec_from_file_location('_migration_0021', path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    _walk_of_0021().upgrade()


def downgrade() -> None:
    pass  # what was masked is not known any more, and an older release reads it as it is
