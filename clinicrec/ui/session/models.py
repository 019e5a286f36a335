"""Table models of the charting window: points, totals, adverse events, vials open today.

Each holds immutable rows and is refreshed whole (the lists are short: at most a few hundred points).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from ...domain.dilution import column_decimals, fmt_units, fmt_volume
from ...domain.dosing import DoseTotal, totals_by_product, totals_by_zone
from ...domain.enums import Zone
from ...domain.models import AdverseEvent, InjectionPoint, Product, Vial
from ...services.catalogue import VialStatus

AnyIndex = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALERT_BG = QColor("#FDE2E1")
ALERT_FG = QColor("#9B1C1C")
TOTAL_BG = QColor("#EEF2F5")
PRODUCT_BG = QColor("#E6F4F2")
VIAL_COLOURS = ("#1C5FB8", "#D9480F", "#2B8A3E", "#862E9C", "#0B7285", "#C2255C")


def vial_colour(index: int) -> str:
    return VIAL_COLOURS[index % len(VIAL_COLOURS)]


class _RowsModel(QAbstractTableModel):
    """Shared plumbing: a header tuple, immutable rows, ``set_rows``."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row(self, index: int) -> Any:
        return self._rows[index]


# -- points ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChartPoint:
    """A point being charted, with an id that is stable while the window is open (for undo, selection)."""

    uid: int
    point: InjectionPoint


class PointsModel(_RowsModel):
    """The session's injection points in charting order; every change goes through the undo commands."""

    HEADERS = ("#", "Zone", "Dose", "Volume", "At concentration", "Vial")
    sig_points_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._vials: dict[int, Vial] = {}
        self._labels: dict[int, str] = {}
        self._colours: dict[int, str] = {}
        self._errors: dict[int, str] = {}

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
        self.endInsertRows()
        self.sig_points_changed.emit()

    def remove(self, uids: Sequence[int]) -> list[tuple[int, ChartPoint]]:
        """Remove points; returns (row, point) pairs in ascending row order, for undo."""
        wanted = set(uids)
        removed = [(i, cp) for i, cp in enumerate(self._rows) if cp.uid in wanted]
        for i, _cp in reversed(removed):
            self.beginRemoveRows(QModelIndex(), i, i)
            del self._rows[i]
            self.endRemoveRows()
        if removed:
            self.sig_points_changed.emit()
        return removed

    def insert(self, pairs: Sequence[tuple[int, ChartPoint]]) -> None:
        for i, cp in pairs:
            self.beginInsertRows(QModelIndex(), i, i)
            self._rows.insert(i, cp)
            self.endInsertRows()
        if pairs:
            self.sig_points_changed.emit()

    def update(self, changes: Mapping[int, InjectionPoint]) -> None:
        if not changes:
            return
        for i, cp in enumerate(self._rows):
            if cp.uid in changes:
                self._rows[i] = ChartPoint(cp.uid, changes[cp.uid])
                self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))
        self.sig_points_changed.emit()

    def reset(self, points: Sequence[ChartPoint]) -> None:
        self.set_rows(points)
        self.sig_points_changed.emit()

    # display context
    def set_vials(
        self, vials: Mapping[int, Vial], labels: Mapping[int, str], colours: Mapping[int, str]
    ) -> None:
        self._vials, self._labels, self._colours = dict(vials), dict(labels), dict(colours)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, self.columnCount() - 1))

    def set_errors(self, errors: Mapping[int, str]) -> None:
        """Row index -> message, from the service's 'points[i]...' field errors."""
        self._errors = dict(errors)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, self.columnCount() - 1))

    def _decimals(self) -> tuple[int, int]:
        """One number of decimals per column, so two different doses never show as the same figure."""
        key = tuple((cp.point.units, cp.point.volume_ml) for cp in self._rows)
        cached: tuple[tuple[tuple[float, float], ...], tuple[int, int]] | None = getattr(
            self, "_dec_cache", None
        )
        if cached is None or cached[0] != key:
            units = column_decimals((u for u, _ in key), 3)
            volumes = column_decimals((v for _, v in key), 4)
            cached = (key, (units, volumes))
            self._dec_cache = cached
        return cached[1]

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        cp: ChartPoint = self._rows[index.row()]
        p, col = cp.point, index.column()
        error = self._errors.get(index.row())
        if role == _DISPLAY:
            vial = self._vials.get(p.vial_id)
            return (
                str(index.row() + 1),
                Zone(p.zone).label,
                fmt_units(p.units, self._decimals()[0]),
                fmt_volume(p.volume_ml, self._decimals()[1]),
                vial.concentration.label() if vial else "",
                self._labels.get(p.vial_id, f"vial {p.vial_id}"),
            )[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return error
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 2, 3):
            return _RIGHT
        if role == Qt.ItemDataRole.DecorationRole and col == 5:
            return QColor(self._colours.get(p.vial_id, "#777777"))
        if role == Qt.ItemDataRole.BackgroundRole and error:
            return ALERT_BG
        if role == Qt.ItemDataRole.FontRole and col == (2 if p.basis == "units" else 3):
            font = QFont()
            font.setBold(True)  # the quantity that was entered; the other is derived
            return font
        if role == Qt.ItemDataRole.UserRole:
            return cp.uid
        return None


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
            period = f"in {prod.max_dose_period_days} days" if prod.max_dose_period_days else "per session"
            heading += f" (max {fmt_units(prod.max_dose_units)} {period})"
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


class TotalsModel(_RowsModel):
    """Rows of ``total_rows``; product headings span the table (the view sets the spans)."""

    HEADERS = ("Area", "Points", "Units", "Volume")

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r: TotalRow = self._rows[index.row()]
        col = index.column()
        if role == _DISPLAY:
            if r.kind == "product":
                return r.label if col == 0 else ""
            return (r.label, str(r.points), fmt_units(r.units), fmt_volume(r.volume_ml))[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 1:
            return _RIGHT
        if role == Qt.ItemDataRole.FontRole and r.kind != "zone":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole:
            if r.alert and r.kind == "total":
                return ALERT_BG
            return TOTAL_BG if r.kind == "total" else PRODUCT_BG if r.kind == "product" else None
        if role == Qt.ItemDataRole.ForegroundRole and r.alert:
            return ALERT_FG
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.alert or None
        return None

    def heading_rows(self) -> list[int]:
        return [i for i, r in enumerate(self._rows) if r.kind == "product"]


# -- adverse events ----------------------------------------------------------------------------------
class AdverseEventsModel(_RowsModel):
    HEADERS = ("Event", "Onset", "Severity", "Resolved", "Notes")

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        e: AdverseEvent = self._rows[index.row()]
        if role == _DISPLAY:
            resolved = f"{e.resolved_on:%Y-%m-%d}" if e.resolved_on else "Ongoing"
            return (
                e.kind.label,
                f"{e.onset:%Y-%m-%d}",
                e.severity.label,
                resolved,
                e.notes.splitlines()[0] if e.notes else "",
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(t for t in (e.resolution, e.notes) if t) or None
        return None


# -- vials open today --------------------------------------------------------------------------------
class VialStatusModel(_RowsModel):
    HEADERS = ("Product", "Lot", "Concentration", "Reconstituted", "Left", "Use by")

    def __init__(self, today: date, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._today = today

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        st: VialStatus = self._rows[index.row()]
        v, col = st.vial, index.column()
        if role == _DISPLAY:
            return (
                f"{st.product.brand} {v.vial_units:g} U",
                v.lot_number,
                v.concentration.label(),
                f"{v.reconstituted_at.astimezone():%Y-%m-%d %H:%M}",
                fmt_units(st.remaining_units),
                f"{st.use_by.astimezone():%Y-%m-%d %H:%M}",
            )[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 4:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and (st.expired(self._today) or st.remaining_units <= 0):
            return ALERT_FG
        if role == Qt.ItemDataRole.ToolTipRole and st.expired(self._today):
            return f"Lot expired on {v.expiry_date:%Y-%m-%d}"
        return None
