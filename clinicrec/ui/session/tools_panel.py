"""Map tools beside the face map: the default dose, the selected points' dose, grid fill."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain import facemap
from ...domain.dilution import Concentration
from ...domain.enums import DoseBasis, Zone
from .. import figures
from ..style import set_role
from .dose_input import DoseInput
from .editor import Dose
from .form_helpers import name, set_read_only


@lru_cache(maxsize=256)
def grid_size(zone: Zone, spacing_cm: float) -> int:
    """How many points a grid fill makes (the grid is computed once per zone and spacing)."""
    return len(facemap.grid_fill(zone, spacing_cm))


class MapToolsPanel(QWidget):
    sig_default_dose_changed = Signal(object)  # Dose
    sig_apply_dose_requested = Signal(object)  # Dose
    sig_delete_requested = Signal()
    sig_note_requested = Signal(str)  # the note for the selected points ("" clears it)
    sig_grid_fill_requested = Signal(object, float, bool)  # zone, spacing cm, replace
    sig_add_centre_requested = Signal(object)  # zone

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._conc: Concentration | None = None
        self._read_only = False
        self._build_ui()
        self._connect_signals()
        self.set_selection(0, None)
        self._update_preview()

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.default_dose: DoseInput | None = None  # lives in the vial strip; see ``attach_default_dose``

        sel_box = QGroupBox("Selected points", self)
        sel = QGridLayout(sel_box)
        sel.setVerticalSpacing(4)
        self.selection_label = set_role(QLabel(sel_box), "muted")
        self.selection_label.setObjectName("selection_summary")
        self.selection_label.setWordWrap(True)
        self.selected_dose = DoseInput("selected_dose", "Dose of the selected points", sel_box, inline=True)
        self.apply_dose_button = name(
            QPushButton("Apply dose", sel_box), "apply_dose_button", "Apply the dose to the selected points"
        )
        self.delete_button = name(
            QPushButton("Delete", sel_box), "delete_points_button", "Delete the selected points"
        )
        self.delete_button.setToolTip("Delete the selected points (Delete key on the map)")
        sel.addWidget(self.selection_label, 0, 0)
        sel.addWidget(self.apply_dose_button, 0, 1)
        sel.addWidget(self.delete_button, 0, 2)
        sel.addWidget(self.selected_dose, 1, 0, 1, 3)
        self.note = name(QLineEdit(sel_box), "point_note", "Note on the selected points")
        self.note.setPlaceholderText("Note, e.g. bled, patient flinched")
        self.note.setToolTip("A note on the selected points; Enter saves it with the draft (Ctrl+Shift+T)")
        self.note_button = name(QPushButton("Set note", sel_box), "point_note_button", "Set the note")
        self.note_button.setToolTip("Write the note on the selected points (Enter in the note)")
        sel.addWidget(self.note, 2, 0, 1, 2)
        sel.addWidget(self.note_button, 2, 2)
        sel.setColumnStretch(0, 1)
        layout.addWidget(sel_box)

        grid_box = QGroupBox("Grid fill", self)
        grid = QGridLayout(grid_box)
        grid.setVerticalSpacing(4)
        self.zone = name(QComboBox(grid_box), "grid_zone", "Zone to fill")
        for zone in Zone:
            self.zone.addItem(zone.label, zone)
        self.spacing = name(QDoubleSpinBox(grid_box), "grid_spacing", "Grid spacing in centimetres")
        self.spacing.setRange(facemap.MIN_SPACING_CM, facemap.MAX_SPACING_CM)
        self.spacing.setSingleStep(0.1)
        self.spacing.setDecimals(1)
        self.spacing.setValue(1.0)
        self.spacing.setSuffix(" cm apart")
        self.spacing.setToolTip("Typical 0.5–1.0 cm; 0.3–2.0 cm allowed")
        self.replace = name(
            QCheckBox("Replace points already there", grid_box),
            "grid_replace",
            "Replace points already in the zone",
        )
        self.replace.setChecked(True)
        self.preview = QLabel(grid_box)
        self.preview.setObjectName("grid_preview")
        self.preview.setWordWrap(True)
        set_role(self.preview, "muted")
        self.fill_button = name(
            QPushButton("Fill zone", grid_box), "grid_fill_button", "Fill the zone with a grid"
        )
        self.fill_button.setProperty("primary", True)
        self.centre_button = name(
            QPushButton("Add at centre", grid_box),
            "add_centre_button",
            "Add one point at the centre of the zone",
        )
        self.centre_button.setToolTip("Add one point at the zone's centre (Insert on the map)")
        grid.addWidget(self.zone, 0, 0)
        grid.addWidget(self.spacing, 0, 1)
        grid.addWidget(self.replace, 1, 0, 1, 2)
        grid.addWidget(self.preview, 2, 0, 1, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.fill_button)
        buttons.addWidget(self.centre_button)
        buttons.addStretch(1)
        grid.addLayout(buttons, 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        layout.addWidget(grid_box)

    def attach_default_dose(self, dose: DoseInput) -> None:
        """The default dose input sits next to the concentration; the grid preview follows it."""
        self.default_dose = dose
        dose.sig_dose_changed.connect(self._default_changed)
        self._update_preview()

    def _connect_signals(self) -> None:
        self.apply_dose_button.clicked.connect(self._apply_dose)
        self.selected_dose.installEventFilter(self)  # Enter in the dose box applies it
        self.note.returnPressed.connect(self._apply_note)
        self.note_button.clicked.connect(self._apply_note)
        self.delete_button.clicked.connect(self.sig_delete_requested)
        self.fill_button.clicked.connect(self._fill)
        self.centre_button.clicked.connect(lambda: self.sig_add_centre_requested.emit(self.current_zone()))
        self.zone.currentIndexChanged.connect(self._update_preview)
        self.spacing.valueChanged.connect(self._update_preview)

    def _apply_dose(self) -> None:
        if self.apply_dose_button.isEnabled():
            self.sig_apply_dose_requested.emit(self.selected_dose.dose())

    def _apply_note(self) -> None:
        if self.note.isEnabled() and not self._read_only:
            self.sig_note_requested.emit(self.note.text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.selected_dose
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._apply_dose()
            return True
        return super().eventFilter(watched, event)

    def current_zone(self) -> Zone:
        return Zone(self.zone.currentData())

    def set_zone(self, zone: Zone) -> None:
        self.zone.setCurrentIndex(self.zone.findData(zone))

    def _fill(self) -> None:
        self.sig_grid_fill_requested.emit(
            self.current_zone(), round(self.spacing.value(), 1), self.replace.isChecked()
        )

    def _default_changed(self, dose: Dose) -> None:
        self._update_preview()
        self.sig_default_dose_changed.emit(dose)

    def set_concentration(self, conc: Concentration | None) -> None:
        self._conc = conc
        if self.default_dose is not None:
            self.default_dose.set_concentration(conc)
        self.selected_dose.set_concentration(conc)
        self._update_preview()

    def set_selection(self, count: int, dose: Dose | None, notes: frozenset[str] = frozenset()) -> None:
        """``notes``: the selected points' notes; one shared note is shown for editing."""
        self.selection_label.setText(
            f"{count} point{'s' if count != 1 else ''} selected"
            if count
            else "None selected: click a point, or drag a box round several."
        )
        if dose is not None:
            self.selected_dose.set_dose(dose)
        self.note.setText(next(iter(notes)) if len(notes) == 1 else "")
        if not self._read_only:  # a signed record shows no placeholders
            self.note.setPlaceholderText(
                "Points with different notes: a note here replaces them"
                if len(notes) > 1
                else "Note, e.g. bled, patient flinched"
            )
        editing = (
            self.selected_dose,
            self.apply_dose_button,
            self.delete_button,
            self.note,
            self.note_button,
        )
        for w in editing:
            w.setEnabled(count > 0 and not self._read_only)

    def _apply_dose(self) -> None:
        """A dose the field refuses (out of range, not a number) is never applied."""
        if self.selected_dose.is_valid():
            self.sig_apply_dose_requested.emit(self.selected_dose.dose())

    def _update_preview(self) -> None:
        n = grid_size(self.current_zone(), round(self.spacing.value(), 1))
        text = f"Fills with {n} points"
        dose = self.default_dose.dose() if self.default_dose is not None else None
        if self._conc is not None and dose is not None:
            if dose.basis == DoseBasis.UNITS:
                units, volume = dose.value * n, self._conc.volume_for(dose.value) * n
            else:
                units, volume = self._conc.units_for(dose.value) * n, dose.value * n
            text += f" · {figures.units(units)} · {figures.volume(volume)}"
        self.preview.setText(text)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        if self.default_dose is not None:
            set_read_only([self.default_dose.value, self.default_dose.basis], read_only)
        set_read_only(
            [
                self.selected_dose.value,
                self.selected_dose.basis,
                self.apply_dose_button,
                self.delete_button,
                self.note,
                self.note_button,
                self.zone,
                self.spacing,
                self.replace,
                self.fill_button,
                self.centre_button,
            ],
            read_only,
        )
