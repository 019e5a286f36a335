"""Chart review: the queue of signed charts waiting for the medical director (co-sign or return with a
comment) and the report of review rate and time to review per injector. Injectors see their returned
charts in the same screen's "Returned to me" list. Every call goes to ``ReviewService``; message boxes go
through the injected prompts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain.clinic_time import format_local
from ...domain.errors import ClinicRecError, ValidationError
from ...domain.oversight import ChartReview, ReviewFigures
from ...services.app import Services
from ...services.changes import Change, ChangeEntity
from ...services.permissions import Action
from ..changes import ChangeBus
from ..prompts import Prompts
from ..rows_model import Column, RowsModel
from ..style import active


def review_columns(zone: str) -> list[Column[ChartReview]]:
    return [
        Column("Patient", lambda r: r.patient_name),
        Column("Injector", lambda r: r.injector_name),
        Column("Signed", lambda r: format_local(r.signed_at, zone), sort=lambda r: r.signed_at),
        Column(
            "Why",
            lambda r: r.reason.label,
            tone=lambda r: None if r.reason.value == "sample" else active().danger,
        ),
        Column("Status", lambda r: r.status.label),
        Column("Comment", lambda r: r.comment, tip=lambda r: r.comment or None),
    ]


REPORT_COLUMNS: list[Column[ReviewFigures]] = [
    Column("Injector", lambda f: f.injector_name),
    Column("Charts signed", lambda f: str(f.signed), sort=lambda f: f.signed, numeric=True),
    Column("Sent to review", lambda f: str(f.queued), sort=lambda f: f.queued, numeric=True),
    Column("Reviewed", lambda f: str(f.reviewed), sort=lambda f: f.reviewed, numeric=True),
    Column("Review rate", lambda f: f"{f.review_rate:.0%}", sort=lambda f: f.review_rate, numeric=True),
    Column("Returned", lambda f: str(f.returned), sort=lambda f: f.returned, numeric=True),
    Column(
        "Median time to review",
        lambda f: "—" if f.median_hours_to_review is None else f"{f.median_hours_to_review:.1f} h",
        sort=lambda f: f.median_hours_to_review,
        numeric=True,
    ),
]


def _table(name: str, accessible: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setAccessibleName(accessible)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setSortingEnabled(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setVisible(False)
    return view


class ReviewScreen(QWidget):
    sig_open_session_requested = Signal(int, int)  # patient id, session id

    def __init__(
        self, services: Services, bus: ChangeBus, prompts: Prompts, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("review_screen")
        self._services, self._prompts = services, prompts
        zone = services.clinic.time_zone()
        self.queue_model: RowsModel[ChartReview] = RowsModel(review_columns(zone), parent=self)
        self.returned_model: RowsModel[ChartReview] = RowsModel(review_columns(zone), parent=self)
        self.report_model: RowsModel[ReviewFigures] = RowsModel(REPORT_COLUMNS, parent=self)
        self._build_ui()
        self._connect_signals()
        bus.sig_changed.connect(self._changed)
        self.refresh()

    def _build_ui(self) -> None:
        actor = self._services.ctx.actor
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("review_tabs")
        root = QVBoxLayout(self)
        root.addWidget(self.tabs)

        queue_page = QWidget()
        q = QVBoxLayout(queue_page)
        self.queue_summary = QLabel("")
        self.queue_summary.setObjectName("queue_summary")
        q.addWidget(self.queue_summary)
        self.queue_view = _table("review_queue", "Charts waiting for review")
        self.queue_view.setModel(self.queue_model)
        q.addWidget(self.queue_view)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open chart")
        self.co_sign_button = QPushButton("Co-sign…")
        self.return_button = QPushButton("Return with a comment…")
        for button, name in (
            (self.open_button, "review_open"),
            (self.co_sign_button, "review_co_sign"),
            (self.return_button, "review_return"),
        ):
            button.setObjectName(name)
            button.setAccessibleName(button.text().rstrip("…"))
            buttons.addWidget(button)
        buttons.addStretch(1)
        q.addLayout(buttons)
        can_review = actor is not None and actor.can(Action.REVIEW_CHARTS)
        if can_review:
            self.tabs.addTab(queue_page, "Review queue")

        returned_page = QWidget()
        r = QVBoxLayout(returned_page)
        r.addWidget(QLabel("Charts the medical director returned to you, with their comments."))
        self.returned_view = _table("returned_charts", "Charts returned to me")
        self.returned_view.setModel(self.returned_model)
        r.addWidget(self.returned_view)
        if actor is not None and actor.can(Action.CHART):
            self.tabs.addTab(returned_page, "Returned to me")

        report_page = QWidget()
        rp = QVBoxLayout(report_page)
        self.share_label = QLabel("")
        self.share_label.setObjectName("review_share")
        rp.addWidget(self.share_label)
        self.report_view = _table("review_report", "Review rate and time to review per injector")
        self.report_view.setModel(self.report_model)
        rp.addWidget(self.report_view)
        if actor is not None and actor.can(Action.VIEW_REVIEW_REPORT):
            self.tabs.addTab(report_page, "Review report")
        self.queue_page, self.returned_page, self.report_page = queue_page, returned_page, report_page

    def _connect_signals(self) -> None:
        self.co_sign_button.clicked.connect(self.co_sign)
        self.return_button.clicked.connect(self.return_chart)
        self.open_button.clicked.connect(self._open)
        self.queue_view.doubleClicked.connect(lambda _i: self._open())

    # -- data ----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        actor = self._services.ctx.actor
        review = self._services.review
        if actor is not None and actor.can(Action.REVIEW_CHARTS):
            queue = review.queue()
            self.queue_model.set_rows(queue)
            flagged = sum(1 for r in queue if r.reason.value != "sample")
            self.queue_summary.setText(f"{len(queue)} chart(s) waiting for review; {flagged} flagged.")
            self.queue_view.resizeColumnsToContents()
        if actor is not None and actor.can(Action.CHART):
            self.returned_model.set_rows(review.returned_to_me())
        if actor is not None and actor.can(Action.VIEW_REVIEW_REPORT):
            self.report_model.set_rows(review.report())
            self.share_label.setText(
                f"The clinic sends {review.share_percent():g}% of signed charts at random, and every chart "
                "with an adverse event or an acknowledged contraindication."
            )
            self.report_view.resizeColumnsToContents()

    def _changed(self, change: Change) -> None:
        if change.entity in (ChangeEntity.CHART_REVIEW, ChangeEntity.SESSION, ChangeEntity.ADVERSE_EVENT):
            self.refresh()

    def selected(self) -> ChartReview | None:
        rows = self.queue_view.selectionModel().selectedRows()
        return self.queue_model.row_at(rows[0].row()) if rows else None

    # -- actions -------------------------------------------------------------------------------------
    def _open(self) -> None:
        review = self.selected()
        if review is not None:
            self.sig_open_session_requested.emit(review.patient_id, review.session_id)

    def co_sign(self) -> None:
        review = self.selected()
        if review is None or review.id is None:
            self._prompts.info(self, "Co-sign", "Choose a chart in the queue first.")
            return
        password = self._prompts.password(
            self,
            "Co-sign the chart",
            f"Co-sign {review.patient_name}'s chart by {review.injector_name}: password",
        )
        if not password:
            return
        self._act(lambda: self._services.review.co_sign(review.id, password), "Not co-signed")  # type: ignore[arg-type]

    def return_chart(self) -> None:
        review = self.selected()
        if review is None or review.id is None:
            self._prompts.info(self, "Return", "Choose a chart in the queue first.")
            return
        comment = self._prompts.reason(
            self, "Return the chart", f"What should {review.injector_name} look at?"
        )
        if not comment:
            return
        self._act(lambda: self._services.review.return_chart(review.id, comment), "Not returned")  # type: ignore[arg-type]

    def _act(self, call: Callable[[], object], title: str) -> None:
        try:
            call()
        except ValidationError as e:
            self._prompts.error(self, title, "\n".join(f.message for f in e.errors))
            return
        except ClinicRecError as e:
            self._prompts.error(self, title, str(e))
            return
        self.refresh()
