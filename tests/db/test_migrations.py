"""The schema is made by the Alembic migrations; they must agree with the models and protect old data."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

import clinicrec.db.migrations as migrations_pkg
from clinicrec.db import migrate
from clinicrec.db.engine import Database, make_engine
from clinicrec.db.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    known_revisions,
    stamped_revision,
    upgrade,
    upgrade_if_needed,
)
from clinicrec.db.models import Base


def _engine(path: Path):  # type: ignore[no-untyped-def]
    return make_engine(f"sqlite:///{path}")


def schema_differences(conn) -> list[object]:  # type: ignore[no-untyped-def]
    """What Alembic finds between the models and the database ``conn`` is on (nothing, when they agree).
    An index the models make on one database only (``ddl_if``) is compared on that database alone."""
    dialect = conn.dialect.name

    def on_this_database(obj, _name, _type, _reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
        made_if = [getattr(o, "_ddl_if", None) for o in (obj, compare_to)]
        return all(m is None or m.dialect in (None, dialect) for m in made_if)

    opts = {"compare_type": True, "include_object": on_this_database}
    return list(compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata))


@pytest.mark.postgres
def test_models_and_migrations_agree(world) -> None:  # type: ignore[no-untyped-def]
    """A migrated database and the models describe the same tables, columns, types, indexes and keys."""
    with world.services.db.engine.connect() as conn:
        assert schema_differences(conn) == []
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()


def test_the_head_named_for_start_up_is_alembics_head() -> None:
    """Start-up skips Alembic when the database is stamped ``migrations.HEAD``: it must be the real head."""
    assert head_revision() == migrations_pkg.HEAD


def test_upgrade_if_needed_runs_alembic_only_when_the_stamp_is_not_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(tmp_path / "new.sqlite3")
    try:
        assert stamped_revision(engine) is None  # no alembic_version table yet
        assert upgrade_if_needed(engine) is None
        assert stamped_revision(engine) == current_revision(engine) == head_revision()
        with engine.begin() as c:  # as if this database were one migration behind
            c.execute(text("UPDATE alembic_version SET version_num = '0002'"))
        monkeypatch.setattr(migrate, "upgrade", lambda *_a, **_kw: "migrated")
        assert upgrade_if_needed(engine) == "migrated"
        with engine.begin() as c:
            c.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": migrations_pkg.HEAD})
        monkeypatch.setattr(migrate, "upgrade", lambda *_a, **_kw: pytest.fail("Alembic at head"))
        assert upgrade_if_needed(engine) is None
    finally:
        engine.dispose()


def test_a_new_database_is_migrated_to_head_without_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    engine = _engine(path)
    try:
        assert upgrade(engine) is None  # nothing to back up
        assert current_revision(engine) == head_revision()
        assert {"patients", "treatment_sessions", "injection_points", "audit_log"} <= set(
            inspect(engine).get_table_names()
        )
        assert upgrade(engine) is None  # at head: nothing to do
        assert not (tmp_path / "backups").exists()
        with engine.connect() as c:  # the audit chain starts at its genesis
            assert c.execute(text("SELECT last_id, last_hash FROM audit_head")).one() == (0, "0" * 64)
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "c.sqlite3")
    try:
        upgrade(engine)
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade(engine)
        with engine.connect() as conn:
            assert schema_differences(conn) == []
    finally:
        engine.dispose()


def _valid_sqlite(path: Path) -> sqlite3.Connection:
    assert path.is_file() and path.stat().st_size > 0
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    return conn


NOOP_REVISION = '''"""test-only second revision"""
from alembic import op

revision = "9999"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TABLE migration_probe (id INTEGER PRIMARY KEY)")


def downgrade() -> None:
    op.execute("DROP TABLE migration_probe")
'''


@pytest.fixture
def with_a_newer_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The shipped migrations plus one more, as if the next release added a migration."""
    current_head = head_revision()
    scripts = tmp_path / "scripts"
    shutil.copytree(
        Path(migrations_pkg.__file__).parent, scripts, ignore=shutil.ignore_patterns("__pycache__")
    )
    (scripts / "versions" / "9999_test_probe.py").write_text(NOOP_REVISION.format(down=current_head))
    real_config = migrate.alembic_config

    def config():  # type: ignore[no-untyped-def]
        cfg = real_config()
        cfg.set_main_option("script_location", str(scripts))
        return cfg

    monkeypatch.setattr(migrate, "alembic_config", config)
    assert head_revision() == "9999" and current_head in known_revisions()
    return current_head


def test_migrating_an_older_database_backs_it_up_first(
    world,
    with_a_newer_revision: str,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    from tests.conftest import make_patient

    if world.path is None:
        pytest.skip("the pre-migration backup is a SQLite file copy")
    svc = world.services
    make_patient(svc, first_name="Before")
    patients_before = svc.patients.count()
    engine = svc.db.engine
    assert current_revision(engine) == with_a_newer_revision

    backup = upgrade(engine)

    assert backup is not None
    assert backup.parent == world.path.parent / "backups"
    assert with_a_newer_revision in backup.name
    conn = _valid_sqlite(backup)
    try:  # the backup is the database as it was before the migration
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (with_a_newer_revision,)
        assert conn.execute("SELECT count(*) FROM patients").fetchone() == (patients_before,)
        assert conn.execute("SELECT count(*) FROM patients WHERE first_name = 'Before'").fetchone() == (1,)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "migration_probe" not in tables
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    finally:
        conn.close()
    assert current_revision(engine) == "9999"
    assert "migration_probe" in inspect(engine).get_table_names()
    assert svc.patients.count() == patients_before  # nothing lost by the migration
    assert upgrade(engine) is None  # now at head: no second backup
    assert len(list(backup.parent.iterdir())) == 1


def test_backup_goes_to_the_folder_asked_for(tmp_path: Path, with_a_newer_revision: str) -> None:
    path = tmp_path / "c.sqlite3"
    engine = _engine(path)
    try:
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, with_a_newer_revision)
        backup = upgrade(engine, backup_dir=tmp_path / "elsewhere")
        assert backup is not None and backup.parent == tmp_path / "elsewhere"
        _valid_sqlite(backup).close()
    finally:
        engine.dispose()


def test_a_non_empty_database_without_version_is_backed_up(tmp_path: Path) -> None:
    """Tables but no alembic_version: someone's data. Copy it before touching it."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE legacy_notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO legacy_notes (body) VALUES ('keep me')")
    conn.close()
    engine = _engine(path)
    try:
        backup = upgrade(engine)
        assert backup is not None
        copy = _valid_sqlite(backup)
        try:
            assert copy.execute("SELECT body FROM legacy_notes").fetchall() == [("keep me",)]
            assert copy.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
            ).fetchone() == (0,)
        finally:
            copy.close()
        assert current_revision(engine) == head_revision()
        assert "legacy_notes" in inspect(engine).get_table_names()  # the migration does not drop it
    finally:
        engine.dispose()


def test_the_audit_guards_are_installed(world) -> None:  # type: ignore[no-untyped-def]
    db: Database = world.services.db
    if not db.is_sqlite:
        pytest.skip("SQLite trigger names")
    with db.engine.connect() as c:
        triggers = set(
            c.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
            ).scalars()
        )
    assert triggers == {"audit_log_no_update", "audit_log_no_delete"}
