"""The outcome report for meetings: the figures of the reports screen as tables and vector charts.

Takes a ``ReportBundle`` (plain dataclasses computed by the report service; no database, no Qt here).
Every figure behind fewer than ten sessions carries a dagger (†) in tables and is drawn pale or hollow
in charts; nothing is hidden. Units are printed per product, never added across products. Patient
names are left out on purpose (a meeting handout): the follow-up gaps are counted per injector only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from ..domain.clinic_time import format_local
from ..domain.date_text import DateOrder, format_date
from ..domain.enums import Gais, PaperSize
from ..domain.figures_format import units_summary_text
from ..domain.report_stats import Estimate, fmt_estimate, fmt_rate, fmt_share
from ..domain.report_types import (
    MEASURES,
    Breakdown,
    BreakdownBy,
    FollowUpGaps,
    Outcome,
    OutcomeSummary,
    ProductUseReport,
    ReportBundle,
    SafetyReport,
)
from .chart_tables import S, data_table, heading, kv_grid, p
from .common import (
    FONT,
    FONT_BOLD,
    INK,
    MUTED,
    RULE,
    Output,
    esc,
    esc_lines,
    numbered_canvas,
    open_output,
    page_size,
)
from .report_charts import Point, Series, bar_chart, line_chart
from .skin_report_pdf import skin_change_section

MARGIN = 15 * mm
DAGGER = "\u2020"
FEW_NOTE = (
    f"{DAGGER} fewer than 10 sessions behind the figure: shown, but read it with care. "
    "Change = follow-up rating − baseline rating (0–4 scales): negative is better. "
    "Intervals are 95% confidence intervals (Student's t)."
)


def _est(e: Estimate, signed: bool = True, *, wrap: bool = False) -> str:
    """'−0.76 (−0.83 to −0.70)'; with ``wrap`` the interval goes on a second line (narrow columns)."""
    if e.n == 0:
        return "—"
    text = fmt_estimate(e, signed=signed)
    if wrap:
        text = text.replace(" (", "\n(", 1)
    return f"{text} {DAGGER}" if e.few else text


HEAD = ParagraphStyle("report_head", fontName=FONT_BOLD, fontSize=7.5, leading=9, textColor=INK)
SMALL = ParagraphStyle("report_small", fontName=FONT, fontSize=7.5, leading=9.5, textColor=INK)


def table(
    header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], *, small: bool = False
) -> Flowable:
    """A ruled table whose cells wrap inside their column (header and body)."""
    body = [[Paragraph(esc_lines(str(c)), SMALL) if small else p(str(c)) for c in r] for r in rows]
    return data_table([Paragraph(esc(h), HEAD) for h in header], body, widths)


def _point(e: Estimate) -> Point:
    return Point(e.mean, e.low, e.high, e.few, e.n)


def _n(n: int) -> str:
    return f"{n:,}{' ' + DAGGER if 0 < n < 10 else ''}"


def _generated(b: ReportBundle) -> str:
    """'30/06/2027 19:15 AEST (Australia/Sydney)': when, on the clinic's clock, in its date format."""
    return format_local(b.generated_at, b.time_zone, order=b.date_order)


# -- sections -----------------------------------------------------------------------------------------
def _title(b: ReportBundle, width: float) -> list[Flowable]:
    return [
        Paragraph(esc(f"Outcome report · {b.clinic_name}"), S["h1"]),
        Paragraph(
            esc(
                f"Generated {_generated(b)} by {b.generated_by} · "
                f"{b.sessions:,} signed sessions in the report"
            ),
            S["sub"],
        ),
        kv_grid(list(b.filter_text), width, columns=4),
        Paragraph(esc(FEW_NOTE), S["note"]),
    ]


def _outcome_section(summary: OutcomeSummary, width: float) -> list[Flowable]:
    outcomes = summary.outcomes
    story: list[Flowable] = [heading("Change from baseline at each follow-up")]
    if not outcomes:
        return story + [Paragraph("No follow-up assessments for these sessions.", S["note"])]
    rows = []
    for o in outcomes:
        for m in MEASURES:
            mc = o.measure(m)
            rows.append(
                [
                    o.time_point.label,
                    m.label,
                    _n(mc.change.n),
                    _est(mc.change),
                    f"{fmt_share(mc.improved_share)} ({mc.improved:,})",
                ]
            )
    w = width
    story.append(
        table(
            ["Time point", "Measure", "Sessions (n)", "Mean change (95% CI)", "Improved ≥ 1 grade"],
            rows,
            [0.15 * w, 0.13 * w, 0.14 * w, 0.34 * w, 0.24 * w],
        )
    )
    cats = [o.time_point.label for o in outcomes]
    series = [Series(m.label, tuple(_point(o.measure(m).change) for o in outcomes)) for m in MEASURES]
    story += [Spacer(1, 4), line_chart(cats, series, width, 62 * mm)]
    story += _gais_table(outcomes, width)
    return story


def _gais_table(outcomes: Sequence[Outcome], width: float) -> list[Flowable]:
    header = ["Time point", "GAIS n", *[g.label for g in Gais], "Satisfaction 1–5 (95% CI)"]
    rows = [
        [
            o.time_point.label,
            _n(o.gais.n),
            *[f"{o.gais.count(g):,} ({fmt_share(o.gais.share(g))})" for g in Gais],
            f"{_est(o.satisfaction, signed=False)}\nn = {o.satisfaction.n:,}",
        ]
        for o in outcomes
    ]
    w = width
    widths = [0.12 * w, 0.08 * w, *([0.11 * w] * 5), 0.25 * w]
    return [
        heading("Global aesthetic improvement (GAIS) and patient satisfaction"),
        table(header, rows, widths),
    ]


def _breakdown_section(bd: Breakdown, width: float) -> list[Flowable]:
    title = f"By {bd.by.label.lower()} · {bd.time_point.label}"
    if not bd.rows:
        return [heading(title), Paragraph("No sessions.", S["note"])]
    rows = [
        [
            r.label,
            f"{r.sessions:,}",
            _n(r.outcome.followed_up),
            *[_est(r.outcome.measure(m).change, wrap=True) for m in MEASURES],
            _est(r.outcome.satisfaction, signed=False, wrap=True),
            fmt_rate(r.ae_rate),
        ]
        for r in bd.rows
    ]
    w = width
    grid = table(
        [
            "Group",
            "Sessions",
            "Followed up",
            *[f"{m.label} change" for m in MEASURES],
            "Satisfaction",
            "AE / 100",
        ],
        rows,
        [0.14 * w, 0.09 * w, 0.09 * w, 0.15 * w, 0.15 * w, 0.15 * w, 0.15 * w, 0.08 * w],
        small=True,
    )
    cats = [r.label for r in bd.rows]
    series = [Series(m.label, tuple(_point(r.outcome.measure(m).change) for r in bd.rows)) for m in MEASURES]
    draw = line_chart if bd.by is BreakdownBy.MONTH else bar_chart
    chart = draw(cats, series, width, 58 * mm)
    if len(bd.rows) <= 12:  # a short table stays on the page of its chart
        return [KeepTogether([heading(title), chart, Spacer(1, 3), grid])]
    return [KeepTogether([heading(title), chart]), Spacer(1, 3), grid]


def _safety_section(sf: SafetyReport, width: float) -> list[Flowable]:
    w = width
    story: list[Flowable] = [
        heading("Safety: adverse events"),
        Paragraph(
            esc(
                f"{sf.events:,} adverse events in {sf.sessions:,} signed sessions: "
                f"{fmt_rate(sf.rate)} per 100 sessions."
            ),
            S["note"],
        ),
    ]
    if sf.by_kind:
        story.append(
            table(
                ["Kind", "Events", "Sessions affected", "Severe", "Per 100 sessions"],
                [
                    [
                        k.kind.label,
                        f"{k.events:,}",
                        f"{k.sessions_affected:,}",
                        f"{k.severe:,}",
                        fmt_rate(k.rate),
                    ]
                    for k in sf.by_kind
                ],
                [0.4 * w, 0.15 * w, 0.15 * w, 0.15 * w, 0.15 * w],
            )
        )
    for title, groups in (("product", sf.by_product), ("injector", sf.by_injector)):
        story += [
            Spacer(1, 4),
            table(
                [f"By {title}", "Sessions", "Events", "Sessions affected", "Per 100 sessions"],
                [
                    [g.label, _n(g.sessions), f"{g.events:,}", f"{g.sessions_affected:,}", fmt_rate(g.rate)]
                    for g in groups
                ],
                [0.4 * w, 0.15 * w, 0.15 * w, 0.15 * w, 0.15 * w],
            ),
        ]
    return story


def _product_section(
    pu: ProductUseReport,
    width: float,
    step: float = 0.1,
    order: DateOrder = DateOrder.ISO,
    zone: str = "UTC",
) -> list[Flowable]:
    w = width
    story: list[Flowable] = [heading("Product use (units per product: never added across products)")]
    if pu.products:
        story.append(
            table(
                ["Product", "Units drawn", "Vials", "Lots", "Sessions"],
                [
                    [
                        t.brand,
                        units_summary_text(t.units, step),
                        f"{t.vials:,}",
                        f"{t.lots:,}",
                        f"{t.sessions:,}",
                    ]
                    for t in pu.products
                ],
                [0.36 * w, 0.19 * w, 0.15 * w, 0.15 * w, 0.15 * w],
            )
        )
    waste = pu.waste_by_product()
    if waste:
        story += [
            Spacer(1, 4),
            table(
                ["Expired or timed-out vials", "Vials", "Vial units", "Wasted units", "Wasted share"],
                [
                    [
                        brand,
                        f"{n:,}",
                        units_summary_text(vu, step),
                        units_summary_text(wu, step),
                        fmt_share(wu / vu if vu else None),
                    ]
                    for brand, n, vu, wu in waste
                ],
                [0.36 * w, 0.13 * w, 0.17 * w, 0.17 * w, 0.17 * w],
            ),
        ]
    if pu.lots:
        shown = "every lot" if pu.complete else f"the {pu.limit:,} lots with the most units drawn"
        story += [
            Spacer(1, 4),
            Paragraph(esc(f"Lots: {pu.lot_count:,} in all; per product {shown}."), S["note"]),
            table(
                ["Product", "Lot", "Units drawn", "Vials", "Sessions"],
                [
                    [
                        u.brand,
                        u.lot_number,
                        units_summary_text(u.units, step),
                        f"{u.vials:,}",
                        "" if u.sessions is None else f"{u.sessions:,}",
                    ]
                    for u in pu.lots
                ],
                [0.3 * w, 0.25 * w, 0.17 * w, 0.13 * w, 0.15 * w],
            ),
        ]
    story.append(
        Paragraph(
            esc(
                f"Waste as of {format_local(pu.as_of, zone, order=order)}. Every lot's figures are in the "
                "product-use CSV export."
            ),
            S["note"],
        )
    )
    return story


def _gaps_section(g: FollowUpGaps, width: float, order: DateOrder = DateOrder.ISO) -> list[Flowable]:
    w = width
    story: list[Flowable] = [
        heading("Follow-up gaps"),
        Paragraph(
            esc(
                f"Signed sessions with no follow-up assessment {g.review_days} days after treatment, as "
                f"of {format_date(g.as_of, order)}: {g.due:,} due (within {g.grace_days} days of the "
                "review date), "
                f"{g.overdue:,} overdue."
            ),
            S["note"],
        ),
    ]
    if g.by_injector:  # counted in the database: every gap, whatever rows the report lists
        story.append(
            table(
                ["Injector", "Due", "Overdue"],
                [[c.injector, f"{c.due:,}", f"{c.overdue:,}"] for c in g.by_injector],
                [0.5 * w, 0.25 * w, 0.25 * w],
            )
        )
    return story


def _decorator(b: ReportBundle, size: tuple[float, float]) -> Callable[[Canvas, int, int], None]:
    w, h = size

    def decorate(c: Canvas, page: int, pages: int) -> None:
        c.saveState()
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        top = h - 10 * mm
        c.setFont(FONT, 8)
        c.setFillColor(MUTED)
        c.drawString(MARGIN, top, f"{b.clinic_name}  ·  Outcome report")
        c.drawRightString(w - MARGIN, top, dict(b.filter_text).get("Period", ""))
        c.line(MARGIN, top - 2.5 * mm, w - MARGIN, top - 2.5 * mm)
        c.line(MARGIN, 12 * mm, w - MARGIN, 12 * mm)
        c.setFont(FONT, 7.5)
        c.drawString(
            MARGIN,
            8 * mm,
            f"Generated {_generated(b)} · confidential: for clinic governance meetings",
        )
        c.setFillColor(INK)
        c.drawRightString(w - MARGIN, 8 * mm, f"Page {page} of {pages}")
        c.restoreState()

    return decorate


#: The sections a report can print in, by the name its definition gives (services/reports): each takes
#: the report's result and the text width.
SECTIONS: dict[str, Callable[[Any, float], list[Flowable]]] = {
    "outcomes": _outcome_section,
    "breakdown": _breakdown_section,
    "safety": _safety_section,
    "product-use": _product_section,
    "gaps": _gaps_section,
    "skin-change": skin_change_section,
}


def build_report_pdf(bundle: ReportBundle, out: Output, *, paper: PaperSize | str = PaperSize.A4) -> None:
    """Write the meeting report to ``out``: the title, then each section of the bundle (outcomes,
    breakdowns, safety, product use, follow-up gaps: the registered reports that print)."""
    size = page_size(paper)
    doc = SimpleDocTemplate(
        open_output(out),
        pagesize=size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=17 * mm,
        bottomMargin=17 * mm,
        title=f"Outcome report: {bundle.clinic_name}",
        author=bundle.clinic_name,
        subject="Microbotox outcome report",
        creator="ClinicRec",
    )
    width = doc.width
    story: list[Flowable] = _title(bundle, width)
    for section in bundle.sections:
        if section.pdf_section == "product-use":  # units to the clinic's dose precision, its dates
            story += _product_section(
                section.result, width, bundle.units_step, bundle.date_order, bundle.time_zone
            )
        elif section.pdf_section == "gaps":  # the clinic's date format
            story += _gaps_section(section.result, width, bundle.date_order)
        else:
            story += SECTIONS[section.pdf_section](section.result, width)
    doc.build(story, canvasmaker=numbered_canvas(_decorator(bundle, size)))
