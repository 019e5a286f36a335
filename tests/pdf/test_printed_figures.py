"""The chart PDF and the patient's progress sheet print each key zone's measured figures at baseline
and now, beside the clinician's ratings (issue 19); an unmeasured pair prints none."""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import cv2
import pytest
from pypdf import PdfReader

from clinicrec.analysis.synthetic import Photo, render_face
from clinicrec.domain.enums import TimePoint, Zone
from clinicrec.domain.models import Assessment
from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services.photos.printed import PhotoPrinting
from tests.conftest import World, make_patient, make_vial
from tests.services.test_charting import chart, grid, signed

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def faces() -> tuple[Photo, Photo]:
    return (
        render_face(7.0, seed=3, pores_per_cm2=30.0, red_scale=1.3, shine_scale=1.2),
        render_face(7.0, seed=3, pores_per_cm2=15.0, red_scale=0.5, shine_scale=0.6),
    )


def _png(photo: Photo) -> bytes:
    ok, data = cv2.imencode(".png", cv2.cvtColor(photo.rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return data.tobytes()


def _measured_session(world: World, faces: tuple[Photo, Photo], *, measure: bool = True) -> tuple[int, int]:
    svc = world.services
    patient = make_patient(svc, first_name="Lena")
    assert patient.id is not None
    points = grid(make_vial(svc), 0.5, 6, Zone.CHEEK_LEFT)
    done = signed(world, chart(world, patient, points), reasons="Cleared")
    assert done.id is not None
    svc.photos.record_consent(patient.id, (ConsentScope.CLINICAL,), date(2026, 1, 2))
    before = svc.photos.import_photo(
        PhotoDetails(patient.id, PhotoView.FRONT, TimePoint.BASELINE, done.id), _png(faces[0])
    )
    world.clock.advance(days=28)
    svc.records.add_follow_up(
        done.id, Assessment(TimePoint.WEEK_4, world.clock().date(), 1, 1, 1, CURRENT_SCALE_VERSION)
    )
    after = svc.photos.import_photo(
        PhotoDetails(patient.id, PhotoView.FRONT, TimePoint.WEEK_4, done.id), _png(faces[1])
    )
    if measure:
        for photo, face in ((before, faces[0]), (after, faces[1])):
            svc.measurements.measure(photo.id, face.face)
    return patient.id, done.id


def page_image(data: bytes, showing: str, stem: Path) -> None:
    """The first page of the PDF ``data`` that shows ``showing``, as ``stem``.png (pdftoppm, 60 dpi)."""
    pages = PdfReader(io.BytesIO(data)).pages
    number = next(
        i + 1 for i, pg in enumerate(pages) if showing in " ".join((pg.extract_text() or "").split())
    )
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "doc.pdf"
        pdf.write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                str(number),
                "-l",
                str(number),
                "-singlefile",
                str(pdf),
                str(stem),
            ],
            check=True,
        )


def _text(data: bytes) -> str:
    return " ".join(" ".join((pg.extract_text() or "").split()) for pg in PdfReader(io.BytesIO(data)).pages)


def test_the_chart_pdf_prints_the_figures_beside_the_ratings(
    world: World, faces: tuple[Photo, Photo]
) -> None:
    svc = world.services
    patient_id, session_id = _measured_session(world, faces)
    [pair] = PhotoPrinting(svc.ctx).before_after(patient_id, session_id)
    assert pair.figures is not None
    cheek = next(z for z in pair.figures.zones if z.zone is Zone.CHEEK_LEFT)
    [change] = svc.measurements.session_change(session_id)
    truth = next(z for z in change.zones if z.zone is Zone.CHEEK_LEFT)
    assert cheek.before[0] == pytest.approx(truth.before.pores_per_cm2)
    assert cheek.after[0] == pytest.approx(truth.after.pores_per_cm2)
    data = svc.printing.chart_bytes(session_id)
    text = _text(data)
    assert "Measured from the photos" in text
    before, after = f"{truth.before.pores_per_cm2:.1f}", f"{truth.after.pores_per_cm2:.1f}"
    assert f"{before} → {after}" in text  # the left cheek's pores per cm², baseline -> now
    baseline = svc.charting.get(session_id).baseline
    assert baseline is not None
    assert f"pores {baseline.pores} → 1" in text  # the clinician's ratings of the same visits
    if os.environ.get("CLINICREC_SCREENSHOTS"):
        page_image(data, "Measured from the photos", SHOTS / "skin-figures-chart")


def test_the_progress_sheet_prints_them_too_and_an_unmeasured_pair_prints_none(
    world: World, faces: tuple[Photo, Photo], tmp_path: Path
) -> None:
    svc = world.services
    patient_id, _ = _measured_session(world, faces)
    data = PhotoPrinting(svc.ctx).progress_sheet_bytes(patient_id)
    text = _text(data)
    assert "Your progress, Lena" in text and "Measured from the photos" in text and "Cheek (L)" in text
    if os.environ.get("CLINICREC_SCREENSHOTS"):
        page_image(data, "Measured from the photos", SHOTS / "skin-figures-progress")
    other, _ = _measured_session(world, faces, measure=False)
    assert "Measured from the photos" not in _text(PhotoPrinting(svc.ctx).progress_sheet_bytes(other))
