"""Building the session window's widgets (the window wires and drives them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.models import Patient
from ..date_format import date_text
from ..style import active, set_role
from ..widgets import FieldErrorLabel, ScreeningBadge
from .details_form import SessionDetailsForm
from .facemap_widget import FaceMapView
from .form_helpers import name
from .models import AdverseEventsModel, PointsModel, TotalsModel
from .ratings import BaselineForm
from .tools_panel import MapToolsPanel
from .totals_panel import TotalsPanel
from .vial_panel import VialPanel

W = TypeVar("W", bound=QWidget)

#: The columns' starting widths (left, map, right) at 1280 px; ``fit_left_tabs`` may widen the sides.
SPLIT = (305, 550, 405)
LEFT_WIDTH = SPLIT[0]


def _scroll_area(object_name: str) -> tuple[QScrollArea, QVBoxLayout]:
    area = QScrollArea()
    area.setObjectName(object_name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    holder = QWidget()
    holder.setObjectName(f"{object_name}_page")
    lay = QVBoxLayout(holder)
    lay.setContentsMargins(10, 10, 10, 10)
    area.setWidget(holder)
    return area, lay


def scrolled(widget: QWidget, object_name: str) -> QScrollArea:
    area, lay = _scroll_area(object_name)
    lay.addWidget(widget)
    return area


class LaterPage(Generic[W]):
    """A tab page whose content is built when first needed, not when the window opens: when the tab is
    shown, when the window asks for it (``ensure``), or in its own turn of the event loop after the
    window's first paint. Each widget built (and styled) costs the opening; a tab out of sight need not.
    Once built it is the page ``scrolled`` makes, so it looks the same."""

    def __init__(self, tabs: QTabWidget, object_name: str, build: Callable[[], W]) -> None:
        self._build: Callable[[], W] | None = build
        self.built: W | None = None
        self.area, self._layout = _scroll_area(object_name)
        tabs.currentChanged.connect(lambda _i: self.ensure() if tabs.currentWidget() is self.area else None)

    def ensure(self) -> W:
        if self.built is None:
            assert self._build is not None
            self.built, self._build = self._build(), None
            self._layout.addWidget(self.built)
        return self.built


class SessionLayout:
    """Holds every widget of the window, built in reading order (so Tab follows the form).

    Built at once, or in steps (``later=True``): then the caller runs ``steps`` (a generator; each
    ``yield`` is where the event loop may run between two columns) before using the widgets."""

    def __init__(
        self,
        host: QWidget,
        patient: Patient,
        points: PointsModel,
        totals: TotalsModel,
        events: AdverseEventsModel,
        *,
        later: bool = False,
    ) -> None:
        self.steps: Iterator[None] = self._build(host, patient, points, totals, events)
        if not later:
            for _ in self.steps:
                pass

    def _build(
        self,
        host: QWidget,
        patient: Patient,
        points: PointsModel,
        totals: TotalsModel,
        events: AdverseEventsModel,
    ) -> Iterator[None]:
        self.root = QWidget(host)
        self.root.setObjectName("session_root")
        outer = QVBoxLayout(self.root)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(6)
        outer.addWidget(self._header(patient))
        self.banner = QLabel(self.root)
        self.banner.setObjectName("session_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        outer.addWidget(self.banner)
        self.errors_banner = set_role(QLabel(self.root), "banner-error")
        self.errors_banner.setObjectName("session_errors")
        self.errors_banner.setWordWrap(True)
        self.errors_banner.hide()
        outer.addWidget(self.errors_banner)

        # The columns are made as the splitter's children: moved into it afterwards, each column's
        # every widget would be styled again (the application's style sheet follows a new parent).
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self.root)
        self.splitter.setObjectName("session_splitter")
        self.splitter.setChildrenCollapsible(False)
        # Each column's heavier halves in turns of their own (each ~10-15 ms of the GUI thread).
        self.splitter.addWidget(self._left())
        yield
        self._left_baseline()
        yield
        self.splitter.addWidget(self._centre())
        yield
        right = self._right()
        yield
        self._right_totals(right, points, totals, events)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes(list(SPLIT))
        outer.addWidget(self.splitter, 1)

    def _header(self, patient: Patient) -> QWidget:
        bar = QFrame(self.root)
        bar.setObjectName("session_header")
        bar.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        bar.setStyleSheet(
            f"QFrame#session_header {{ background: {active().surface}; border: 1px solid {active().border};"
            " border-radius: 6px; }"
        )
        row = QHBoxLayout(bar)
        row.setContentsMargins(12, 6, 12, 6)
        self.patient_label = set_role(QLabel(patient.display_name, bar), "heading")
        self.patient_label.setObjectName("session_patient")
        self.patient_meta = set_role(
            QLabel(f"Born {date_text(patient.date_of_birth)}\nChart {patient.chart_number}", bar), "muted"
        )
        self.screening = ScreeningBadge(patient.screening, bar, compact=True)
        self.status_chip = QLabel(bar)
        self.status_chip.setObjectName("session_status")
        self.print_button = self._button(bar, "Print", "header_print_button")
        self.ae_button = self._button(bar, "Adverse event…", "header_adverse_event_button")
        self.follow_up_button = self._button(bar, "Follow-up…", "header_follow_up_button")
        self.amend_button = self._button(bar, "Amend…", "header_amend_button")
        self.sign_button = self._button(bar, "Sign…", "header_sign_button")
        self.sign_button.setProperty("primary", True)
        row.addWidget(self.patient_label)
        row.addSpacing(8)
        row.addWidget(self.status_chip, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addSpacing(8)
        row.addWidget(self.patient_meta)
        row.addSpacing(10)
        row.addWidget(self.screening, 1)
        # Takes the spare width when there is no screening badge (stretch 0: the badge wins when shown),
        # so that the status chip and the buttons keep their natural size.
        row.addStretch(0)
        for b in (
            self.print_button,
            self.ae_button,
            self.follow_up_button,
            self.amend_button,
            self.sign_button,
        ):
            row.addWidget(b)
        return bar

    @staticmethod
    def _button(parent: QWidget, text: str, obj: str) -> QPushButton:
        b = QPushButton(text, parent)
        b.setObjectName(obj)
        b.setAccessibleName(text.rstrip("…"))
        return b

    def _left(self) -> QWidget:
        self.left_tabs = QTabWidget(self.splitter)
        self.left_tabs.setObjectName("session_left_tabs")
        self.details = SessionDetailsForm()
        self.left_tabs.addTab(scrolled(self.details, "session_details"), "Session")
        self.left_tabs.setMinimumWidth(290)
        self.left_tabs.tabBar().setExpanding(False)
        return self.left_tabs

    def _left_baseline(self) -> None:
        self.baseline = BaselineForm()
        self.left_tabs.addTab(scrolled(self.baseline, "session_baseline"), "Baseline")

    def fit_left_tabs(self) -> None:
        """Size the side columns so every tab label shows whole (no scroll arrows): the left also when
        Session and Baseline carry their warning mark, the right with a three-figure point count and the
        follow-ups tab that appears once there are some. The map gives up the width. These are starting sizes,
        not minimums: a narrower window (or the nurse's drag) may still squeeze the columns."""
        bar = self.left_tabs.tabBar()
        marks = 2 * bar.fontMetrics().horizontalAdvance(" ⚠")
        left = sum(bar.tabSizeHint(i).width() for i in range(bar.count())) + marks + 8
        tabs = self.totals.tabs
        bar = tabs.tabBar()
        padding = bar.tabSizeHint(0).width() - bar.fontMetrics().horizontalAdvance(tabs.tabText(0))
        worst = ["Totals", "Points (999)", "Adverse events", "Follow-ups (9)"]
        right = sum(bar.fontMetrics().horizontalAdvance(text) + padding for text in worst) + 8
        left, right = max(LEFT_WIDTH, left), max(SPLIT[2], right)
        self.splitter.setSizes([left, sum(SPLIT) - left - right, right])

    def _adverse_events(self, parent: QWidget, events: AdverseEventsModel) -> QWidget:
        """A tab beside Totals and Points (the left tabs keep to what fits at 1280 px)."""
        ae_page = QWidget(parent)
        ae = QVBoxLayout(ae_page)
        ae.setContentsMargins(10, 10, 10, 10)
        self.ae_view = QTableView(ae_page)
        self.ae_view.setObjectName("adverse_events_table")
        self.ae_view.setAccessibleName("Adverse events")
        self.ae_view.setModel(events)
        self.ae_view.verticalHeader().hide()
        self.ae_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.ae_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.ae_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.ae_view.horizontalHeader().setStretchLastSection(True)
        self.ae_add = name(
            QPushButton("Add adverse event…", ae_page), "add_adverse_event_button", "Add an adverse event"
        )
        self.ae_edit = name(
            QPushButton("Update…", ae_page), "edit_adverse_event_button", "Update the selected adverse event"
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.ae_add)
        buttons.addWidget(self.ae_edit)
        buttons.addStretch(1)
        note = set_role(
            QLabel("Events can be added during or after the session, also once it is signed.", ae_page),
            "muted",
        )
        note.setWordWrap(True)
        ae.addWidget(self.ae_view, 1)
        ae.addLayout(buttons)
        ae.addWidget(note)
        return ae_page

    def _centre(self) -> QWidget:
        centre = QWidget(self.splitter)
        col = QVBoxLayout(centre)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(6)
        self.vial_panel = VialPanel(centre)
        col.addWidget(self.vial_panel)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.zoom_out = self._tool(centre, "−", "zoom_out_button", "Zoom out (Ctrl+-)")
        self.zoom_in = self._tool(centre, "+", "zoom_in_button", "Zoom in (Ctrl++)")
        self.zoom_fit = self._tool(centre, "Fit", "zoom_fit_button", "Fit the whole map (Ctrl+0)")
        self.labels_toggle = self._tool(centre, "Zone names", "zone_labels_button", "Show zone names")
        self.labels_toggle.setCheckable(True)
        self.labels_toggle.setChecked(True)
        self.last_map_button = self._tool(
            centre,
            "Last map",  # short: the toolbar fits the map's width at 1280 px; the tooltip says the rest
            "last_map_button",
            "Start from the last session's map: re-use the point positions of the last signed session",
        )
        self.hover_label = set_role(QLabel(centre), "muted")
        self.hover_label.setObjectName("map_hint")
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.undo_button = self._tool(centre, "↶ Undo", "undo_button", "Undo (Ctrl+Z)")
        self.redo_button = self._tool(centre, "↷ Redo", "redo_button", "Redo (Ctrl+Shift+Z)")
        for w in (self.zoom_out, self.zoom_in, self.zoom_fit, self.labels_toggle):
            bar.addWidget(w)
        bar.addSpacing(8)
        bar.addWidget(self.undo_button)
        bar.addWidget(self.redo_button)
        bar.addStretch(1)
        bar.addWidget(self.last_map_button)
        col.addLayout(bar)
        self.map = FaceMapView(centre)
        col.addWidget(self.map, 1)
        col.addWidget(self.hover_label)
        return centre

    @staticmethod
    def _tool(parent: QWidget, text: str, obj: str, tip: str) -> QToolButton:
        b = QToolButton(parent)
        b.setText(text)
        b.setObjectName(obj)
        b.setAccessibleName(tip.split(" (")[0])
        b.setToolTip(tip)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        b.setMinimumWidth(30)
        return b

    def _right(self) -> QWidget:
        right = QWidget(self.splitter)
        col = QVBoxLayout(right)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(6)
        self.tools = MapToolsPanel(right)
        self.tools.attach_default_dose(self.vial_panel.default_dose)
        col.addWidget(self.tools)
        return right

    def _right_totals(
        self, right: QWidget, points: PointsModel, totals: TotalsModel, events: AdverseEventsModel
    ) -> None:
        col = right.layout()
        assert isinstance(col, QVBoxLayout)
        self.totals = TotalsPanel(totals, points, right)
        self.totals.tabs.addTab(self._adverse_events(self.totals.tabs, events), "Adverse events")
        self.points_error = FieldErrorLabel(None, right)
        self.points_error.setObjectName("points_error")
        col.addWidget(self.points_error)
        col.addWidget(self.totals, 1)
        right.setMinimumWidth(360)
        self.right = right
        self.splitter.addWidget(right)
