"""Apply the shipped Alembic migrations at start-up, backing the database up first when one must run.

Alembic is loaded only when a migration has to run: at start-up ``upgrade_if_needed`` reads the stamped
revision with the engine already open and compares it with ``migrations.HEAD`` (Alembic and its
scripts take longer to load than the main window to appear).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.exc import DBAPIError

from .engine import sqlite_path
from .migrations import HEAD

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "clinicrec.db:migrations")
    return cfg


def stamped_revision(engine: Engine) -> str | None:
    """The revision in ``alembic_version``, read without Alembic; None if there is none (or no table)."""
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except DBAPIError:  # no alembic_version table: an empty database, or someone else's
        return None
    return str(rows[0]) if len(rows) == 1 else None


def upgrade_if_needed(engine: Engine, *, backup_dir: Path | None = None) -> Path | None:
    """``upgrade``, unless the database is already stamped with this version's head (the usual start)."""
    if stamped_revision(engine) == HEAD:
        return None
    return upgrade(engine, backup_dir=backup_dir)


def head_revision() -> str:
    """Alembic's head, from the migration scripts (``migrations.HEAD`` names it for the quick check)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

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
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if conn.dialect.name == "postgresql":
            _grant_new_tables(conn)
    return backup


def _grant_new_tables(conn: Connection) -> None:
    """PostgreSQL: every table, including those added after the group roles were made (migration
    0007), gets exactly its grants for each ClinicRec group role (db/pg_roles.py; idempotent)."""
    from .pg_roles import group_statements

    tables = [
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
    ]
    for stmt in group_statements(tables=tables):
        conn.exec_driver_sql(stmt)
