"""The aftercare handout and the leaflet, read back from real PDFs."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinicrec.domain.enums import PaperSize, Zone
from clinicrec.domain.models import ClinicSettings, InjectionPoint, SessionRecord
from clinicrec.pdf import build_handout, build_leaflet
from clinicrec.pdf.handout import plain_zone_names
from clinicrec.pdf.templates import HANDOUT_FIELDS, LEAFLET_FIELDS, load_template_text, validate_template

from .conftest import BOTOX_VIAL, DYSPORT_VIAL, PdfText, flat

CREDIT = (
    'The facts about Microbotox come from the article "Microbotox" by Dana Castelli, '
    "a registered nurse (RN, BSN)."
)
WARNING_SIGNS = (
    "trouble swallowing",
    "trouble speaking",
    "trouble breathing",
    "drooping eyelids",
    "double vision",
)
PAPER = {PaperSize.A4: (595.3, 841.9), PaperSize.LETTER: (612.0, 792.0)}


def _logo_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (120, 40), (31, 111, 120)).save(buf, format="PNG")
    return buf.getvalue()


def headings(name: str, fields: frozenset[str]) -> list[str]:
    return [s.heading for s in validate_template(load_template_text(name), fields).sections]


@pytest.fixture
def handout(tmp_path: Path, record: SessionRecord, clinic: ClinicSettings) -> Path:
    out = tmp_path / "aftercare.pdf"
    build_handout(record, clinic, out)
    return out


def test_handout_carries_the_patients_treatment(handout: Path, read_pdf: PdfText) -> None:
    text = read_pdf(handout)
    assert "Zoë Ñúñez-Øster" in text
    assert "Thank you for coming to see us, Zoë." in text
    assert "3 March 2026" in text
    assert "around 17 March 2026" in text  # session date + 14 review days
    for product in ("Botox Cosmetic (onabotulinumtoxinA)", "Dysport (abobotulinumtoxinA)"):
        assert product in text
    assert "Forehead, nose, cheeks and chin" in text
    assert "Maya Lindqvist, RN, BSN" in text


def test_handout_has_the_clinic_header_and_footer_on_every_page(handout: Path) -> None:
    pages = [flat(p.extract_text()) for p in PdfReader(str(handout)).pages]
    assert "Lumen Skin Clinic" in pages[0]
    assert "12 Harbour Street, Bristol BS1 4QA" in pages[0]
    assert "care@lumenskin.example" in pages[0]
    for page in pages:
        assert "Questions or worries? Call 0117 496 0321" in page


def test_handout_has_every_section_warning_sign_and_the_credit(handout: Path, read_pdf: PdfText) -> None:
    text = read_pdf(handout)
    for heading in headings("aftercare", HANDOUT_FIELDS):
        assert heading in text
    for heading in (
        "What Microbotox is",
        "How it differs from regular Botox",
        "What it can help with",
        "The first hours and days",
        "Looking after your skin",
        "When to seek care at once",
        "How to reach us",
    ):
        assert heading in text
    for sign in WARNING_SIGNS:
        assert sign in text
    assert "hours or even weeks after treatment" in text
    assert CREDIT in text


def test_handout_states_the_articles_benefits_and_aftercare(handout: Path, read_pdf: PdfText) -> None:
    text = read_pdf(handout)
    for phrase in (
        "Smaller-looking pores",
        "thickened nose",
        "acne",
        "fine lines and wrinkles",
        "Less redness",
        "Less oil (sebum)",
        "Calmer rosacea",
        "glow",
        "mosquito bites",
        "7 to 10 days",
        "mild headache",
        "about 4 weeks",
        "3 to 4 months",
        "upright",
        "about 4 hours",
        "sauna or drink alcohol for 24 hours",
        "rub, massage",
        "makeup",
    ):
        assert phrase in text


def test_the_warning_box_is_never_split_across_pages(handout: Path) -> None:
    pages = [flat(p.extract_text()) for p in PdfReader(str(handout)).pages]
    holding = [n for n, page in enumerate(pages) if "When to seek care at once" in page]
    assert len(holding) == 1
    for sign in WARNING_SIGNS:
        assert sign in pages[holding[0]]


@pytest.mark.parametrize("paper", list(PaperSize))
def test_handout_is_one_or_two_pages_of_the_clinics_paper(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, paper: PaperSize
) -> None:
    out = tmp_path / "aftercare.pdf"
    build_handout(record, dataclasses.replace(clinic, paper_size=paper, logo_png=_logo_png()), out)
    pages = PdfReader(str(out)).pages
    assert 1 <= len(pages) <= 2
    for page in pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(PAPER[paper], abs=1)


def test_names_with_accents_round_trip_in_embedded_dejavu(handout: Path) -> None:
    reader = PdfReader(str(handout))
    assert "Zoë Ñúñez-Øster" in reader.pages[0].extract_text()
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        base = str(font["/BaseFont"])
        assert "DejaVuSans" in base
        descriptor = (
            font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            if "/DescendantFonts" in font
            else font["/FontDescriptor"].get_object()
        )
        assert "/FontFile2" in descriptor  # embedded, so it prints the same everywhere


def test_review_date_follows_the_clinics_review_days(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    out = tmp_path / "aftercare.pdf"
    build_handout(record, dataclasses.replace(clinic, review_days=21), out)
    assert "around 24 March 2026" in read_pdf(out)


def test_the_logo_is_placed_and_a_damaged_logo_does_not_stop_the_sheet(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    with_logo, damaged = tmp_path / "logo.pdf", tmp_path / "damaged.pdf"
    build_handout(record, dataclasses.replace(clinic, logo_png=_logo_png()), with_logo)
    images = PdfReader(str(with_logo)).pages[0].images
    assert len(images) == 1 and images[0].image is not None and images[0].image.size == (120, 40)
    build_handout(record, dataclasses.replace(clinic, logo_png=b"not a png"), damaged)
    assert len(PdfReader(str(damaged)).pages[0].images) == 0
    assert "Zoë Ñúñez-Øster" in read_pdf(damaged)


def test_a_clinic_without_email_or_website_gets_no_empty_lines(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    out = tmp_path / "aftercare.pdf"
    build_handout(record, dataclasses.replace(clinic, email="", website=""), out)
    text = read_pdf(out)
    assert "Email:" not in text and "Website:" not in text
    assert "Phone: 0117 496 0321" in text


def test_handout_writes_to_a_binary_file(record: SessionRecord, clinic: ClinicSettings) -> None:
    buf = io.BytesIO()
    build_handout(record, clinic, buf)
    assert "Zoë Ñúñez-Øster" in PdfReader(io.BytesIO(buf.getvalue())).pages[0].extract_text()


def test_a_session_without_points_names_its_vials_products(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    bare = dataclasses.replace(record, session=dataclasses.replace(record.session, points=()))
    out = tmp_path / "aftercare.pdf"
    build_handout(bare, clinic, out)
    text = read_pdf(out)
    assert "Botox Cosmetic (onabotulinumtoxinA)" in text
    assert "Areas treated —" in text


def test_zone_names_are_in_patient_words() -> None:
    assert plain_zone_names([Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT, Zone.GLABELLA]) == [
        "between the brows",
        "cheeks",
    ]
    assert plain_zone_names([Zone.PERIORBITAL_RIGHT, Zone.JAWLINE_LEFT]) == [
        "around the right eye",
        "left jawline",
    ]


@pytest.mark.parametrize("paper", list(PaperSize))
def test_the_leaflet_is_general_and_complete(
    tmp_path: Path, clinic: ClinicSettings, read_pdf: PdfText, paper: PaperSize
) -> None:
    out = tmp_path / "leaflet.pdf"
    build_leaflet(dataclasses.replace(clinic, paper_size=paper), out)
    pages = PdfReader(str(out)).pages
    assert 1 <= len(pages) <= 2
    assert (float(pages[0].mediabox.width), float(pages[0].mediabox.height)) == pytest.approx(
        PAPER[paper], abs=1
    )
    text = read_pdf(out)
    for heading in headings("leaflet", LEAFLET_FIELDS):
        assert heading in text
    for heading in ("Who it may suit", "What a visit is like", "Safety", "When to seek care at once"):
        assert heading in text
    for sign in WARNING_SIGNS:
        assert sign in text
    assert CREDIT in text
    assert "Phone: 0117 496 0321" in text
    assert "Zoë" not in text and "{" not in text


def test_a_crowded_sheet_is_tightened_to_fit_two_pages(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    """Every zone treated, a long name and a long clinic address: still two pages, phone in the footer."""
    points = tuple(
        InjectionPoint.from_units(zone, 0.5, 0.5, BOTOX_VIAL if n % 2 else DYSPORT_VIAL, 0.25)
        for n, zone in enumerate(Zone)
    )
    crowded = dataclasses.replace(
        record,
        session=dataclasses.replace(record.session, points=points),
        patient=dataclasses.replace(record.patient, first_name="Maria-Alejandra Guadalupe"),
    )
    busy = dataclasses.replace(
        clinic,
        name="The Very Long Named Aesthetic and Dermatology Clinic of Upper Harbour",
        address="Suite 400, 12 Harbour Street\nTemple Quay Business District\nBristol BS1 4QA, UK",
        email="appointments-and-care@lumenskin-aesthetics.example",
        logo_png=_logo_png(),
    )
    for paper in PaperSize:
        out = tmp_path / f"crowded-{paper.value}.pdf"
        build_handout(crowded, dataclasses.replace(busy, paper_size=paper), out)
        pages = [flat(p.extract_text()) for p in PdfReader(str(out)).pages]
        assert len(pages) == 2
        for n, page in enumerate(pages, start=1):
            assert "Questions or worries? Call 0117 496 0321" in page
            assert f"Page {n} of 2" in page
        text = read_pdf(out)
        assert "chest (décolletage)" in text
        for sign in WARNING_SIGNS:
            assert sign in text
