"""Patients from FHIR Bundles: ClinicRec's own export (round trip) and a plain bundle from elsewhere."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from clinicrec.db.engine import Database, make_engine
from clinicrec.db.models import UserRow
from clinicrec.domain.enums import Sex
from clinicrec.services.app import Services
from clinicrec.services.auth import actor_of
from clinicrec.services.base import Context
from clinicrec.services.interop.fhir_export import ExportScope, FhirExportService
from clinicrec.services.interop.patient_import import PatientImportService
from tests.conftest import World

from .conftest import Charted


def empty_clinic(template_db: Path, tmp_path: Path) -> Services:
    target = tmp_path / "empty.sqlite3"
    shutil.copy(template_db, target)
    services = Services(Context(Database(make_engine(f"sqlite:///{target}")), lambda: datetime.now(UTC)))
    with services.db.read() as s:
        admin = s.execute(select(UserRow).where(UserRow.username == "admin")).scalar_one()
        services.act_as(actor_of(admin))
    return services


def test_round_trip_gives_back_the_same_patient(charted: Charted, template_db: Path, tmp_path: Path) -> None:
    world = charted.world
    world.as_(world.manager)
    path = tmp_path / "patient.json"
    FhirExportService(world.services.ctx).export_bundle(path, ExportScope(patient_id=charted.patient.id))
    other = empty_clinic(template_db, tmp_path)
    assert other.patients.count() == 0
    svc = PatientImportService(other.ctx)
    plan = svc.plan_fhir(json.loads(path.read_text(encoding="utf-8")))
    assert not plan.rejects and not plan.duplicates
    assert svc.run(plan).imported == 1
    [row] = other.patients.search()
    back = other.patients.get(row.id)
    original = world.services.patients.get(charted.patient.id)
    assert replace(back, id=None, version=0) == replace(original, id=None, version=0)
    other.db.dispose()


def test_plain_bundle_with_allergies(world: World) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:2f0f4c6e-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "Patient",
                    "id": "p1",
                    "identifier": [{"system": "http://hospital.example/mrn", "value": "MRN-991"}],
                    "name": [{"family": "Okafor", "given": ["Chidi", "Emeka"]}],
                    "gender": "male",
                    "birthDate": "1979-11-30",
                    "telecom": [{"system": "phone", "value": "+44 20 7946 0000"}],
                    "address": [{"line": ["1 High St"], "city": "Leeds", "postalCode": "LS1 1AA"}],
                },
            },
            {
                "resource": {
                    "resourceType": "AllergyIntolerance",
                    "patient": {"reference": "Patient/p1"},
                    "code": {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "91936005",
                                "display": "Allergy to penicillin",
                            }
                        ]
                    },  # fmt: skip
                }
            },
            {
                "resource": {
                    "resourceType": "Patient",
                    "id": "p2",
                    "name": [{"family": "NoBirth", "given": ["X"]}],
                }
            },
        ],
    }
    world.as_(world.admin)
    svc = PatientImportService(world.services.ctx)
    plan = svc.plan_fhir(bundle)
    [reject] = plan.rejects
    assert (reject.row, reject.field) == (2, "date_of_birth")
    [p] = plan.preview()
    assert (p.first_name, p.last_name, p.chart_number, p.sex) == (
        "Chidi Emeka",
        "Okafor",
        "MRN-991",
        Sex.MALE,
    )
    assert p.date_of_birth == date(1979, 11, 30) and p.allergies == "Allergy to penicillin"
    assert p.address == "1 High St\nLS1 1AA Leeds"
    assert svc.run(plan, accept_rejects=True).imported == 1
    [row] = world.services.patients.search("MRN-991")
    stored = world.services.patients.get(row.id)
    assert stored.allergies == "Allergy to penicillin" and stored.chart_number == "MRN-991"
    assert world.services.audit_log.verify_chain().ok
