"""Photos for printing: each view's baseline and latest follow-up, at print size, for the chart and the
patient's progress sheet (pdf/photo_pages.py draws them)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from ...domain.enums import AuditAction, TimePoint
from ...domain.photos import BeforeAfter, Photo, PrintedPhoto
from .. import audit
from ..base import ServiceBase
from ..catalogue import ClinicService
from ..files import staged_output, write_private
from ..permissions import Action
from .printed_figures import measured_figures
from .service import PhotoService, check_bytes

PRINT_PX = 1400


def before_and_after(photos: list[Photo], session_id: int | None = None) -> list[tuple[Photo, Photo]]:
    """Per view: the baseline (the session's own if it has one) and the newest later photo of that view."""
    out = []
    for view in dict.fromkeys((p.view, p.zone) for p in photos):
        same = [p for p in photos if (p.view, p.zone) == view and not p.voided]
        baselines = [p for p in same if p.time_point == TimePoint.BASELINE]
        if not baselines:
            continue
        own = [p for p in baselines if session_id is not None and p.session_id == session_id]
        before = (own or baselines)[-1]
        later = [p for p in same if p.time_point != TimePoint.BASELINE and p.taken_at > before.taken_at]
        if later:
            out.append((before, later[-1]))
    return out


def print_sized(data: bytes) -> tuple[bytes, int, int]:
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", (PRINT_PX, PRINT_PX))
        small = im.convert("RGB")
        small.thumbnail((PRINT_PX, PRINT_PX), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        small.save(out, "JPEG", quality=88)
        return out.getvalue(), small.width, small.height


class PhotoPrinting(ServiceBase):
    def before_after(self, patient_id: int, session_id: int | None = None) -> list[BeforeAfter]:
        photos_service = PhotoService(self._ctx)
        photos = photos_service.photos_of(patient_id)
        chosen = before_and_after(photos, session_id)
        days = photos_service.days_since_treatment([p for pair in chosen for p in pair])
        out = []
        with self.reading() as s:
            for before, after in chosen:
                printed = []
                for photo in (before, after):
                    data = photos_service.store.get(s, photo.sha256)
                    check_bytes(photo.id, photo.sha256, data)
                    assert data is not None
                    jpeg, w, h = print_sized(data)
                    printed.append(PrintedPhoto(photo, jpeg, w, h, days.get(photo.id)))
                figures = measured_figures(s, before, after)
                out.append(BeforeAfter(before.view_label, printed[0], printed[1], figures))
        return out

    def progress_sheet_bytes(self, patient_id: int) -> bytes:
        """The patient's progress sheet (audited as a print)."""
        from ...pdf.photo_pages import build_progress_sheet
        from ..patients import PatientService

        actor = self.actor(Action.PRINT)
        patient = PatientService(self._ctx).get(patient_id)
        pairs = self.before_after(patient_id)
        buffer = io.BytesIO()
        build_progress_sheet(patient, pairs, ClinicService(self._ctx).get(), buffer)
        with self.writing() as s:
            audit.record(
                s, actor, AuditAction.PRINT, "patient", patient_id, patient_id=patient_id,
                changes={"document": [None, "progress_sheet"], "photos": [None, 2 * len(pairs)]},
            )  # fmt: skip
        return buffer.getvalue()

    def progress_sheet_pdf(self, patient_id: int, out: Path) -> Path:
        data = self.progress_sheet_bytes(patient_id)
        with staged_output(out) as tmp:
            write_private(tmp, data)
        return Path(out).expanduser()
