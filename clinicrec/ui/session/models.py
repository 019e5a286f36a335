"""Table models of the charting window: points, totals, adverse events, vials open today.

Each is the one ``RowsModel`` with its columns; the lists are short (at most a few hundred points) and
load whole. The points model also edits its rows, for the undo commands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from ...domain.clinic_time import local_datetime
from ...domain.dosing import DoseTotal, totals_by_product, totals_by_zone
from ...domain.enums import Zone
from ...domain.models import AdverseEvent, InjectionPoint, Product, Vial
from ...domain.safety import dose_period
from ...services.catalogue import VialStatus
from ..date_format import clinic_units_step, date_text, wall_clock_text
from ..figures import concentration, units, units_column, vial_size, volume, volume_column
from ..rows_model import Column, RowsModel
from ..style import active

AnyIndex = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole


def alert_bg() -> QColor:
    """The red of a point or total in error, in the colour scheme in use."""
    return QColor(active().danger_bg)


def alert_fg() -> QColor:
    return QColor(active().danger)


def total_bg() -> QColor:
    return QColor(active().header)


def product_bg() -> QColor:
    return QColor(active().accent_soft)


VIAL_COLOURS = ("#1C5FB8", "#D9480F", "#2B8A3E", "#862E9C", "#0B7285", "#C2255C")


def vial_colour(index: int) -> str:
    return VIAL_COLOURS[index % len(VIAL_COLOURS)]


# -- points ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChartPoint:
    """A point being charted, with an id that is stable while the window is open (for undo, selection)."""

    uid: int
    point: InjectionPoint


class PointsModel(RowsModel[ChartPoint]):
    """The session's injection points in charting order; every change goes through the undo commands."""

    sig_points_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__((), parent=parent)
        self._vials: dict[int, Vial] = {}
        self._labels: dict[int, str] = {}
        self._colours: dict[int, str] = {}
        self._brands: dict[int, str] = {}  # vial id -> its product's brand
        self._mixed = False  # the session's vials hold more than one product
        self._errors: dict[int, str] = {}  # point uid -> message
        self._dec: tuple[float, int, int] | None = None  # (step, units and mL decimals) until rows change
        self.set_table(self._point_columns(), ())

    def _point_columns(self) -> tuple[Column[ChartPoint], ...]:
        def error(cp: ChartPoint) -> str | None:
            return self._errors.get(cp.uid)

        def alert(cp: ChartPoint) -> QColor | None:
            return alert_bg() if cp.uid in self._errors else None

        def vial_label(cp: ChartPoint) -> str:
            vial = self._vials.get(cp.point.vial_id)
            if vial is None:
                return ""
            # Two products in one session: each point names its product, so units of one are never read
            # as the other's (their units differ); with one product the window's header names it.
            brand = self._brands.get(cp.point.vial_id, "") if self._mixed else ""
            conc = concentration(vial.concentration)
            return f"{brand} · {conc}" if brand else conc

        def vial_tip(cp: ChartPoint) -> str | None:
            vial = self._vials.get(cp.point.vial_id)
            name = self._labels.get(cp.point.vial_id, f"vial {cp.point.vial_id}")
            return error(cp) or (f"{name}\n{vial.concentration.label()}" if vial else name)

        def note_tip(cp: ChartPoint) -> str | None:
            # the column is elided to the table's width: the whole note is in the tooltip
            return "\n".join(t for t in (error(cp), cp.point.note) if t) or None

        common: dict[str, Any] = {"tip": error, "background": alert}
        return (
            Column("#", lambda cp: "", numeric=True, **common),  # the row's number: see data()
            Column("Zone", lambda cp: Zone(cp.point.zone).label, **common),
            # the quantity that was entered is bold; the other is derived
            Column(
                "Dose",
                lambda cp: self._units_text(cp.point.units),
                numeric=True,
                bold=lambda cp: cp.point.basis == "units",
                **common,
            ),
            Column(
                "Volume",
                lambda cp: volume(cp.point.volume_ml, decimals=self._decimals()[1]),
                numeric=True,
                bold=lambda cp: cp.point.basis != "units",
                **common,
            ),
            # the vial: its colour (as its dots on the map) and its concentration; product and lot in the
            # tooltip. One column, not two: with a long note the table fits its 1280x800 width.
            Column(
                "Conc.",
                vial_label,
                tip=vial_tip,
                background=alert,
                decoration=lambda cp: self._colours.get(cp.point.vial_id, "#777777"),
                header_tip="The vial the point is drawn from: its colour on the map and its concentration "
                "(with two products, the product too; the lot is in the tooltip)",
            ),
            Column("Note", lambda cp: " ".join(cp.point.note.split()), tip=note_tip, background=alert),
        )

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if (
            index.isValid()
            and index.column() == 0
            and role in (_DISPLAY, Qt.ItemDataRole.AccessibleTextRole)
            and 0 <= index.row() < self.rowCount()
        ):
            return str(index.row() + 1)
        return super().data(index, role)

    # plumbing used by the undo commands
    def points(self) -> list[InjectionPoint]:
        return [cp.point for cp in self._rows]

    def chart_points(self) -> list[ChartPoint]:
        return list(self._rows)

    def uids(self) -> list[int]:
        return [cp.uid for cp in self._rows]

    def get(self, uid: int) -> InjectionPoint:
        return next(cp.point for cp in self._rows if cp.uid == uid)

    def append(self, points: Sequence[ChartPoint]) -> None:
        if not points:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(points) - 1)
        self._rows.extend(points)
        self._dec = None
        self.endInsertRows()
        self.sig_points_changed.emit()

    def remove(self, uids: Sequence[int]) -> list[tuple[int, ChartPoint]]:
        """Remove points; returns (row, point) pairs in ascending row order, for undo."""
        wanted = set(uids)
        removed = [(i, cp) for i, cp in enumerate(self._rows) if cp.uid in wanted]
        for i, _cp in reversed(removed):
            self.beginRemoveRows(QModelIndex(), i, i)
            del self._rows[i]
            self._dec = None
            self.endRemoveRows()
        if removed:
            self.sig_points_changed.emit()
        return removed

    def insert(self, pairs: Sequence[tuple[int, ChartPoint]]) -> None:
        for i, cp in pairs:
            self.beginInsertRows(QModelIndex(), i, i)
            self._rows.insert(i, cp)
            self._dec = None
            self.endInsertRows()
        if pairs:
            self.sig_points_changed.emit()

    def update(self, changes: Mapping[int, InjectionPoint]) -> None:
        if not changes:
            return
        changed = [i for i, cp in enumerate(self._rows) if cp.uid in changes]
        for i in changed:
            self._rows[i] = ChartPoint(self._rows[i].uid, changes[self._rows[i].uid])
        self._dec = None
        if changed:  # one notice for the changed span: the view measures its columns once, not per row
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], self.columnCount() - 1))
        self.sig_points_changed.emit()

    def set_rows(self, rows: Sequence[ChartPoint]) -> None:
        self._dec = None
        super().set_rows(rows)

    def set_table(self, columns: Sequence[Column[ChartPoint]], rows: Sequence[ChartPoint]) -> None:
        self._dec = None
        super().set_table(columns, rows)

    def reset(self, points: Sequence[ChartPoint]) -> None:
        self.set_rows(points)
        self.sig_points_changed.emit()

    # display context
    def set_vials(
        self,
        vials: Mapping[int, Vial],
        labels: Mapping[int, str],
        colours: Mapping[int, str],
        brands: Mapping[int, str] | None = None,
    ) -> None:
        context = (dict(vials), dict(labels), dict(colours), dict(brands or {}))
        if context == (self._vials, self._labels, self._colours, self._brands):
            return  # asked at every change of the points: unchanged, no row is shown differently
        self._vials, self._labels, self._colours, self._brands = context
        self._mixed = len({v.product_id for v in self._vials.values()}) > 1
        self._all_changed()

    def set_errors(self, errors: Mapping[int, str]) -> None:
        """Row index -> message, from the service's 'points[i]...' field errors (kept with the point)."""
        self._errors = {self._rows[i].uid: m for i, m in errors.items() if 0 <= i < len(self._rows)}
        self._all_changed()

    def _all_changed(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, self.columnCount() - 1))

    def _units_text(self, value: float) -> str:
        step, decimals, _v = self._decimals_with_step()
        return units(value, decimals=decimals, step=step)

    def _decimals(self) -> tuple[int, int]:
        """One number of decimals per column, so that a column never shows '16 U' beside '15.6 U' and
        two different doses never show as the same figure: the clinic's dose precision for units, the
        syringe's marks for mL, more only where a dose has finer digits."""
        _step, u, v = self._decimals_with_step()
        return u, v

    def _decimals_with_step(self) -> tuple[float, int, int]:
        """Worked out once per change of the rows (every change above clears it) or of the clinic's
        precision: the view asks for each cell many times, and scanning every point for each cell made
        a repaint quadratic."""
        step = clinic_units_step()
        if self._dec is None or self._dec[0] != step:
            points = [cp.point for cp in self._rows]
            self._dec = (
                step,
                units_column((p.units for p in points), step),
                volume_column(p.volume_ml for p in points),
            )
        return self._dec


# -- totals ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TotalRow:
    """A line of the totals table: a product heading, a zone, or the product's session total."""

    kind: str  # "product" | "zone" | "total"
    label: str
    points: int = 0
    units: float = 0.0
    volume_ml: float = 0.0
    alert: str = ""


def total_rows(
    points: Sequence[InjectionPoint],
    vials: Mapping[int, Vial],
    products: Mapping[int, Product],
    alerts: Mapping[int, str],
) -> list[TotalRow]:
    """Per product: a heading, one row per zone, then the session total. Never a figure across products."""
    known = [p for p in points if p.vial_id in vials]
    by_zone = totals_by_zone(known, vials)
    out: list[TotalRow] = []
    for pid, total in totals_by_product(known, vials).items():
        prod = products.get(pid)
        heading = prod.brand if prod else f"product {pid}"
        if prod is not None and prod.max_dose_units is not None:
            words = dose_period(prod)
            period = f"in {words}" if words else "per session"
            heading += f" (max {units(prod.max_dose_units)} {period})"
        out.append(TotalRow("product", heading, alert=alerts.get(pid, "")))
        for zone in Zone:
            z: DoseTotal | None = by_zone.get((zone, pid))
            if z is not None:
                out.append(TotalRow("zone", zone.label, z.points, z.units, z.volume_ml))
        out.append(
            TotalRow(
                "total", "Session total", total.points, total.units, total.volume_ml, alerts.get(pid, "")
            )
        )
    return out


def _total_background(r: TotalRow) -> QColor | None:
    if r.alert and r.kind == "total":
        return alert_bg()
    return total_bg() if r.kind == "total" else product_bg() if r.kind == "product" else None


def _total_column(title: str, text: Any, numeric: bool = True) -> Column[TotalRow]:
    return Column(
        title,
        text,
        numeric=numeric,
        bold=lambda r: r.kind != "zone",
        background=_total_background,
        tone=lambda r: alert_fg() if r.alert else None,
        tip=lambda r: r.alert or None,
    )


class TotalsModel(RowsModel[TotalRow]):
    """Rows of ``total_rows``; product headings span the table (the view sets the spans).

    Units and mL have one number of decimals per column (the clinic's precision, the syringe's marks),
    worked out when the rows are set: '16.0 U' beside '15.6 U'."""

    def __init__(self, parent: QObject | None = None) -> None:
        self._step = clinic_units_step()
        self._dec = (units_column((), self._step), volume_column(()))

        def figures(r: TotalRow) -> bool:
            return r.kind != "product"

        super().__init__(
            (
                _total_column("Area", lambda r: r.label, numeric=False),
                _total_column("Points", lambda r: str(r.points) if figures(r) else ""),
                _total_column(
                    "Units",
                    lambda r: units(r.units, decimals=self._dec[0], step=self._step) if figures(r) else "",
                ),
                _total_column(
                    "Volume", lambda r: volume(r.volume_ml, decimals=self._dec[1]) if figures(r) else ""
                ),
            ),
            parent=parent,
        )

    def set_rows(self, rows: Sequence[TotalRow]) -> None:
        shown = [r for r in rows if r.kind != "product"]
        self._step = clinic_units_step()
        self._dec = (
            units_column((r.units for r in shown), self._step),
            volume_column(r.volume_ml for r in shown),
        )
        super().set_rows(rows)

    def heading_rows(self) -> list[int]:
        return [i for i, r in enumerate(self._rows) if r.kind == "product"]


# -- adverse events ----------------------------------------------------------------------------------
def _event_tip(e: AdverseEvent) -> str | None:
    return "\n".join(t for t in (e.resolution, e.notes) if t) or None


EVENT_COLUMNS: tuple[Column[AdverseEvent], ...] = (
    Column("Event", lambda e: e.kind.label, tip=_event_tip),
    Column("Onset", lambda e: date_text(e.onset), tip=_event_tip),
    Column("Severity", lambda e: e.severity.label, tip=_event_tip),
    Column("Resolved", lambda e: date_text(e.resolved_on) if e.resolved_on else "Ongoing", tip=_event_tip),
    Column("Notes", lambda e: e.notes.splitlines()[0] if e.notes else "", tip=_event_tip),
)


class AdverseEventsModel(RowsModel[AdverseEvent]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(EVENT_COLUMNS, parent=parent)


# -- vials open today --------------------------------------------------------------------------------
class VialStatusModel(RowsModel[VialStatus]):
    """Vials open today: red once expired or empty. "Use by" comes early: it is what the nurse checks."""

    def __init__(self, today: date, parent: QObject | None = None, *, zone_name: str | None = None) -> None:
        super().__init__((), parent=parent)
        self._today = today
        self._step = clinic_units_step()
        self._left_decimals = units_column((), self._step)

        def at(moment: datetime) -> str:
            local = local_datetime(moment, zone_name) if zone_name else moment.astimezone()
            return wall_clock_text(local)

        def tone(st: VialStatus) -> QColor | None:
            return alert_fg() if st.expired(self._today) or st.remaining_units <= 0 else None

        def tip(st: VialStatus) -> str | None:
            return f"Lot expired on {date_text(st.vial.expiry_date)}" if st.expired(self._today) else None

        def column(title: str, text: Any, numeric: bool = False) -> Column[VialStatus]:
            return Column(title, text, numeric=numeric, tone=tone, tip=tip)

        self.set_table(
            (
                column("Product", lambda st: f"{st.product.brand} {vial_size(st.vial.vial_units)}"),
                column("Lot", lambda st: st.vial.lot_number),
                column("Use by", lambda st: at(st.use_by)),
                column(
                    "Left",
                    lambda st: units(st.remaining_units, decimals=self._left_decimals, step=self._step),
                    numeric=True,
                ),
                column("Concentration", lambda st: concentration(st.vial.concentration)),
                column("Reconstituted", lambda st: at(st.vial.reconstituted_at)),
            ),
            (),
        )

    def set_rows(self, rows: Sequence[VialStatus]) -> None:
        """What is left in each vial, with one number of decimals for the column (clinic's precision)."""
        self._step = clinic_units_step()
        self._left_decimals = units_column((st.remaining_units for st in rows), self._step)
        super().set_rows(rows)
