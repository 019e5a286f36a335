"""The injection points on the printed record: grouped per zone for reading, every one in an appendix.

A Microbotox grid places dozens of identical points (39 forehead points of 0.2 U each). Listed one
per row they bury the record in identical lines; grouped, each zone reads "39 points, 0.2 U each,
7.8 U in all" with the lot and concentration beside it. The appendix still lists every point, so
the record keeps each one as charted. Counts always say "points" and doses their unit, so a count
and a dose never run together ("39 points · 7.8 U", never "39 7.8 U").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, TableStyle

from ..domain.dosing import DoseTotal
from ..domain.enums import DoseBasis, Zone
from ..domain.figures_format import (
    DEFAULT_UNITS_STEP,
    units_decimals,
    units_text,
    volume_decimals,
    volume_text,
)
from ..domain.models import InjectionPoint, SessionRecord, Vial
from .chart_tables import HEADER_BG, S, data_table, heading, p
from .common import FONT_BOLD, ZEBRA, esc

#: A grouped table this short moves whole to the next page rather than leave a row behind.
KEEP_TOGETHER_ROWS = 16


def count_points(n: int) -> str:
    """'1 point', '39 points'."""
    return f"{n} point{'s' * (n != 1)}"


@dataclass(frozen=True)
class DoseColumn:
    """How one column writes its doses: the same decimals on every row (never "3 U" above "0.6 U")."""

    units_decimals: int
    volume_decimals: int
    units_step: float = DEFAULT_UNITS_STEP

    @classmethod
    def of(cls, doses: Iterable[tuple[float, float]], units_step: float = DEFAULT_UNITS_STEP) -> DoseColumn:
        doses = list(doses)
        return cls(
            units_decimals([u for u, _ in doses], units_step),
            volume_decimals([v for _, v in doses]),
            units_step,
        )

    def text(self, units: float, volume_ml: float) -> str:
        """'0.2 U · 0.01 mL': a dose always with its volume, each with its unit."""
        u = units_text(units, self.units_step, decimals=self.units_decimals)
        return f"{u} · {volume_text(volume_ml, decimals=self.volume_decimals)}"


def dose_text(units: float, volume_ml: float, units_step: float = DEFAULT_UNITS_STEP) -> str:
    """'0.2 U · 0.01 mL': one dose on its own, to the clinic's precision (finer digits where it has them)."""
    return DoseColumn.of([(units, volume_ml)], units_step).text(units, volume_ml)


@dataclass(frozen=True)
class PointGroup:
    """Identical points of one zone: same vial (so product, lot and concentration), dose and basis."""

    zone: Zone
    vial_id: int
    units: float
    volume_ml: float
    basis: DoseBasis
    total: DoseTotal

    @property
    def count(self) -> int:
        return self.total.points


def group_points(points: Iterable[InjectionPoint]) -> list[PointGroup]:
    """Points grouped by (zone, vial, dose, basis), zones top of the face down, first use first."""
    groups: dict[tuple[Zone, int, float, float, DoseBasis], DoseTotal] = {}
    for pt in points:
        key = (Zone(pt.zone), pt.vial_id, pt.units, pt.volume_ml, DoseBasis(pt.basis))
        groups[key] = groups.get(key, DoseTotal()).add(pt)
    zones = list(Zone)
    ordered = sorted(groups.items(), key=lambda kv: zones.index(kv[0][0]))  # stable: first use first
    return [PointGroup(z, vial, u, v, basis, total) for (z, vial, u, v, basis), total in ordered]


def _rows(
    r: SessionRecord, groups: Sequence[PointGroup], vials: Mapping[int, Vial], units_step: float
) -> tuple[list[list[object]], list[int]]:
    """Table rows, with a subtotal after a zone whose product was given in more than one dose."""
    rows: list[list[object]] = []
    subtotals: list[int] = []
    per_zone_product: dict[tuple[Zone, int], list[PointGroup]] = {}
    for g in groups:
        per_zone_product.setdefault((g.zone, vials[g.vial_id].product_id), []).append(g)
    each = DoseColumn.of(((g.units, g.volume_ml) for g in groups), units_step)
    sums = [
        (sum(g.total.units for g in ms), sum(g.total.volume_ml for g in ms))
        for ms in per_zone_product.values()
    ]
    totals = DoseColumn.of([*((g.total.units, g.total.volume_ml) for g in groups), *sums], units_step)
    for (zone, product_id), members in per_zone_product.items():
        for g in members:
            vial = vials[g.vial_id]
            rows.append(
                [
                    zone.label,
                    p(f"{r.product(vial.product_id).brand}\nlot {vial.lot_number}"),
                    count_points(g.count),
                    p(each.text(g.units, g.volume_ml)),
                    p(totals.text(g.total.units, g.total.volume_ml)),
                    p(vial.concentration.label().replace(" (", "\n(")),
                    g.basis.label,
                ]
            )
        if len(members) > 1:
            total = DoseTotal(
                sum(g.total.units for g in members),
                sum(g.total.volume_ml for g in members),
                sum(g.count for g in members),
            )
            subtotals.append(len(rows))
            rows.append(
                [
                    p(f"{zone.label}: all {r.product(product_id).brand}", "cell_b"),
                    "",
                    count_points(total.points),
                    "",
                    p(totals.text(total.units, total.volume_ml), "cell_b"),
                    "",
                    "",
                ]
            )
    return rows, subtotals


def grouped_points_section(
    r: SessionRecord, width: float, units_step: float = DEFAULT_UNITS_STEP
) -> list[Flowable]:
    """'Injection points by zone': identical points grouped, with count, dose each and total."""
    points = r.session.points
    if not points:
        return [heading("Injection points"), Paragraph("No injection points charted.", S["cell"])]
    vials = {v.id: v for v in r.vials if v.id is not None}
    groups = group_points(points)
    rows, subtotals = _rows(r, groups, vials, units_step)
    widths = [x * mm for x in (20, 27, 17, 34, 34)]
    widths += [width - sum(widths) - 20 * mm, 20 * mm]
    header = ["Zone", "Product · lot", "Points", "Dose each", "Total", "Concentration", "Entered as"]
    t = data_table(header, rows, widths)
    style = [("ALIGN", (2, 0), (2, -1), "RIGHT")]
    for i in subtotals:
        style += [
            ("BACKGROUND", (0, i + 1), (-1, i + 1), HEADER_BG),
            ("FONT", (0, i + 1), (-1, i + 1), FONT_BOLD),
        ]
    t.setStyle(TableStyle(style))
    title = Paragraph(
        esc(f"Injection points by zone ({count_points(len(points))}; every point in the appendix)"),
        ParagraphStyle("h2_split", S["h2"], keepWithNext=False),
    )
    if len(rows) <= KEEP_TOGETHER_ROWS:  # a short table is read at a glance: never split it
        return [KeepTogether([title, t])]
    return [CondPageBreak(30 * mm), title, t]


def points_appendix(r: SessionRecord, width: float, units_step: float = DEFAULT_UNITS_STEP) -> list[Flowable]:
    """Appendix: every point as charted, numbered in the order it was placed."""
    if not r.session.points:
        return []
    column = DoseColumn.of(((pt.units, pt.volume_ml) for pt in r.session.points), units_step)
    rows: list[list[object]] = []
    note_rows: list[int] = []  # table rows (header = 0) holding a note, under their point
    for n, pt in enumerate(r.session.points, start=1):
        v = r.vial(pt.vial_id)
        rows.append(
            [
                str(n),
                pt.zone.label,
                units_text(pt.units, units_step, decimals=column.units_decimals),
                volume_text(pt.volume_ml, decimals=column.volume_decimals),
                r.product(v.product_id).brand,
                v.lot_number,
                p(v.concentration.label()),
                pt.basis.label,
            ]
        )
        if pt.note:
            rows.append(["", p(f"Note on point {n}: {pt.note}"), "", "", "", "", "", ""])
            note_rows.append(len(rows))
    widths = [x * mm for x in (9, 22, 17, 21, 26, 20)]
    widths += [width - sum(widths) - 20 * mm, 20 * mm]
    header = ["N°", "Zone", "Units", "Volume", "Product", "Vial lot", "Concentration", "Entered as"]
    t = data_table(header, rows, widths)
    t.setStyle(TableStyle([("ALIGN", (0, 1), (0, -1), "RIGHT"), ("ALIGN", (2, 0), (3, -1), "RIGHT")]))
    # A point's note spans the row under it, shaded like its point.
    for i in note_rows:
        shade = ZEBRA if (i - 1) % 2 == 0 else colors.white
        t.setStyle(
            TableStyle(
                [("SPAN", (1, i), (-1, i)), ("BACKGROUND", (0, i - 1), (-1, i), shade)]
                + [("LINEBELOW", (0, i - 1), (-1, i - 1), 0, colors.white)]
            )
        )
    # The appendix starts a page of its own; a long table runs on with its header repeated.
    title = Paragraph(
        esc(f"Appendix: every injection point ({len(r.session.points)})"),
        ParagraphStyle("h2_split", S["h2"], keepWithNext=False),
    )
    return [PageBreak(), title, t]
