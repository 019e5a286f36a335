"""The printed treatment record, read back from real PDFs."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinicrec.domain.date_text import DateOrder
from clinicrec.domain.dosing import totals_by_product, totals_by_zone
from clinicrec.domain.enums import PaperSize
from clinicrec.domain.figures_format import units_decimals, units_text, volume_decimals, volume_text
from clinicrec.domain.models import AmendmentInfo, ClinicSettings, SessionRecord
from clinicrec.pdf import build_chart_pdf

from .conftest import AMEND_REASON, BOTOX_LOT, DYSPORT_LOT, PdfText, flat

PAPER = {PaperSize.A4: (595.3, 841.9), PaperSize.LETTER: (612.0, 792.0)}


def build(record: SessionRecord, clinic: ClinicSettings, tmp_path: Path, name: str = "chart.pdf") -> Path:
    out = tmp_path / name
    build_chart_pdf(record, clinic, out)
    return out


def pages_text(path: Path) -> list[str]:
    return [flat(p.extract_text()) for p in PdfReader(str(path)).pages]


def units(u: float, column: Iterable[float] = ()) -> str:
    """As a column of ``column`` figures writes ``u`` (one number of decimals per column)."""
    return units_text(u, 0.1, decimals=units_decimals([u, *column], 0.1))  # the clinic's 0.1 U precision


def ml(v: float, column: Iterable[float] = ()) -> str:
    return volume_text(v, decimals=volume_decimals([v, *column]))


def test_chart_identifies_the_patient(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    text = read_pdf(build(record, clinic, tmp_path))
    for fact in (
        "Zoë Ñúñez-Øster",
        "1990-05-17 (age 35)",
        "CR-00421",
        "Female",
        "Fitzpatrick skin type III",
        "Penicillin (rash)",
    ):
        assert fact in text


def test_chart_shows_screening_consent_order_and_technique(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    text = read_pdf(build(record, clinic, tmp_path))
    assert "Botulinum toxin within the last 3 months YES" in text
    assert "Other: Ibuprofen taken this morning YES" in text
    assert "Pregnant or breastfeeding No" in text
    assert "2 positive answer(s), highlighted." in text
    for fact in (
        "Consent form MB-CONSENT-1",
        "Consent given 2026-03-03 09:05 UTC",
        "Consent obtained by Maya Lindqvist, RN",
        "Prescriber Dr. Aarav Menon, MD",
        "Order reference ORD-2026-0117",
        "Oil, Pores, Redness / rosacea",
        "Needle 32 G",
        "Intradermal (wheal)",
    ):
        assert fact in text


def test_chart_describes_each_vial_with_its_concentration(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    text = read_pdf(build(record, clinic, tmp_path))
    assert (
        f"Botox Cosmetic onabotulinumtoxinA 100 U vial {BOTOX_LOT} 2027-01-31 2026-03-03 08:15 UTC "
        "Sterile saline 0.9% (preservative-free) 4 mL + Lidocaine 1% plain 1 mL = 5 mL total "
        "2 U/0.1 mL (20 U/mL)"
    ) in text
    assert (
        f"Dysport abobotulinumtoxinA 300 U vial {DYSPORT_LOT} 2026-11-30 2026-03-03 08:40 UTC "
        "Sterile saline 0.9% (preservative-free) 2.5 mL = 2.5 mL total 12 U/0.1 mL (120 U/mL)"
    ) in text


def test_every_point_is_listed_with_its_lot_and_concentration(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    text = read_pdf(build(record, clinic, tmp_path))
    points = record.session.points
    assert f"Appendix: every injection point ({len(points)})" in text
    for n, pt in enumerate(points, start=1):
        vial = record.vial(pt.vial_id)
        row = (
            f"{n} {pt.zone.label} {units(pt.units, [q.units for q in points])} "
            f"{ml(pt.volume_ml, [q.volume_ml for q in points])} "
            f"{record.product(vial.product_id).brand} {vial.lot_number} {vial.concentration.label()}"
        )
        assert row in text
    # 0.25 U at 20 U/mL is 0.0125 mL: printed as stored, not rounded to 0.013 mL.
    assert "0.25 U 0.0125 mL" in text


def test_totals_are_given_per_zone_and_per_product_never_across_products(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    text = read_pdf(build(record, clinic, tmp_path))
    vials = {v.id: v for v in record.vials if v.id is not None}
    by_zone = totals_by_zone(record.session.points, vials)
    assert len({zone for zone, _ in by_zone}) == 5
    zone_units, zone_ml = [t.units for t in by_zone.values()], [t.volume_ml for t in by_zone.values()]
    for (zone, pid), t in by_zone.items():  # one dose per zone here: the group's total is the zone's
        brand = record.product(pid).brand
        assert re.search(
            rf"{re.escape(zone.label)} {brand} lot \S+ {t.points} points .*? "
            rf"{re.escape(units(t.units, zone_units))} · {re.escape(ml(t.volume_ml, zone_ml))}",
            text,
        )
    by_product = totals_by_product(record.session.points, vials)
    product_units = [t.units for t in by_product.values()]
    product_ml = [t.volume_ml for t in by_product.values()]
    for pid, t in by_product.items():
        figures = f"{units(t.units, product_units)} {ml(t.volume_ml, product_ml)}"
        assert f"{record.product(pid).label} {t.points} points {figures}" in text
    mixed = sum(t.units for t in by_product.values())
    assert f" {units(mixed)}" not in text  # no grand total adding Botox and Dysport units
    assert "never added to another" in text


def test_chart_records_ratings_follow_up_events_and_acknowledgements(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    text = read_pdf(build(record, clinic, tmp_path))
    assert "Pores 3 – Enlarged: clearly enlarged pores across several areas" in text
    assert "Oil 3 – Oily: obvious shine on the T-zone and cheeks" in text
    assert "Redness 2 – Mild: definite redness" in text
    assert "rating scale version CR-2026.1" in text
    assert "Sebum 182.5 µg/cm²" in text and "Erythema index 410" in text
    assert "Day 14 2026-03-17 2 – Visible 1 – Slight 1 – Almost clear Much improved 4/5" in text
    assert "Bruising 2026-03-04 Mild 2026-03-11 Resolved without treatment Small bruise, left cheek" in text
    ack = "Positive safety screening Last toxin (Xeomin, glabella) 14 weeks ago; prescriber agreed by phone."
    assert ack in text


def test_a_signed_chart_shows_the_signature_and_its_amendment(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    text = read_pdf(build(record, clinic, tmp_path))
    assert record.signature is not None
    assert f"Signed: {record.signature.describe()}" in text
    assert "Maya Lindqvist, RN, BSN, 2026-03-03 10:12 UTC (signed as administering injector)" in text
    assert "DRAFT" not in text
    assert "This record amends session #40" in text
    assert AMEND_REASON in text
    assert "2026-03-04 08:55 UTC" in text


def test_a_chart_that_was_later_amended_says_so_on_its_first_page(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings
) -> None:
    at = datetime(2026, 3, 20, 14, 0, tzinfo=UTC)
    later = AmendmentInfo(52, "Priya Raman", at, "Added a missed chin point")
    first = pages_text(build(dataclasses.replace(record, amended_by=(later,)), clinic, tmp_path))[0]
    assert "Superseded. This record was amended by session #52" in first
    assert "Added a missed chin point" in first


def test_a_draft_is_marked_on_every_page(
    tmp_path: Path, draft_record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    path = build(draft_record, clinic, tmp_path)
    for page in pages_text(path):
        assert "DRAFT — NOT SIGNED" in page
    text = read_pdf(path)
    assert "Signed:" not in text
    assert "This record has not been signed and is not final." in text


def test_every_page_names_the_patient_and_counts_pages(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings
) -> None:
    pages = pages_text(build(record, clinic, tmp_path))
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
        assert "Zoë Ñúñez-Øster · Chart no. CR-00421" in page


def test_a_120_point_chart_spans_pages_and_lists_every_point(
    tmp_path: Path, big_record: SessionRecord, clinic: ClinicSettings
) -> None:
    pages = pages_text(build(big_record, clinic, tmp_path))
    assert len(pages) >= 3
    text = " ".join(pages)
    numbers = [int(m) for m in re.findall(r"\b(\d{1,3}) (?:Forehead|Neck) \d", text)]
    assert numbers == list(range(1, 121))
    holding = [n for n, page in enumerate(pages) if re.search(r"\b\d{1,3} (?:Forehead|Neck) \d", page)]
    assert len(holding) >= 2  # the table ran onto another page ...
    for n in holding[1:]:
        assert "N° Zone Units Volume Product Vial lot Concentration" in pages[n]  # ... with its header again
    assert "Neck Dysport lot D300-88X 35 points 0.6 U · 0.005 mL 21.0 U · 0.175 mL" in text


@pytest.mark.parametrize("paper", list(PaperSize))
def test_chart_uses_the_clinics_paper(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, paper: PaperSize
) -> None:
    path = build(record, dataclasses.replace(clinic, paper_size=paper), tmp_path)
    for page in PdfReader(str(path)).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(PAPER[paper], abs=1)


def test_chart_embeds_only_dejavu(tmp_path: Path, record: SessionRecord, clinic: ClinicSettings) -> None:
    pages = PdfReader(str(build(record, clinic, tmp_path))).pages
    fonts = {str(f.get_object()["/BaseFont"]) for page in pages for f in page["/Resources"]["/Font"].values()}
    assert fonts and all("DejaVuSans" in f for f in fonts)


def test_chart_writes_to_a_binary_file(record: SessionRecord, clinic: ClinicSettings) -> None:
    buf = io.BytesIO()
    build_chart_pdf(record, clinic, buf)
    assert "CR-00421" in PdfReader(io.BytesIO(buf.getvalue())).pages[0].extract_text()


def test_a_session_without_points_still_prints(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    bare = dataclasses.replace(record, session=dataclasses.replace(record.session, points=()))
    text = read_pdf(build(bare, clinic, tmp_path))
    assert "No injection points charted." in text
    assert BOTOX_LOT in text


def test_the_pdf_package_never_imports_qt() -> None:
    code = (
        "import sys, clinicrec.pdf, clinicrec.pdf.chart, clinicrec.pdf.handout; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("order", "born", "performed"),
    [
        (DateOrder.ISO, "DOB 1988-07-14", "performed 2026-03-03 09:30"),
        (DateOrder.DAY_FIRST, "DOB 14/07/1988", "performed 03/03/2026 09:30"),
        (DateOrder.MONTH_FIRST, "DOB 07/14/1988", "performed 03/03/2026 09:30"),
    ],
)
def test_printed_dates_follow_the_clinics_date_format(  # type: ignore[no-untyped-def]
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText, order, born, performed
) -> None:
    """Issue 14: the chart prints dates as the clinic writes them (the patient's birth date, the session)."""
    dated = dataclasses.replace(
        record, patient=dataclasses.replace(record.patient, date_of_birth=date(1988, 7, 14)), date_order=order
    )
    text = read_pdf(build(dated, clinic, tmp_path))
    assert born in text and performed in text
