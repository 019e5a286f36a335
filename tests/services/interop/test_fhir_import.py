"""Patients from FHIR Bundles: ClinicRec's own export (round trip) and a plain bundle from elsewhere."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fhir.resources import construct_fhir_element
from sqlalchemy import select

from clinicrec.db.engine import Database, make_engine
from clinicrec.db.models import UserRow
from clinicrec.domain.enums import AllergyStatus, Sex
from clinicrec.services.app import Services
from clinicrec.services.auth import actor_of
from clinicrec.services.base import Context
from clinicrec.services.interop.fhir_codes import ALLERGY_CLINICAL, ALLERGY_VERIFICATION
from clinicrec.services.interop.fhir_export import ExportScope, FhirExportService
from clinicrec.services.interop.patient_import import PatientImportService
from tests.conftest import World

from .conftest import Charted, rich_patient


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
    assert p.allergy_status == AllergyStatus.LISTED
    assert p.address == "1 High St\nLS1 1AA Leeds"
    assert svc.run(plan, accept_rejects=True).imported == 1
    [row] = world.services.patients.search("MRN-991")
    stored = world.services.patients.get(row.id)
    assert stored.allergies == "Allergy to penicillin" and stored.chart_number == "MRN-991"
    assert stored.allergy_status == AllergyStatus.LISTED
    assert world.services.audit_log.verify_chain().ok


def _allergy(patient: str, code: dict[str, object], verification: str = "confirmed") -> dict[str, object]:
    return {
        "resource": {
            "resourceType": "AllergyIntolerance",
            "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]},
            "verificationStatus": {"coding": [{"system": ALLERGY_VERIFICATION, "code": verification}]},
            "code": code,
            "patient": {"reference": patient},
        }
    }


def _person(pid: str, family: str) -> dict[str, object]:
    resource = {"resourceType": "Patient", "id": pid, "name": [{"family": family, "given": ["Sam"]}]}
    return {"fullUrl": f"urn:uuid:{pid}", "resource": {**resource, "birthDate": "1980-05-06"}}


def test_bundle_allergy_statements_set_the_allergy_status(world: World) -> None:
    """An allergy listed -> 'listed'; SNOMED 716186003 |No known allergy| -> 'none known' (as the R4
    example allergyintolerance-nka and the IPS write it); nothing said -> 'not recorded'; a refuted or
    mistaken entry does not count; a narrower 'no known drug allergy' is kept as what it says."""
    sct = "http://snomed.info/sct"
    nka = {"coding": [{"system": sct, "code": "716186003"}], "text": "NKA"}
    nkda = {"coding": [{"system": sct, "code": "409137002"}], "text": "No known drug allergy"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            _person("a-listed", "Listed"),
            _allergy("Patient/a-listed", {"text": "Latex"}),
            _allergy("urn:uuid:a-listed", {"text": "Lidocaine"}),
            _person("b-none", "NoneKnown"),
            _allergy("Patient/b-none", nka),
            _person("c-silent", "Silent"),
            _person("d-refuted", "Refuted"),
            _allergy("Patient/d-refuted", {"text": "Penicillin"}, verification="refuted"),
            _allergy("Patient/d-refuted", {"text": "Peanut"}, verification="entered-in-error"),
            _allergy("Patient/d-refuted", nka),
            _person("e-drugs", "Drugs"),
            _allergy("Patient/e-drugs", nkda),
            _person("f-both", "Both"),  # says none known and lists one: the list is what keeps them safe
            _allergy("Patient/f-both", nka),
            _allergy("Patient/f-both", {"text": "Egg"}),
        ],
    }
    for entry in bundle["entry"]:  # the test's own bundle is valid FHIR R4, as a real system sends
        construct_fhir_element(entry["resource"]["resourceType"], entry["resource"])  # type: ignore[index]
    world.as_(world.admin)
    svc = PatientImportService(world.services.ctx)
    plan = svc.plan_fhir(bundle)
    assert not plan.rejects
    got = {p.last_name: (p.allergy_status, p.allergies) for p in plan.preview()}
    assert got == {
        "Listed": (AllergyStatus.LISTED, "Latex; Lidocaine"),
        "NoneKnown": (AllergyStatus.NONE_KNOWN, ""),
        "Silent": (AllergyStatus.NOT_RECORDED, ""),
        "Refuted": (AllergyStatus.NONE_KNOWN, ""),
        "Drugs": (AllergyStatus.LISTED, "No known drug allergy"),
        "Both": (AllergyStatus.LISTED, "Egg"),
    }
    assert svc.run(plan).imported == 6
    patients = world.services.patients
    stored = {r.last_name: patients.get(r.id).allergy_status for r in patients.search("")}
    assert stored["NoneKnown"] == AllergyStatus.NONE_KNOWN and stored["Listed"] == AllergyStatus.LISTED
    assert stored["Silent"] == AllergyStatus.NOT_RECORDED


@pytest.mark.parametrize(
    ("status", "allergies"),
    [
        (AllergyStatus.LISTED, "Lidocaine (rash); latex"),
        (AllergyStatus.NONE_KNOWN, ""),
        (AllergyStatus.NOT_RECORDED, ""),
    ],
)
def test_round_trip_keeps_the_allergy_status_and_list(
    world: World, template_db: Path, tmp_path: Path, status: AllergyStatus, allergies: str
) -> None:
    world.as_(world.manager)
    patient = rich_patient(world, allergy_status=status, allergies=allergies)
    path = tmp_path / "patient.json"
    FhirExportService(world.services.ctx).export_bundle(path, ExportScope(patient_id=patient.id))
    data = json.loads(path.read_text(encoding="utf-8"))
    stated = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance"]
    for resource in stated:
        construct_fhir_element("AllergyIntolerance", resource)
    assert len(stated) == (0 if status == AllergyStatus.NOT_RECORDED else 1)
    other = empty_clinic(template_db, tmp_path)
    svc = PatientImportService(other.ctx)
    plan = svc.plan_fhir(data)
    assert not plan.rejects and svc.run(plan).imported == 1
    [row] = other.patients.search()
    back = other.patients.get(row.id)
    assert (back.allergy_status, back.allergies) == (status, allergies)
    original = world.services.patients.get(patient.id)
    assert replace(back, id=None, version=0) == replace(original, id=None, version=0)
    other.db.dispose()
