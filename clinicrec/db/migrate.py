"""Apply the shipped Alembic migrations at start-up, backing the database up first when one must run."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from .engine import sqlite_path

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "clinicrec.db:migrations")
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, *, backup_dir: Path | None = None) -> Path | None:
    """Bring the schema to head. Returns the path of the pre-migration backup, if one was made."""
    current = current_revision(engine)
    if current == head_revision():
        return None
    backup = None
    has_tables = bool(inspect(engine).get_table_names())
    db_file = sqlite_path(engine.url.render_as_string(hide_password=False))
    if has_tables and db_file is not None and db_file.exists():
        from .backup import backup_sqlite

        target_dir = backup_dir or db_file.parent / "backups"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = backup_sqlite(engine, target_dir / f"{db_file.stem}-pre-migration-{current}-{stamp}.sqlite3")
        log.info("backed up %s to %s before migrating", db_file, backup)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return backup
