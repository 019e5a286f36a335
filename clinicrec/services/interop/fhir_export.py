"""FHIR R4 export: one patient, a date range or the whole clinic, as a Bundle (JSON) or bulk NDJSON.

The export streams: patients and sessions are read in chunks of plain rows (SQLAlchemy Core, no ORM
objects), turned into resources and written at once, so memory does not grow with the clinic. Only the
small lists (users, products, the lots and prescribers seen) are held for the whole run.
Exporting needs the export permission and writes one audit entry naming what was exported.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ...db.models import (
    AdverseEventRow,
    AssessmentRow,
    AuditRow,
    ClinicRow,
    PatientRow,
    PointRow,
    ProductRow,
    SessionRow,
    UserRow,
    VialAdditiveRow,
    VialRow,
)
from ...domain.enums import AuditAction
from ...domain.errors import ClinicRecError, NotFoundError
from .. import audit
from ..base import ServiceBase
from ..permissions import Action
from . import fhir_care, fhir_json, fhir_people, fhir_photos
from .fhir_ids import Ids, clinic_namespace

CHUNK = 500
DOCUMENT_ENTITIES = ("handout", "chart_pdf")


class ExportError(ClinicRecError):
    """The export could not be written where asked."""


@dataclass(frozen=True)
class ExportScope:
    """What to export: one patient, sessions performed in a date range (UTC dates), or everything."""

    patient_id: int | None = None
    start: date | None = None
    end: date | None = None

    def describe(self) -> str:
        if self.patient_id is not None:
            return f"patient {self.patient_id}"
        if self.start or self.end:
            return f"sessions {self.start or '…'} to {self.end or '…'}"
        return "whole clinic"


@dataclass
class ExportResult:
    path: Path
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# -- writers ---------------------------------------------------------------------------------------
_dumps = fhir_json.dumps


class BundleWriter:
    """A ``collection`` Bundle written entry by entry; fullUrls are ``urn:uuid:`` ids."""

    def __init__(self, path: Path, bundle_id: str, timestamp: str) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".part")
        self.fh = self.tmp.open("wb")
        self.first = True
        self.counts: dict[str, int] = {}
        head = {"resourceType": "Bundle", "id": bundle_id, "meta": {"lastUpdated": timestamp}}
        head.update(type="collection", timestamp=timestamp)
        self.fh.write(_dumps(head)[:-1] + b',"entry":[')

    def write(self, resource: dict[str, Any]) -> None:
        kind = resource["resourceType"]
        self.counts[kind] = self.counts.get(kind, 0) + 1
        sep = b"" if self.first else b","
        self.fh.write(sep + b'{"fullUrl":"urn:uuid:' + resource["id"].encode() + b'","resource":')
        self.fh.write(_dumps(resource))
        self.fh.write(b"}")
        self.first = False

    def close(self) -> None:
        self.fh.write(b"]}")
        self.fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.fh.close()
        self.tmp.unlink(missing_ok=True)


class NdjsonWriter:
    """The FHIR Bulk Data layout: one ``<Type>.ndjson`` per resource type, plus a manifest."""

    def __init__(self, folder: Path, timestamp: str, request: str) -> None:
        self.folder = folder
        self.timestamp = timestamp
        self.request = request
        self.files: dict[str, Any] = {}
        self.counts: dict[str, int] = {}

    def write(self, resource: dict[str, Any]) -> None:
        kind = resource["resourceType"]
        fh = self.files.get(kind)
        if fh is None:
            fh = self.files[kind] = (self.folder / f"{kind}.ndjson").open("wb")
            self.counts[kind] = 0
        fh.write(_dumps(resource) + b"\n")
        self.counts[kind] += 1

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()
        manifest = {
            "transactionTime": self.timestamp,
            "request": self.request,
            "requiresAccessToken": False,
            "output": [{"type": k, "url": f"{k}.ndjson", "count": n} for k, n in sorted(self.counts.items())],
            "error": [],
        }
        (self.folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    def abort(self) -> None:
        for fh in self.files.values():
            fh.close()


# -- the service -----------------------------------------------------------------------------------
class FhirExportService(ServiceBase):
    def export_bundle(self, out: Path | str, scope: ExportScope = ExportScope()) -> ExportResult:
        out = Path(out).expanduser()
        if out.is_dir():
            raise ExportError(f"{out} is a folder: give the name of the .json file to write")
        if not out.parent.is_dir():
            raise ExportError(f"The folder {out.parent} does not exist")
        return self._export(out, scope, bundle=True)

    def export_ndjson(self, folder: Path | str, scope: ExportScope = ExportScope()) -> ExportResult:
        folder = Path(folder).expanduser()
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise ExportError(
                f"{folder} must be a new or empty folder (bulk export writes one file per type)"
            )
        folder.mkdir(parents=True, exist_ok=True)
        return self._export(folder, scope, bundle=False)

    def _export(self, out: Path, scope: ExportScope, *, bundle: bool) -> ExportResult:
        actor = self.actor(Action.EXPORT)
        stamp = fhir_people.instant(self.now().astimezone(UTC).replace(microsecond=0))
        with self.reading() as s:
            if scope.patient_id is not None and s.get(PatientRow, scope.patient_id) is None:
                raise NotFoundError(f"No patient with id {scope.patient_id}")
            ids = Ids(clinic_namespace(s), bundle=bundle)
            writer: BundleWriter | NdjsonWriter = (
                BundleWriter(out, ids.id("bundle", stamp, scope.describe()), stamp)
                if bundle
                else NdjsonWriter(out, stamp, f"clinicrec fhir export ({scope.describe()})")
            )
            try:
                for resource in _Collector(s, ids, scope).resources():
                    writer.write(resource)
            except BaseException:
                writer.abort()
                raise
            writer.close()
        result = ExportResult(out, dict(writer.counts))
        with self.writing() as s:
            audit.record(
                s,
                actor,
                AuditAction.EXPORT,
                "fhir_export",
                "",
                patient_id=scope.patient_id,
                changes={
                    "format": [None, "bundle" if bundle else "ndjson"],
                    "scope": [None, scope.describe()],
                    "resources": [None, result.total],
                    "file": [None, out.name],
                },
            )
        return result


# -- reading the records ---------------------------------------------------------------------------
_S = SessionRow.__table__.c
_PATIENT_COLS = [c for c in PatientRow.__table__.c if c.name not in ("first_key", "last_key")]
_SESSION_COLS = [
    _S.id, _S.patient_id, _S.performed_at, _S.injector_id, _S.prescriber, _S.order_reference,
    _S.consent_form_version, _S.consented_at, _S.consent_obtained_by, _S.indications, _S.needle_gauge,
    _S.depth, _S.notes, _S.status, _S.amends_id, _S.amendment_reason,
    func.coalesce(_S.root_id, _S.id).label("root"),
]  # fmt: skip


@dataclass
class _Vial:
    id: int
    product_id: int
    lot_number: str
    expiry_date: date
    vial_units: float
    diluent_kind: str
    diluent_ml: float
    reconstituted_at: datetime
    additives: list[tuple[str, float, str]]

    @property
    def additive_ml(self) -> float:
        return sum(v for _, v, _ in self.additives)


class _Collector:
    def __init__(self, s: Session, ids: Ids, scope: ExportScope) -> None:
        self.s = s
        self.c = s.connection()  # Core rows: no ORM work per row
        self.ids = ids
        self.scope = scope
        self.products = {r.id: r for r in self.c.execute(select(ProductRow.__table__)).all()}
        self.lots: dict[tuple[int, str], date] = {}
        self.prescribers: dict[str, str] = {}
        self.roots: set[int] = set()

    def resources(self) -> Iterator[dict[str, Any]]:
        s, ids = self.c, self.ids
        clinic = s.execute(select(ClinicRow.__table__)).first()
        if clinic is not None:
            yield fhir_people.organization(clinic, ids)
        for user in s.execute(select(UserRow.__table__).order_by(UserRow.id)).all():
            yield fhir_people.practitioner(user, ids)
            yield fhir_people.practitioner_role(user, ids)
        yield from self._patients()
        yield from self._sessions()
        yield from self._documents()
        yield from fhir_photos.photo_documents(
            self.c,
            ids,
            patient_id=self.scope.patient_id,
            roots=self.roots,
            in_range_only=bool(self.scope.start or self.scope.end),
        )
        for name in self.prescribers.values():
            yield from fhir_people.prescriber(name, ids)
        used_products = sorted({pid for pid, _ in self.lots})
        for pid in used_products:
            yield fhir_people.medication(self.products[pid], ids)
        for (pid, lot), expiry in sorted(self.lots.items()):
            yield fhir_people.medication(self.products[pid], ids, lot, expiry)

    # -- patients --------------------------------------------------------------------------------
    def _patient_filter(self) -> Any:
        sc = self.scope
        if sc.patient_id is not None:
            return PatientRow.id == sc.patient_id
        if sc.start or sc.end:
            return PatientRow.id.in_(select(_S.patient_id).where(*self._range()))
        return None

    def _patients(self) -> Iterator[dict[str, Any]]:
        last = 0
        where = self._patient_filter()
        while True:
            stmt = select(*_PATIENT_COLS).where(PatientRow.id > last).order_by(PatientRow.id).limit(CHUNK)
            if where is not None:
                stmt = stmt.where(where)
            rows = self.c.execute(stmt).all()
            if not rows:
                return
            for r in rows:
                yield fhir_people.patient(r, self.ids)
                allergy = fhir_people.allergy(r, self.ids)
                if allergy is not None:
                    yield allergy
            last = rows[-1].id

    # -- sessions --------------------------------------------------------------------------------
    def _range(self) -> list[Any]:
        conds = []
        if self.scope.start:
            conds.append(_S.performed_at >= datetime.combine(self.scope.start, time(), UTC))
        if self.scope.end:
            conds.append(_S.performed_at < datetime.combine(self.scope.end + timedelta(days=1), time(), UTC))
        return conds

    def _sessions(self) -> Iterator[dict[str, Any]]:
        # Versions replaced by an amendment are left out. Their ids are few and read once: a correlated
        # NOT EXISTS made SQLite scan every session for every chunk (minutes on 100,000 patients).
        superseded = set(self.c.execute(select(_S.amends_id).where(_S.amends_id.is_not(None))).scalars())
        conds = list(self._range())
        if self.scope.patient_id is not None:
            conds.append(_S.patient_id == self.scope.patient_id)
        last = 0
        while True:
            rows = self.c.execute(
                select(*_SESSION_COLS).where(_S.id > last, *conds).order_by(_S.id).limit(CHUNK)
            ).all()
            if not rows:
                return
            current = [r for r in rows if r.id not in superseded]
            if current:
                yield from self._chunk(current)
            last = rows[-1].id

    def _chunk(self, rows: Sequence[Any]) -> Iterator[dict[str, Any]]:
        s, ids = self.c, self.ids
        data = {r.id: fhir_care.SessionData(r, r.root) for r in rows}
        by_root = {r.root: data[r.id] for r in rows}
        self.roots.update(by_root)
        pc = PointRow.__table__.c
        points = s.execute(
            select(*(pc[name] for name in fhir_care.POINT_COLUMNS))
            .where(pc.session_id.in_(list(data)))
            .order_by(pc.session_id, pc.seq)
        ).all()  # one fetchall: iterating a result fetches row by row
        for session_id, group in groupby(points, key=itemgetter(0)):
            data[session_id].points = list(group)
        ass = AssessmentRow.__table__.c
        for a in s.execute(
            select(AssessmentRow.__table__)
            .where(
                or_(
                    ass.session_id.in_(list(data)),
                    and_(ass.session_id.in_(list(by_root)), ass.time_point != "baseline"),
                )
            )
            .order_by(ass.id)
        ).all():
            target = data.get(a.session_id) if a.time_point == "baseline" else by_root.get(a.session_id)
            (target or by_root[a.session_id]).assessments.append(a)
        ae = AdverseEventRow.__table__.c
        for e in s.execute(
            select(AdverseEventRow.__table__)
            .where(or_(ae.session_id.in_(list(data)), ae.session_id.in_(list(by_root))))
            .order_by(ae.id)
        ).all():
            (by_root.get(e.session_id) or data[e.session_id]).events.append(e)
        vials = self._vials({p[5] for p in points})
        for d in data.values():
            r = d.row
            if r.prescriber.strip():
                self.prescribers.setdefault(r.prescriber.strip().casefold(), r.prescriber.strip())
            yield fhir_care.procedure(d, vials, ids)
            yield from fhir_care.administrations(d, vials, self.products, ids)
            yield from fhir_care.observations(d, ids)
            yield from fhir_care.adverse_events(d, ids)
            consent = fhir_care.consent(d, ids)
            if consent is not None:
                yield consent

    def _vials(self, vial_ids: set[int]) -> dict[int, _Vial]:
        if not vial_ids:
            return {}
        v = VialRow.__table__.c
        out = {
            r.id: _Vial(
                r.id, r.product_id, r.lot_number, r.expiry_date, r.vial_units, r.diluent_kind, r.diluent_ml,
                r.reconstituted_at, [],
            )
            for r in self.c.execute(select(VialRow.__table__).where(v.id.in_(list(vial_ids))))
        }  # fmt: skip
        a = VialAdditiveRow.__table__.c
        for r in self.c.execute(
            select(a.vial_id, a.kind, a.volume_ml, a.description)
            .where(a.vial_id.in_(list(vial_ids)))
            .order_by(a.id)
        ):
            out[r.vial_id].additives.append((r.kind, r.volume_ml, r.description))
        for vial in out.values():
            self.lots.setdefault((vial.product_id, vial.lot_number), vial.expiry_date)
        return out

    # -- printed documents -----------------------------------------------------------------------
    def _documents(self) -> Iterator[dict[str, Any]]:
        c = AuditRow.__table__.c
        conds = [
            c.action == AuditAction.PRINT.value,
            c.entity.in_(DOCUMENT_ENTITIES),
            c.patient_id.is_not(None),
        ]
        if self.scope.patient_id is not None:
            conds.append(c.patient_id == self.scope.patient_id)
        last = 0
        while True:
            rows = self.c.execute(
                select(c.id, c.at, c.user_id, c.entity, c.entity_id, c.patient_id)
                .where(c.id > last, *conds)
                .order_by(c.id)
                .limit(CHUNK)
            ).all()
            if not rows:
                return
            session_ids = {int(r.entity_id) for r in rows if r.entity_id.isdigit()}
            root_of: dict[int, int] = {
                r[0]: r[1]
                for r in self.c.execute(
                    select(_S.id, func.coalesce(_S.root_id, _S.id)).where(_S.id.in_(list(session_ids)))
                )
            }
            for r in rows:
                root = root_of.get(int(r.entity_id)) if r.entity_id.isdigit() else None
                if root is None or root not in self.roots:
                    if self.scope.start or self.scope.end:
                        continue  # a document of a session outside the range
                    root = None
                yield fhir_care.document(r, root, self.ids)
            last = rows[-1].id
