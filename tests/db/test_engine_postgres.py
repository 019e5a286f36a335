"""PostgreSQL connection settings (db/engine.py): reads without BEGIN/COMMIT round trips, JIT off, a
dead pooled connection replaced after idle time; writes keep their transaction."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from clinicrec.db import engine as engine_module
from clinicrec.db.engine import Database, make_engine
from tests.conftest import PG_SKIP_REASON, PG_URL

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)]


@pytest.fixture
def db() -> Database:
    assert PG_URL
    database = Database(make_engine(PG_URL))
    yield database  # type: ignore[misc]
    database.dispose()


def _one_transaction(s) -> bool:  # type: ignore[no-untyped-def]
    """Whether two statements of ``s`` ran in one transaction (``now()`` is the transaction's start)."""
    first = s.execute(text("SELECT now()")).scalar_one()
    time.sleep(0.02)
    return bool(first == s.execute(text("SELECT now()")).scalar_one())


def test_reads_run_without_a_transaction_and_writes_within_one(db: Database) -> None:
    with db.read() as s, s.begin():
        assert not _one_transaction(s)
        assert s.execute(text("SHOW transaction_read_only")).scalar_one() == "off"
    with db.write() as s, s.begin():
        assert _one_transaction(s)


def test_jit_is_off_and_a_urls_own_options_are_kept() -> None:
    assert PG_URL
    sep = "&" if "?" in PG_URL else "?"
    database = Database(make_engine(f"{PG_URL}{sep}options=-c%20statement_timeout%3D4321"))
    try:
        with database.read() as s:
            assert s.execute(text("SHOW jit")).scalar_one() == "off"
            assert s.execute(text("SHOW statement_timeout")).scalar_one() == "4321ms"
    finally:
        database.dispose()


def _kill(pid: int) -> None:
    assert PG_URL
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    time.sleep(0.2)


def test_an_idle_connection_that_died_is_replaced_before_use(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.engine.connect() as c:
        pid = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
    _kill(pid)  # a server restart, or a dropped network connection, while the pool held it
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)
    with db.engine.connect() as c:
        assert c.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid


def test_a_connection_in_use_is_not_pinged(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other side of the check above: without the idle time no ping is sent (no round trip), so a
    connection killed in between fails once; the pool then starts afresh."""
    with db.engine.connect() as c:
        pid = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
    _kill(pid)
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 3600.0)
    with pytest.raises(OperationalError), db.engine.connect() as c:
        c.execute(text("SELECT 1"))
    with db.engine.connect() as c:
        assert c.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
