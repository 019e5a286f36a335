"""The reports' filters: period, product, injector, zone, indication, dilution band, follow-up time point."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QPushButton, QWidget

from ...domain.enums import Indication, TimePoint, Zone
from ...domain.report_presets import FilterPreset
from ...domain.report_types import DilutionBand, FilterOptions, ReportFilters
from ..date_edit import DateEdit

PRESETS = ("Last 3 months", "Last 12 months", "This year", "All dates", "Custom")
DEFAULT_PRESET = "Last 12 months"


def preset_range(preset: str, today: date) -> tuple[date | None, date | None]:
    if preset == "Last 3 months":
        return today - timedelta(days=91), today
    if preset == "Last 12 months":
        return today - timedelta(days=365), today
    if preset == "This year":
        return date(today.year, 1, 1), today
    return None, None


def _enum(kind: Any, box: QComboBox) -> Any:
    value = box.currentData()
    return None if value is None else kind(value)


class FilterBar(QWidget):
    """Emits ``sig_filters_changed(ReportFilters)`` whenever a filter is changed by the user or ``reset``.

    ``today`` is the clinic's date (its time zone): the periods end on it and the calendars open at it.
    The dates are typed (ISO or the local format) or chosen; an empty date leaves that end open."""

    sig_filters_changed = Signal(object)

    def __init__(self, options: FilterOptions, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("report_filters")
        self._today = today
        self._options = options
        self._quiet = False
        self._build_ui()
        self._connect_signals()
        self.reset()

    def _combo(self, name: str, accessible: str, items: list[tuple[str, Any]]) -> QComboBox:
        box = QComboBox(self)
        box.setObjectName(name)
        box.setAccessibleName(accessible)
        for text, value in items:
            box.addItem(text, value)
        box.setMinimumContentsLength(12)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        return box

    def _build_ui(self) -> None:
        o = self._options
        self.period = self._combo("filter_period", "Period", [(p, p) for p in PRESETS])
        self.start = DateEdit(self, label="From date", today=self._today)
        self.end = DateEdit(self, label="To date", today=self._today)
        for edit, name, acc in (
            (self.start, "filter_start", "From date"),
            (self.end, "filter_end", "To date"),
        ):
            edit.setObjectName(name)
            edit.setAccessibleName(acc)
            edit.setMinimumDate(date(1990, 1, 1))
            edit.setMinimumWidth(150)
        self.product = self._combo(
            "filter_product", "Product", [("All products", None), *[(name, pid) for pid, name in o.products]]
        )
        injectors = [(name, uid) for uid, name in o.injectors]
        self.injector = self._combo(
            "filter_injector", "Injector", injectors if o.own_only else [("All injectors", None), *injectors]
        )
        self.injector.setEnabled(not o.own_only)
        if o.own_only:
            self.injector.setToolTip("Injectors see the figures of their own sessions")
        self.zone = self._combo(
            "filter_zone", "Zone", [("All zones", None), *[(z.label, z.value) for z in Zone]]
        )
        self.indication = self._combo(
            "filter_indication",
            "Indication",
            [("All indications", None), *[(i.label, i.value) for i in Indication]],
        )
        self.dilution = self._combo(
            "filter_dilution",
            "Dilution band",
            [("All dilutions", None), *[(b.label, b.value) for b in DilutionBand]],
        )
        self.time_point = self._combo(
            "filter_time_point",
            "Follow-up time point",
            [
                ("All time points", None),
                *[(t.label, t.value) for t in TimePoint if t is not TimePoint.BASELINE],
            ],
        )
        self.reset_button = QPushButton("Reset", self)
        self.reset_button.setObjectName("filter_reset")
        self.reset_button.setAccessibleName("Reset filters")
        self.reset_button.setToolTip("Back to the last 12 months, every product, injector, zone and dilution")

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        cells = [
            ("Period", self.period),
            ("From", self.start),
            ("To", self.end),
            ("Product", self.product),
            ("Injector", self.injector),
            ("Zone", self.zone),
            ("Indication", self.indication),
            ("Dilution", self.dilution),
            ("Follow-up", self.time_point),
        ]
        per_row = 5
        for i, (text, widget) in enumerate(cells):
            r, c = divmod(i, per_row)
            label = QLabel(text, self)
            label.setBuddy(widget)
            label.setProperty("role", "muted")
            grid.addWidget(label, r, c * 2)
            grid.addWidget(widget, r, c * 2 + 1)
            grid.setColumnStretch(c * 2 + 1, 1)
        grid.addWidget(self.reset_button, 1, 9)

    def _connect_signals(self) -> None:
        self.period.currentIndexChanged.connect(self._preset_chosen)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self._date_edited)
            edit.line.textChanged.connect(lambda text: self._date_edited() if not text.strip() else None)
        for box in (self.product, self.injector, self.zone, self.indication, self.dilution, self.time_point):
            box.currentIndexChanged.connect(self._changed)
        self.reset_button.clicked.connect(self.reset)

    # -- behaviour ----------------------------------------------------------------------------------
    def _preset_chosen(self) -> None:
        preset = self.period.currentData()
        if preset == "Custom":
            return
        start, end = preset_range(preset, self._today)
        self._quiet = True
        self.start.setDate(start or self._first_day())
        self.end.setDate(end or self._today)
        self._quiet = False
        self._changed()

    def _first_day(self) -> date:
        return date(2000, 1, 1)

    def _date_edited(self) -> None:
        if self._quiet:
            return
        self._quiet = True
        self.period.setCurrentIndex(PRESETS.index("Custom"))
        self._quiet = False
        self._changed()

    def _changed(self) -> None:
        if not self._quiet:
            self.sig_filters_changed.emit(self.filters())

    def reset(self) -> None:
        self._quiet = True
        for box in (self.product, self.zone, self.indication, self.dilution, self.time_point):
            box.setCurrentIndex(0)
        self.injector.setCurrentIndex(0)
        self.period.setCurrentIndex(PRESETS.index(DEFAULT_PRESET))
        start, end = preset_range(DEFAULT_PRESET, self._today)
        self.start.setDate(start or self._today)
        self.end.setDate(end or self._today)
        self._quiet = False
        self._changed()

    def filters(self) -> ReportFilters:
        all_dates = self.period.currentData() == "All dates"
        start, end = self.start.value(), self.end.value()  # None: empty (or not a date yet): open
        if start is not None and end is not None and start > end:
            start, end = end, start
        return ReportFilters(
            start=None if all_dates else start,
            end=None if all_dates else end,
            product_id=self.product.currentData(),
            injector_id=self.injector.currentData(),
            zone=_enum(Zone, self.zone),
            indication=_enum(Indication, self.indication),
            dilution=_enum(DilutionBand, self.dilution),
            time_point=_enum(TimePoint, self.time_point),
        )

    def preset(self, name: str) -> FilterPreset:
        """The filters as chosen now, under ``name`` (a relative period stays relative)."""
        f = self.filters()
        period = self.period.currentData()
        return FilterPreset(
            name,
            period,
            f.start if period == "Custom" else None,
            f.end if period == "Custom" else None,
            f.product_id,
            f.injector_id if self.injector.isEnabled() else None,
            f.zone,
            f.indication,
            f.dilution,
            f.time_point,
        )

    def apply(self, preset: FilterPreset) -> list[str]:
        """Choose the preset's filters (one recomputation); returns the filters it names that are no
        longer offered (a product taken out of the catalogue), which are left at 'All'."""
        self._quiet = True
        lost = []
        self.reset_quietly()
        self.period.blockSignals(True)  # its own handler would end the quiet
        if preset.period == "Custom" and preset.start and preset.end:
            self.period.setCurrentIndex(PRESETS.index("Custom"))
            self.start.setDate(preset.start)
            self.end.setDate(preset.end)
        elif preset.period in PRESETS:
            self.period.setCurrentIndex(PRESETS.index(preset.period))
            start, end = preset_range(preset.period, self._today)
            self.start.setDate(start or self._first_day())
            self.end.setDate(end or self._today)
        self.period.blockSignals(False)
        for box, value, what in (
            (self.product, preset.product_id, "product"),
            (self.injector, preset.injector_id, "injector"),
            (self.zone, preset.zone, "zone"),
            (self.indication, preset.indication, "indication"),
            (self.dilution, preset.dilution, "dilution"),
            (self.time_point, preset.time_point, "follow-up"),
        ):
            if value is None or (box is self.injector and not box.isEnabled()):
                continue
            index = box.findData(getattr(value, "value", value))
            if index >= 0:
                box.setCurrentIndex(index)
            else:
                lost.append(what)
        self._quiet = False
        self._changed()
        return lost

    def reset_quietly(self) -> None:
        for box in (self.product, self.zone, self.indication, self.dilution, self.time_point):
            box.setCurrentIndex(0)
        self.injector.setCurrentIndex(0)

    def set_combo(self, box: QComboBox, value: Any) -> None:
        """Choose the item holding ``value`` (tests and the lead's deep links use this)."""
        index = box.findData(value.value if hasattr(value, "value") else value)
        if index >= 0:
            box.setCurrentIndex(index)
