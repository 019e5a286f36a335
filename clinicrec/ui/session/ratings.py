"""Clinician ratings with their worded anchors, optional instrument readings, the baseline form."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from ...domain.enums import Measure, TimePoint
from ...domain.errors import FieldError
from ...domain.models import Assessment
from ...domain.scales import CURRENT_SCALE_VERSION, anchor, anchors, short_anchor
from ..style import set_role
from ..widgets import FieldErrorLabel
from .form_helpers import field_with_error, name, set_read_only

READINGS = {
    "sebum_ug_cm2": ("Sebumeter", "µg/cm²", "Sebumeter reading"),
    "erythema_index": ("Erythema index", "EI", "Erythema index"),
}


class RatingPicker(QWidget):
    """A 0-4 grade chosen from its anchors; the full anchor wording is shown under the choice."""

    sig_changed = Signal()

    def __init__(self, measure: Measure, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.measure = measure
        self._version = CURRENT_SCALE_VERSION
        self.combo = name(QComboBox(self), f"{prefix}_{measure.value}", f"{measure.label} rating")
        # The choice may be narrower than its longest wording (shown in full below and in the list):
        # the Baseline tab fits a narrow column without scrolling sideways.
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(10)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.anchor_label = QLabel(self)
        self.anchor_label.setObjectName(f"{prefix}_{measure.value}_anchor")
        self.anchor_label.setWordWrap(True)
        set_role(self.anchor_label, "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.combo)
        layout.addWidget(self.anchor_label)
        self._fill()
        self.combo.currentIndexChanged.connect(self._changed)

    def _fill(self) -> None:
        current = self.value()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("Not rated", None)
        for grade in range(len(anchors(self.measure, self._version))):
            self.combo.addItem(f"{grade} · {short_anchor(self.measure, grade, self._version)}", grade)
        self.combo.setCurrentIndex(max(0, self.combo.findData(current)))
        self.combo.blockSignals(False)
        self._show_anchor()

    def set_version(self, version: str) -> None:
        if version != self._version:
            self._version = version
            self._fill()

    def value(self) -> int | None:
        data = self.combo.currentData() if self.combo.count() else None
        return int(data) if data is not None else None

    def set_value(self, grade: int | None) -> None:
        self.combo.setCurrentIndex(max(0, self.combo.findData(grade)))
        self._show_anchor()

    def describe(self, grade: int | None) -> str:
        return (
            "not rated" if grade is None else f"{grade} · {short_anchor(self.measure, grade, self._version)}"
        )

    def _changed(self) -> None:
        self._show_anchor()
        self.sig_changed.emit()

    def _show_anchor(self) -> None:
        grade = self.value()
        self.anchor_label.setText(
            anchor(self.measure, grade, self._version)
            if grade is not None
            else "Choose the grade whose wording fits best."
        )


class ReadingField(QLineEdit):
    """An optional instrument reading: blank means not measured."""

    def __init__(self, key: str, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        label, unit, accessible = READINGS[key]
        self.key, self.label, self.unit = key, label, unit
        name(self, f"{prefix}_{key}", accessible)
        self.setPlaceholderText(f"optional, {unit}")

    def reading(self) -> tuple[float | None, str | None]:
        text = self.text().strip().replace(",", ".")
        if not text:
            return None, None
        try:
            return float(text), None
        except ValueError:
            return None, f"{self.label} must be a number ({self.unit}), or left blank"

    def set_reading(self, value: float | None) -> None:
        self.setText("" if value is None else f"{value:g}")


def _wrapped(label: QLabel) -> QLabel:
    label.setWordWrap(True)
    return label


def _stacked_form() -> QFormLayout:
    """Each label above its field: the grades and their wording get the column's whole width."""
    form = QFormLayout()
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


class BaselineForm(QWidget):
    """Baseline ratings for pores, oil and redness, stored with the scale version they were made on."""

    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._version = CURRENT_SCALE_VERSION
        self.errors: dict[str, FieldErrorLabel] = {}
        self._build_ui()
        for picker in self.pickers.values():
            picker.sig_changed.connect(self.sig_changed)
        for field in self.readings.values():
            field.textEdited.connect(self.sig_changed)

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_wrapped(set_role(QLabel("Clinician ratings (0–4)", self), "subheading")))
        self.version_label = _wrapped(set_role(QLabel(self), "muted"))
        self.version_label.setObjectName("baseline_scale_version")
        layout.addWidget(self.version_label)
        form = _stacked_form()
        form.setVerticalSpacing(10)
        self.pickers: dict[Measure, RatingPicker] = {}
        for m in Measure:
            picker = RatingPicker(m, "baseline", self)
            self.pickers[m] = picker
            box, error = field_with_error(picker)
            self.errors[f"baseline.{m.value}"] = error
            form.addRow(m.label, box)
        self.errors["baseline"] = FieldErrorLabel(None, self)
        form.addRow(self.errors["baseline"])
        layout.addLayout(form)
        layout.addWidget(_wrapped(set_role(QLabel("Instrument readings (optional)", self), "subheading")))
        readings = _stacked_form()
        self.readings: dict[str, ReadingField] = {}
        for key, (label, _unit, _acc) in READINGS.items():
            field = ReadingField(key, "baseline", self)
            self.readings[key] = field
            hint = "Casual level, before cleansing" if key == "sebum_ug_cm2" else ""
            box, error = field_with_error(field, hint=hint)
            self.errors[f"baseline.{key}"] = error
            readings.addRow(label, box)
        layout.addLayout(readings)
        layout.addStretch(1)
        self._show_version()

    def _show_version(self) -> None:
        self.version_label.setText(f"Rated on scale {self._version}; each grade shows its wording.")

    def load(self, baseline: Assessment | None) -> None:
        self.blockSignals(True)
        try:
            self._version = baseline.scale_version if baseline else CURRENT_SCALE_VERSION
            for m, picker in self.pickers.items():
                picker.set_version(self._version)
                picker.set_value(getattr(baseline, m.value) if baseline else None)
            for key, field in self.readings.items():
                field.set_reading(getattr(baseline, key) if baseline else None)
        finally:
            self.blockSignals(False)
        self._show_version()

    def assessment(self, day: date) -> tuple[Assessment | None, list[FieldError]]:
        """The baseline (None when nothing is entered) and any reading that is not a number."""
        errors: list[FieldError] = []
        values: dict[str, float | None] = {}
        for key, field in self.readings.items():
            values[key], problem = field.reading()
            if problem:
                errors.append(FieldError(f"baseline.{key}", problem))
        grades = {m.value: p.value() for m, p in self.pickers.items()}
        if all(v is None for v in grades.values()) and all(v is None for v in values.values()) and not errors:
            return None, []
        return Assessment(
            TimePoint.BASELINE,
            day,
            grades["pores"],
            grades["oil"],
            grades["redness"],
            self._version,
            sebum_ug_cm2=values["sebum_ug_cm2"],
            erythema_index=values["erythema_index"],
        ), errors

    def set_read_only(self, read_only: bool) -> None:
        set_read_only([p.combo for p in self.pickers.values()] + list(self.readings.values()), read_only)
