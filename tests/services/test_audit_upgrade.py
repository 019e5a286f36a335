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
from clinicrec.db.migrations import HEAD
from clinicrec.db.models import AuditRow
from clinicrec.services import audit, audit_state, audit_upgrade
from clinicrec.services.app import Services, open_services
from clinicrec.services.audit_upgrade import UPGRADE_USER
from tests.conftest import PASSWORD, World, make_patient


def world_as_older_version_wrote(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The world's own records (its users, clinic and catalogue, made by this version in its hashed form)
    stand for records an older version wrote: taken back by Alembic, their stored form no longer matches
    their entries in the older schema's form, as an older version's own records would. So they count as
    proven before the upgrade (``audit_upgrade.proven_before``); the records a test then writes in the
    older form, and any it changes behind the application, are judged by ``proven_before`` itself."""
    with world.services.db.read() as s:
        mine = frozenset(
            (kind.entity, str(rid))
            for kind in audit_state.KINDS
            for rid, _ in audit_state.all_state_hashes(s, kind)
        )
    real = audit_upgrade.proven_before
    monkeypatch.setattr(audit_upgrade, "proven_before", lambda db, revision: real(db, revision) | mine)


def _upgrade_entries(svc: Services) -> list[AuditRow]:
    """The entries the upgrade wrote on the records whose stored form it changed (not its correction of
    the shipped catalogue, which any upgrade across 0021 makes: ``_catalogue_corrections``)."""
    return [r for r in _all_upgrade_entries(svc) if "max_dose_period_months" not in r.changes]


def _all_upgrade_entries(svc: Services) -> list[AuditRow]:
    with svc.db.read() as s:
        return list(s.execute(select(AuditRow).where(AuditRow.username == UPGRADE_USER)).scalars())


def _catalogue_corrections(svc: Services) -> list[AuditRow]:
    return [r for r in _all_upgrade_entries(svc) if "max_dose_period_months" in r.changes]


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
    world_as_older_version_wrote(world, monkeypatch)
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
        rows = _upgrade_entries(svc)
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


def _without_point_notes(kind: audit_state.Kind) -> audit_state.Kind:
    """The session kind as the previous version hashed it: its points had no note column yet."""
    parts = tuple(
        replace(part, columns=tuple(c for c in part.columns if c != "note"))
        if part.table == "injection_points"
        else part
        for part in kind.parts
    )
    return replace(kind, parts=parts)


@pytest.fixture
def upgraded_from_0010_with_points(world: World, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int, int]:
    from tests.conftest import make_vial
    from tests.services.test_charting import chart, grid, signed

    world_as_older_version_wrote(world, monkeypatch)
    session = audit_state.BY_ENTITY["session"]
    as_before = _without_point_notes(session)
    with monkeypatch.context() as m:  # the previous version's hashing: points without notes
        m.setitem(audit_state.BY_ENTITY, "session", as_before)
        m.setattr(audit_state, "KINDS", tuple(as_before if k is session else k for k in audit_state.KINDS))
        vial = make_vial(world.services)
        done = signed(world, chart(world, make_patient(world.services), grid(vial, 0.4, 4)))
        draft = world.services.charting.save_draft(
            chart(world, make_patient(world.services), grid(vial, 0.3, 3))
        )
    url = world.services.db.url
    world.services.db.dispose()
    _back_to(url, "0010")
    return url, done.id, draft.id  # type: ignore[return-value]


def _back_to(url: str, revision: str) -> None:
    from alembic import command

    engine = create_engine(url)
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        engine.dispose()


def test_an_upgraded_0010_database_with_points_still_verifies(
    upgraded_from_0010_with_points: tuple[str, int, int],
) -> None:
    url, signed_id, draft_id = upgraded_from_0010_with_points
    svc = open_services(url)
    try:
        svc.auth.sign_in("admin", PASSWORD)
        result = svc.audit_log.verify_chain()
        assert result.ok, [p.message for p in result.problems]
        assert result.signed_sessions_checked == 1  # the signature made before notes existed still holds
        rows = _upgrade_entries(svc)
        assert {(r.entity, r.entity_id) for r in rows} == {
            ("session", str(signed_id)),
            ("session", str(draft_id)),
        }
        assert all(f'"schema":["0010","{HEAD}"]' in r.changes for r in rows)
        assert [p.note for p in svc.charting.get(signed_id).points] == ["", "", "", ""]
    finally:
        svc.db.dispose()


def _without_screening(kind: audit_state.Kind) -> audit_state.Kind:
    """The session kind as versions before 0019 hashed it: the screening was not one of its parts."""
    return replace(kind, parts=tuple(p for p in kind.parts if p.table != "session_screenings"))


@pytest.fixture
def upgraded_from_0018_with_screenings(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, int, int, int]:
    from clinicrec.domain.models import ScreeningSnapshot
    from tests.conftest import make_vial
    from tests.services.test_charting import chart, grid, signed

    world_as_older_version_wrote(world, monkeypatch)
    session = audit_state.BY_ENTITY["session"]
    as_before = _without_screening(session)
    with monkeypatch.context() as m:  # the previous version's hashing: no screening part
        m.setitem(audit_state.BY_ENTITY, "session", as_before)
        m.setattr(audit_state, "KINDS", tuple(as_before if k is session else k for k in audit_state.KINDS))
        vial, patient = make_vial(world.services), make_patient(world.services)
        asked = ScreeningSnapshot.from_patient(patient)
        screened = signed(world, chart(world, patient, grid(vial, 0.4, 4), screening=asked))
        draft = world.services.charting.save_draft(chart(world, patient, grid(vial, 0.3, 3), screening=asked))
        unscreened = world.services.charting.save_draft(chart(world, patient, grid(vial, 0.2, 2)))
    url = world.services.db.url
    world.services.db.dispose()
    _back_to(url, "0018")
    return url, screened.id, draft.id, unscreened.id  # type: ignore[return-value]


def test_an_upgraded_0018_database_with_screenings_still_verifies_and_now_guards_them(
    upgraded_from_0018_with_screenings: tuple[str, int, int, int],
) -> None:
    url, signed_id, draft_id, _unscreened_id = upgraded_from_0018_with_screenings
    svc = open_services(url)
    try:
        svc.auth.sign_in("admin", PASSWORD)
        result = svc.audit_log.verify_chain()
        assert result.ok, [p.message for p in result.problems]
        rows = _upgrade_entries(svc)
        # only the sessions with a screening hash differently; the one without needs no entry
        assert {(r.entity, r.entity_id) for r in rows} == {
            ("session", str(signed_id)),
            ("session", str(draft_id)),
        }
        assert all(f'"schema":["0018","{HEAD}"]' in r.changes for r in rows)
        with svc.db.engine.begin() as c:  # and from now on a screening changed behind the app is named
            c.exec_driver_sql(f"UPDATE session_screenings SET other = 'forged' WHERE session_id = {draft_id}")
        result = svc.audit_log.verify_chain()
        assert {(p.entity, p.record_id) for p in result.problems} == {("session", str(draft_id))}
    finally:
        svc.db.dispose()


def test_clinicrec_migrate_records_the_upgrade_as_the_start_up_does(
    upgraded_from_0018_with_screenings: tuple[str, int, int, int],
) -> None:
    """``clinicrec migrate`` (the administrator's upgrade; on PostgreSQL the only one, the workstations'
    role may not change the schema) upgrades through ``upgrade_schema``: it used to leave out the upgrade's
    entries, so verify blamed every session with a screening as changed behind the application."""
    url, signed_id, draft_id, _unscreened_id = upgraded_from_0018_with_screenings
    svc = open_services(url, migrate=False)
    try:
        svc.auth.sign_in("admin", PASSWORD)
        before, after, _backup = svc.upgrade_schema()
        assert (before, after) == ("0018", HEAD)
        result = svc.audit_log.verify_chain()
        assert result.ok, [p.message for p in result.problems]
        rows = _upgrade_entries(svc)
        assert {(r.entity, r.entity_id) for r in rows} == {
            ("session", str(signed_id)),
            ("session", str(draft_id)),
        }
        assert svc.upgrade_schema()[:2] == (HEAD, HEAD)  # run again: nothing to do, nothing recorded
        again = _upgrade_entries(svc)
        assert len(again) == 2
    finally:
        svc.db.dispose()


def test_an_upgrade_across_0021_gives_the_shipped_botox_its_3_months_with_an_entry_saying_so(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catalogue shipped Botox Cosmetic's "400 U in 3 months" as 90 days, which left out a session 91
    days away (1 March and 31 May). Schema 0021 can hold months; the upgrade moves the entry as shipped to
    3 months, in an audited entry naming the change, and leaves a product a clinic changed as it made it."""
    import json

    from clinicrec.domain.models import Product

    world_as_older_version_wrote(world, monkeypatch)
    svc = world.as_(world.admin)
    products = {p.brand: p for p in svc.products.list()}
    svc.products.save(
        Product("Clinic Toxin", "clinictoxinA", (100,), 24, max_dose_units=300, max_dose_period_days=60)
    )
    url = svc.db.url
    svc.db.dispose()
    _back_to(url, "0020")  # as the previous version stored them: 3 months as the 90 days it shipped
    plain = create_engine(url)
    with plain.begin() as c:
        shipped = c.exec_driver_sql(
            "SELECT max_dose_units, max_dose_period_days FROM products WHERE brand = 'Botox Cosmetic'"
        ).one()
        assert tuple(shipped) == (400, 90)
    plain.dispose()

    upgraded = open_services(url)
    try:
        upgraded.auth.sign_in("admin", PASSWORD)
        after = {p.brand: p for p in upgraded.products.list()}
        botox = after["Botox Cosmetic"]
        assert (botox.max_dose_units, botox.max_dose_period_days, botox.max_dose_period_months) == (
            400,
            None,
            3,
        )
        assert after["Xeomin"] == replace(products["Xeomin"], version=after["Xeomin"].version)
        [entry] = _catalogue_corrections(upgraded)
        assert (entry.action, entry.entity, entry.entity_id) == ("update", "product", str(botox.id))
        assert json.loads(entry.changes) == {
            "max_dose_period_days": [90, None],
            "max_dose_period_months": [None, 3],
            "schema": ["0020", HEAD],
        }
        result = upgraded.audit_log.verify_chain()
        assert result.ok, [p.message for p in result.problems]
    finally:
        upgraded.db.dispose()


def test_a_botox_entry_the_clinic_changed_is_not_corrected(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world_as_older_version_wrote(world, monkeypatch)
    svc = world.as_(world.admin)
    botox = next(p for p in svc.products.list() if p.brand == "Botox Cosmetic")
    svc.products.save(
        replace(botox, max_dose_units=360, max_dose_period_months=None, max_dose_period_days=90)
    )
    url = svc.db.url
    svc.db.dispose()
    _back_to(url, "0020")
    upgraded = open_services(url)
    try:
        upgraded.auth.sign_in("admin", PASSWORD)
        kept = next(p for p in upgraded.products.list() if p.brand == "Botox Cosmetic")
        assert (kept.max_dose_units, kept.max_dose_period_days, kept.max_dose_period_months) == (
            360,
            90,
            None,
        )
        assert _catalogue_corrections(upgraded) == []
        assert upgraded.audit_log.verify_chain().ok
    finally:
        upgraded.db.dispose()
