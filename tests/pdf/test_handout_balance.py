"""The handout's pages are balanced: a last page is never left half empty.

A sheet whose second page would be largely empty is set in larger type (easier to read) until the
pages are full; a sheet that would need a third page is tightened. Measured on the PDF itself: the
lowest line of text on the last page, above the footer.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from clinicrec.domain.enums import Language, PaperSize, Zone
from clinicrec.domain.models import ClinicSettings, SessionRecord
from clinicrec.pdf import build_handout, build_leaflet

from .conftest import BOTOX, BOTOX_VIAL, make_points, make_record

TOP, BOTTOM, FOOTER = 14 * mm, 19 * mm, 16 * mm  # the handout's margins; the footer sits below 16 mm
MIN_LAST_PAGE_FILL = 0.7


def last_page_fill(pdf: bytes) -> tuple[int, float]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    page = pages[-1]
    height = float(page.mediabox.height)
    lows: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        y = tm[5] * cm[3] + cm[5]
        if text.strip() and y > FOOTER:
            lows.append(y)

    page.extract_text(visitor_text=visit)
    return len(pages), (height - TOP - min(lows)) / (height - TOP - BOTTOM)


def one_zone(record: SessionRecord) -> SessionRecord:
    session = dataclasses.replace(
        record.session, points=make_points(((Zone.FOREHEAD, 1.0, BOTOX_VIAL, 0.2),)), vial_ids=(11,)
    )
    return dataclasses.replace(record, session=session, vials=(BOTOX_VIAL,), products=(BOTOX,))


def every_zone(record: SessionRecord) -> SessionRecord:
    points = make_points(tuple((zone, 1.0, BOTOX_VIAL, 0.2) for zone in Zone))
    return one_zone(dataclasses.replace(record, session=dataclasses.replace(record.session, points=points)))


CLINICS = {
    "full details": ClinicSettings(
        name="Lumen Skin Clinic",
        address="12 Harbour Street\nBristol BS1 4QA",
        phone="0117 496 0321",
        email="care@lumenskin.example",
        website="lumenskin.example",
    ),
    "phone only": ClinicSettings(name="Lumen Skin Clinic", phone="0117 496 0321"),
}
RECORDS = {"one zone": one_zone, "five zones": lambda r: r, "every zone": every_zone}


@pytest.mark.parametrize("language", list(Language), ids=str)
@pytest.mark.parametrize("record_kind", list(RECORDS))
@pytest.mark.parametrize("clinic_kind", list(CLINICS))
@pytest.mark.parametrize("paper", list(PaperSize), ids=str)
def test_the_handouts_last_page_is_never_half_empty(
    paper: PaperSize, clinic_kind: str, record_kind: str, language: Language
) -> None:
    record = RECORDS[record_kind](make_record())
    record = dataclasses.replace(
        record, patient=dataclasses.replace(record.patient, preferred_language=language)
    )
    clinic = dataclasses.replace(CLINICS[clinic_kind], paper_size=paper)
    out = io.BytesIO()
    build_handout(record, clinic, out)
    pages, fill = last_page_fill(out.getvalue())
    assert pages == 2
    assert fill >= MIN_LAST_PAGE_FILL, f"the last page is only {fill:.0%} full"


@pytest.mark.parametrize("language", list(Language), ids=str)
@pytest.mark.parametrize("clinic_kind", list(CLINICS))
def test_the_leaflets_last_page_is_never_half_empty(clinic_kind: str, language: Language) -> None:
    out = io.BytesIO()
    build_leaflet(CLINICS[clinic_kind], out, language=language)
    pages, fill = last_page_fill(out.getvalue())
    assert pages <= 2 and fill >= MIN_LAST_PAGE_FILL


def test_the_measure_sees_a_short_last_page() -> None:
    """The measure itself: a sheet whose last page holds a few lines reads as nearly empty."""
    from reportlab.platypus import Paragraph, SimpleDocTemplate
    from reportlab.platypus.flowables import PageBreak

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, topMargin=TOP, bottomMargin=BOTTOM)
    from reportlab.lib.styles import getSampleStyleSheet

    style = getSampleStyleSheet()["Normal"]
    doc.build([Paragraph("one", style), PageBreak(), Paragraph("two", style)])
    pages, fill = last_page_fill(buf.getvalue())
    assert pages == 2 and fill < 0.1


def test_a_short_sheet_is_set_larger_to_fill_its_pages() -> None:
    """Phone only, one zone: the regular type leaves a quarter of page 2 empty; larger type fills it."""
    out = io.BytesIO()
    build_handout(one_zone(make_record()), CLINICS["phone only"], out)
    pages, fill = last_page_fill(out.getvalue())
    assert pages == 2 and fill >= 0.85
    sizes: set[float] = set()
    PdfReader(io.BytesIO(out.getvalue())).pages[0].extract_text(
        visitor_text=lambda text, cm, tm, font, size: (
            sizes.add(round(size * tm[0], 1)) if "Microbotox is a" in text else None
        )
    )
    assert sizes and min(sizes) > 11.5  # larger than the regular 11.5 pt body
