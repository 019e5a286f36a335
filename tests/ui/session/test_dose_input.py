"""Issue 11, typed as a nurse would: U <-> mL never changes the dose; nothing is clamped."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from clinicrec.domain.dilution import Concentration
from clinicrec.domain.enums import DoseBasis
from clinicrec.ui.session.dose_input import DoseInput
from clinicrec.ui.session.editor import Dose
from tests.domain.test_dose_entry import CONCENTRATIONS


def make(qtbot, units_per_ml: float) -> DoseInput:  # type: ignore[no-untyped-def]
    w = DoseInput("dose", "Dose")
    qtbot.addWidget(w)
    w.set_concentration(Concentration(units_per_ml))
    return w


def type_dose(qtbot, w: DoseInput, text: str) -> None:  # type: ignore[no-untyped-def]
    w.value.selectAll()
    qtbot.keyClick(w.value, Qt.Key.Key_Delete)
    qtbot.keyClicks(w.value, text)


def switch(w: DoseInput, basis: DoseBasis) -> None:
    w.basis.setCurrentIndex(w.basis.findData(basis))


def test_0_001_ml_at_2_5_u_per_ml_switched_and_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = make(qtbot, 2.5)
    switch(w, DoseBasis.VOLUME)
    type_dose(qtbot, w, "0.001")
    switch(w, DoseBasis.UNITS)
    assert w.value.text() == "0.0025"  # derived and shown, not the spin box minimum 0.01
    assert w.dose() == Dose(DoseBasis.VOLUME, 0.001)
    switch(w, DoseBasis.VOLUME)
    assert w.value.text() == "0.001" and w.dose() == Dose(DoseBasis.VOLUME, 0.001)  # not 0.004 mL


def test_0_05_ml_at_12_5_u_per_ml_stays_0_05(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = make(qtbot, 12.5)
    switch(w, DoseBasis.VOLUME)
    type_dose(qtbot, w, "0.05")
    switch(w, DoseBasis.UNITS)
    assert w.value.text() == "0.625"
    switch(w, DoseBasis.VOLUME)
    assert w.value.text() == "0.05" and w.dose().value == 0.05  # not 0.0504


def test_out_of_range_keeps_what_was_typed_and_says_what_is_allowed(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = make(qtbot, 40)
    changed: list[Dose] = []
    w.sig_dose_changed.connect(changed.append)
    type_dose(qtbot, w, "500")
    assert w.value.text() == "500"  # not 5, not 25
    assert not w.is_valid() and "more than 0 and at most 25 U (got 500 U)" in w.error.text()
    assert Dose(DoseBasis.UNITS, 500) not in changed and w.dose().value < 25  # never stored, never clamped
    switch(w, DoseBasis.VOLUME)  # the unit stays with the problem
    assert w.shown_basis() == DoseBasis.UNITS and w.value.text() == "500"
    type_dose(qtbot, w, "5")
    assert w.is_valid() and w.error.isHidden() and changed[-1] == Dose(DoseBasis.UNITS, 5.0)
    switch(w, DoseBasis.VOLUME)
    type_dose(qtbot, w, "99999")
    assert w.value.text() == "99999" and "at most 0.5 mL (got 99999 mL)" in w.error_text()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entered=st.one_of(
        st.tuples(st.just(DoseBasis.UNITS), st.decimals(min_value="0.001", max_value="25", places=3)),
        st.tuples(st.just(DoseBasis.VOLUME), st.decimals(min_value="0.0001", max_value="0.5", places=4)),
    ),
    units_per_ml=st.sampled_from(CONCENTRATIONS),
    switches=st.lists(st.sampled_from(list(DoseBasis)), min_size=1, max_size=8),
)
def test_property_switching_in_the_widget_never_changes_the_dose(  # type: ignore[no-untyped-def]
    qtbot, entered: tuple[DoseBasis, Decimal], units_per_ml: float, switches: list[DoseBasis]
) -> None:
    basis, number = entered
    text = f"{number.normalize():f}"
    w = make(qtbot, units_per_ml)
    switch(w, basis)
    type_dose(qtbot, w, text)
    assert w.is_valid(), w.error_text()
    for shown in switches:
        switch(w, shown)
        assert w.dose() == Dose(basis, float(text))
    switch(w, basis)
    assert w.value.text() == text
