"""A patient's session history (newest first) as a list model, with the words each card shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer

from ...domain.dosing import DoseTotal
from ...domain.enums import SessionStatus
from ...domain.figures_format import points_text, units_text, volume_text
from ...services.app import Services
from ...services.base import Change, ChangeEntity, ChangeKind
from ...services.records import SessionSummary, Trend
from ..date_format import clinic_units_step
from ..worker import Worker

Index = QModelIndex | QPersistentModelIndex

SummaryRole = Qt.ItemDataRole.UserRole + 1
SessionIdRole = Qt.ItemDataRole.UserRole + 2

#: Changes that alter a patient's timeline.
TIMELINE_ENTITIES = frozenset({ChangeEntity.SESSION, ChangeEntity.ASSESSMENT, ChangeEntity.ADVERSE_EVENT})


def format_units(units: float, step: float | None = None) -> str:
    """Units to the clinic's dose precision: '16.0 U' beside '15.6 U', never '16 U' (issue 14)."""
    return units_text(units, step or clinic_units_step())


def format_total(brand: str, total: DoseTotal, step: float | None = None) -> str:
    """One product's total, e.g. 'Botox 24.0 U · 0.60 mL · 60 points'. Never summed across products."""
    figures = f"{format_units(total.units, step)} · {volume_text(total.volume_ml)}"
    return f"{brand} {figures} · {points_text(total.points)}"


def trend_text(label: str, trend: Trend) -> str:
    """'Pores 3 → 1 ▼2' (lower is better on every scale), 'Pores 3 (baseline only)', or 'Pores not rated'."""
    if trend.baseline is None and trend.latest is None:
        return f"{label} not rated"
    if trend.latest is None:
        return f"{label} {trend.baseline} (baseline only)"
    if trend.baseline is None:
        return f"{label} – → {trend.latest}"
    change = trend.change or 0
    if not change:
        return f"{label} {trend.baseline} → {trend.latest} (no change)"
    arrow = "▼" if change < 0 else "▲"
    return f"{label} {trend.baseline} → {trend.latest} {arrow}{abs(change)}"


def trend_direction(trend: Trend) -> int:
    """-1 better (lower), 0 same or unknown, +1 worse."""
    change = trend.change
    return 0 if not change else (-1 if change < 0 else 1)


def local_time(when: datetime) -> datetime:
    return when.astimezone() if when.tzinfo is not None else when


def session_title(s: SessionSummary) -> str:
    return f"{local_time(s.performed_at):%a %d %b %Y · %H:%M}"


def session_tags(s: SessionSummary) -> list[str]:
    tags = [s.status.label]
    if s.touch_up_of_id is not None:
        tags.append("Touch-up")
    if s.is_amendment and s.versions:
        tags.append(s.versions[-1].label)  # the newest version: "Amendment 1"
    return tags


def versions_text(s: SessionSummary) -> str:
    """'Original 10 Mar · Amendment 1 12 Mar by Nina Nurse: reason'; "" for a visit never amended."""
    if len(s.versions) < 2:
        return ""
    parts = []
    for v in s.versions:
        text = f"{v.label} {local_time(v.at):%d %b %Y}"
        if v.number:
            text += f" by {v.author}" + (f": {v.reason}" if v.reason else "")
        parts.append(text + ("" if v.status == SessionStatus.SIGNED else " (draft)"))
    return " · ".join(parts)


def zones_text(s: SessionSummary) -> str:
    return ", ".join(z.label for z in s.zones) if s.zones else "No points charted"


def totals_text(s: SessionSummary) -> list[str]:
    return [format_total(brand, total) for brand, total in s.totals]


def trends(s: SessionSummary) -> list[tuple[str, Trend]]:
    return [
        (trend_text("Pores", s.pores), s.pores),
        (trend_text("Oil", s.oil), s.oil),
        (trend_text("Redness", s.redness), s.redness),
    ]


def follow_up_text(s: SessionSummary) -> str:
    return f"latest follow-up: {s.latest_follow_up}" if s.latest_follow_up else "no follow-up yet"


def follow_up_short(s: SessionSummary) -> str:
    return f"(at {s.latest_follow_up})" if s.latest_follow_up else "(no follow-up yet)"


def describe(s: SessionSummary) -> str:
    """The whole card as one plain sentence (screen readers, tooltips, tests)."""
    parts = [session_title(s), ", ".join(session_tags(s)), f"by {s.injector_name}", zones_text(s)]
    parts += totals_text(s) or ["no doses"]
    parts += [t for t, _ in trends(s)] + [follow_up_text(s)]
    if versions_text(s):
        parts.append(f"versions: {versions_text(s)}")
    return "; ".join(parts)


#: A visit saved again (an open session window's autosave) is read again once its session has been quiet
#: this long: a nurse charting saves every few seconds, and each re-read (20-90 ms of a worker's Python)
#: took the GIL from the window she charts in. A new visit, a signature or an amendment is read at once.
VISIT_QUIET_MS = 2500


class HistoryModel(QAbstractListModel):
    """SessionSummary rows from ``RecordService.history``; reloads when a change concerns the patient."""

    def __init__(self, services: Services, parent: Any = None, *, worker: Worker | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._worker = worker
        self._rows: list[SessionSummary] = []
        self._patient_id: int | None = None
        self._read_for: int | None = None  # the patient whose visits ``_rows`` are
        self._loading = self._reload_again = False
        self._visits: list[int] = []  # sessions whose visit's line is to be read again, in order
        self._quiet = QTimer(self)  # the visits saved again wait for it (``VISIT_QUIET_MS``)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(VISIT_QUIET_MS)
        self._quiet.timeout.connect(self._read_next)

    @property
    def patient_id(self) -> int | None:
        return self._patient_id

    @property
    def reading(self) -> bool:
        """The patient's visits are being read (none of them is shown yet)."""
        return self._patient_id is not None and self._read_for != self._patient_id

    def set_patient(self, patient_id: int | None) -> None:
        """Show another patient's visits: read on the worker when there is one (the rows of the patient
        shown before are cleared at once), so opening a patient's chart does not wait on this query."""
        self._patient_id = patient_id
        if self._worker is None or patient_id is None:
            self.reload()
            return
        self.beginResetModel()
        self._rows, self._read_for = [], None
        self.endResetModel()
        self.reload_in_background()

    def reload(self) -> None:
        self.beginResetModel()
        try:
            self._rows = (
                self._services.records.history(self._patient_id) if self._patient_id is not None else []
            )
            self._read_for = self._patient_id
        finally:
            self.endResetModel()

    def on_change(self, change: Change) -> None:
        """A change to the patient's timeline (an autosave in an open session window, a follow-up...),
        read off the GUI thread when there is a worker, so charting never waits on it. A change to one
        session re-reads only that visit's line (``RecordService.visit``): an open session window saves
        every few seconds, and re-reading a long history each time kept the worker's Python (and the
        GIL the GUI thread needs) busy for 100-450 ms per autosave."""
        if (
            self._patient_id is None
            or change.patient_id != self._patient_id
            or change.entity not in TIMELINE_ENTITIES
        ):
            return
        if (
            self._worker is not None
            and change.entity == ChangeEntity.SESSION
            and change.entity_id is not None
            and change.kind != ChangeKind.DELETED  # a discarded amendment no longer names its visit
            and not self._reload_again
        ):
            self._visits.append(change.entity_id)
            if change.kind == ChangeKind.UPDATED and not self._worker.synchronous:
                self._quiet.start()  # saved again: read once the session has been quiet
                return
            self._quiet.stop()
            self._read_next()
        else:
            self.reload_in_background()

    def reload_in_background(self) -> None:
        if self._worker is None:
            self.reload()
            return
        self._reload_again, self._visits = True, []
        self._quiet.stop()
        self._read_next()

    def _read_next(self) -> None:
        """One read at a time on the worker, in the order asked: the whole history (which supersedes
        the visits asked for before it), or the next changed visit."""
        if self._loading or self._worker is None:
            return
        patient_id, records = self._patient_id, self._services.records
        if self._reload_again:
            self._loading, self._reload_again, self._visits = True, False, []
            self._worker.run(
                lambda: records.history(patient_id) if patient_id is not None else [],
                lambda rows: self._loaded(patient_id, rows),
                lambda _error: self._loaded(patient_id, None),
            )
        elif self._visits and not self._quiet.isActive():
            session_id = self._visits.pop(0)
            if session_id in self._visits:  # asked again meanwhile: the later read covers both
                self._read_next()
                return
            self._loading = True
            self._worker.run(
                lambda: records.visit(session_id),
                lambda visit: self._visit_loaded(patient_id, session_id, visit),
                lambda _error: self._loaded(patient_id, None),
            )

    def _loaded(self, patient_id: int | None, rows: list[SessionSummary] | None) -> None:
        self._loading = False
        if rows is not None and patient_id == self._patient_id:
            self.beginResetModel()
            self._rows, self._read_for = rows, patient_id
            self.endResetModel()
        self._read_next()

    def _visit_loaded(self, patient_id: int | None, session_id: int, visit: SessionSummary | None) -> None:
        self._loading = False
        if patient_id == self._patient_id and self._read_for == patient_id:
            self._apply_visit(session_id, visit)
        self._read_next()

    def _apply_visit(self, session_id: int, visit: SessionSummary | None) -> None:
        """Put the visit's new line where ``history`` would list it (newest first), in place of the
        line of any of its versions; ``visit`` None: the session is gone, and its line with it. A line
        that moves, or grows (its card lists the versions from the second on), resets the model, so
        every view lays its items out again; a line changed in place is repainted (dataChanged)."""
        ids = {session_id}
        if visit is not None:
            ids |= {visit.session_id, *(v.session_id for v in visit.versions)}
        old = [
            i
            for i, s in enumerate(self._rows)
            if s.session_id in ids or any(v.session_id in ids for v in s.versions)
        ]
        rows = [s for i, s in enumerate(self._rows) if i not in old]
        if visit is not None:
            key = (visit.performed_at, visit.session_id)
            at = next((i for i, s in enumerate(rows) if (s.performed_at, s.session_id) < key), len(rows))
            rows.insert(at, visit)
            same_height = len(self._rows[old[0]].versions) == len(visit.versions) if old else False
            if old == [at] and same_height:  # the same line, changed: repainted, the selection stays
                self._rows = rows
                self.dataChanged.emit(self.index(at, 0), self.index(at, 0))
                return
        if not old and visit is None:
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def summary(self, row: int) -> SessionSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, session_id: int) -> int | None:
        """The row of the visit ``session_id`` is a version of (the original or any amendment)."""
        return next(
            (
                i
                for i, s in enumerate(self._rows)
                if s.session_id == session_id or any(v.session_id == session_id for v in s.versions)
            ),
            None,
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or index.column() != 0:
            return None
        s = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{session_title(s)} — {', '.join(s.products) or 'no product'}"
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return describe(s)
        if role == SummaryRole:
            return s
        if role == SessionIdRole:
            return s.session_id
        return None

    def is_signed(self, row: int) -> bool:
        s = self.summary(row)
        return s is not None and s.status == SessionStatus.SIGNED
