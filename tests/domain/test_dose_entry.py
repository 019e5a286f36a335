"""Issue 11: switching U <-> mL never changes the dose; out-of-range input is refused, not clamped."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicrec.domain.catalogue import SEED_PRODUCTS
from clinicrec.domain.dilution import Concentration
from clinicrec.domain.dose_entry import DoseEntry, parse_dose
from clinicrec.domain.enums import DiluentKind, DoseBasis, Zone
from clinicrec.domain.models import InjectionPoint, Vial

#: Every catalogue concentration: each vial size at the label and training dilutions (and ready-to-use).
CONCENTRATIONS = sorted(
    {
        Concentration.of(size, ml).units_per_ml
        for p in SEED_PRODUCTS
        for size in p.vial_sizes
        for ml in (1.0, 1.25, 1.5, 2.5, 4.0, 5.0, 10.0)
    }
    | {p.ready_to_use_units_per_ml for p in SEED_PRODUCTS if p.ready_to_use_units_per_ml}
)


def test_the_issues_examples_keep_the_typed_dose() -> None:
    at_2_5 = Concentration(2.5)
    typed = DoseEntry(DoseBasis.VOLUME, 0.001, "0.001")
    assert typed.shown_in(DoseBasis.UNITS, at_2_5) == "0.0025"  # not the old spin box's 0.01 U
    assert typed.shown_in(DoseBasis.VOLUME, at_2_5) == "0.001"  # back: exactly what was typed
    at_12_5 = Concentration(12.5)
    typed = DoseEntry(DoseBasis.VOLUME, 0.05, "0.05")
    assert typed.shown_in(DoseBasis.UNITS, at_12_5) == "0.625"
    assert typed.shown_in(DoseBasis.VOLUME, at_12_5) == "0.05"  # not 0.0504


@pytest.mark.parametrize(
    ("text", "basis", "message"),
    [
        ("500", DoseBasis.UNITS, "at most 25 U (got 500 U)"),
        ("99999", DoseBasis.VOLUME, "at most 0.5 mL (got 99999 mL)"),
        ("0", DoseBasis.UNITS, "more than 0"),
        ("-1", DoseBasis.VOLUME, "more than 0"),
        ("abc", DoseBasis.UNITS, "must be a number"),
        ("nan", DoseBasis.UNITS, "real number"),
    ],
)
def test_out_of_range_is_refused_with_what_is_allowed(text: str, basis: DoseBasis, message: str) -> None:
    result = parse_dose(text, basis)
    assert isinstance(result, str) and message in result


def test_a_typed_dose_is_stored_at_full_precision() -> None:
    vial = Vial(
        1,
        "L",
        date(2030, 1, 1),
        100,
        datetime(2026, 3, 10, tzinfo=UTC),
        DiluentKind.SALINE_PRESERVED,
        3.0,
        id=7,
    )
    p = InjectionPoint.from_units(Zone.NOSE, 0.5, 0.5, vial, 0.1)
    assert p.units == 0.1 and p.volume_ml == 0.1 / (100 / 3.0)  # derived without rounding
    q = InjectionPoint.from_volume(Zone.NOSE, 0.5, 0.5, vial, 0.00123)
    assert q.volume_ml == 0.00123 and q.units == (100 / 3.0) * 0.00123


doses = st.one_of(
    st.tuples(st.just(DoseBasis.UNITS), st.decimals(min_value="0.0001", max_value="25", places=4)),
    st.tuples(st.just(DoseBasis.VOLUME), st.decimals(min_value="0.00001", max_value="0.5", places=5)),
)


@given(
    dose=doses,
    units_per_ml=st.sampled_from(CONCENTRATIONS),
    switches=st.lists(st.sampled_from(list(DoseBasis)), max_size=12),
)
def test_switching_units_any_number_of_times_never_changes_the_stored_dose(
    dose: tuple[DoseBasis, object], units_per_ml: float, switches: list[DoseBasis]
) -> None:
    basis, number = dose
    text = str(number)
    entry = parse_dose(text, basis)
    assert isinstance(entry, DoseEntry)
    conc = Concentration(units_per_ml)
    for shown in switches:
        shown_text = entry.shown_in(shown, conc)  # what the field shows; the entry is untouched
        assert shown_text
    assert (entry.basis, entry.value, entry.text) == (basis, float(text), text)
    assert entry.shown_in(basis, conc) == text
