"""A schema upgrade that changes how audited records are stored records itself in the trail.

The patients are written the way the previous version wrote them: their entries hash the patient
without the preferred-language column, which schema 0008 added. The database is then taken back to
schema 0007 with Alembic and opened by this version: the upgrade adds the column, every patient hashes
differently, and without the upgrade's own entries ``audit verify`` would call each one changed behind
the application.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import create_engine, select

from clinicrec.db.engine import Database, make_engine
from clinicrec.db.migrate import alembic_config, upgrade_if_needed
from clinicrec.db.models import AuditRow
from clinicrec.services import audit, audit_state
from clinicrec.services.app import open_services
from clinicrec.services.audit_upgrade import UPGRADE_USER
from tests.conftest import PASSWORD, World, make_patient


def _back_to_0007(url: str) -> None:
    from alembic import command

    engine = create_engine(url)  # a plain connection: foreign keys off, as SQLite table rebuilds need
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0007")
    finally:
        engine.dispose()


@pytest.fixture
def upgraded_from_0007(world: World, monkeypatch: pytest.MonkeyPatch) -> str:
    patient = audit_state.BY_ENTITY["patient"]
    as_before = replace(patient, columns=tuple(c for c in patient.columns if c != "preferred_language"))
    with monkeypatch.context() as m:  # the previous version's hashing: no preferred_language yet
        m.setitem(audit_state.BY_ENTITY, "patient", as_before)
        m.setattr(audit_state, "KINDS", tuple(as_before if k is patient else k for k in audit_state.KINDS))
        make_patient(world.services, first_name="Ana", last_name="Upgrade")
        make_patient(world.services, first_name="Ben", last_name="Upgrade")
    url = world.services.db.url
    world.services.db.dispose()
    _back_to_0007(url)
    return url


def test_the_upgrade_records_each_record_it_rehashed_and_the_trail_proves_them(
    upgraded_from_0007: str,
) -> None:
    svc = open_services(upgraded_from_0007)
    try:
        svc.auth.sign_in("admin", PASSWORD)
        result = svc.audit_log.verify_chain()
        assert result.ok, [p.message for p in result.problems]
        with svc.db.read() as s:
            rows = s.execute(select(AuditRow).where(AuditRow.username == UPGRADE_USER)).scalars().all()
        entities = {r.entity for r in rows}
        assert entities == {"patient"} and len(rows) == 2  # only the records whose stored form changed
        assert all('"schema":["0007","' in r.changes for r in rows)
    finally:
        svc.db.dispose()


def test_without_the_upgrades_entries_verify_would_blame_every_upgraded_record(
    upgraded_from_0007: str,
) -> None:
    db = Database(make_engine(upgraded_from_0007))
    try:
        upgrade_if_needed(db.engine)  # the schema alone, as an upgrade that forgot to record itself
        with db.read() as s:
            result = audit.verify(s)
    finally:
        db.dispose()
    assert not result.ok
    assert sum("patient" in p.message for p in result.problems) == 2
