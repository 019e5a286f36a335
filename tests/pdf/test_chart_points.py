"""The chart's points: identical points grouped per zone, every point kept in an appendix."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm

from clinicrec.domain.enums import Zone
from clinicrec.domain.models import ClinicSettings, InjectionPoint, SessionRecord
from clinicrec.pdf import build_chart_pdf
from clinicrec.pdf.chart import map_and_totals_section
from clinicrec.pdf.chart_points import count_points, group_points

from .conftest import BOTOX_VIAL, DYSPORT_VIAL, flat


def chart_pages(record: SessionRecord, clinic: ClinicSettings, tmp_path: Path) -> list[str]:
    out = tmp_path / "chart.pdf"
    build_chart_pdf(record, clinic, out)
    return [flat(page.extract_text()) for page in PdfReader(str(out)).pages]


def body_and_appendix(pages: list[str]) -> tuple[str, str]:
    start = next(n for n, page in enumerate(pages) if "Appendix: every injection point" in page)
    return " ".join(pages[:start]), " ".join(pages[start:])


def test_identical_points_are_one_row_per_zone(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings
) -> None:
    body, appendix = body_and_appendix(chart_pages(record, clinic, tmp_path))
    assert "Injection points by zone (81 points; every point in the appendix)" in body
    rows = {
        # Each column writes its figures with one number of decimals (issue 14): never "3 U" under
        # "3.25 U"; the clinic's 0.1 U precision, more where a dose has finer digits (0.25 U).
        "Forehead Botox Cosmetic lot C7421A3 39 points 0.20 U · 0.0100 mL 7.80 U · 0.3900 mL",
        "Nose Dysport lot D300-88X 11 points 0.60 U · 0.0050 mL 6.60 U · 0.0550 mL",
        "Cheek (L) Botox Cosmetic lot C7421A3 13 points 0.25 U · 0.0125 mL 3.25 U · 0.1625 mL",
        "Cheek (R) Botox Cosmetic lot C7421A3 13 points 0.25 U · 0.0125 mL 3.25 U · 0.1625 mL",
        "Chin Dysport lot D300-88X 5 points 0.60 U · 0.0050 mL 3.00 U · 0.0250 mL",
    }
    for row in rows:
        assert row in body
    # The body no longer lists 39 identical forehead rows; the appendix keeps every one of them.
    assert len(re.findall(r"\d+ Forehead 0\.20 U 0\.0100 mL", body)) == 0
    assert len(re.findall(r"\b\d+ Forehead 0\.20 U 0\.0100 mL Botox Cosmetic C7421A3", appendix)) == 39
    numbers = [int(n) for n in re.findall(r"\b(\d{1,2}) (?:Forehead|Nose|Cheek \([LR]\)|Chin) \d", appendix)]
    assert numbers == list(range(1, 82))


def test_a_zone_given_two_doses_has_a_row_for_each_and_its_total(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings
) -> None:
    points = (
        *(InjectionPoint.from_units(Zone.CHEEK_LEFT, 0.3, 0.5, BOTOX_VIAL, 0.25) for _ in range(12)),
        *(InjectionPoint.from_units(Zone.CHEEK_LEFT, 0.32, 0.52, BOTOX_VIAL, 0.5) for _ in range(4)),
        InjectionPoint.from_units(Zone.NOSE, 0.5, 0.5, DYSPORT_VIAL, 0.6),
    )
    mixed = dataclasses.replace(record, session=dataclasses.replace(record.session, points=points))
    groups = group_points(points)
    assert [(g.zone, g.units, g.count) for g in groups] == [
        (Zone.NOSE, 0.6, 1),
        (Zone.CHEEK_LEFT, 0.25, 12),
        (Zone.CHEEK_LEFT, 0.5, 4),
    ]
    body, _ = body_and_appendix(chart_pages(mixed, clinic, tmp_path))
    assert "Nose Dysport lot D300-88X 1 point 0.60 U · 0.0050 mL 0.6 U · 0.005 mL" in body
    assert "Cheek (L) Botox Cosmetic lot C7421A3 12 points 0.25 U · 0.0125 mL 3.0 U · 0.150 mL" in body
    assert "Cheek (L) Botox Cosmetic lot C7421A3 4 points 0.50 U · 0.0250 mL 2.0 U · 0.100 mL" in body
    assert "Cheek (L): all Botox Cosmetic 16 points 5.0 U · 0.250 mL" in body


def test_the_clinics_dose_precision_sets_the_decimals_of_every_dose_column(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings
) -> None:
    """Issue 14: at 1 U precision whole doses print as "3 U"; a finer dose still shows its digits."""
    points = (
        *(InjectionPoint.from_units(Zone.FOREHEAD, 0.5, 0.3, BOTOX_VIAL, 2) for _ in range(3)),
        InjectionPoint.from_units(Zone.CHIN, 0.5, 0.8, BOTOX_VIAL, 1),
    )
    whole = dataclasses.replace(record, session=dataclasses.replace(record.session, points=points))
    coarse = dataclasses.replace(clinic, units_step=1.0)
    body, appendix = body_and_appendix(chart_pages(whole, coarse, tmp_path))
    assert "Forehead Botox Cosmetic lot C7421A3 3 points 2 U · 0.10 mL 6 U · 0.30 mL" in body  # 20 U/mL
    assert "Chin Botox Cosmetic lot C7421A3 1 point 1 U · 0.05 mL 1 U · 0.05 mL" in body
    assert re.search(r"\b4 Chin 1 U 0\.05 mL", appendix)
    fine = dataclasses.replace(clinic, units_step=0.1)
    body, _ = body_and_appendix(chart_pages(whole, fine, tmp_path))
    assert "Forehead Botox Cosmetic lot C7421A3 3 points 2.0 U · 0.10 mL 6.0 U · 0.30 mL" in body


def test_a_count_and_a_dose_never_run_together(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings
) -> None:
    text = " ".join(chart_pages(record, clinic, tmp_path))
    assert not re.search(r"(?<![\w.:/-])\d+ \d+(?:\.\d+)? U(?![/\w])", text), "a bare count beside a dose"
    assert "65 points 14.3 U" in text and "16 points 9.6 U" in text  # totals per product


def test_the_face_map_is_drawn_large(record: SessionRecord) -> None:
    flowables = map_and_totals_section(record, 174 * mm)
    table = flowables[-1]
    drawing = table._cellvalues[0][0]  # type: ignore[attr-defined]
    assert isinstance(drawing, Drawing)
    assert drawing.width >= 75 * mm  # it was 55 mm


def test_count_points_words() -> None:
    assert (count_points(1), count_points(2), count_points(0)) == ("1 point", "2 points", "0 points")


@pytest.mark.parametrize("notes", [1, 275], ids=["short notes", "notes that leave the table low on a page"])
def test_the_points_by_zone_table_stays_on_one_page(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, notes: int
) -> None:
    """Long session notes push the table low on a page: it moves there whole rather than split."""
    session = dataclasses.replace(record.session, notes=" ".join(["Patient tolerated well."] * notes))
    pages = chart_pages(dataclasses.replace(record, session=session), clinic, tmp_path)
    holding = [
        n
        for n, page in enumerate(pages)
        if re.search(r"(Forehead|Nose|Cheek \([LR]\)|Chin) \w+ \w* ?lot ", page)
    ]
    assert len(set(holding)) == 1 and "Injection points by zone" in pages[holding[0]]


def test_a_points_note_is_in_the_appendix_under_its_point(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings
) -> None:
    points = list(record.session.points)
    points[2] = dataclasses.replace(points[2], note="bled")
    points[40] = dataclasses.replace(points[40], note="patient flinched")
    noted = dataclasses.replace(record, session=dataclasses.replace(record.session, points=tuple(points)))
    body, appendix = body_and_appendix(chart_pages(noted, clinic, tmp_path))
    assert "Appendix: every injection point (81)" in appendix  # a note is not counted as a point
    # one number format per column: the doses are written with the column's decimals
    third = r"\b3 Forehead 0\.20* U 0\.010* mL Botox Cosmetic C7421A3 .*? Note on point 3: bled 4 "
    assert re.search(third, appendix)  # the note sits under its point
    assert "Note on point 41: patient flinched" in appendix
    assert appendix.count("Note on point") == 2 and "Note on point" not in body
