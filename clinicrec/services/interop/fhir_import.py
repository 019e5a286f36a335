"""Patients (and their allergies) from a FHIR R4 Bundle of Patient and AllergyIntolerance resources.

A patient with AllergyIntolerance resources is recorded as having those allergies ("listed"); one whose
only statement is "no known allergy" (SNOMED 716186003) as "no known allergies"; one with neither stays
"not recorded". Resources marked refuted or entered in error are left out.

Reads plain JSON; the values then go through the same checks and duplicate search as a CSV row
(patient_import.py). ClinicRec's own extensions (docs/fhir/) bring back what a Patient has no element
for: skin type, screening answers and notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ...domain.enums import AllergyStatus
from ...domain.models import SafetyScreening
from .fhir_codes import CHART_NUMBER_SYSTEM, GENDER_BACK, NO_KNOWN_ALLERGY
from .fhir_people import PATIENT_DETAILS, SCREENING_EXTENSIONS

Row = tuple[dict[str, Any], list[tuple[str, str]], tuple[str, ...]]


def patients_from_bundle(bundle: Mapping[str, Any]) -> list[Row]:
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise ValueError("The file is not a FHIR Bundle (resourceType must be 'Bundle')")
    entries = bundle.get("entry") or []
    patients: list[tuple[dict[str, Any], str | None]] = []
    allergies: dict[str, list[tuple[int, str]]] = {}  # reference -> (place in the bundle, text)
    none_known: set[str] = set()
    for place, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        kind = resource.get("resourceType")
        if kind == "Patient":
            patients.append((resource, entry.get("fullUrl")))
        elif kind == "AllergyIntolerance" and _stands(resource):
            target = (resource.get("patient") or {}).get("reference")
            code = resource.get("code") or {}
            if not target:
                continue
            if _says_no_known_allergy(code):
                none_known.add(target)
            elif text := _concept_text(code):
                allergies.setdefault(target, []).append((place, text))
    rows: list[Row] = []
    for resource, full_url in patients:
        keys = [k for k in (full_url, f"Patient/{resource.get('id')}") if k]
        found = [text for _, text in sorted(a for k in keys for a in allergies.get(k, []))]
        if found:
            status: AllergyStatus | None = AllergyStatus.LISTED
        else:
            status = AllergyStatus.NONE_KNOWN if any(k in none_known for k in keys) else None
        rows.append(_patient(resource, found, status))
    return rows


def _stands(resource: Mapping[str, Any]) -> bool:
    """False for an AllergyIntolerance its source withdrew: verification 'refuted' or 'entered-in-error'."""
    codes = {c.get("code") for c in (resource.get("verificationStatus") or {}).get("coding") or [] if c}
    return not codes & {"refuted", "entered-in-error"}


def _says_no_known_allergy(concept: Mapping[str, Any]) -> bool:
    """SNOMED 716186003 |No known allergy|, as ClinicRec and the International Patient Summary write it.
    Narrower statements ("no known drug allergy") are kept as text: they do not say there are none."""
    system, code, _ = NO_KNOWN_ALLERGY
    return any(c.get("system") == system and c.get("code") == code for c in concept.get("coding") or [] if c)


def _concept_text(concept: Mapping[str, Any]) -> str:
    if concept.get("text"):
        return str(concept["text"])
    return "; ".join(str(c.get("display") or c.get("code")) for c in concept.get("coding") or [] if c)


def _patient(r: Mapping[str, Any], allergies: list[str], allergy_status: AllergyStatus | None) -> Row:
    problems: list[tuple[str, str]] = []
    raw = ("Patient", str(r.get("id", "")), str(r.get("name", ""))[:200])
    values: dict[str, Any] = {}
    names = r.get("name") or []
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    values["first_name"] = " ".join(name.get("given") or [])
    values["last_name"] = name.get("family") or ""
    if not values["first_name"] and not values["last_name"] and name.get("text"):
        given, _, family = str(name["text"]).rpartition(" ")
        values.update(first_name=given, last_name=family)
    birth = r.get("birthDate")
    try:
        values["date_of_birth"] = date.fromisoformat(birth) if birth else None
    except ValueError:
        problems.append(("date_of_birth", f"birthDate {birth!r} is not a full date (YYYY-MM-DD)"))
    if values.get("date_of_birth") is None and not problems:
        problems.append(("date_of_birth", "Date of birth is required (the Patient has no birthDate)"))
    identifiers = r.get("identifier") or []
    chart = next((i.get("value") for i in identifiers if i.get("system") == CHART_NUMBER_SYSTEM), None)
    values["chart_number"] = chart or next((i.get("value") for i in identifiers if i.get("value")), "") or ""
    gender = r.get("gender") or "unknown"
    if gender in GENDER_BACK:
        values["sex"] = GENDER_BACK[gender]
    else:
        problems.append(("sex", f"gender must be female, male, other or unknown (got {gender!r})"))
    for t in r.get("telecom") or []:
        if t.get("system") == "phone" and "phone" not in values:
            values["phone"] = t.get("value", "")
        elif t.get("system") == "email" and "email" not in values:
            values["email"] = t.get("value", "")
    addresses = r.get("address") or []
    if addresses:
        a = addresses[0]
        values["address"] = (
            a.get("text")
            or "\n".join(
                [
                    *(a.get("line") or []),
                    " ".join(x for x in (a.get("postalCode"), a.get("city")) if x),
                    a.get("country") or "",
                ]
            ).strip()
        )
    if allergies:
        values["allergies"] = "; ".join(allergies)
    if allergy_status is not None:
        values["allergy_status"] = allergy_status
    details = next((e for e in r.get("extension") or [] if e.get("url") == PATIENT_DETAILS), None)
    if details:
        sub = {e.get("url"): e for e in details.get("extension") or []}
        if "fitzpatrickType" in sub:
            values["fitzpatrick_type"] = sub["fitzpatrickType"].get("valueInteger")
        answers = {f: bool(sub[n].get("valueBoolean")) for f, n in SCREENING_EXTENSIONS if n in sub}
        other = sub.get("screeningOther", {}).get("valueString", "")
        values["screening"] = SafetyScreening(**answers, other=other)
        if "notes" in sub:
            values["notes"] = sub["notes"].get("valueString", "")
    return values, problems, raw
