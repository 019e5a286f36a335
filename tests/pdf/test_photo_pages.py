"""Before/after pages: in the chart PDF (one per view) and the patient's progress sheet; aligned."""

from __future__ import annotations

import io
import math
from datetime import date

from pypdf import PdfReader

from clinicrec.domain.enums import AuditAction, TimePoint
from clinicrec.domain.photos import ConsentScope, Landmarks, PhotoDetails, PhotoView, Point
from clinicrec.services.audit_log import AuditFilters
from clinicrec.services.photos.printed import PhotoPrinting
from tests.conftest import World, make_patient, make_vial
from tests.services.test_charting import chart, grid, signed
from tests.ui.photos.faces import face


def _photos(world: World, patient_id: int, session_id: int | None) -> None:
    svc = world.services
    svc.photos.record_consent(patient_id, (ConsentScope.CLINICAL,), date(2026, 1, 2))
    for view in (PhotoView.FRONT, PhotoView.OBLIQUE_LEFT):
        data, pupils = face(800, 600)
        p = svc.photos.import_photo(
            PhotoDetails(patient_id, view, TimePoint.BASELINE, session_id=session_id), data
        )
        svc.photos.set_landmarks(p.id, Landmarks(Point(*pupils[:2]), Point(*pupils[2:])))
    world.clock.advance(days=28)
    data, pupils = face(800, 600, after=True, turn=-8, scale=0.85, shift=(40, -20))
    p = svc.photos.import_photo(
        PhotoDetails(patient_id, PhotoView.FRONT, TimePoint.WEEK_4, session_id=session_id), data
    )
    svc.photos.set_landmarks(p.id, Landmarks(Point(*pupils[:2]), Point(*pupils[2:])))


def test_chart_pdf_has_a_before_after_page_per_view_with_both_photos(world: World) -> None:
    svc = world.services
    patient = make_patient(svc)
    done = signed(world, chart(world, patient, grid(make_vial(svc), 0.5, 4)), reasons="Cleared")
    _photos(world, patient.id, done.id)  # type: ignore[arg-type]
    pdf = PdfReader(io.BytesIO(svc.printing.chart_bytes(done.id)))  # type: ignore[arg-type]
    pages = [pg for pg in pdf.pages if "Before and after" in pg.extract_text()]
    assert len(pages) == 1  # the oblique view has no follow-up photo yet: no page for it
    text = pages[0].extract_text()
    assert "Before and after: Front" in text and "Week 4" in text and "day 28" in text
    assert "aligned on the landmarks" in text
    assert len(pages[0].images) == 2


def test_alignment_for_print_puts_the_landmarks_within_a_pixel(world: World) -> None:
    svc = world.services
    patient = make_patient(svc)
    _photos(world, patient.id, None)  # type: ignore[arg-type]
    (pair,) = PhotoPrinting(svc.ctx).before_after(patient.id)  # type: ignore[arg-type]
    t = pair.alignment()
    sb = pair.before.width / pair.before.photo.width
    sa = pair.after.width / pair.after.photo.width
    for which in ("first", "second"):
        a, b = getattr(pair.after.photo.landmarks, which), getattr(pair.before.photo.landmarks, which)
        q = t.apply(Point(a.x * sa, a.y * sa))
        assert math.dist((q.x, q.y), (b.x * sb, b.y * sb)) < 1.0


def test_progress_sheet_is_printed_and_audited(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = world.services
    patient = make_patient(svc, first_name="Lena")
    _photos(world, patient.id, None)  # type: ignore[arg-type]
    out = PhotoPrinting(svc.ctx).progress_sheet_pdf(patient.id, tmp_path / "progress.pdf")  # type: ignore[arg-type]
    pdf = PdfReader(str(out))
    text = " ".join(pg.extract_text() for pg in pdf.pages)
    assert "Your progress, Lena" in text and "Before and after: Front" in text
    assert (out.stat().st_mode & 0o777) == 0o600
    world.as_(world.manager)
    entries = svc.audit_log.search(AuditFilters(action=AuditAction.PRINT, patient_id=patient.id))
    assert [c.new for e in entries for c in e.changes if c.field == "document"] == ["progress_sheet"], entries
