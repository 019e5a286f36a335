"""What the handout keeps between sheets (issue 17) never carries one patient into another's sheet.

The handout keeps, per process: the face's unchanging drawing per size, the template's fixed wording
read once, and it measures a look before drawing the same story. Two patients' sheets made one after
the other in one process must each carry only their own treatment, and a sheet made again must come
out as it did the first time.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate

from clinicrec.domain.enums import Role, Zone
from clinicrec.domain.models import ClinicSettings, SessionRecord, User
from clinicrec.pdf import build_handout
from clinicrec.pdf.facemap_drawing import HIGHLIGHT, LegendEntry, crop_for, face_map_drawing
from clinicrec.pdf.facemap_figure import FaceMapFigure
from clinicrec.pdf.layout_passes import parsed_cache_info

from .conftest import DYSPORT, DYSPORT_VIAL, flat, make_points

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


def _text(pdf: bytes) -> str:
    return flat(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages))


def _pdf(record: SessionRecord, clinic: ClinicSettings) -> bytes:
    out = io.BytesIO()
    build_handout(record, clinic, out)
    return out.getvalue()


def _pixels(pdf: bytes, tmp_path: Path, name: str) -> list[bytes]:
    """Each page rendered by poppler at 60 dpi, as PNG bytes (the same page renders to the same bytes)."""
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(source), str(tmp_path / name)], check=True)
    return [p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.png"))]


def _second_patient(record: SessionRecord) -> SessionRecord:
    """Another patient, treated on another day by another injector, with another product and areas."""
    session = dataclasses.replace(
        record.session,
        id=99,
        patient_id=8,
        performed_at=datetime(2026, 9, 21, 15, 0, tzinfo=UTC),
        vial_ids=(12,),
        points=make_points(((Zone.NECK, 1.0, DYSPORT_VIAL, 0.6), (Zone.GLABELLA, 1.0, DYSPORT_VIAL, 0.6))),
    )
    return dataclasses.replace(
        record,
        session=session,
        patient=dataclasses.replace(record.patient, first_name="Kwame", last_name="Asante-Boateng", id=8),
        injector=User("jdoe", "Jonas Berg", "NP", Role.INJECTOR, id=4),
        vials=(DYSPORT_VIAL,),
        products=(DYSPORT,),
    )


OTHER_CLINIC = ClinicSettings(
    name="Harbour Dermatology", address="1 Quay Road\nLeith EH6 6QW", phone="0131 496 0777", review_days=21
)


def test_two_patients_sheets_in_one_process_carry_only_their_own_treatment(
    record: SessionRecord, clinic: ClinicSettings
) -> None:
    other = _second_patient(record)
    first = _text(_pdf(record, clinic))
    second = _text(_pdf(other, OTHER_CLINIC))
    again = _text(_pdf(record, clinic))

    own = {
        "first": (
            "Zoë Ñúñez-Øster",
            "3 March 2026",
            "around 17 March 2026",
            "Botox Cosmetic",
            "Maya Lindqvist",
        ),
        "second": ("Kwame Asante-Boateng", "21 September 2026", "around 12 October 2026", "Jonas Berg, NP"),
    }
    for text in own["first"]:
        assert text in first and text not in second
    for text in own["second"]:
        assert text in second and text not in first
    assert "Forehead, nose, cheeks and chin" in first
    assert "Between the brows and neck" in second and "cheeks" not in second
    assert "Dysport (abobotulinumtoxinA)" in second and "onabotulinumtoxinA" not in second
    for clinic_detail in ("Harbour Dermatology", "0131 496 0777", "1 Quay Road, Leith EH6 6QW"):
        assert clinic_detail in second and clinic_detail not in first
    for clinic_detail in ("Lumen Skin Clinic", "0117 496 0321", "care@lumenskin.example"):
        assert clinic_detail in first and clinic_detail not in second
    assert again == first


@needs_poppler
def test_a_sheet_made_after_another_patients_looks_as_it_did_before(
    record: SessionRecord, clinic: ClinicSettings, tmp_path: Path
) -> None:
    """Pixel for pixel: the face map's shading, the panel and the type size follow the patient only."""
    before = _pixels(_pdf(record, clinic), tmp_path, "before")
    other = _pixels(_pdf(_second_patient(record), OTHER_CLINIC), tmp_path, "other")
    after = _pixels(_pdf(record, clinic), tmp_path, "after")
    assert after == before
    assert other[0] != before[0]


def test_text_filled_for_a_patient_is_never_kept(record: SessionRecord, clinic: ClinicSettings) -> None:
    """Only the template's fixed wording is cached: a new patient's sheet adds nothing to the cache."""
    _pdf(record, clinic)
    kept = parsed_cache_info().currsize
    renamed = dataclasses.replace(
        record,
        patient=dataclasses.replace(record.patient, first_name="Amara", last_name="Okafor"),
        session=dataclasses.replace(record.session, performed_at=datetime(2026, 4, 9, 9, 0, tzinfo=UTC)),
    )
    text = _text(_pdf(renamed, clinic))
    assert "Thank you for coming to see us, Amara." in text and "9 April 2026" in text
    assert parsed_cache_info().currsize == kept


FIGURES = [
    (frozenset({Zone.FOREHEAD, Zone.CHEEK_LEFT, Zone.NOSE}), "Treated areas", 48 * mm),
    (frozenset({Zone.NECK, Zone.DECOLLETAGE}), "Zonas tratadas", 54 * mm),
    (frozenset(), "Treated areas", 40 * mm),
    (frozenset(Zone), "Treated areas", 50 * mm),
]


@needs_poppler
@pytest.mark.parametrize(("zones", "legend", "width"), FIGURES, ids=["three", "neck", "none", "every"])
def test_the_fast_face_map_draws_exactly_the_plain_drawing(
    zones: frozenset[Zone], legend: str, width: float, tmp_path: Path
) -> None:
    entries = [LegendEntry(HIGHLIGHT, legend, "patch")]
    args = {
        "treated_zones": zones,
        "legend": entries,
        "legend_font_size": 8.5,
        "view_bottom": crop_for(zones),
    }
    pages = {}
    for name, figure in (
        ("plain", face_map_drawing(width, **args)),  # type: ignore[arg-type]
        ("fast", FaceMapFigure(width, **args)),  # type: ignore[arg-type]
        ("fast_again", FaceMapFigure(width, **args)),  # type: ignore[arg-type]
    ):
        out = io.BytesIO()
        SimpleDocTemplate(out, pagesize=(width + 40, 400)).build([figure])
        pages[name] = _pixels(out.getvalue(), tmp_path, name)
    assert pages["fast"] == pages["plain"]
    assert pages["fast_again"] == pages["plain"]
