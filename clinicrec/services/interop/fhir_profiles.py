"""ClinicRec's FHIR conformance resources: the StructureDefinition of each extension and the CodeSystem.

They are generated from the definitions below, which the exporter's extensions must follow (a test
checks every exported extension against them), and published as JSON in docs/fhir/:

    python -m clinicrec.services.interop.fhir_profiles docs/fhir
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fhir_codes import CLINICREC_CS, clinicrec_concepts, ext_url

VERSION = "1.0.0"
DATE = "2026-12-03"
PUBLISHER = "ClinicRec"
FHIR_VERSION = "4.0.1"


@dataclass(frozen=True)
class Part:
    name: str
    type: str
    min: int
    max: str
    short: str
    target: str | None = None  # for Reference


@dataclass(frozen=True)
class ExtensionDef:
    id: str
    title: str
    context: str  # the FHIRPath of the element it extends
    description: str
    value_type: str | None = None  # a simple extension's value type
    parts: tuple[Part, ...] = ()

    @property
    def url(self) -> str:
        return ext_url(self.id)


_SCREENING = (
    ("pregnantOrBreastfeeding", "Pregnant or breastfeeding"),
    ("neuromuscularDisorder", "Neuromuscular disorder (myasthenia gravis, Lambert-Eaton, ALS)"),
    ("aminoglycosides", "Taking aminoglycosides or curare-like drugs"),
    ("recentToxin", "Botulinum toxin within the last 3 months"),
    ("activeSkinInfection", "Active skin infection at the treatment site"),
    ("milkProteinAllergy", "Allergy to cow's-milk protein"),
)

EXTENSIONS: tuple[ExtensionDef, ...] = (
    ExtensionDef(
        "injection-point",
        "Injection point",
        "Procedure",
        "One intradermal injection point of a Microbotox session: its zone, its position on ClinicRec's "
        "face map (x and y from 0 to 1, the patient's right on the left of the map, forehead at the top), "
        "its dose in units of the product and the volume injected.",
        parts=(
            Part("sequence", "integer", 1, "1", "Order in which the point was charted (1, 2, ...)"),
            Part("zone", "Coding", 1, "1", "Treatment zone (ClinicRec code zone-*)"),
            Part("x", "decimal", 1, "1", "Horizontal position on the face map, 0-1"),
            Part("y", "decimal", 1, "1", "Vertical position on the face map, 0-1"),
            Part("dose", "Quantity", 1, "1", "Units of the product at this point (UCUM [arb'U])"),
            Part("volume", "Quantity", 1, "1", "Volume injected at this point (mL)"),
            Part(
                "doseEnteredAs",
                "code",
                1,
                "1",
                "units | volume: which the injector typed (the other is derived)",
            ),
            Part("medication", "Reference", 1, "1", "Product and lot drawn from", "Medication"),
            Part("note", "string", 0, "1", "The injector's note on this point (e.g. bled)"),
        ),
    ),
    ExtensionDef(
        "dilution",
        "Dilution of the vial",
        "MedicationAdministration.dosage",
        "How the vial the dose was drawn from was reconstituted, with the resulting concentration stated "
        "per 0.1 mL, as clinicians read it. Units are those of the named product only.",
        parts=(
            Part("concentration", "Ratio", 1, "1", "Units per 0.1 mL"),
            Part("vialUnits", "Quantity", 1, "1", "Units in the vial"),
            Part("diluent", "string", 1, "1", "Diluent (e.g. preservative-free saline)"),
            Part("diluentVolume", "Quantity", 1, "1", "Diluent volume (mL)"),
            Part("additive", "string", 0, "*", "Additive mixed in (e.g. lidocaine) with its volume"),
            Part("totalVolume", "Quantity", 1, "1", "Total volume: diluent and additives (mL)"),
            Part("reconstitutedAt", "dateTime", 0, "1", "When the vial was reconstituted"),
        ),
    ),
    ExtensionDef(
        "rating-scale-version",
        "Rating scale version",
        "Observation",
        "The version of ClinicRec's worded 0-4 scale a rating was made on, so that a later rewording never "
        "changes what an old rating meant.",
        value_type="string",
    ),
    ExtensionDef(
        "assessment-time-point",
        "Assessment time point",
        "Observation",
        "When in the course of treatment the assessment was made: baseline, day 14, week 4, 8, 12, 16 "
        "or another date.",
        value_type="Coding",
    ),
    ExtensionDef(
        "consent-obtained-by",
        "Consent obtained by",
        "Consent",
        "The name of the clinician who obtained (witnessed) the patient's informed consent.",
        value_type="string",
    ),
    ExtensionDef(
        "adverse-event-resolution",
        "Adverse event resolution",
        "AdverseEvent",
        "When and how an adverse event resolved, with the clinician's notes (R4 AdverseEvent has no "
        "element for them).",
        parts=(
            Part("resolvedOn", "date", 0, "1", "Date the event resolved"),
            Part("resolution", "string", 0, "1", "How it resolved or was treated"),
            Part("notes", "string", 0, "1", "Notes"),
        ),
    ),
    ExtensionDef(
        "patient-details",
        "Patient details kept by ClinicRec",
        "Patient",
        "Fitzpatrick skin type, the pre-treatment safety screening answers and the clinic's notes.",
        parts=(
            Part("fitzpatrickType", "integer", 0, "1", "Fitzpatrick skin type, 1-6"),
            *(Part(name, "boolean", 1, "1", label) for name, label in _SCREENING),
            Part("screeningOther", "string", 0, "1", "Other screening finding"),
            Part("notes", "string", 0, "1", "Notes about the patient"),
        ),
    ),
)

BY_URL = {e.url: e for e in EXTENSIONS}


def _pascal(name: str) -> str:
    return "".join(w.capitalize() for w in name.split("-"))


def structure_definition(e: ExtensionDef) -> dict[str, Any]:
    elements: list[dict[str, Any]] = [
        {"id": "Extension", "path": "Extension", "short": e.title, "definition": e.description, "min": 0}
    ]
    if e.parts:
        elements.append(
            {
                "id": "Extension.extension",
                "path": "Extension.extension",
                "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "closed"},
                "min": 1,
            }
        )
        for p in e.parts:
            slice_id = f"Extension.extension:{p.name}"
            value_type: dict[str, Any] = {"code": p.type}
            if p.target:
                value_type["targetProfile"] = [f"http://hl7.org/fhir/StructureDefinition/{p.target}"]
            elements += [
                {
                    "id": slice_id,
                    "path": "Extension.extension",
                    "sliceName": p.name,
                    "short": p.short,
                    "definition": p.short,
                    "min": p.min,
                    "max": p.max,
                },
                {"id": f"{slice_id}.extension", "path": "Extension.extension.extension", "max": "0"},
                {"id": f"{slice_id}.url", "path": "Extension.extension.url", "fixedUri": p.name},
                {
                    "id": f"{slice_id}.value[x]",
                    "path": "Extension.extension.value[x]",
                    "min": 1,
                    "type": [value_type],
                },
            ]
        elements += [
            {"id": "Extension.url", "path": "Extension.url", "fixedUri": e.url},
            {"id": "Extension.value[x]", "path": "Extension.value[x]", "max": "0"},
        ]
    else:
        elements += [
            {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
            {"id": "Extension.url", "path": "Extension.url", "fixedUri": e.url},
            {
                "id": "Extension.value[x]",
                "path": "Extension.value[x]",
                "min": 1,
                "type": [{"code": e.value_type}],
            },
        ]
    return {
        "resourceType": "StructureDefinition",
        "id": e.id,
        "url": e.url,
        "version": VERSION,
        "name": _pascal(e.id),
        "title": e.title,
        "status": "active",
        "date": DATE,
        "publisher": PUBLISHER,
        "description": e.description,
        "fhirVersion": FHIR_VERSION,
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": e.context}],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {"element": elements},
    }


def code_system() -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": "clinicrec",
        "url": CLINICREC_CS,
        "version": VERSION,
        "name": "ClinicRec",
        "title": "ClinicRec codes",
        "status": "active",
        "date": DATE,
        "publisher": PUBLISHER,
        "description": "Codes for what ClinicRec records where no standard code of the same meaning was "
        "found: treatment zones, indications, adverse-event kinds, GAIS grades, outcome measures, "
        "time points, roles and document types. Standard codes (SNOMED CT, LOINC, UCUM) are sent "
        "beside these where one exists.",
        "caseSensitive": True,
        "content": "complete",
        "count": len(clinicrec_concepts()),
        "concept": [{"code": code, "display": display} for code, display in clinicrec_concepts()],
    }


def conformance_resources() -> dict[str, dict[str, Any]]:
    """File name -> resource, as published in docs/fhir/."""
    files = {f"StructureDefinition-{e.id}.json": structure_definition(e) for e in EXTENSIONS}
    files["CodeSystem-clinicrec.json"] = code_system()
    return files


def write(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, resource in conformance_resources().items():
        path = folder / name
        path.write_text(json.dumps(resource, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for path in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/fhir")):
        print(path)
