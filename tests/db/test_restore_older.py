"""Databases and backups an older ClinicRec really wrote (tests/fixtures/older_schemas, made by
``make_fixture.py`` with that version's own code): upgraded in place, and restored after the upgrade.

A backup from before a schema that changed how records are stored (0008 added a patient's language and a
product's GTINs, 0019 folded the screening into a session, 0021 a product's months) used to be refused as
"may have been altered": the restore checked the upgraded copy against entries hashed in the older form.
Each record is now proven in the form its own schema hashed it, before the upgrade, and only a proven
record gets the upgrade's entry: so a change made behind the application, before or after the backup,
is still refused, and never laundered by the upgrade.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from clinicrec.db.models import AuditRow, PatientRow
from clinicrec.demo import DEMO_PASSWORD
from clinicrec.services.app import Services, open_services
from clinicrec.services.audit_upgrade import UPGRADE_USER
from clinicrec.services.maintenance import MaintenanceService, RestoreRefused

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "older_schemas"
SCHEMAS = ("0004", "0020")  # as released: main before the GTINs, and before the months


def _copy(schema: str, to: Path) -> tuple[Path, Path]:
    for f in FIXTURES.glob(f"{schema}-*"):
        shutil.copy(f, to / f.name)
    return to / f"{schema}-live.sqlite3", to / f"{schema}-backup.sqlite3"


def _sql(path: Path, statement: str) -> None:
    with sqlite3.connect(path) as conn:
        assert conn.execute(statement).rowcount == 1
    conn.close()


def _open(live: Path) -> Services:
    svc = open_services(f"sqlite:///{live}", encrypt_new_database=False)
    svc.act_as(svc.auth.sign_in("admin", DEMO_PASSWORD))
    return svc


def _charts(svc: Services) -> set[str]:
    with svc.db.read() as s:
        return set(s.execute(select(PatientRow.chart_number)).scalars())


def _problems(svc: Services) -> list[str]:
    return [p.message for p in svc.audit_log.verify_chain().problems]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_an_older_versions_backup_restores_after_the_upgrade_and_proves(schema: str, tmp_path: Path) -> None:
    live, backup = _copy(schema, tmp_path)
    svc = _open(live)
    try:
        assert _problems(svc) == []  # the upgrade in place: every record proven, then re-entered
        assert "T-90001" in _charts(svc)  # written after the backup
        result = MaintenanceService(svc.ctx).restore(backup)
        assert result.migrated and result.schema_revision == schema
        assert result.patients == 6 and "T-90001" not in _charts(svc)
        assert _problems(svc) == []
        botox = next(p for p in svc.products.list() if p.brand == "Botox Cosmetic")
        assert (botox.max_dose_period_days, botox.max_dose_period_months) == (None, 3)
        with svc.db.read() as s:
            upgraded = s.execute(select(AuditRow.entity).where(AuditRow.username == UPGRADE_USER)).scalars()
            assert "product" in set(upgraded)
    finally:
        svc.db.dispose()


@pytest.mark.parametrize("schema", SCHEMAS)
@pytest.mark.parametrize(
    ("edit", "named"),
    [
        ("UPDATE patients SET last_name = 'Forged' WHERE id = 1", "patient 1"),
        # still exactly as the catalogue shipped it, so the upgrade would correct it under its own name
        ("UPDATE products SET notes = 'forged' WHERE brand = 'Botox Cosmetic'", "product"),
    ],
)
def test_a_record_changed_in_an_older_backup_is_refused_not_laundered_by_the_upgrade(
    schema: str, edit: str, named: str, tmp_path: Path
) -> None:
    live, backup = _copy(schema, tmp_path)
    Path(f"{backup}.head.json").unlink(missing_ok=True)  # an older version's backup has no record beside it
    _sql(backup, edit)
    svc = _open(live)
    try:
        with pytest.raises(RestoreRefused, match=f"{named}.*changed outside ClinicRec"):
            MaintenanceService(svc.ctx).restore(backup)
        assert "T-90001" in _charts(svc) and _problems(svc) == []  # the live database as it was
    finally:
        svc.db.dispose()


@pytest.mark.parametrize("schema", SCHEMAS)
def test_an_upgrade_in_place_leaves_a_change_made_before_it_for_verify_to_name(
    schema: str, tmp_path: Path
) -> None:
    live, _backup = _copy(schema, tmp_path)
    _sql(live, "UPDATE patients SET phone = '+1 555 0199' WHERE id = 2")
    svc = _open(live)
    try:
        problems = _problems(svc)
        assert len(problems) == 1 and problems[0].startswith("patient 2"), problems
    finally:
        svc.db.dispose()
