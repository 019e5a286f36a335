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
from ..domain.models import InjectionPoint, SessionRecord, Vial
from .chart_tables import HEADER_BG, S, data_table, exact_ml, exact_units, heading, p
from .common import FONT_BOLD, ZEBRA, esc

#: A grouped table this short moves whole to the next page rather than leave a row behind.
KEEP_TOGETHER_ROWS = 16


def count_points(n: int) -> str:
    """'1 point', '39 points'."""
    return f"{n} point{'s' * (n != 1)}"


def dose_text(units: float, volume_ml: float) -> str:
    """'0.2 U · 0.01 mL': a dose always with its volume, each with its unit."""
    return f"{exact_units(units)} · {exact_ml(volume_ml)}"


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
    r: SessionRecord, groups: Sequence[PointGroup], vials: Mapping[int, Vial]
) -> tuple[list[list[object]], list[int]]:
    """Table rows, with a subtotal after a zone whose product was given in more than one dose."""
    rows: list[list[object]] = []
    subtotals: list[int] = []
    per_zone_product: dict[tuple[Zone, int], list[PointGroup]] = {}
    for g in groups:
        per_zone_product.setdefault((g.zone, vials[g.vial_id].product_id), []).append(g)
    for (zone, product_id), members in per_zone_product.items():
        for g in members:
            vial = vials[g.vial_id]
            rows.append(
                [
                    zone.label,
                    p(f"{r.product(vial.product_id).brand}\nlot {vial.lot_number}"),
                    count_points(g.count),
                    p(dose_text(g.units, g.volume_ml)),
                    p(dose_text(g.total.units, g.total.volume_ml)),
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
                    p(dose_text(total.units, total.volume_ml), "cell_b"),
                    "",
                    "",
                ]
            )
    return rows, subtotals


def grouped_points_section(r: SessionRecord, width: float) -> list[Flowable]:
    """'Injection points by zone': identical points grouped, with count, dose each and total."""
    points = r.session.points
    if not points:
        return [heading("Injection points"), Paragraph("No injection points charted.", S["cell"])]
    vials = {v.id: v for v in r.vials if v.id is not None}
    groups = group_points(points)
    rows, subtotals = _rows(r, groups, vials)
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


def points_appendix(r: SessionRecord, width: float) -> list[Flowable]:
    """Appendix: every point as charted, numbered in the order it was placed."""
    if not r.session.points:
        return []
    rows: list[list[object]] = []
    note_rows: list[int] = []  # table rows (header = 0) holding a note, under their point
    for n, pt in enumerate(r.session.points, start=1):
        v = r.vial(pt.vial_id)
        rows.append(
            [
                str(n),
                pt.zone.label,
                exact_units(pt.units),
                exact_ml(pt.volume_ml),
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
