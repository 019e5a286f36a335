"""A dose entered in units or in volume, the other quantity shown live from the concentration."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...domain.dilution import Concentration
from ...domain.enums import DoseBasis
from ...domain.validation import POINT_UNITS_MAX, POINT_VOLUME_MAX_ML
from ..style import MUTED
from .editor import Dose

_SPIN = {  # basis: (decimals, step, minimum, maximum)
    DoseBasis.UNITS: (2, 0.05, 0.01, POINT_UNITS_MAX),
    DoseBasis.VOLUME: (3, 0.005, 0.001, POINT_VOLUME_MAX_ML),
}


class DoseInput(QWidget):
    """[ 0.40 ] [U ▾]  = 0.01 mL at 4 U/0.1 mL (40 U/mL)."""

    sig_dose_changed = Signal(object)  # Dose

    def __init__(
        self, name: str, accessible: str, parent: QWidget | None = None, *, inline: bool = False
    ) -> None:
        super().__init__(parent)
        self._conc: Concentration | None = None
        self._name = name
        self._inline = inline
        self._build_ui(accessible)
        self._connect_signals()
        self.set_dose(Dose(DoseBasis.UNITS, 0.4))

    def _build_ui(self, accessible: str) -> None:
        self.value = QDoubleSpinBox(self)
        self.value.setObjectName(f"{self._name}_value")
        self.value.setAccessibleName(f"{accessible} amount")
        self.value.setKeyboardTracking(True)
        self.value.setMinimumWidth(84)
        self.basis = QComboBox(self)
        self.basis.setObjectName(f"{self._name}_basis")
        self.basis.setAccessibleName(f"{accessible} entered in")
        self.basis.addItem("U", DoseBasis.UNITS)
        self.basis.addItem("mL", DoseBasis.VOLUME)
        self.derived = QLabel(self)
        self.derived.setObjectName(f"{self._name}_derived")
        self.derived.setWordWrap(True)
        self.derived.setStyleSheet(f"color: {MUTED};")
        self.derived.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.value)
        row.addWidget(self.basis)
        if self._inline:  # the derived quantity to the right, on the same line
            row.addWidget(self.derived, 1)
            self.setLayout(row)
            return
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.derived)

    def _connect_signals(self) -> None:
        self.value.valueChanged.connect(self._changed)
        self.basis.currentIndexChanged.connect(self._basis_changed)

    def dose(self) -> Dose:
        return Dose(DoseBasis(self.basis.currentData()), round(self.value.value(), self.value.decimals()))

    def set_dose(self, dose: Dose) -> None:
        self.blockSignals(True)
        self.basis.blockSignals(True)
        self.basis.setCurrentIndex(self.basis.findData(dose.basis))
        self.basis.blockSignals(False)
        self._configure(DoseBasis(dose.basis))
        self.value.setValue(dose.value)
        self.blockSignals(False)
        self._update_derived()

    def set_concentration(self, conc: Concentration | None) -> None:
        self._conc = conc
        self._update_derived()

    def _configure(self, basis: DoseBasis) -> None:
        decimals, step, low, high = _SPIN[basis]
        self.value.blockSignals(True)
        self.value.setDecimals(decimals)
        self.value.setSingleStep(step)
        self.value.setRange(low, high)
        self.value.setSuffix(" U" if basis == DoseBasis.UNITS else " mL")
        self.value.blockSignals(False)

    def _basis_changed(self) -> None:
        """Switching U <-> mL keeps the same dose: the value is converted at the concentration."""
        basis = DoseBasis(self.basis.currentData())
        old = self.value.value()
        self._configure(basis)
        if self._conc is not None:
            new = self._conc.volume_for(old) if basis == DoseBasis.VOLUME else self._conc.units_for(old)
        else:
            new = _SPIN[basis][1] * 2
        self.value.setValue(new)
        self._changed()

    def _changed(self) -> None:
        self._update_derived()
        if not self.signalsBlocked():
            self.sig_dose_changed.emit(self.dose())

    def _update_derived(self) -> None:
        text = self.dose().describe(self._conc, short=True)
        _entered, sep, derived = text.partition(" = ")
        self.derived.setText(f"= {derived}" if sep else text)
        self.derived.setAccessibleName(self.dose().describe(self._conc))
