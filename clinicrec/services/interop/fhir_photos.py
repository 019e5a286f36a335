"""Photos kept in the clinical record as FHIR ``DocumentReference`` resources.

One per photo that is not voided. The image itself stays in ClinicRec's photo store: a photo is exported
on purpose, from the photo screen, under its consent's scopes; the reference names it (view, zone, time
point), says when and by whom it was taken and with what device, gives its media type, size and pixel
dimensions, and its SHA-256 as an identifier (R4's ``attachment.hash`` is SHA-1, which ClinicRec does
not keep), and points to the session's Procedure when the photo belongs to one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection

from ...db.models import PhotoRow, SessionRow
from ...domain.enums import TimePoint, Zone
from ...domain.photos import PhotoView
from .fhir_codes import BASE, cr
from .fhir_ids import Ids
from .fhir_people import instant

CHUNK = 500
PHOTO_SHA256 = f"{BASE}/photo-sha256"


def photo_documents(
    c: Connection, ids: Ids, *, patient_id: int | None, roots: set[int], in_range_only: bool
) -> Iterator[dict[str, Any]]:
    """The photos of the export: of one patient (``patient_id``) or all; ``in_range_only``: only those of
    sessions whose Procedure is in the export (``roots``, a date range's sessions)."""
    p = PhotoRow.__table__.c
    s = SessionRow.__table__.c
    conds: list[ColumnElement[bool]] = [p.voided_at.is_(None)]
    if patient_id is not None:
        conds.append(p.patient_id == patient_id)
    last = 0
    while True:
        rows = c.execute(
            select(
                p.id, p.patient_id, p.session_id, p.view, p.zone, p.time_point, p.other_date, p.taken_at,
                p.taken_by_id, p.device, p.note, p.sha256, p.media_type, p.width, p.height, p.size_bytes,
                func.coalesce(s.root_id, s.id).label("root"),
            )
            .select_from(PhotoRow.__table__.outerjoin(SessionRow.__table__, s.id == p.session_id))
            .where(p.id > last, *conds)
            .order_by(p.id)
            .limit(CHUNK)
        ).all()  # fmt: skip
        if not rows:
            return
        for r in rows:
            root = r.root if r.root in roots else None
            if in_range_only and root is None:
                continue  # a photo of no session, or of a session outside the range
            yield photo_document(r, root, ids)
        last = rows[-1].id


def photo_document(r: Any, root_id: int | None, ids: Ids) -> dict[str, Any]:
    view = PhotoView(r.view).label
    when = TimePoint(r.time_point).label
    if r.other_date is not None:
        when += f" {r.other_date.isoformat()}"
    title = f"Photo: {view}" + (f", {Zone(r.zone).label}" if r.zone else "") + f" ({when})"
    res: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": ids.id("photo", r.id),
        "identifier": [{"system": PHOTO_SHA256, "value": r.sha256}],
        "status": "current",
        "type": {"coding": [cr("photo")]},
        "subject": ids.ref("Patient", ids.patient(r.patient_id)),
        "date": instant(r.taken_at),
        "author": [ids.ref("Practitioner", ids.practitioner(r.taken_by_id))],
        "content": [
            {
                "attachment": {
                    "contentType": r.media_type,
                    "size": r.size_bytes,
                    "title": title,
                    "creation": instant(r.taken_at),
                }
            }
        ],
    }
    details = [f"{r.width} x {r.height} pixels"] + ([f"device: {r.device}"] if r.device else [])
    res["description"] = "; ".join(details) + (f". {r.note}" if r.note else "")
    if root_id is not None:
        res["context"] = {"related": [ids.ref("Procedure", ids.procedure(root_id))]}
    return res
