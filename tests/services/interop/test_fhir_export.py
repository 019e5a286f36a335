"""FHIR R4 export, judged by an independent implementation of the R4 models (fhir.resources 6.4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources import construct_fhir_element
from fhir.resources.bundle import Bundle

from clinicrec.domain.errors import PermissionDenied
from clinicrec.services.interop.fhir_export import ExportScope, FhirExportService
from tests.conftest import World

from .conftest import Charted

WHOLE = ExportScope()
EXPECTED_TYPES = {
    "Organization", "Practitioner", "PractitionerRole", "Patient", "AllergyIntolerance", "Medication",
    "MedicationAdministration", "Procedure", "Observation", "AdverseEvent", "Consent", "DocumentReference",
}  # fmt: skip


def export(world: World, tmp_path: Path, scope: ExportScope = WHOLE, name: str = "b.json") -> dict[str, Any]:
    world.as_(world.manager)
    result = FhirExportService(world.services.ctx).export_bundle(tmp_path / name, scope)
    return json.loads(result.path.read_text(encoding="utf-8"))


def references(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found += references(value)
    elif isinstance(node, list):
        for item in node:
            found += references(item)
    return found


@pytest.mark.postgres
def test_every_resource_validates_as_fhir_r4(charted: Charted, tmp_path: Path) -> None:
    data = export(charted.world, tmp_path, ExportScope(patient_id=charted.patient.id))
    Bundle.parse_obj(data)  # the whole bundle, then each resource on its own
    kinds = set()
    for entry in data["entry"]:
        resource = entry["resource"]
        construct_fhir_element(resource["resourceType"], resource)
        kinds.add(resource["resourceType"])
    assert kinds == EXPECTED_TYPES


def test_references_resolve_inside_the_bundle(charted: Charted, tmp_path: Path) -> None:
    data = export(charted.world, tmp_path, ExportScope(patient_id=charted.patient.id))
    full_urls = {e["fullUrl"] for e in data["entry"]}
    assert len(full_urls) == len(data["entry"]), "every resource appears once"
    dangling = set(references(data)) - full_urls
    assert not dangling


def test_ids_are_stable_across_exports(charted: Charted, tmp_path: Path) -> None:
    first = export(charted.world, tmp_path, name="one.json")
    second = export(charted.world, tmp_path, name="two.json")
    ids = lambda d: sorted(e["resource"]["id"] for e in d["entry"])  # noqa: E731
    assert ids(first) == ids(second)
    strip = lambda d: [e["resource"] for e in d["entry"]]  # noqa: E731
    assert strip(first) == strip(second)


def test_the_session_carries_points_doses_dilution_and_codes(charted: Charted, tmp_path: Path) -> None:
    data = export(charted.world, tmp_path, ExportScope(patient_id=charted.patient.id))
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in data["entry"]:
        by_type.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    [procedure] = by_type["Procedure"]
    assert procedure["code"]["coding"][0]["code"] == "442695005"
    points = [x for x in procedure["extension"] if x["url"].endswith("/injection-point")]
    assert len(points) == 9
    first = {p["url"]: p for p in points[0]["extension"]}
    assert first["zone"]["valueCoding"]["code"] == "zone-cheek_left"
    assert first["note"]["valueString"] == "bled"  # the point's note (the amendment kept it)
    assert "note" not in {p["url"] for p in points[1]["extension"]}  # none when the point has none
    assert first["dose"]["valueQuantity"] == {
        "value": 0.4, "unit": "U", "system": "http://unitsofmeasure.org", "code": "[arb'U]"
    }  # fmt: skip
    # The amendment is exported, once, in place of the original (same resource id, newest content).
    assert procedure["identifier"][0]["value"] == str(charted.current_id)
    assert any("Prescriber-Smith" in n["text"] for n in procedure["note"])
    admins = by_type["MedicationAdministration"]
    totals = [
        a for a in admins if a["partOf"][0]["reference"].startswith("urn:uuid:") and "site" not in a["dosage"]
    ]
    assert sorted(t["dosage"]["dose"]["value"] for t in totals) == [
        2.6,
        7.2,
    ]  # Botox 4x0.4+2x0.5; Dysport 3x0.02 mL at 120 U/mL
    forehead = next(a for a in admins if a["dosage"].get("site", {}).get("text") == "Forehead")
    assert forehead["dosage"]["route"]["coding"][0]["code"] == "372464004"
    dilution = {x["url"]: x for x in forehead["dosage"]["extension"][0]["extension"]}
    ratio = dilution["concentration"]["valueRatio"]
    assert ratio["numerator"]["value"] == 12 and ratio["denominator"]["value"] == 0.1  # 300 U in 2.5 mL
    assert dilution["additive"]["valueString"].startswith("Lidocaine")
    lots = [m for m in by_type["Medication"] if "batch" in m]
    assert {m["batch"]["lotNumber"] for m in lots} == {"C1234AB", "DY-55"}
    assert all(m["batch"]["expirationDate"] for m in lots)


def test_outcomes_adverse_events_consent_and_documents(charted: Charted, tmp_path: Path) -> None:
    data = export(charted.world, tmp_path, ExportScope(patient_id=charted.patient.id))
    res = [e["resource"] for e in data["entry"]]
    obs = [r for r in res if r["resourceType"] == "Observation"]
    codes = sorted(o["code"]["coding"][0]["code"] for o in obs)
    assert codes.count("measure-pores") == 2 and "measure-gais" in codes and "measure-satisfaction" in codes
    pores = next(o for o in obs if o["code"]["coding"][0]["code"] == "measure-pores")
    assert {"url": "http://clinicrec.org/fhir/StructureDefinition/rating-scale-version",
            "valueString": "CR-2026.1"} in pores["extension"]  # fmt: skip
    events = [r for r in res if r["resourceType"] == "AdverseEvent"]
    headache = next(e for e in events if e["event"]["text"] == "Headache")
    assert {"system": "http://snomed.info/sct", "code": "25064002", "display": "Headache"} in headache[
        "event"
    ]["coding"]
    assert headache["outcome"]["coding"][0]["code"] == "resolved"
    [consent] = [r for r in res if r["resourceType"] == "Consent"]
    assert consent["policy"][0]["uri"].endswith("/MB-CONSENT-1")
    [doc] = [r for r in res if r["resourceType"] == "DocumentReference"]
    assert doc["content"][0]["attachment"]["contentType"] == "application/pdf"


def test_every_rating_and_reading_is_an_observation_with_its_scale_or_unit(
    charted: Charted, tmp_path: Path
) -> None:
    """Pores, oil and redness (0-4, with the scale version), sebumeter and erythema readings (UCUM)."""
    data = export(charted.world, tmp_path, ExportScope(patient_id=charted.patient.id))
    obs = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"]

    def of(measure: str) -> list[dict[str, Any]]:
        return [o for o in obs if o["code"]["coding"][0]["code"] == f"measure-{measure}"]

    # Baseline pores 3, oil 2, redness 1; day 14: 2, 1, 1.
    assert sorted(o["valueInteger"] for o in of("oil")) == [1, 2]
    assert sorted(o["valueInteger"] for o in of("redness")) == [1, 1]
    for o in of("oil") + of("redness"):
        assert {"url": "http://clinicrec.org/fhir/StructureDefinition/rating-scale-version",
                "valueString": "CR-2026.1"} in o["extension"]  # fmt: skip
    sebum = sorted((o["valueQuantity"]["value"], o["valueQuantity"]["code"]) for o in of("sebum"))
    assert sebum == [(120.0, "ug/cm2"), (180.5, "ug/cm2")]
    [erythema] = of("erythema-index")
    assert erythema["valueQuantity"]["value"] == 310 and erythema["valueQuantity"]["code"] == "{index}"
    assert all(o["valueQuantity"]["system"] == "http://unitsofmeasure.org" for o in of("sebum") + [erythema])


def test_photos_are_document_references_without_their_pixels(charted: Charted, tmp_path: Path) -> None:
    """Each photo kept (not voided): named, dated, its author, media type, size and SHA-256, and the
    session's Procedure; a photo of no session is left out of a date range's export."""
    from datetime import date, timedelta

    from clinicrec.domain.enums import TimePoint, Zone
    from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
    from tests.services.photos_images import encode, pixels

    world, pid = charted.world, charted.patient.id
    assert pid is not None
    photos = world.services.photos
    world.as_(world.injector)
    photos.record_consent(pid, (ConsentScope.CLINICAL,), world.clock().date())
    kept = photos.import_photo(
        PhotoDetails(
            pid, PhotoView.CLOSE_UP, TimePoint.BASELINE, session_id=charted.current_id, zone=Zone.FOREHEAD
        ),
        encode(pixels()),
    )
    loose = photos.import_photo(
        PhotoDetails(pid, PhotoView.FRONT, TimePoint.BASELINE), encode(pixels(seed=2))
    )
    voided = photos.import_photo(
        PhotoDetails(pid, PhotoView.OBLIQUE_LEFT, TimePoint.BASELINE), encode(pixels(seed=3))
    )
    photos.void(voided.id, "Wrong patient in frame")  # type: ignore[arg-type]

    data = export(world, tmp_path, ExportScope(patient_id=pid))
    documents = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
    docs = [d for d in documents if d["type"]["coding"][0]["code"] == "photo"]
    assert len(docs) == 2  # the voided one is not exported
    for doc in docs:
        construct_fhir_element("DocumentReference", doc)
        assert "data" not in doc["content"][0]["attachment"] and "url" not in doc["content"][0]["attachment"]
    by_hash = {d["identifier"][0]["value"]: d for d in docs}
    front = by_hash[kept.sha256]
    attachment = front["content"][0]["attachment"]
    assert attachment["contentType"] == kept.media_type and attachment["size"] == kept.size_bytes
    assert attachment["title"] == "Photo: Close-up, Forehead (Baseline)"
    [procedure] = [e for e in data["entry"] if e["resource"]["resourceType"] == "Procedure"]
    assert front["context"]["related"][0]["reference"] == procedure["fullUrl"]
    assert "context" not in by_hash[loose.sha256]
    assert set(references(front)) <= {e["fullUrl"] for e in data["entry"]}

    today = world.clock().date()
    ranged = export(world, tmp_path, ExportScope(start=today - timedelta(days=400), end=today), name="r.json")
    shown = [e["resource"].get("identifier", [{}])[0].get("value") for e in ranged["entry"]]
    assert kept.sha256 in shown and loose.sha256 not in shown
    assert date.fromisoformat(front["date"][:10]) <= today


def test_export_needs_the_export_permission_and_is_audited(charted: Charted, tmp_path: Path) -> None:
    world = charted.world
    world.as_(world.injector)
    with pytest.raises(PermissionDenied):
        FhirExportService(world.services.ctx).export_bundle(tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
    export(world, tmp_path)
    from clinicrec.services.audit_log import AuditFilters

    world.as_(world.manager)
    [entry] = [e for e in world.services.audit_log.search(AuditFilters()) if e.entity == "fhir_export"]
    assert entry.username == "manager"


@pytest.mark.postgres
def test_bulk_ndjson_one_file_per_type_and_validates(charted: Charted, tmp_path: Path) -> None:
    world = charted.world
    world.as_(world.manager)
    folder = tmp_path / "bulk"
    result = FhirExportService(world.services.ctx).export_ndjson(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {o["type"] for o in manifest["output"]} == EXPECTED_TYPES
    ids: set[str] = set()
    refs: list[str] = []
    for out in manifest["output"]:
        lines = (folder / out["url"]).read_text(encoding="utf-8").splitlines()
        assert len(lines) == out["count"] == result.counts[out["type"]]
        for line in lines:
            resource = json.loads(line)
            construct_fhir_element(resource["resourceType"], resource)
            ids.add(f"{resource['resourceType']}/{resource['id']}")
            refs += references(resource)
    assert set(refs) <= ids


def test_date_range_exports_only_sessions_in_range(charted: Charted, tmp_path: Path) -> None:
    from datetime import timedelta

    today = charted.world.clock().date()
    later = export(charted.world, tmp_path, ExportScope(start=today + timedelta(days=1)))
    kinds = {e["resource"]["resourceType"] for e in later["entry"]}
    assert "Procedure" not in kinds and "Patient" not in kinds
    now = export(charted.world, tmp_path, ExportScope(start=today, end=today), name="now.json")
    assert sum(e["resource"]["resourceType"] == "Procedure" for e in now["entry"]) == 1


def test_ids_are_uuid5_of_the_clinic_namespace() -> None:
    import uuid

    from clinicrec.services.interop.fhir_ids import Ids

    ns = uuid.uuid4()
    ids = Ids(ns, bundle=True)
    assert ids.id("patient", 12) == str(uuid.uuid5(ns, "patient/12"))
    assert ids.medication(3, "LOT/1") == str(uuid.uuid5(ns, "medication/3/LOT/1"))
    assert ids.patient(12) != Ids(uuid.uuid4(), bundle=True).patient(12)
