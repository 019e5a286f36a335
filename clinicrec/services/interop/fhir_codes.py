"""Code systems and codes used in ClinicRec's FHIR R4 export, each standard code checked, not guessed.

Standard codes are used only where a code for the same meaning was found in published terminology
content (the source is named beside each table); everything else is coded in ClinicRec's own
``CodeSystem`` (published in docs/fhir/, generated from ``CLINICREC_CODES`` below), so a receiver can
always read the exact ClinicRec value.
"""

from __future__ import annotations

from typing import Any

from ...domain.enums import AdverseEventKind, Gais, Indication, Measure, Sex, TimePoint, Zone

#: Canonical base of ClinicRec's definitions (an identifier; it need not resolve on the web).
BASE = "http://clinicrec.org/fhir"
CLINICREC_CS = f"{BASE}/CodeSystem/clinicrec"
CHART_NUMBER_SYSTEM = f"{BASE}/sid/chart-number"
USERNAME_SYSTEM = f"{BASE}/sid/username"


def ext_url(name: str) -> str:
    return f"{BASE}/StructureDefinition/{name}"


SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
#: LOINC 59284-0 |Patient Consent|: the category the R4 Consent examples and many profiles use.
CONSENT_CATEGORY = (LOINC, "59284-0", "Patient Consent")

# -- SNOMED CT -------------------------------------------------------------------------------------
#: Route: 372464004 |Intracutaneous route| (intradermal), as listed in DICOM CID 11 "Administration Route".
ROUTE_INTRADERMAL = (SNOMED, "372464004", "Intradermal route")
#: 716186003 |No known allergy (situation)|: the code the R4 example "allergyintolerance-nka" and the
#: International Patient Summary's "No known allergies" AllergyIntolerance carry.
NO_KNOWN_ALLERGY = (SNOMED, "716186003", "No known allergy")
#: 442695005 |Injection of botulinum toxin (procedure)|: the International Edition concept that replaced
#: the US extension's 428191000124101 (SNOMED's published code migration).
PROCEDURE_BOTULINUM = (SNOMED, "442695005", "Injection of botulinum toxin")

#: Body structures with the same meaning as a ClinicRec zone (codes as in DICOM CID 4 "Anatomic Region"
#: and HL7 body-site value sets). Zones without a same-meaning SNOMED concept found carry only the
#: ClinicRec code: laterality (cheek left/right) stays in the ClinicRec code.
ZONE_SNOMED: dict[Zone, tuple[str, str]] = {
    Zone.FOREHEAD: ("52795006", "Forehead structure"),
    Zone.NOSE: ("45206002", "Nasal structure"),
    Zone.CHEEK_LEFT: ("60819002", "Cheek structure"),
    Zone.CHEEK_RIGHT: ("60819002", "Cheek structure"),
    Zone.NECK: ("45048000", "Neck structure"),
}

#: Adverse events with a SNOMED finding of the same meaning (25064002 |Headache|).
ADVERSE_EVENT_SNOMED: dict[AdverseEventKind, tuple[str, str]] = {
    AdverseEventKind.HEADACHE: ("25064002", "Headache"),
}

# -- UCUM ------------------------------------------------------------------------------------------
#: Botulinum toxin units are product-specific biological-activity units (mouse LD50 assays): not
#: international units ([iU]) and not the enzyme unit (U = umol/min). UCUM's procedure-defined
#: "arbitrary unit" [arb'U] is the honest code; the human unit says "U" and the product is named.
UNIT_TOXIN = "[arb'U]"
UNIT_ML = "mL"
UNIT_SEBUM = "ug/cm2"
UNIT_INDEX = "{index}"


def quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": _number(value), "unit": unit, "system": UCUM, "code": code}


def units_quantity(value: float) -> dict[str, Any]:
    return quantity(value, "U", UNIT_TOXIN)


def ml_quantity(value: float) -> dict[str, Any]:
    return quantity(value, "mL", UNIT_ML)


def _number(value: float) -> float | int:
    """JSON numbers as stored: 4.0 is written 4 (FHIR decimals keep their precision either way)."""
    return int(value) if float(value).is_integer() else value


# -- ClinicRec's own code system -------------------------------------------------------------------
GENDER: dict[Sex, str] = {
    Sex.FEMALE: "female",
    Sex.MALE: "male",
    Sex.INTERSEX: "other",
    Sex.UNSPECIFIED: "unknown",
}
GENDER_BACK: dict[str, Sex] = {
    "female": Sex.FEMALE,
    "male": Sex.MALE,
    "other": Sex.INTERSEX,
    "unknown": Sex.UNSPECIFIED,
}

OBSERVATION_CODES: dict[str, str] = {
    "pores": "Pores rating (0-4, ClinicRec scale)",
    "oil": "Oil (sebum) rating (0-4, ClinicRec scale)",
    "redness": "Redness rating (0-4, Clinician's Erythema Assessment wording)",
    "gais": "Global Aesthetic Improvement Scale",
    "satisfaction": "Patient satisfaction (1-5)",
    "sebum": "Sebumeter reading",
    "erythema-index": "Erythema index (instrument reading)",
}

OTHER_CODES: dict[str, str] = {
    "injector": "Administering injector",
    "prescriber": "Prescriber who ordered the treatment",
    "handout": "Aftercare handout (printed)",
    "chart_pdf": "Treatment chart (PDF)",
    "photo": "Clinical photo",
    "microbotox-session": "Microbotox session (intradermal botulinum toxin type A)",
    "allergy-text": "Allergies as recorded in ClinicRec (free text)",
}


def clinicrec_concepts() -> list[tuple[str, str]]:
    """Every code of ClinicRec's CodeSystem: (code, display)."""
    concepts: list[tuple[str, str]] = []
    concepts += [(f"zone-{z.value}", f"Zone: {z.label}") for z in Zone]
    concepts += [(f"indication-{i.value}", f"Indication: {i.label}") for i in Indication]
    concepts += [(f"ae-{k.value}", f"Adverse event: {k.label}") for k in AdverseEventKind]
    concepts += [(f"gais-{g.value}", g.label) for g in Gais]
    concepts += [(f"timepoint-{t.value}", f"Time point: {t.label}") for t in TimePoint]
    concepts += [(f"measure-{m}", text) for m, text in OBSERVATION_CODES.items()]
    concepts += [(code, text) for code, text in OTHER_CODES.items()]
    return concepts


_DISPLAY = dict(clinicrec_concepts())


def cr(code: str) -> dict[str, str]:
    """A coding in ClinicRec's CodeSystem (the code must be defined there)."""
    return {"system": CLINICREC_CS, "code": code, "display": _DISPLAY[code]}


def snomed(code: tuple[str, str, str] | tuple[str, str]) -> dict[str, str]:
    if len(code) == 3:
        return {"system": code[0], "code": code[1], "display": code[2]}
    return {"system": SNOMED, "code": code[0], "display": code[1]}


def zone_concept(zone: Zone) -> dict[str, Any]:
    codings = [cr(f"zone-{zone.value}")]
    if zone in ZONE_SNOMED:
        codings.append(snomed(ZONE_SNOMED[zone]))
    return {"coding": codings, "text": zone.label}


def measure_coding(measure: Measure | str) -> dict[str, str]:
    return cr(f"measure-{measure}")
