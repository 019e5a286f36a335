"""Issue 14: one format per kind of figure: units to the clinic's dose precision, mL to the syringe's
marks, concentrations as "4 U/0.1 mL"; one column never shows "16 U" beside "15.6 U"."""

from __future__ import annotations

import pytest

from clinicrec.domain.dilution import Concentration
from clinicrec.domain.figures_format import (
    UNITS_STEPS,
    concentration_text,
    points_text,
    step_decimals,
    units_decimals,
    units_summary_text,
    units_text,
    volume_decimals,
    volume_text,
)


@pytest.mark.parametrize(
    ("step", "units", "text"),
    [
        (0.1, 16, "16.0 U"),
        (0.1, 15.6, "15.6 U"),
        (0.5, 2.5, "2.5 U"),
        (1.0, 16, "16 U"),
        (0.25, 0.5, "0.50 U"),
        (0.1, 0.25, "0.25 U"),  # a dose finer than the precision keeps its digits: never rounded away
        (0.1, 0.0025, "0.0025 U"),
        (0.1, -0.0, "0.0 U"),
    ],
)
def test_units_are_written_to_the_clinics_precision(step: float, units: float, text: str) -> None:
    assert units_text(units, step) == text


def test_a_column_has_one_number_of_decimals() -> None:
    column = [16, 15.6, 3]
    d = units_decimals(column, 0.1)
    assert [units_text(u, 0.1, decimals=d) for u in column] == ["16.0 U", "15.6 U", "3.0 U"]
    d = units_decimals(column, 1.0)  # 15.6 at 1 U precision: the whole column shows the tenth
    assert [units_text(u, 1.0, decimals=d) for u in column] == ["16.0 U", "15.6 U", "3.0 U"]
    d = units_decimals([16, 15, 3], 1.0)
    assert [units_text(u, 1.0, decimals=d) for u in (16, 15, 3)] == ["16 U", "15 U", "3 U"]


def test_millilitres_follow_the_syringes_marks() -> None:
    assert volume_text(0.6) == "0.60 mL" and volume_text(2.5) == "2.50 mL"
    assert volume_text(0.0125) == "0.0125 mL"  # a microdroplet is shown as it is
    d = volume_decimals([0.6, 0.0125])
    assert [volume_text(v, decimals=d) for v in (0.6, 0.0125)] == ["0.6000 mL", "0.0125 mL"]


def test_concentrations_are_units_per_0_1_ml() -> None:
    assert concentration_text(Concentration.of(100, 2.5)) == "4 U/0.1 mL"
    assert concentration_text(Concentration.of(300, 2.5)) == "12 U/0.1 mL"
    assert concentration_text(Concentration.of(100, 10)) == "1 U/0.1 mL"


def test_report_sums_are_grouped_and_rounded_to_the_precision() -> None:
    assert units_summary_text(1234.46, 0.1) == "1,234.5 U"
    assert units_summary_text(16, 0.1) == "16.0 U" and units_summary_text(16, 1.0) == "16 U"


def test_every_precision_a_clinic_can_choose_has_its_decimals() -> None:
    assert [step_decimals(s) for s in UNITS_STEPS] == [2, 2, 1, 2, 1, 0]
    assert points_text(1) == "1 point" and points_text(46) == "46 points"


def test_vial_sizes_and_fixed_numbers() -> None:
    from clinicrec.domain.figures_format import fixed_number, vial_size_text

    assert vial_size_text(100) == "100 U" and vial_size_text(12.5) == "12.5 U"
    assert (
        fixed_number(16, 1) == "16.0" and fixed_number(-0.04, 1) == "0.0" and fixed_number(0.25, 1) == "0.3"
    )
