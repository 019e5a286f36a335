"""Engine construction: SQLite settings for clinical data, URL resolution, UTC columns."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text

from clinicrec.db import location
from clinicrec.db.engine import BUSY_TIMEOUT_MS, ENV_URL, Database, make_engine, resolve_url, sqlite_path
from clinicrec.db.models import PatientRow
from clinicrec.db.types import UTCDateTime


def _pragma(db: Database, name: str) -> object:
    with db.engine.connect() as c:
        return c.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_pragmas_for_clinical_data(tmp_path: Path) -> None:
    db = Database(make_engine(f"sqlite:///{tmp_path / 'c.sqlite3'}"))
    try:
        assert _pragma(db, "foreign_keys") == 1
        assert _pragma(db, "journal_mode") == "wal"
        assert _pragma(db, "synchronous") == 2  # FULL
        assert _pragma(db, "busy_timeout") == BUSY_TIMEOUT_MS
        assert BUSY_TIMEOUT_MS >= 1000
        # Every pooled connection gets them, not only the first one.
        with db.engine.connect() as a, db.engine.connect() as b:
            assert [c.exec_driver_sql("PRAGMA foreign_keys").scalar() for c in (a, b)] == [1, 1]
            assert [c.exec_driver_sql("PRAGMA synchronous").scalar() for c in (a, b)] == [2, 2]
    finally:
        db.dispose()


def test_the_test_fixture_database_has_them_too(world) -> None:  # type: ignore[no-untyped-def]
    db = world.services.db
    if not db.is_sqlite:
        pytest.skip("SQLite settings")
    assert (_pragma(db, "foreign_keys"), _pragma(db, "journal_mode"), _pragma(db, "synchronous")) == (
        1,
        "wal",
        2,
    )


def test_foreign_keys_are_enforced(world) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), world.services.db.engine.begin() as c:
        c.execute(text("INSERT INTO session_vials (session_id, vial_id, seq) VALUES (987654, 987654, 0)"))


def test_write_transactions_take_the_write_lock_at_begin(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: a second writer queues at the start, never deadlocks upgrading a read."""
    path = tmp_path / "c.sqlite3"
    db = Database(make_engine(f"sqlite:///{path}"))
    try:
        with db.engine.begin() as c:
            c.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with db.read() as s, s.begin():
                s.execute(text("SELECT count(*) FROM t")).scalar()
                other.execute("BEGIN IMMEDIATE")  # a reader does not hold the write lock
                other.execute("ROLLBACK")
            with db.write() as s, s.begin():
                s.execute(text("SELECT count(*) FROM t")).scalar()  # no write yet, but the lock is held
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
    finally:
        db.dispose()


# -- URL resolution -------------------------------------------------------------------------------
@pytest.fixture
def default_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "appdata" / "clinicrec.sqlite3"
    monkeypatch.setattr(location, "default_database_path", lambda: path)
    monkeypatch.delenv(ENV_URL, raising=False)
    return path


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////srv/clinic/records.sqlite3",
        "sqlite:///relative/records.sqlite3",
        "sqlite+pysqlite:////srv/records.sqlite3",
        "sqlite:///C:/Clinic/records.sqlite3",
        "sqlite:////srv/with space/records.sqlite3",
    ],
)
def test_the_quick_file_lookup_agrees_with_sqlalchemy(url: str) -> None:
    """Start-up names the file before SQLAlchemy is loaded; where it answers, it must agree."""
    assert location.sqlite_file(url) == sqlite_path(url)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "postgresql+psycopg://clinic@db.local/records",
    ],
)
def test_the_quick_file_lookup_names_no_file_for_servers_and_memory(url: str) -> None:
    assert location.sqlite_file(url) is None


@pytest.mark.parametrize(
    ("url", "file", "read_only"),
    [
        ("sqlite:////srv/records.sqlite3?mode=ro", "/srv/records.sqlite3", True),
        ("sqlite:////srv/records.sqlite3?mode=ro&uri=true", "/srv/records.sqlite3", True),
        ("sqlite:///file:/srv/records.sqlite3?uri=true", "/srv/records.sqlite3", False),
        ("sqlite:///file:/srv/records.sqlite3?mode=ro&uri=true", "/srv/records.sqlite3", True),
        ("sqlite:////srv/caf%C3%A9.sqlite3", "/srv/café.sqlite3", False),
    ],
)
def test_every_form_of_a_sqlite_url_names_the_one_file(url: str, file: str, read_only: bool) -> None:
    """The integrity check and the engine read the URL the same way: no form skips the check."""
    where = location.locate(url)
    assert (where.file, where.read_only) == (Path(file), read_only)
    assert sqlite_path(url) == Path(file)


def test_command_line_beats_environment_beats_default(
    default_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resolve_url() == f"sqlite:///{default_file}"
    assert not default_file.parent.exists()  # choosing a database creates nothing
    monkeypatch.setenv(ENV_URL, "postgresql+psycopg://clinic@db.local/records")
    assert resolve_url() == "postgresql+psycopg://clinic@db.local/records"
    assert resolve_url("sqlite:////srv/cli.sqlite3") == "sqlite:////srv/cli.sqlite3"
    monkeypatch.setenv(ENV_URL, "")
    assert resolve_url() == f"sqlite:///{default_file}"  # an empty variable is as good as none


def test_a_plain_path_becomes_a_sqlite_url(
    default_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "clinic data" / "records.sqlite3"
    assert resolve_url(str(target)) == f"sqlite:///{target}"
    monkeypatch.chdir(tmp_path)
    assert resolve_url("rel.sqlite3") == f"sqlite:///{tmp_path.resolve() / 'rel.sqlite3'}"  # made absolute
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_url("~/home.sqlite3") == f"sqlite:///{tmp_path.resolve() / 'home.sqlite3'}"
    monkeypatch.setenv(ENV_URL, str(target))
    assert resolve_url() == f"sqlite:///{target}"
    assert sqlite_path(resolve_url(str(target))) == target


def test_sqlite_path() -> None:
    assert sqlite_path("sqlite:////srv/clinic.sqlite3") == Path("/srv/clinic.sqlite3")
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql+psycopg://u@h/db") is None


def test_make_engine_creates_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "c.sqlite3"
    db = Database(make_engine(f"sqlite:///{path}"))
    try:
        with db.engine.connect() as c:
            c.exec_driver_sql("SELECT 1")
        assert path.exists()
    finally:
        db.dispose()


# -- UTC columns ----------------------------------------------------------------------------------
def test_utc_column_refuses_naive_and_returns_aware_utc() -> None:
    col = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        col.process_bind_param(datetime(2026, 3, 10, 9), None)  # type: ignore[arg-type]
    local = datetime(2026, 3, 10, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    stored = col.process_bind_param(local, None)  # type: ignore[arg-type]
    assert stored == datetime(2026, 3, 10, 9, 30) and stored.tzinfo is None
    back = col.process_result_value(stored, None)  # type: ignore[arg-type]
    assert back == local and back.tzinfo is UTC


def test_utc_round_trip_through_the_database(world) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_patient

    world.clock.set(datetime(2026, 3, 10, 23, 45, 1, 123456, tzinfo=timezone(timedelta(hours=-5))))
    p = make_patient(world.services)
    with world.services.db.read() as s:
        row = s.execute(select(PatientRow).where(PatientRow.id == p.id)).scalar_one()
        assert row.created_at == world.clock()
        assert row.created_at.tzinfo is UTC
        assert row.created_at == datetime(2026, 3, 11, 4, 45, 1, 123456, tzinfo=UTC)
