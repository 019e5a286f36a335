"""Record a follow-up assessment and see each measure before (baseline) -> after."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...domain.dilution import fmt_number
from ...domain.enums import Gais, Measure, TimePoint
from ...domain.errors import ClinicRecError, ValidationError
from ...domain.models import Assessment
from ...domain.scales import CURRENT_SCALE_VERSION, short_anchor
from ...services.app import Services
from ..date_edit import DateEdit
from ..date_format import date_text
from ..figures import readings
from ..photos.baseline_beside import BaselineBeside
from ..prompts import Prompts
from ..style import set_role
from ..widgets import FieldErrorLabel, show_field_errors
from .form_helpers import field_with_error, name
from .ratings import READINGS, RatingPicker, ReadingField

SATISFACTION = ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied")


def change_text(before: float | None, after: float | None, *, lower_is_better: bool = True) -> str:
    if before is None or after is None:
        return ""
    diff = after - before
    if abs(diff) < 1e-9:
        return "no change"
    better = (diff < 0) == lower_is_better
    return f"{fmt_number(abs(diff), 1)} {'better' if better else 'worse'}"


class FollowUpDialog(QDialog):
    def __init__(self, parent: QWidget | None, services: Services, prompts: Prompts, session_id: int) -> None:
        super().__init__(parent)
        self._services = services
        self._prompts = prompts
        self._session_id = session_id
        record = services.records.record(session_id)
        self._session_date = record.session.performed_at.astimezone().date()
        self._baseline: Assessment | None = record.session.baseline
        self._patient = record.patient.display_name
        self._patient_id = record.patient.id or 0
        self.saved: Assessment | None = None
        self.errors: dict[str, FieldErrorLabel] = {}
        self.setObjectName("follow_up_dialog")
        self.setWindowTitle(f"Follow-up · {self._patient}")
        self._build_ui()
        self._connect_signals()
        self.time_point.setCurrentIndex(self.time_point.findData(TimePoint.DAY_14))
        self._time_point_changed()
        self._update_changes()

    # -- building ------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        title = set_role(
            QLabel(f"Follow-up of the session on {date_text(self._session_date)}", self), "subheading"
        )
        layout.addWidget(title)
        when = QHBoxLayout()
        self.time_point = name(QComboBox(self), "fu_time_point", "Time point")
        for tp in TimePoint:
            if tp != TimePoint.BASELINE:
                self.time_point.addItem(tp.label, tp)
        self.assessed_on = name(DateEdit(self, label="Assessment date"), "fu_assessed_on", "Assessment date")
        tp_box, self.errors["time_point"] = field_with_error(self.time_point)
        date_box, self.errors["assessed_on"] = field_with_error(self.assessed_on)
        when.addWidget(QLabel("Time point", self))
        when.addWidget(tp_box)
        when.addSpacing(12)
        when.addWidget(QLabel("Date", self))
        when.addWidget(date_box)
        when.addStretch(1)
        layout.addLayout(when)

        columns = QHBoxLayout()
        columns.addWidget(self._build_measures(), 3)
        columns.addWidget(self._build_outcome(), 2)
        layout.addLayout(columns, 1)
        self.baseline_photos = BaselineBeside(
            self._services, self._patient_id, self._session_id, self
        )  # issue 15
        layout.addWidget(self.baseline_photos)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("fu_save_button")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("fu_cancel_button")
        cancel.setAccessibleName("Cancel")
        self.save_button.setAccessibleName("Save follow-up")
        self.save_button.setProperty("primary", True)
        self.save_button.style().unpolish(self.save_button)  # the property changed after polishing
        self.save_button.style().polish(self.save_button)
        layout.addWidget(self.buttons)
        self.resize(900, 560)

    def _build_measures(self) -> QWidget:
        box = QGroupBox("Measures: baseline → now", self)
        grid = QGridLayout(box)
        grid.setVerticalSpacing(4)
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(1, 1)
        self.pickers: dict[Measure, RatingPicker] = {}
        self.changes: dict[str, QLabel] = {}
        version = self._baseline.scale_version if self._baseline else CURRENT_SCALE_VERSION
        row = 0
        for m in Measure:
            picker = RatingPicker(m, "fu", box)
            picker.set_version(version)
            self.pickers[m] = picker
            field, self.errors[m.value] = field_with_error(picker)
            grid.addWidget(set_role(QLabel(m.label, box), "subheading"), row, 0, 2, 1)
            grid.addWidget(field, row, 1)
            self.changes[m.value] = self._change_label(f"fu_change_{m.value}", box)
            grid.addWidget(self.changes[m.value], row + 1, 1)
            row += 2
        self.readings: dict[str, ReadingField] = {}
        for key, (label, _unit, _acc) in READINGS.items():
            field = ReadingField(key, "fu", box)
            self.readings[key] = field
            holder, self.errors[key] = field_with_error(field)
            grid.addWidget(QLabel(label, box), row, 0)
            grid.addWidget(holder, row, 1)
            self.changes[key] = self._change_label(f"fu_change_{key}", box)
            grid.addWidget(self.changes[key], row + 1, 1)
            row += 2
        self.errors["ratings"] = FieldErrorLabel(None, box)
        grid.addWidget(self.errors["ratings"], row, 0, 1, 2)
        grid.setRowStretch(row + 1, 1)
        return box

    def _change_label(self, obj: str, parent: QWidget) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(obj)
        label.setWordWrap(True)
        set_role(label, "muted")
        label.setStyleSheet("padding-bottom: 6px;")
        return label

    def _build_outcome(self) -> QWidget:
        box = QGroupBox("Outcome", self)
        form = QFormLayout(box)
        form.setVerticalSpacing(8)
        self.gais = name(QComboBox(box), "fu_gais", "Global Aesthetic Improvement Scale")
        self.gais.addItem("Not rated", None)
        for g in Gais:
            self.gais.addItem(g.label, g)
        self.satisfaction = name(QComboBox(box), "fu_satisfaction", "Patient satisfaction")
        self.satisfaction.addItem("Not asked", None)
        for i, word in enumerate(SATISFACTION, start=1):
            self.satisfaction.addItem(f"{i} – {word}", i)
        self.photos = name(QCheckBox("Photos taken", box), "fu_photos", "Photos taken")
        self.touch_up = name(QCheckBox("Touch-up given", box), "fu_touch_up", "Touch-up given")
        self.notes = name(QPlainTextEdit(box), "fu_notes", "Follow-up notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for label, field, key in (
            ("GAIS", self.gais, "gais"),
            ("Satisfaction", self.satisfaction, "satisfaction"),
            ("", self.photos, "photos_taken"),
            ("", self.touch_up, "touch_up_given"),
            ("Notes", self.notes, "notes"),
        ):
            holder, self.errors[key] = field_with_error(field)
            form.addRow(label, holder)
        return box

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.time_point.currentIndexChanged.connect(self._time_point_changed)
        for picker in self.pickers.values():
            picker.sig_changed.connect(self._update_changes)
        for field in self.readings.values():
            field.textChanged.connect(self._update_changes)

    # -- behaviour -----------------------------------------------------------------------------------
    def _time_point_changed(self) -> None:
        days = TimePoint(self.time_point.currentData()).days
        if days is not None:
            self.assessed_on.setDate(self._session_date + timedelta(days=days))

    def _update_changes(self) -> None:
        b = self._baseline
        for m, picker in self.pickers.items():
            before = getattr(b, m.value) if b else None
            after = picker.value()
            if before is None:
                text = "Baseline: not rated"
            else:
                text = f"Baseline {before} · {short_anchor(m, before, b.scale_version)}"  # type: ignore[union-attr]
                if after is not None:
                    text += f" → {picker.describe(after)} ({change_text(before, after)})"
            self._set_change(m.value, text, before, after)
        for key, field in self.readings.items():
            before = getattr(b, key) if b else None
            after, _problem = field.reading()
            unit = READINGS[key][1]
            was, now = readings(before, after)
            text = "Baseline: not measured" if before is None else f"Baseline {was} {unit}"
            if before is not None and after is not None:
                text += f" → {now} {unit} ({change_text(before, after)})"
            self._set_change(key, text, before, after)

    def _set_change(self, key: str, text: str, before: float | None, after: float | None) -> None:
        label = self.changes[key]
        label.setText(text)
        better = before is not None and after is not None and after < before
        weight = 600 if before is not None and after is not None else 400
        set_role(label, "good" if better else "muted")
        label.setStyleSheet(f"font-weight: {weight}; padding-bottom: 6px;")

    def assessment(self) -> tuple[Assessment, list]:  # type: ignore[type-arg]
        from ...domain.errors import FieldError

        problems = []
        values = {}
        for key, field in self.readings.items():
            values[key], problem = field.reading()
            if problem:
                problems.append(FieldError(key, problem))
        version = self._baseline.scale_version if self._baseline else CURRENT_SCALE_VERSION
        return Assessment(
            time_point=TimePoint(self.time_point.currentData()),
            assessed_on=self.assessed_on.value(),  # type: ignore[arg-type]
            pores=self.pickers[Measure.PORES].value(),
            oil=self.pickers[Measure.OIL].value(),
            redness=self.pickers[Measure.REDNESS].value(),
            scale_version=version,
            sebum_ug_cm2=values["sebum_ug_cm2"],
            erythema_index=values["erythema_index"],
            gais=self.gais.currentData(),
            satisfaction=self.satisfaction.currentData(),
            photos_taken=self.photos.isChecked(),
            touch_up_given=self.touch_up.isChecked(),
            notes=self.notes.toPlainText(),
        ), problems

    def _save(self) -> None:
        assessment, problems = self.assessment()
        if self.assessed_on.value() is None:
            from ...domain.errors import FieldError

            text = (
                self.assessed_on.error_text()
                or f"Assessment date: type the date as {self.assessed_on.example()}"
            )
            problems.append(FieldError("assessed_on", text))
        if problems:
            show_field_errors(problems, self.errors)
            return
        try:
            warnings = self._services.records.follow_up_warnings(self._session_id, assessment)
            if warnings and not self._prompts.confirm(self, "Check the time point", "\n".join(warnings)):
                return
            self.saved = self._services.records.add_follow_up(self._session_id, assessment)
        except ValidationError as e:
            rest = show_field_errors(e.errors, self.errors)
            if rest:
                self._prompts.error(self, "Follow-up not saved", "\n".join(f.message for f in rest))
            return
        except ClinicRecError as e:
            self._prompts.error(self, "Follow-up not saved", str(e))
            return
        self.accept()

    def confirmation(self) -> str:
        """What was saved, to confirm it once the dialog has closed."""
        a = self.saved
        if a is None:
            return ""
        return (
            f"Follow-up saved for {self._patient}: {a.time_point.label}, {date_text(a.assessed_on)}"
            + (f" by {a.assessor_name}" if a.assessor_name else "")
            + "."
        )

    @classmethod
    def ask(
        cls, parent: QWidget | None, services: Services, prompts: Prompts, session_id: int
    ) -> Assessment | None:
        dialog = cls(parent, services, prompts, session_id)
        return dialog.saved if dialog.exec() == QDialog.DialogCode.Accepted else None
