"""Saved filter presets on the reports screen: choose one; a manager saves the filters shown, or removes
the preset chosen."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from ...domain.errors import ClinicRecError
from ...domain.report_presets import FilterPreset
from ...services.reports.service import ReportService
from ..prompts import Prompts
from .filter_bar import FilterBar

NONE_CHOSEN = "Saved filters…"


class PresetPicker(QWidget):
    sig_preset_applied = Signal(str)  # the preset's name

    def __init__(
        self,
        reports: ReportService,
        filter_bar: FilterBar,
        prompts: Prompts,
        can_save: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("report_presets")
        self._reports, self._bar, self._prompts = reports, filter_bar, prompts
        self._presets: dict[str, FilterPreset] = {}
        self.combo = QComboBox(self)
        self.combo.setObjectName("preset_choice")
        self.combo.setAccessibleName("Saved filters")
        self.combo.setToolTip("Choose a saved set of filters")
        self.combo.setMinimumContentsLength(18)
        self.save_button = QPushButton("Save filters…", self)
        self.save_button.setObjectName("preset_save")
        self.save_button.setAccessibleName("Save the filters as a preset")
        self.save_button.setToolTip("Save the filters shown under a name, for everyone who sees reports")
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setObjectName("preset_remove")
        self.remove_button.setAccessibleName("Remove the chosen preset")
        self.remove_button.setToolTip("Remove the chosen saved filters")
        for b in (self.save_button, self.remove_button):
            b.setVisible(can_save)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Presets", self)
        label.setBuddy(self.combo)
        label.setProperty("role", "muted")
        layout.addWidget(label)
        layout.addWidget(self.combo)
        layout.addWidget(self.save_button)
        layout.addWidget(self.remove_button)
        self.combo.activated.connect(self._chosen)
        self.save_button.clicked.connect(self.save_current)
        self.remove_button.clicked.connect(self.remove_chosen)
        self.reload()

    def reload(self, choose: str | None = None) -> None:
        self._presets = {p.name: p for p in self._reports.presets()}
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(NONE_CHOSEN, None)
        for name in self._presets:
            self.combo.addItem(name, name)
        self.combo.setCurrentIndex(max(0, self.combo.findData(choose)) if choose else 0)
        self.combo.blockSignals(False)
        self.combo.setEnabled(bool(self._presets))
        self.remove_button.setEnabled(self.combo.currentData() is not None)

    @property
    def names(self) -> list[str]:
        return list(self._presets)

    def _chosen(self) -> None:
        name = self.combo.currentData()
        self.remove_button.setEnabled(name is not None)
        if name is not None:
            self.choose(name)

    def choose(self, name: str) -> None:
        lost = self._bar.apply(self._presets[name])
        self.combo.setCurrentIndex(self.combo.findData(name))
        self.remove_button.setEnabled(True)
        if lost:
            self._prompts.info(
                self,
                "Saved filters",
                f"'{name}' names a {' and '.join(lost)} no longer offered: shown for all.",
            )
        self.sig_preset_applied.emit(name)

    def save_current(self) -> None:
        name = self._prompts.text(
            self, "Save filters", "Name for these filters:", self.combo.currentData() or ""
        )
        if name is None:
            return
        if name.strip() in self._presets and not self._prompts.confirm(
            self, "Save filters", f"Replace the saved filters '{name.strip()}'?"
        ):
            return
        try:
            preset = self._bar.preset(name).checked()
            self._reports.save_preset(preset)
        except ClinicRecError as e:
            self._prompts.error(self, "Save filters", str(e))
            return
        self.reload(choose=preset.name)

    def remove_chosen(self) -> None:
        name = self.combo.currentData()
        if name is None or not self._prompts.confirm(self, "Remove saved filters", f"Remove '{name}'?"):
            return
        try:
            self._reports.remove_preset(name)
        except ClinicRecError as e:
            self._prompts.error(self, "Remove saved filters", str(e))
        self.reload()
