"""A dose entered in units or in volume, the other quantity shown live from the concentration.

The number typed is kept exactly; switching U <-> mL only changes what is shown (domain/dose_entry.py).
Out-of-range input stays in the field with a message saying what is allowed; it is never clamped.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...domain.dilution import Concentration
from ...domain.dose_entry import DoseEntry, parse_dose
from ...domain.enums import DoseBasis
from ..figures import nobreak_figures
from ..style import set_role
from .editor import Dose


class DoseInput(QWidget):
    """[ 0.4 ] [U ▾]  = 0.01 mL at 4 U/0.1 mL (40 U/mL)."""

    sig_dose_changed = Signal(object)  # Dose, only when what is typed is a valid dose
    sig_validity_changed = Signal(bool)

    def __init__(
        self, name: str, accessible: str, parent: QWidget | None = None, *, inline: bool = False
    ) -> None:
        super().__init__(parent)
        self._conc: Concentration | None = None
        self._name = name
        self._inline = inline
        self._entry = DoseEntry.of(DoseBasis.UNITS, 0.4)
        self._shown = DoseBasis.UNITS
        self._error = ""
        self._build_ui(accessible)
        self._connect_signals()
        self.set_dose(Dose(DoseBasis.UNITS, 0.4))

    def _build_ui(self, accessible: str) -> None:
        self.value = QLineEdit(self)
        self.value.setObjectName(f"{self._name}_value")
        self.value.setAccessibleName(f"{accessible} amount")
        self.value.setMinimumWidth(84)
        self.value.setMaximumWidth(110)
        self.basis = QComboBox(self)
        self.basis.setObjectName(f"{self._name}_basis")
        self.basis.setAccessibleName(f"{accessible} entered in")
        self.basis.addItem("U", DoseBasis.UNITS)
        self.basis.addItem("mL", DoseBasis.VOLUME)
        self.derived = QLabel(self)
        self.derived.setObjectName(f"{self._name}_derived")
        self.derived.setWordWrap(True)
        set_role(self.derived, "muted")
        self.derived.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = QLabel(self)
        self.error.setObjectName(f"{self._name}_error")
        self.error.setAccessibleName(f"{accessible} problem")
        self.error.setWordWrap(True)
        set_role(self.error, "error")
        self.error.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.value)
        row.addWidget(self.basis)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        if self._inline:  # the derived quantity to the right, on the same line
            row.addWidget(self.derived, 1)
        else:
            row.addStretch(1)
        layout.addLayout(row)
        if not self._inline:
            layout.addWidget(self.derived)
        layout.addWidget(self.error)

    def _connect_signals(self) -> None:
        self.value.textEdited.connect(self._typed)
        self.basis.currentIndexChanged.connect(self._basis_changed)

    # -- reading and setting -------------------------------------------------------------------------
    def dose(self) -> Dose:
        """The dose as entered (in the unit it was typed in), whatever unit is shown now."""
        return Dose(self._entry.basis, self._entry.value)

    def is_valid(self) -> bool:
        return not self._error

    def error_text(self) -> str:
        return self._error

    def shown_basis(self) -> DoseBasis:
        return self._shown

    def set_dose(self, dose: Dose) -> None:
        self._entry = DoseEntry.of(DoseBasis(dose.basis), dose.value)
        self._show(DoseBasis(dose.basis))
        self._set_error("")
        self._update_derived()

    def _set_derived(self, text: str) -> None:
        # A narrow line wraps between words, never inside a figure: '20 U/0.1 mL' stays whole.
        self.derived.setText(nobreak_figures(text))

    def set_concentration(self, conc: Concentration | None) -> None:
        self._conc = conc
        if self.is_valid():
            self.value.setText(self._entry.shown_in(self._shown, conc))
        self._update_derived()

    # -- behaviour ----------------------------------------------------------------------------------
    def _show(self, basis: DoseBasis) -> None:
        self._shown = basis
        self.basis.blockSignals(True)
        self.basis.setCurrentIndex(self.basis.findData(basis))
        self.basis.blockSignals(False)
        self.value.setText(self._entry.shown_in(basis, self._conc))
        self.value.setPlaceholderText("" if self._conc or basis == self._entry.basis else "choose a vial")

    def _typed(self, text: str) -> None:
        parsed = parse_dose(text, self._shown)
        if isinstance(parsed, str):
            self._set_error(parsed)
            self._update_derived()
            return
        self._entry = parsed
        self._set_error("")
        self._update_derived()
        if not self.signalsBlocked():
            self.sig_dose_changed.emit(self.dose())

    def _basis_changed(self) -> None:
        """Switching U <-> mL changes what is shown, never the dose (unless the field holds a problem)."""
        wanted = DoseBasis(self.basis.currentData())
        if not self.is_valid():  # keep what was typed and its message; the unit stays with it
            self.basis.blockSignals(True)
            self.basis.setCurrentIndex(self.basis.findData(self._shown))
            self.basis.blockSignals(False)
            return
        self._show(wanted)
        self._update_derived()

    def _set_error(self, message: str) -> None:
        was_valid = self.is_valid()
        self._error = message
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.value.setProperty("invalid", bool(message))  # the shared style sheet's red, in either scheme
        self.value.style().unpolish(self.value)
        self.value.style().polish(self.value)
        self.value.setToolTip(message)
        if was_valid != self.is_valid():
            self.sig_validity_changed.emit(self.is_valid())

    def _update_derived(self) -> None:
        if not self.is_valid():
            self.derived.setText("")
            return
        dose = self.dose()
        if self._shown == dose.basis and self._conc is None:
            # the dose is beside it already: only what is missing, and inline (the dose lines beside the
            # map, under 'No vial · Choose the vial first') not even that, for it would be cut off
            self._set_derived("" if self._inline else "(no vial yet)")
        elif self._shown == dose.basis:
            text = dose.describe(self._conc, short=True)
            _entered, sep, derived = text.partition(" = ")
            self._set_derived(f"= {derived}" if sep else text)
        elif self._conc is not None:
            self._set_derived(f"(entered as {dose.describe(self._conc, short=True)})")
        else:
            self._set_derived(f"(entered as {dose.describe(None)})")
        self.derived.setAccessibleName(dose.describe(self._conc))
