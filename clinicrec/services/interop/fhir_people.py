"""FHIR R4 resources for people, the clinic and the products: plain dicts, built from plain rows.

The rows are SQLAlchemy ``Row`` objects of the columns named in fhir_export.py (read by attribute); the
builders never touch a Session, so they are cheap enough to stream a whole clinic.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ...domain.enums import AllergyStatus, Sex
from ...domain.models import SafetyScreening
from .fhir_codes import (
    ALLERGY_CLINICAL,
    ALLERGY_VERIFICATION,
    CHART_NUMBER_SYSTEM,
    GENDER,
    NO_KNOWN_ALLERGY,
    USERNAME_SYSTEM,
    cr,
    ext_url,
    snomed,
)
from .fhir_ids import Ids

PATIENT_DETAILS = ext_url("patient-details")

#: Screening answers as sub-extensions of patient-details: (ClinicRec field, FHIR name).
SCREENING_EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("pregnant_or_breastfeeding", "pregnantOrBreastfeeding"),
    ("neuromuscular_disorder", "neuromuscularDisorder"),
    ("aminoglycosides", "aminoglycosides"),
    ("recent_toxin", "recentToxin"),
    ("active_skin_infection", "activeSkinInfection"),
    ("milk_protein_allergy", "milkProteinAllergy"),
)
assert {f for f, _ in SCREENING_EXTENSIONS} == set(SafetyScreening.QUESTIONS)


def instant(value: datetime) -> str:
    """UTC instants as FHIR dateTime with the offset stated (stored instants are UTC)."""
    text = value.isoformat(timespec="seconds")
    return text if value.tzinfo else text + "+00:00"


def day(value: date) -> str:
    return value.isoformat()


def patient(r: Any, ids: Ids) -> dict[str, Any]:
    details: list[dict[str, Any]] = []
    if r.fitzpatrick_type is not None:
        details.append({"url": "fitzpatrickType", "valueInteger": r.fitzpatrick_type})
    for field, name in SCREENING_EXTENSIONS:
        details.append({"url": name, "valueBoolean": bool(getattr(r, "scr_" + field))})
    if r.scr_other:
        details.append({"url": "screeningOther", "valueString": r.scr_other})
    if r.notes:
        details.append({"url": "notes", "valueString": r.notes})
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": ids.patient(r.id),
        "extension": [{"url": PATIENT_DETAILS, "extension": details}],
        "identifier": [
            {"use": "usual", "system": CHART_NUMBER_SYSTEM, "value": r.chart_number, "assigner": _org(ids)}
        ],
        "active": True,
        "name": [{"use": "official", "family": r.last_name, "given": [r.first_name]}],
        "gender": GENDER[Sex(r.sex)],
        "birthDate": day(r.date_of_birth),
        "managingOrganization": _org(ids),
    }
    telecom = []
    if r.phone:
        telecom.append({"system": "phone", "value": r.phone})
    if r.email:
        telecom.append({"system": "email", "value": r.email})
    if telecom:
        res["telecom"] = telecom
    if r.address:
        res["address"] = [{"text": r.address}]
    return res


def allergy(r: Any, ids: Ids) -> dict[str, Any] | None:
    """ClinicRec keeps allergies as the clinic wrote them: one AllergyIntolerance carrying that text.
    A patient recorded with no known allergies gets the usual "no known allergy" AllergyIntolerance
    (SNOMED 716186003, confirmed); one whose allergies are not recorded gets none."""
    if r.allergies.strip():
        verification, code = "unconfirmed", {"coding": [cr("allergy-text")], "text": r.allergies}
    elif r.allergy_status == AllergyStatus.NONE_KNOWN.value:
        verification, code = "confirmed", {"coding": [snomed(NO_KNOWN_ALLERGY)], "text": "No known allergies"}
    else:
        return None
    return {
        "resourceType": "AllergyIntolerance",
        "id": ids.id("allergy", r.id),
        "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": ALLERGY_VERIFICATION, "code": verification}]},
        "code": code,
        "patient": ids.ref("Patient", ids.patient(r.id)),
    }


def _org(ids: Ids) -> dict[str, str]:
    return ids.ref("Organization", ids.organization())


def organization(r: Any, ids: Ids) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Organization",
        "id": ids.organization(),
        "active": True,
        "name": r.name,
    }
    telecom = [
        {"system": system, "value": value}
        for system, value in (("phone", r.phone), ("email", r.email), ("url", r.website))
        if value
    ]
    if telecom:
        res["telecom"] = telecom
    if r.address:
        res["address"] = [{"text": r.address}]
    return res


def practitioner(r: Any, ids: Ids) -> dict[str, Any]:
    given, _, family = r.full_name.rpartition(" ")
    name: dict[str, Any] = {"text": r.full_name}
    if given:
        name.update(family=family, given=given.split())
    res: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": ids.practitioner(r.id),
        "identifier": [{"system": USERNAME_SYSTEM, "value": r.username}],
        "active": bool(r.active),
        "name": [name],
    }
    if r.credentials:
        res["qualification"] = [{"code": {"text": r.credentials}}]
    return res


def practitioner_role(r: Any, ids: Ids) -> dict[str, Any]:
    return {
        "resourceType": "PractitionerRole",
        "id": ids.id("practitioner-role", r.id),
        "active": bool(r.active),
        "practitioner": ids.ref("Practitioner", ids.practitioner(r.id)),
        "organization": _org(ids),
        "code": [
            {
                "coding": [cr("injector")],
                "text": f"{r.role.capitalize()} ({r.credentials or 'no credentials'})",
            }
        ],
    }


def prescriber(name: str, ids: Ids) -> list[dict[str, Any]]:
    """A prescriber named on an order: ClinicRec keeps only the name, so that is all the resource says."""
    pid = ids.prescriber(name)
    return [
        {"resourceType": "Practitioner", "id": pid, "name": [{"text": name}]},
        {
            "resourceType": "PractitionerRole",
            "id": ids.id("prescriber-role", name.strip().casefold()),
            "practitioner": ids.ref("Practitioner", pid),
            "organization": _org(ids),
            "code": [{"coding": [cr("prescriber")]}],
        },
    ]


def medication(product: Any, ids: Ids, lot: str | None = None, expiry: date | None = None) -> dict[str, Any]:
    """A product (lot None: the total per product) or one lot of it (batch number and expiry)."""
    res: dict[str, Any] = {
        "resourceType": "Medication",
        "id": ids.medication(product.id, lot),
        "code": {"text": f"{product.brand} ({product.generic_name})"},
        "status": "active",
        "ingredient": [{"itemCodeableConcept": {"text": product.generic_name}, "isActive": True}],
    }
    if lot is not None:
        batch: dict[str, Any] = {"lotNumber": lot}
        if expiry is not None:
            batch["expirationDate"] = day(expiry)  # a dateTime to the day, as on the label
        res["batch"] = batch
    return res
