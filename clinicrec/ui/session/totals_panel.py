"""Live totals per zone and per product (never summed across products) and the safety warnings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..style import active, tone_css
from .models import PointsModel, TotalsModel


@dataclass(frozen=True)
class WarningItem:
    """One line of the warnings list. ``key`` is set when a reason can be given for it."""

    message: str
    severity: str  # "alert" (blocks signing) | "warn" (needs a reason) | "ok" (acknowledged)
    reason: str = ""
    key: object = None


_TONES = {"alert": "alert", "warn": "warn", "ok": "ok"}  # severity -> the style's clinical tone


_ICONS = {"alert": "⛔", "warn": "⚠", "ok": "✓"}


class WarningsList(QFrame):
    """Each warning in plain words; those that need a reason carry a 'Give reason…' button."""

    sig_reason_requested = Signal(object)  # WarningItem.key

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("safety_warnings")
        self.setAccessibleName("Safety warnings")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._items: list[WarningItem] = []
        self._rows: list[QWidget] = []
        self._read_only = False
        self.set_items([])

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.set_items(self._items)

    def items(self) -> list[WarningItem]:
        return list(self._items)

    def messages(self) -> list[str]:
        return [i.message for i in self._items]

    def set_items(self, items: Sequence[WarningItem]) -> None:
        self._items = list(items)
        for row in self._rows:
            row.setParent(None)
            row.deleteLater()
        self._rows = []
        for i, item in enumerate(self._items):
            row = QFrame(self)
            row.setObjectName(f"warning_{i}")
            row.setStyleSheet(
                f"QFrame#warning_{i} {{ {tone_css(_TONES[item.severity])} border-radius: 4px; }}"
                f" QFrame#warning_{i} QLabel {{ border: none; background: transparent; }}"
            )
            h = QHBoxLayout(row)
            h.setContentsMargins(8, 5, 6, 5)
            text = f"{_ICONS[item.severity]} {item.message}"
            if item.reason:
                text += f"\nReason recorded: {item.reason}"
            label = QLabel(text, row)
            label.setObjectName(f"warning_{i}_text")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setStyleSheet(tone_css(_TONES[item.severity]).split(";")[0] + ";")
            h.addWidget(label, 1)
            if item.key is not None and not self._read_only:
                button = QPushButton("Change reason…" if item.reason else "Give reason…", row)
                button.setObjectName(f"warning_{i}_reason")
                button.setAccessibleName(f"Give a reason for: {item.message}")
                button.clicked.connect(lambda _=False, k=item.key: self.sig_reason_requested.emit(k))
                h.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self._layout.addWidget(row)
            self._rows.append(row)
        self.setVisible(bool(self._items))


def _table(model, name: str, accessible: str, parent: QWidget) -> QTableView:  # type: ignore[no-untyped-def]
    view = QTableView(parent)
    view.setObjectName(name)
    view.setAccessibleName(accessible)
    view.setModel(model)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.horizontalHeader().setHighlightSections(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    return view


class TotalsPanel(QWidget):
    """Warnings on top; below, tabs with the totals table and the points list."""

    def __init__(self, totals: TotalsModel, points: PointsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.summary = QLabel(self)
        self.summary.setObjectName("session_total_summary")
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.warnings = WarningsList(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("totals_tabs")
        self.totals_view = _table(totals, "totals_table", "Totals per zone and product", self.tabs)
        self.totals_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.totals_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        totals.modelReset.connect(lambda: self._span_headings(totals))
        self.points_view = _table(points, "points_table", "Injection points", self.tabs)
        self.points_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.points_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tabs.addTab(self.totals_view, "Totals")
        self.tabs.addTab(self.points_view, "Points")
        self._size_points_when_shown()
        self.tabs.currentChanged.connect(lambda _i: self._size_points_when_shown())
        self.summary.hide()  # the totals table says it; kept for screen readers via the accessible name
        layout.addWidget(self.warnings)
        layout.addWidget(self.tabs, 1)

    def _size_points_when_shown(self) -> None:
        """The points list's columns fit their contents while the Points tab is shown; behind another
        tab they keep their widths. Sized to its contents out of sight, the list was measured again at
        every change of the points (a grid fill, a dose change: 6-11 ms of the GUI thread each)."""
        header = self.points_view.horizontalHeader()
        shown = self.tabs.currentWidget() is self.points_view
        mode = QHeaderView.ResizeMode.ResizeToContents if shown else QHeaderView.ResizeMode.Interactive
        last = header.count() - 1
        for column in range(last):
            header.setSectionResizeMode(column, mode)
        # the note takes what width is left and is elided there (the whole note is in its tooltip):
        # a long note sized to its contents made the table scroll sideways at 1280x800
        header.setSectionResizeMode(last, QHeaderView.ResizeMode.Stretch)

    def _span_headings(self, totals: TotalsModel) -> None:
        self.totals_view.clearSpans()
        for row in totals.heading_rows():
            self.totals_view.setSpan(row, 0, 1, totals.columnCount())

    def set_summary(self, text: str, ok: bool = True) -> None:
        self.summary.setText(text)
        self.totals_view.setAccessibleDescription(text)
        self.summary.setStyleSheet("" if ok else f"color: {active().danger};")

    def set_points_tab_title(self, count: int) -> None:
        self.tabs.setTabText(1, f"Points ({count})")
