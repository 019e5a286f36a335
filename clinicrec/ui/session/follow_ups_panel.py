"""The session's follow-ups in its own window (before → after), in a tab that appears once there are some.

Refreshed when the session is opened or signed and whenever a follow-up for the patient is recorded
(from this window or any other: the change bus says so).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from ...domain.enums import Measure, SessionStatus
from ...domain.errors import ClinicRecError
from ...domain.models import Assessment, SessionRecord, TreatmentSession
from ...services.app import Services
from ...services.base import Change, ChangeEntity
from ..analysis.measured_change import MeasuredChangePanel, show_session_change
from ..changes import ChangeBus
from ..date_format import date_text
from ..figures import readings
from .follow_up import SATISFACTION, change_text
from .ratings import READINGS

TAB_TITLE = "Follow-ups"


def follow_up_text(baseline: Assessment | None, f: Assessment) -> str:
    """One follow-up as rich text: when and by whom, then each measure before → after."""
    head = f"<b>{escape(f.time_point.label)} · {date_text(f.assessed_on)}</b>"
    if f.assessor_name:
        head += f" · {escape(f.assessor_name)}"
    parts = []
    for m in Measure:
        before, after = (getattr(baseline, m.value) if baseline else None), getattr(f, m.value)
        if after is None:
            continue
        change = change_text(before, after)
        parts.append(
            f"{m.label} {before if before is not None else '—'} → {after}"
            + (f" ({change})" if change else "")
        )
    for key, (label, unit, _acc) in READINGS.items():
        before, after = (getattr(baseline, key) if baseline else None), getattr(f, key)
        if after is None:
            continue
        change = change_text(before, after)
        was, now = readings(before, after)
        parts.append(f"{label} {was} → {now} {unit}" + (f" ({change})" if change else ""))
    extra = []
    if f.gais is not None:
        extra.append(f"GAIS: {f.gais.label}")
    if f.satisfaction is not None and 1 <= f.satisfaction <= len(SATISFACTION):  # 1-5
        extra.append(f"Satisfaction: {f.satisfaction} – {SATISFACTION[f.satisfaction - 1]}")
    if f.touch_up_given:
        extra.append("touch-up given")
    lines = [head, escape(" · ".join(parts)) or "No ratings recorded"]
    if extra:
        lines.append(escape(" · ".join(extra)))
    if f.notes.strip():
        lines.append(f"<i>{escape(f.notes.strip())}</i>")
    return "<br>".join(lines)


class SessionFollowUps(QObject):
    """Keeps the "Follow-ups (n)" tab of ``tabs`` in step with the session's recorded follow-ups."""

    def __init__(
        self,
        services: Services,
        bus: ChangeBus,
        tabs: QTabWidget,
        patient_id: int,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._tabs, self._patient_id = services, tabs, patient_id
        self._session: TreatmentSession | None = None
        self._page: tuple[QScrollArea, QVBoxLayout, MeasuredChangePanel] | None = None
        self.entries: list[QLabel] = []
        bus.sig_changed.connect(self._on_change)

    def _built(self) -> tuple[QScrollArea, QVBoxLayout, MeasuredChangePanel]:
        """The tab's page, built when first needed: most sessions opened are drafts, with no follow-ups."""
        if self._page is None:
            page = QScrollArea()
            page.setObjectName("session_follow_ups")
            page.setAccessibleName("Follow-ups of this session")
            page.setWidgetResizable(True)
            page.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            holder = QWidget()
            entries = QVBoxLayout(holder)
            entries.setContentsMargins(10, 10, 10, 10)
            measured = MeasuredChangePanel(holder)  # the photos' figures, after the follow-ups
            measured.table.setMinimumHeight(320)
            entries.addWidget(measured)
            entries.addStretch(1)
            page.setWidget(holder)
            self._page = (page, entries, measured)
        return self._page

    @property
    def page(self) -> QScrollArea:
        return self._built()[0]

    @property
    def measured(self) -> MeasuredChangePanel:
        return self._built()[2]

    def show_session(self, session: TreatmentSession, record: SessionRecord | None = None) -> None:
        """``record``: the session's record when already read (signing reads it on the worker)."""
        self._session = session
        self.refresh(record)

    def _on_change(self, change: Change) -> None:
        if any(
            change.concerns(e, self._patient_id)
            for e in (ChangeEntity.ASSESSMENT, ChangeEntity.PHOTO_MEASUREMENT)
        ):
            self.refresh()

    def refresh(self, record: SessionRecord | None = None) -> None:
        session = self._session
        follow_ups: tuple[Assessment, ...] = ()
        if session is not None and session.id is not None and session.status == SessionStatus.SIGNED:
            try:
                if record is None or record.session.id != session.id:
                    record = self._services.records.record(session.id)
                follow_ups = record.follow_ups
            except ClinicRecError:
                follow_ups = ()  # out of reach now: the tab keeps to what the services can say
        for label in self.entries:
            label.setParent(None)
            label.deleteLater()
        self.entries = []
        if not follow_ups and self._page is None:
            return  # no tab, and none to take away
        page, entries, measured = self._built()
        for f in follow_ups:
            label = QLabel(follow_up_text(session.baseline if session else None, f))
            label.setObjectName("session_follow_up")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            entries.insertWidget(entries.count() - 2, label)
            self.entries.append(label)
        if follow_ups and session is not None and session.id is not None:
            try:
                show_session_change(
                    measured, self._services, self._patient_id, session.id, session.baseline, follow_ups
                )
            except ClinicRecError as e:
                measured.show_rows([], f"Measured on the photos: {e}")
        index = self._tabs.indexOf(page)
        if follow_ups and index < 0:
            self._tabs.addTab(page, "")
            index = self._tabs.indexOf(page)
        elif not follow_ups and index >= 0:
            self._tabs.removeTab(index)
            return
        if index >= 0:
            self._tabs.setTabText(index, f"{TAB_TITLE} ({len(follow_ups)})")
