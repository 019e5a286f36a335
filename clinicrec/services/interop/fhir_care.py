"""FHIR R4 resources for a treatment session: Procedure, MedicationAdministration, Observation,
AdverseEvent, Consent and DocumentReference, as plain dicts built from plain rows.

A session is exported as its current version (the newest amendment); its resources are keyed by the
first session of the amendment chain, so an amendment updates a resource instead of adding a second one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ...domain.dilution import concentration
from ...domain.enums import AdditiveKind, AdverseEventKind, DiluentKind, Gais, Indication, TimePoint, Zone
from .fhir_codes import (
    ADVERSE_EVENT_SNOMED,
    AE_OUTCOME,
    AE_SEVERITY,
    BASE,
    CONSENT_CATEGORY,
    CONSENT_SCOPE,
    OBS_CATEGORY,
    PROCEDURE_BOTULINUM,
    ROUTE_INTRADERMAL,
    UNIT_INDEX,
    UNIT_SEBUM,
    cr,
    ext_url,
    measure_coding,
    ml_quantity,
    quantity,
    snomed,
    units_quantity,
    zone_concept,
)
from .fhir_ids import Ids
from .fhir_json import RawJson
from .fhir_people import day, instant

INJECTION_POINT = ext_url("injection-point")
#: The injection_points columns a session's points are read with, in this order.
POINT_COLUMNS = ("session_id", "seq", "zone", "x", "y", "vial_id", "units", "volume_ml", "basis", "note")
DILUTION = ext_url("dilution")
SCALE_VERSION = ext_url("rating-scale-version")
TIME_POINT = ext_url("assessment-time-point")
CONSENT_OBTAINED_BY = ext_url("consent-obtained-by")
AE_RESOLUTION = ext_url("adverse-event-resolution")
SESSION_SYSTEM = f"{BASE}/sid/session"


@dataclass
class SessionData:
    """One session's current version with what its resources need (all plain rows)."""

    row: Any
    root_id: int
    points: list[Any] = field(default_factory=list)  # rows of POINT_COLUMNS
    assessments: list[Any] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)


def _status(row: Any) -> str:
    return "completed" if row.status == "signed" else "in-progress"


def procedure(d: SessionData, vials: dict[int, Any], ids: Ids) -> dict[str, Any]:
    r = d.row
    patient_ref = ids.ref("Patient", ids.patient(r.patient_id))
    injector = ids.ref("Practitioner", ids.practitioner(r.injector_id))
    performers: list[dict[str, Any]] = [
        {
            "function": {"coding": [cr("injector")]},
            "actor": injector,
            "onBehalfOf": ids.ref("Organization", ids.organization()),
        }
    ]
    if r.prescriber.strip():
        performers.append(
            {
                "function": {"coding": [cr("prescriber")]},
                "actor": ids.ref("Practitioner", ids.prescriber(r.prescriber)),
            }
        )
    res: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": ids.procedure(d.root_id),
        "identifier": [{"system": SESSION_SYSTEM, "value": str(r.id)}],
        "status": _status(r),
        "category": {"coding": [cr("microbotox-session")]},
        "code": {
            "coding": [snomed(PROCEDURE_BOTULINUM)],
            "text": "Microbotox (intradermal botulinum toxin type A)",
        },
        "subject": patient_ref,
        "performedDateTime": instant(r.performed_at),
        "recorder": injector,
        "performer": performers,
    }
    indications = [i for i in r.indications.split(",") if i]
    if indications:
        res["reasonCode"] = [
            {"coding": [cr(f"indication-{i}")], "text": Indication(i).label} for i in indications
        ]
    zones: dict[str, None] = {}
    vial_ids: dict[int, None] = {}
    for _, _, zone, _, _, vial_id, _, _, _, _ in d.points:
        zones[zone] = None
        vial_ids[vial_id] = None
    if zones:
        res["bodySite"] = [zone_concept(Zone(z)) for z in zones]
    lots = list(dict.fromkeys((vials[v].product_id, vials[v].lot_number) for v in vial_ids))
    if lots:
        res["usedReference"] = [ids.ref("Medication", ids.medication(pid, lot)) for pid, lot in lots]
    notes = []
    if r.notes:
        notes.append({"text": r.notes})
    technique = []
    if r.needle_gauge:
        technique.append(f"needle {r.needle_gauge} G")
    if r.depth:
        technique.append(f"depth {r.depth.replace('_', ' ')}")
    if technique:
        notes.append({"text": "Technique: " + ", ".join(technique)})
    if r.order_reference or r.prescriber:
        notes.append(
            {"text": f"Order {r.order_reference or '(no reference)'} by {r.prescriber or '(not named)'}"}
        )
    if r.amends_id is not None:
        notes.append(
            {"text": f"Amended version (session {r.id}, amends {r.amends_id}): {r.amendment_reason}"}
        )
    if notes:
        res["note"] = notes
    if d.points:
        res["extension"] = _points_json(d.points, vials, ids)
    return res


_ZONE_JSON = {
    z.value: json.dumps(cr(f"zone-{z.value}"), ensure_ascii=False, separators=(",", ":")) for z in Zone
}
_UNITS = json.dumps(units_quantity(0), separators=(",", ":"))[len('{"value":0') :]  # ',"unit":"U",...}'
_ML = json.dumps(ml_quantity(0), separators=(",", ":"))[len('{"value":0') :]


def _points_json(points: list[Any], vials: dict[int, Any], ids: Ids) -> RawJson:
    """The injection-point extensions (see StructureDefinition-injection-point), as JSON text."""
    medication: dict[int, str] = {}
    basis: dict[str, str] = {}
    out = []
    head = '{"url":"' + INJECTION_POINT + '","extension":[{"url":"sequence","valueInteger":'
    # Rows of POINT_COLUMNS, unpacked by position (faster than by name for millions of points).
    for _, seq, zone, x, y, vial_id, units, volume_ml, entered_as, note in points:
        med = medication.get(vial_id)
        if med is None:
            vial = vials[vial_id]
            ref = ids.ref("Medication", ids.medication(vial.product_id, vial.lot_number))
            med = medication[vial_id] = json.dumps(ref, separators=(",", ":"))
        entered = basis.get(entered_as) or basis.setdefault(entered_as, json.dumps(entered_as))
        # Stored numbers are finite (validated), so repr() is the JSON number json.dumps would write.
        out.append(
            f'{head}{seq}}},{{"url":"zone","valueCoding":{_ZONE_JSON[zone]}}},'
            f'{{"url":"x","valueDecimal":{x!r}}},{{"url":"y","valueDecimal":{y!r}}},'
            f'{{"url":"dose","valueQuantity":{{"value":{units!r}{_UNITS}}},'
            f'{{"url":"volume","valueQuantity":{{"value":{volume_ml!r}{_ML}}},'
            f'{{"url":"doseEnteredAs","valueCode":{entered}}},'
            f'{{"url":"medication","valueReference":{med}}}'
            + (f',{{"url":"note","valueString":{json.dumps(note, ensure_ascii=False)}}}' if note else "")
            + "]}"
        )
    return RawJson(("[" + ",".join(out) + "]").encode())


def administrations(
    d: SessionData, vials: dict[int, Any], products: dict[int, Any], ids: Ids
) -> list[dict[str, Any]]:
    """One per product with the session's total, and one per zone and vial with its dilution stated."""
    r = d.row
    out: list[dict[str, Any]] = []
    # One pass: product -> (zone, vial) -> [units, points], in the order first charted.
    by_product: dict[int, dict[tuple[str, int], list[float]]] = defaultdict(dict)
    product_of = {v: vials[v].product_id for v in {p[5] for p in d.points}}
    for _, _, zone, _, _, vial_id, units, _, _, _ in d.points:
        groups = by_product[product_of[vial_id]]
        group = groups.get((zone, vial_id))
        if group is None:
            groups[(zone, vial_id)] = [units, 1]
        else:
            group[0] += units
            group[1] += 1
    dilution: dict[int, tuple[dict[str, Any], Any]] = {}
    common = {
        "status": _status(r),
        "subject": ids.ref("Patient", ids.patient(r.patient_id)),
        "effectiveDateTime": instant(r.performed_at),
        "performer": [{"actor": ids.ref("Practitioner", ids.practitioner(r.injector_id))}],
    }
    route = {"coding": [snomed(ROUTE_INTRADERMAL)]}
    for product_id, groups in by_product.items():
        product = products[product_id]
        total_id = ids.id("administration", d.root_id, product_id)
        total = sum(g[0] for g in groups.values())
        count = sum(int(g[1]) for g in groups.values())
        out.append(
            {
                "resourceType": "MedicationAdministration",
                "id": total_id,
                **common,
                "medicationReference": ids.ref("Medication", ids.medication(product_id)),
                "partOf": [ids.ref("Procedure", ids.procedure(d.root_id))],
                "dosage": {
                    "text": f"Session total {_fmt(total)} U of {product.brand} in {count} points "
                    "(units of different products are not interchangeable)",
                    "route": route,
                    "dose": units_quantity(round(total, 3)),
                },
            }
        )
        for (zone, vial_id), (zone_units, zone_count) in groups.items():
            vial = vials[vial_id]
            if vial_id not in dilution:
                conc = concentration(vial.vial_units, vial.diluent_ml, vial.additive_ml)
                dilution[vial_id] = (_dilution(vial, conc.units_per_ml), conc)
            stated, conc = dilution[vial_id]
            units = round(zone_units, 3)
            out.append(
                {
                    "resourceType": "MedicationAdministration",
                    "id": ids.id("administration", d.root_id, product_id, zone, vial_id),
                    **common,
                    "medicationReference": ids.ref("Medication", ids.medication(product_id, vial.lot_number)),
                    "partOf": [ids.ref("MedicationAdministration", total_id)],
                    "dosage": {
                        "extension": [stated],
                        "text": f"{Zone(zone).label}: {_fmt(units)} U in {int(zone_count)} points at "
                        f"{_fmt(conc.units_per_0_1_ml)} U per 0.1 mL ({_fmt(vial.vial_units)} U in "
                        f"{_fmt(vial.diluent_ml + vial.additive_ml)} mL)",
                        "site": zone_concept(Zone(zone)),
                        "route": route,
                        "dose": units_quantity(units),
                    },
                }
            )
    return out


def _dilution(vial: Any, units_per_ml: float) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {
            "url": "concentration",
            "valueRatio": {
                "numerator": units_quantity(round(units_per_ml / 10, 6)),
                "denominator": ml_quantity(0.1),
            },
        },
        {"url": "vialUnits", "valueQuantity": units_quantity(vial.vial_units)},
        {"url": "diluent", "valueString": DiluentKind(vial.diluent_kind).label},
        {"url": "diluentVolume", "valueQuantity": ml_quantity(vial.diluent_ml)},
    ]
    for kind, volume, description in vial.additives:
        text = AdditiveKind(kind).label + (f" ({description})" if description else "")
        parts.append({"url": "additive", "valueString": f"{text}, {_fmt(volume)} mL"})
    parts.append(
        {"url": "totalVolume", "valueQuantity": ml_quantity(round(vial.diluent_ml + vial.additive_ml, 4))}
    )
    parts.append({"url": "reconstitutedAt", "valueDateTime": instant(vial.reconstituted_at)})
    return {"url": DILUTION, "extension": parts}


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def observations(d: SessionData, ids: Ids) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    procedure_ref = ids.ref("Procedure", ids.procedure(d.root_id))
    patient_ref = ids.ref("Patient", ids.patient(d.row.patient_id))
    for a in d.assessments:
        base: dict[str, Any] = {
            "status": "final",
            "subject": patient_ref,
            "partOf": [procedure_ref],
            "effectiveDateTime": day(a.assessed_on),
        }
        if a.assessor_id is not None:
            base["performer"] = [ids.ref("Practitioner", ids.practitioner(a.assessor_id))]
        if a.notes:
            base["note"] = [{"text": a.notes}]
        tp = {"url": TIME_POINT, "valueCoding": cr(f"timepoint-{TimePoint(a.time_point).value}")}
        values: list[tuple[str, str, dict[str, Any], bool]] = []
        for measure in ("pores", "oil", "redness"):
            grade = getattr(a, measure)
            if grade is not None:
                values.append((measure, "exam", {"valueInteger": grade}, True))
        if a.gais:
            values.append(
                (
                    "gais",
                    "exam",
                    {"valueCodeableConcept": {"coding": [cr(f"gais-{a.gais}")], "text": Gais(a.gais).label}},
                    False,
                )
            )
        if a.satisfaction is not None:
            values.append(("satisfaction", "survey", {"valueInteger": a.satisfaction}, False))
        if a.sebum_ug_cm2 is not None:
            values.append(
                ("sebum", "exam", {"valueQuantity": quantity(a.sebum_ug_cm2, "µg/cm²", UNIT_SEBUM)}, False)
            )
        if a.erythema_index is not None:
            values.append(
                (
                    "erythema-index",
                    "exam",
                    {"valueQuantity": quantity(a.erythema_index, "EI", UNIT_INDEX)},
                    False,
                )
            )
        for measure, category, value, rated in values:
            ext = [tp] + ([{"url": SCALE_VERSION, "valueString": a.scale_version}] if rated else [])
            out.append(
                {
                    "resourceType": "Observation",
                    "id": ids.id("observation", a.id, measure),
                    "extension": ext,
                    **base,
                    "category": [{"coding": [{"system": OBS_CATEGORY, "code": category}]}],
                    "code": {"coding": [measure_coding(measure)]},
                    **value,
                }
            )
    return out


def adverse_events(d: SessionData, ids: Ids) -> list[dict[str, Any]]:
    out = []
    for e in d.events:
        kind = AdverseEventKind(e.kind)
        codings = [cr(f"ae-{kind.value}")]
        if kind in ADVERSE_EVENT_SNOMED:
            codings.append(snomed(ADVERSE_EVENT_SNOMED[kind]))
        resolution: list[dict[str, Any]] = []
        if e.resolved_on is not None:
            resolution.append({"url": "resolvedOn", "valueDate": day(e.resolved_on)})
        if e.resolution:
            resolution.append({"url": "resolution", "valueString": e.resolution})
        if e.notes:
            resolution.append({"url": "notes", "valueString": e.notes})
        res: dict[str, Any] = {
            "resourceType": "AdverseEvent",
            "id": ids.id("adverse-event", e.id),
            "actuality": "actual",
            "event": {"coding": codings, "text": kind.label},
            "subject": ids.ref("Patient", ids.patient(d.row.patient_id)),
            "date": day(e.onset),
            "recordedDate": instant(e.created_at),
            "severity": {"coding": [{"system": AE_SEVERITY, "code": e.severity}]},
            "outcome": {
                "coding": [{"system": AE_OUTCOME, "code": "resolved" if e.resolved_on else "ongoing"}]
            },
            "suspectEntity": [{"instance": ids.ref("Procedure", ids.procedure(d.root_id))}],
        }
        if e.recorded_by_id is not None:
            res["recorder"] = ids.ref("Practitioner", ids.practitioner(e.recorded_by_id))
        if resolution:
            res["extension"] = [{"url": AE_RESOLUTION, "extension": resolution}]
        out.append(res)
    return out


def consent(d: SessionData, ids: Ids) -> dict[str, Any] | None:
    r = d.row
    if r.consented_at is None:
        return None
    res: dict[str, Any] = {
        "resourceType": "Consent",
        "id": ids.id("consent", d.root_id),
        "status": "active",
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment"}]},
        "category": [{"coding": [snomed(CONSENT_CATEGORY)]}],
        "patient": ids.ref("Patient", ids.patient(r.patient_id)),
        "dateTime": instant(r.consented_at),
        "performer": [ids.ref("Patient", ids.patient(r.patient_id))],
        "organization": [ids.ref("Organization", ids.organization())],
        "policy": [{"uri": f"{BASE}/consent-form/{r.consent_form_version or 'unknown'}"}],
        "provision": {"type": "permit", "code": [{"coding": [snomed(PROCEDURE_BOTULINUM)]}]},
    }
    if r.consent_obtained_by:
        res["extension"] = [{"url": CONSENT_OBTAINED_BY, "valueString": r.consent_obtained_by}]
    return res


def document(entry: Any, root_id: int | None, ids: Ids) -> dict[str, Any]:
    """A printed handout or chart PDF, from its print entry in the audit trail.

    ClinicRec re-creates these PDFs from the signed record on demand and does not keep the files, so the
    attachment names the document and when it was made; the content is the exported record itself.
    """
    what = "Aftercare handout" if entry.entity == "handout" else "Treatment chart"
    res: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": ids.id("document", entry.id),
        "status": "current",
        "type": {"coding": [cr(entry.entity)]},
        "subject": ids.ref("Patient", ids.patient(entry.patient_id)),
        "date": instant(entry.at),
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "title": f"{what} (session {entry.entity_id})",
                    "creation": instant(entry.at),
                }
            }
        ],
    }
    if entry.user_id is not None:
        res["author"] = [ids.ref("Practitioner", ids.practitioner(entry.user_id))]
    if root_id is not None:
        res["context"] = {"related": [ids.ref("Procedure", ids.procedure(root_id))]}
    return res
