"""A new SQLite file's schema made by one script (db/new_schema.py): exactly what the migrations make."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from clinicrec.db import new_schema, new_schema_sqlite
from clinicrec.db.engine import make_engine
from clinicrec.db.migrate import current_revision, head_revision, upgrade


def _describe(path: Path) -> dict[str, Any]:
    """Everything SQLite can say about a file's schema and rows, in a stable order."""
    conn = sqlite3.connect(path)
    try:
        master = sorted(
            conn.execute("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master").fetchall()
        )
        tables = [n for t, n, _tbl, _sql in master if t == "table"]
        indexes = [n for t, n, _tbl, _sql in master if t == "index"]
        out: dict[str, Any] = {"master": master}
        for table in tables:
            out[f"columns {table}"] = conn.execute(f'PRAGMA table_xinfo("{table}")').fetchall()
            out[f"keys {table}"] = conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()
            out[f"index list {table}"] = sorted(conn.execute(f'PRAGMA index_list("{table}")').fetchall())
            out[f"rows {table}"] = sorted(map(repr, conn.execute(f'SELECT * FROM "{table}"').fetchall()))
        for index in indexes:
            out[f"index {index}"] = conn.execute(f'PRAGMA index_xinfo("{index}")').fetchall()
        for pragma in (
            "user_version",
            "application_id",
            "auto_vacuum",
            "encoding",
            "page_size",
            "journal_mode",
        ):
            out[f"pragma {pragma}"] = conn.execute(f"PRAGMA {pragma}").fetchall()
        return out
    finally:
        conn.close()


def _migrated(path: Path) -> Path:
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return path


def _scripted(path: Path) -> bool:
    engine = make_engine(f"sqlite:///{path}")
    try:
        return new_schema.create_sqlite(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _describe(_migrated(tmp_path_factory.mktemp("migrated") / "migrated.sqlite3"))


def test_the_script_makes_exactly_what_the_migrations_make(tmp_path: Path, migrated: dict[str, Any]) -> None:
    """Tables, columns (types, defaults, nullability, keys), indexes, triggers, rows and pragmas alike."""
    path = tmp_path / "scripted.sqlite3"
    assert _scripted(path)
    scripted = _describe(path)
    assert scripted.keys() == migrated.keys()
    for key, value in migrated.items():
        assert scripted[key] == value, key
    assert sum(1 for t, *_ in migrated["master"] if t == "trigger") >= 2  # the audit trail's guards compared
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert current_revision(engine) == head_revision()  # start-up will not migrate it again
    finally:
        engine.dispose()


def test_the_comparison_sees_a_missing_index_or_a_changed_default(
    tmp_path: Path, migrated: dict[str, Any]
) -> None:
    """The comparison above is not blind: one index or one default away from the migrations' differs."""
    path = tmp_path / "scripted.sqlite3"
    assert _scripted(path)
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX ix_audit_log_at")
    conn.commit()
    conn.close()
    assert _describe(path) != migrated
    clinic = next(s for s in new_schema_sqlite.STATEMENTS if s.startswith("CREATE TABLE clinic "))
    assert "DEFAULT 'iso'" in clinic
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    for stmt in new_schema_sqlite.STATEMENTS:
        conn.execute(stmt.replace("DEFAULT 'iso'", "DEFAULT 'us'") if stmt == clinic else stmt)
    conn.commit()
    conn.close()
    assert _describe(other)["columns clinic"] != migrated["columns clinic"]


def test_the_script_is_the_migrations_head_dumped_afresh(tmp_path: Path) -> None:
    """A new migration fails here until the script is made again: ``python -m clinicrec.db.new_schema``."""
    assert head_revision() == new_schema_sqlite.REVISION
    assert list(new_schema_sqlite.STATEMENTS) == new_schema.migrated_statements(tmp_path / "m.sqlite3")


def test_a_database_with_tables_is_left_to_the_migrations(tmp_path: Path) -> None:
    path = tmp_path / "someone-elses.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    assert not _scripted(path)
    assert [n for (n,) in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")] == ["notes"]


def test_a_script_behind_the_migrations_is_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(new_schema_sqlite, "REVISION", "0018")
    path = tmp_path / "new.sqlite3"
    assert not _scripted(path)
    assert sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
