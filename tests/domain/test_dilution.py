"""Dilution arithmetic, checked against the table in DOMAIN.md ("Dilution arithmetic")."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicrec.domain.dilution import (
    VOLUME_DECIMALS,
    Concentration,
    column_decimals,
    concentration,
    fmt_dose,
    fmt_number,
    fmt_units,
    fmt_volume,
)
from clinicrec.domain.enums import AdditiveKind, DiluentKind, DoseBasis, Zone
from clinicrec.domain.models import Additive, InjectionPoint, Vial

# (what, vial units, total volume mL, U per 0.1 mL, U per mL): every row of DOMAIN.md's table.
DOMAIN_TABLE = [
    ("Botox 100 U in 2.5 mL (label)", 100, 2.5, 4, 40),
    ("Botox 50 U in 1.25 mL (label)", 50, 1.25, 4, 40),
    ("Dysport 300 U in 1.5 mL (label)", 300, 1.5, 20, 200),
    ("Dysport 300 U in 2.5 mL (label)", 300, 2.5, 12, 120),
    ("Botox 100 U in 5 mL (training)", 100, 5, 2, 20),
    ("Botox 100 U in 10 mL (training)", 100, 10, 1, 10),
    ("Xeomin 100 U in 5 mL (Park 2021)", 100, 5, 2, 20),
]


@pytest.mark.parametrize(
    ("what", "units", "volume", "per_0_1", "per_ml"), DOMAIN_TABLE, ids=[row[0] for row in DOMAIN_TABLE]
)
def test_domain_table_concentrations(
    what: str, units: float, volume: float, per_0_1: float, per_ml: float
) -> None:
    c = Concentration.of(units, volume)
    assert c.units_per_0_1_ml == pytest.approx(per_0_1, abs=1e-12)
    assert c.units_per_ml == pytest.approx(per_ml, abs=1e-12)
    # The same figures through the diluent + additive helper with no additive.
    assert concentration(units, volume).units_per_0_1_ml == pytest.approx(per_0_1, abs=1e-12)
    # A tenth of a mL holds exactly the table's figure, and that figure needs a tenth of a mL.
    assert c.units_for(0.1) == pytest.approx(per_0_1, abs=1e-9)
    assert c.volume_for(per_0_1) == pytest.approx(0.1, abs=1e-9)


def test_dysport_label_volumes_per_10_units() -> None:
    """The label's own phrasing: 10 U per 0.05 mL at 1.5 mL, and 10 U per 0.08 mL at 2.5 mL."""
    assert Concentration.of(300, 1.5).volume_for(10) == 0.05
    assert Concentration.of(300, 2.5).volume_for(10) == pytest.approx(0.08, abs=0.004)
    assert Concentration.of(300, 2.5).volume_for(10) == 10 / 120  # full precision: never rounded to store


@pytest.mark.parametrize(
    ("units", "volume", "volume_ml", "expected_units"),
    [
        (100, 2.5, 0.01, 0.4),  # Microbotox point: 0.01 mL of 40 U/mL
        (100, 2.5, 0.05, 2.0),
        (100, 5, 0.01, 0.2),  # Wu: about 0.2-0.3 U per 0.01 mL point
        (300, 1.5, 0.05, 10.0),
        (100, 10, 0.1, 1.0),
    ],
)
def test_units_for_volume(units: float, volume: float, volume_ml: float, expected_units: float) -> None:
    assert Concentration.of(units, volume).units_for(volume_ml) == pytest.approx(expected_units, abs=1e-9)


@pytest.mark.parametrize(
    ("units", "volume", "dose_units", "expected_volume"),
    [
        (100, 2.5, 0.4, 0.01),
        (100, 2.5, 4, 0.1),
        (100, 5, 0.5, 0.025),
        (300, 2.5, 12, 0.1),
        (50, 1.25, 1, 0.025),
    ],
)
def test_volume_for_units(units: float, volume: float, dose_units: float, expected_volume: float) -> None:
    assert Concentration.of(units, volume).volume_for(dose_units) == pytest.approx(expected_volume, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    vial_units=st.floats(1, 1000),
    total_ml=st.floats(0.1, 30),
    dose=st.floats(0.01, 25),
)
def test_units_to_volume_and_back(vial_units: float, total_ml: float, dose: float) -> None:
    """units -> volume -> units returns the dose up to the rounding of the stored volume (10 nL)."""
    c = Concentration.of(vial_units, total_ml)
    volume = c.volume_for(dose)
    back = c.units_for(volume)
    # Volume is rounded to 1e-5 mL: that can move the dose by at most half of that times the concentration.
    tolerance = c.units_per_ml * 0.5 * 10**-VOLUME_DECIMALS + 1e-4
    assert abs(back - dose) <= tolerance


@pytest.mark.parametrize(
    ("units", "volume", "label"),
    [
        (100, 2.5, "4 U/0.1 mL (40 U/mL)"),
        (300, 2.5, "12 U/0.1 mL (120 U/mL)"),
        (100, 10, "1 U/0.1 mL (10 U/mL)"),
        (100, 4, "2.5 U/0.1 mL (25 U/mL)"),
        (100, 3, "3.333 U/0.1 mL (33.333 U/mL)"),  # no float noise, at most 3 decimals
        (100, 3.5, "2.857 U/0.1 mL (28.571 U/mL)"),  # Wu's 100 U in 2.5 mL saline + 1 mL lidocaine
    ],
)
def test_concentration_label(units: float, volume: float, label: str) -> None:
    assert Concentration.of(units, volume).label() == label


def test_additives_count_in_the_total_volume() -> None:
    """Wu: 100 U in 2.5 mL saline with 1 mL lidocaine is 28.6 U/mL, not 40."""
    with_lido = concentration(100, 2.5, 1.0)
    assert with_lido == Concentration.of(100, 3.5)
    assert with_lido.units_per_ml == pytest.approx(100 / 3.5)
    assert with_lido.units_per_ml != pytest.approx(40)

    vial = Vial(
        product_id=1,
        lot_number="C1",
        expiry_date=date(2030, 1, 1),
        vial_units=100,
        reconstituted_at=datetime(2026, 1, 1, 9, tzinfo=UTC),
        diluent_kind=DiluentKind.SALINE_PRESERVED,
        diluent_ml=2.5,
        additives=(Additive(AdditiveKind.LIDOCAINE, 0.5), Additive(AdditiveKind.HYALURONIC_ACID, 1.0)),
    )
    assert vial.additive_ml == pytest.approx(1.5)
    assert vial.total_volume_ml == pytest.approx(4.0)
    assert vial.concentration.units_per_0_1_ml == pytest.approx(2.5)
    assert vial.concentration.label() == "2.5 U/0.1 mL (25 U/mL)"


def test_points_derive_the_other_quantity_from_the_vial() -> None:
    vial = Vial(
        product_id=1,
        lot_number="C1",
        expiry_date=date(2030, 1, 1),
        vial_units=100,
        reconstituted_at=datetime(2026, 1, 1, 9, tzinfo=UTC),
        diluent_kind=DiluentKind.SALINE_PRESERVED,
        diluent_ml=2.5,
        id=7,
    )
    by_units = InjectionPoint.from_units(Zone.NOSE, 0.5, 0.5, vial, 0.4)
    assert (by_units.units, by_units.volume_ml, by_units.basis, by_units.vial_id) == (
        0.4,
        0.01,
        DoseBasis.UNITS,
        7,
    )
    by_volume = InjectionPoint.from_volume(Zone.NOSE, 0.5, 0.5, vial, 0.02)
    assert (by_volume.units, by_volume.volume_ml, by_volume.basis) == (0.8, 0.02, DoseBasis.VOLUME)


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf, -math.inf])
def test_concentration_refuses_impossible_inputs(bad: float) -> None:
    with pytest.raises(ValueError, match="vial units"):
        Concentration.of(bad, 2.5)
    with pytest.raises(ValueError, match="total volume"):
        Concentration.of(100, bad)


def test_a_dose_is_never_shown_without_its_concentration() -> None:
    c = Concentration.of(100, 2.5)
    assert fmt_dose(0.4, 0.01, c) == "0.4 U = 0.01 mL @ 4 U/0.1 mL (40 U/mL)"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (4.0, "4"),
        (0.25, "0.25"),
        (12.5, "12.5"),
        (0.1 + 0.2, "0.3"),
        (-0.0001, "0"),
        (0.0, "0"),
        (1234.5678, "1234.568"),
    ],
)
def test_fmt_number_has_no_float_noise(value: float, text: str) -> None:
    assert fmt_number(value) == text


def test_fmt_units_and_volume() -> None:
    """A dose is shown with the decimals it has (up to 6): two different doses never look the same."""
    assert fmt_units(0.4) == "0.4 U"
    assert fmt_units(12.3456) == "12.3456 U"
    assert fmt_units(12.3456, 3) == "12.346 U"
    assert fmt_units(0.125) == "0.125 U"
    assert fmt_units(0.0025) == "0.0025 U" and fmt_units(0.003) == "0.003 U"
    assert fmt_volume(0.0125) == "0.0125 mL"
    assert fmt_volume(0.01254) == "0.01254 mL"
    assert fmt_volume(1.0) == "1 mL"
    assert fmt_volume(1 / 30) == "0.033333 mL"


def test_rounding_is_half_away_from_zero_and_consistent_per_column() -> None:
    assert fmt_number(0.0025) == "0.003" and fmt_number(0.0035) == "0.004"  # not to even
    assert fmt_number(2.675, 2) == "2.68" and fmt_number(-0.5, 0) == "-1"
    assert column_decimals([0.4, 0.125], 3) == 3
    column = [0.0025, 0.003, 0.4]
    d = column_decimals(column, 3)
    shown = [fmt_units(u, d) for u in column]
    assert shown == ["0.0025 U", "0.003 U", "0.4 U"]  # never 0.003 twice
