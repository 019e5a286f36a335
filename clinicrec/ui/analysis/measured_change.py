"""Each zone's measured figures at baseline and now, and the change, beside the clinician's 0-4 ratings.

Shown in the session's follow-ups and in the comparison window. Where a view has no measured photo at
baseline or at follow-up the row says "not measured" and why, never a figure that is not there; every
figure carries what it rests on (pores counted, share of the zone measured) in the Quality column.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QSizePolicy, QTableView, QVBoxLayout, QWidget

from clinicrec.domain.enums import Measure, TimePoint, Zone
from clinicrec.domain.models import Assessment
from clinicrec.domain.photos import Photo, PhotoView
from clinicrec.services.app import Services
from clinicrec.ui.rows_model import Column, RowsModel
from clinicrec.ui.style import active

if TYPE_CHECKING:  # the engine (OpenCV) loads when a photo is measured, not when a chart opens
    from clinicrec.services.photos.measurements import MeasuredChange, Measurement, ZoneChange

#: The views measured (front and oblique); profiles show too little of both cheeks.
MEASURED_VIEWS = (PhotoView.FRONT, PhotoView.OBLIQUE_LEFT, PhotoView.OBLIQUE_RIGHT)
#: Which clinician rating stands beside which measured figure (its column's header shows it).
RATED_AS = {"pores_per_cm2": Measure.PORES, "shine_share": Measure.OIL, "red_share": Measure.REDNESS}


@dataclass(frozen=True)
class ZoneChangeRow:
    """One zone of one view; ``change`` None with ``reason`` when the view was not measured."""

    view: PhotoView
    zone: Zone | None
    change: ZoneChange | None
    reason: str = ""


def _cell(change: ZoneChange | None, figure: str, share: bool) -> str:
    if change is None:
        return "not measured"

    def show(v: float | None) -> str:
        if v is None:
            return "not measured"
        return f"{v:.1%}" if share else f"{v:.1f}"

    b, a = getattr(change.before, figure), getattr(change.after, figure)
    delta = change.change(figure)
    text = f"{show(b)} → {show(a)}"
    if delta is not None:
        shown = round(delta * 100 if share else delta, 1)
        unit = " pt" if share else ""
        text += f" ({shown:+.1f}{unit})" if shown else f" (0.0{unit})"
    return text.replace("-", "−")


def where(row: ZoneChangeRow) -> str:
    """The zone (front photos: the zone alone, so the table fits a narrow pane), or the view unmeasured."""
    if row.zone is None:
        return f"{row.view.label}: —"
    return row.zone.label if row.view is PhotoView.FRONT else f"{row.zone.label}, {row.view.label.lower()}"


def quality_of(row: ZoneChangeRow) -> str:
    c = row.change
    if c is None:
        return f"not measured: {row.reason}"
    problems = [f"baseline: {p}" for p in c.before.problems] + [f"now: {p}" for p in c.after.problems]
    if problems:
        return "; ".join(problems)
    n = f"n {c.before.pore_count} → {c.after.pore_count} pores; " if c.before.pore_count is not None else ""
    return f"{n}{c.before.measured_share:.0%} / {c.after.measured_share:.0%} of the zone measured"


def _rated(m: Measure, baseline: Assessment | None, now: Assessment | None) -> str:
    b = getattr(baseline, m.value) if baseline else None
    a = getattr(now, m.value) if now else None
    change = f" ({a - b:+d})".replace("-", "−") if a is not None and b is not None else ""
    return f"{'—' if b is None else b} → {'—' if a is None else a}{change}"


def _figure(
    title: str, figure: str, share: bool, tip: str, ratings: tuple[Assessment | None, Assessment | None]
) -> Column[ZoneChangeRow]:
    rated = RATED_AS.get(figure)
    if rated is not None and any(ratings):
        title += f"\nrated {rated.label.lower()} {_rated(rated, *ratings)}"
    return Column(
        title,
        lambda r: _cell(r.change, figure, share),
        sort=lambda r: r.change.change(figure) if r.change else None,
        numeric=True,
        header_tip=tip + " at baseline → now (change)",
    )


def change_columns(
    baseline: Assessment | None = None, now: Assessment | None = None
) -> tuple[Column[ZoneChangeRow], ...]:
    """The table's columns; with ratings, each rated figure's header shows the rating beside it."""
    r = (baseline, now)
    return (
        Column("Zone", where, header_tip="The zone, on the front photo unless a view is named"),
        _figure("Pores/cm²", "pores_per_cm2", False, "Visible pores per cm² of measured skin", r),
        _figure("Shine", "shine_share", True, "Share of skin in specular highlight (surface oil)", r),
        _figure("Red area", "red_share", True, "Share of skin with a* above the redness threshold", r),
        _figure("a*", "redness_a_mean", False, "Mean CIELAB a* over skin", r),
        Column(
            "Quality",
            quality_of,
            tip=quality_of,
            tone=lambda row: active().danger if row.change is None else None,
        ),
    )


def ratings_text(baseline: Assessment | None, now: Assessment | None) -> str:
    """The clinician's 0-4 ratings at baseline → now (the same as in the figures' headers)."""
    when = now.time_point.label if now else "now"
    parts = [f"{m.label} {_rated(m, baseline, now)}" for m in Measure]
    return f"Clinician's rating (0–4), baseline → {when}: " + " · ".join(parts)


def _rows(changes: list[MeasuredChange], missing: dict[PhotoView, str]) -> list[ZoneChangeRow]:
    rows: list[ZoneChangeRow] = []
    for c in changes:
        rows.extend(ZoneChangeRow(c.view, z.zone, z) for z in c.zones)
    for view in MEASURED_VIEWS:
        if view in missing:
            rows.append(ZoneChangeRow(view, None, None, missing[view]))
    return rows


def _why_missing(photos: list[Photo], measured: dict[int, Measurement], view: PhotoView) -> str:
    mine = [p for p in photos if p.view is view and not p.voided]
    before = [p for p in mine if p.time_point is TimePoint.BASELINE]
    after = [p for p in mine if p.time_point is not TimePoint.BASELINE]
    if not before:
        return "no baseline photo"
    if not after:
        return "no follow-up photo"
    if not any(p.id in measured for p in before):
        return "the baseline photo is not measured yet (Measure skin…)"
    return "the follow-up photo is not measured yet (Measure skin…)"


def session_rows(
    services: Services, patient_id: int, session_id: int
) -> tuple[list[ZoneChangeRow], TimePoint | None]:
    """The session's baseline photos against its latest measured follow-up photos, per view, and the
    follow-up's time point (None when nothing is paired)."""
    changes = services.measurements.session_change(session_id)
    photos = [p for p in services.photos.photos_of(patient_id) if p.session_id == session_id]
    measured = services.measurements.latest([p.id for p in photos])
    paired = {c.view for c in changes}
    missing = {v: _why_missing(photos, measured, v) for v in MEASURED_VIEWS if v not in paired}
    if not photos:
        missing = {PhotoView.FRONT: "no photos of this session"}
    return _rows(changes, missing), changes[0].after_time_point if changes else None


def compared_rows(services: Services, photos: list[Photo]) -> list[ZoneChangeRow]:
    """Photos compared side by side: per view, the first shown against the last shown of that view."""
    from clinicrec.services.photos.measurements import ZoneChange

    measured = services.measurements.latest([p.id for p in photos])
    rows: list[ZoneChangeRow] = []
    for view in PhotoView:
        mine = [p for p in photos if p.view is view]
        if len(mine) < 2:
            continue
        first, last = mine[0], mine[-1]
        if first.id not in measured or last.id not in measured:
            which = "the first photo" if first.id not in measured else "the last photo"
            rows.append(ZoneChangeRow(view, None, None, f"{which} is not measured yet (Measure skin…)"))
            continue
        before = {z.zone: z for z in measured[first.id].analysis.zones}
        rows.extend(
            ZoneChangeRow(view, z.zone, ZoneChange(z.zone, before[z.zone], z))
            for z in measured[last.id].analysis.zones
            if z.zone in before
        )
    return rows


class MeasuredChangePanel(QWidget):
    """A caption, the clinician's ratings, and the table of measured change per zone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("measured_change_panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel(self, objectName="measured_change_caption", wordWrap=True)
        self.ratings = QLabel(self, objectName="measured_change_ratings", wordWrap=True)
        self.ratings.setAccessibleName("The clinician's ratings beside the measured figures")
        for label in (self.caption, self.ratings):
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.model: RowsModel[ZoneChangeRow] = RowsModel(change_columns(), parent=self)
        self.table = QTableView(self, objectName="measured_change_table")
        self.table.setAccessibleName("Measured figures per zone, baseline and now")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setMinimumHeight(160)
        layout.addWidget(self.caption)
        layout.addWidget(self.ratings)
        layout.addWidget(self.table, 1)

    def show_rows(
        self,
        rows: list[ZoneChangeRow],
        caption: str,
        baseline: Assessment | None = None,
        now: Assessment | None = None,
    ) -> None:
        """The rows; with the clinician's ratings (baseline, now) beside the figures they rate."""
        self.model.set_table(change_columns(baseline, now), rows)
        self.table.resizeColumnsToContents()
        self.caption.setText(f"<b>{escape(caption)}</b>")
        rated = baseline is not None or now is not None
        self.ratings.setText(ratings_text(baseline, now) if rated else "")
        self.ratings.setVisible(rated)


def show_session_change(
    panel: MeasuredChangePanel,
    services: Services,
    patient_id: int,
    session_id: int,
    baseline: Assessment | None,
    follow_ups: tuple[Assessment, ...],
) -> None:
    """The session's measured change in ``panel``, beside the ratings of the follow-up photographed."""
    rows, when = session_rows(services, patient_id, session_id)
    now = next((f for f in follow_ups if f.time_point == when), follow_ups[-1] if follow_ups else None)
    caption = f"Measured on the photos: baseline → {when.label}" if when else "Measured on the photos"
    panel.show_rows(rows, caption, baseline, now)
