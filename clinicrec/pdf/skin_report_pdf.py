"""The meeting report's measured skin change section (issue 19): agreement between rated and measured
change, then per group and zone the measured change beside the dose per cm² and the rated change.
Domain objects only, like the rest of ``report_pdf``."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer

from ..domain.enums import Measure
from ..domain.report_stats import Estimate, fmt_estimate
from ..domain.skin_report import SkinChangeReport, SkinFigure, fmt_correlation
from .chart_tables import S, data_table, heading
from .common import FONT, FONT_BOLD, INK, esc, esc_lines

DAGGER = "\u2020"
_HEAD = ParagraphStyle("skin_head", fontName=FONT_BOLD, fontSize=7, leading=8.5, textColor=INK)
_CELL = ParagraphStyle("skin_cell", fontName=FONT, fontSize=7, leading=8.5, textColor=INK)
NOTE = (
    "Measured change = follow-up photo − baseline photo of the same session (front view), per zone; "
    "rated change = follow-up − baseline rating (0–4) of the same sessions: negative is better for all. "
    "Dose per cm² = units of the product placed in the zone ÷ the zone's area measured on the baseline "
    "photo. Agreement: Spearman's ρ over sessions between the rated change and the measured change "
    f"averaged over the treated zones. {DAGGER} fewer than 10 sessions."
)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Flowable:
    body = [[Paragraph(esc_lines(c), _CELL) for c in r] for r in rows]
    return data_table([Paragraph(esc(h), _HEAD) for h in header], body, widths)


def _est(e: Estimate, decimals: int, *, signed: bool = True) -> str:
    if e.n == 0 or e.mean is None:
        return "—"
    text = fmt_estimate(e, decimals, signed=signed).replace(" (", "\n(", 1)
    return f"{text} {DAGGER}" if e.few else text


def _n(n: int) -> str:
    return f"{n:,}{' ' + DAGGER if 0 < n < 10 else ''}"


def skin_change_section(r: SkinChangeReport, width: float) -> list[Flowable]:
    w = width
    story: list[Flowable] = [
        heading(f"Measured skin change (photos), by {r.by.label.lower()}"),
        Paragraph(
            esc(f"{r.sessions:,} sessions with a measured baseline and follow-up photo. {NOTE}"), S["note"]
        ),
        _table(
            ["Measured figure", "Rated measure", "n", "Spearman ρ (95% CI)"],
            [
                [a.figure.label, a.figure.rated_as.label, _n(a.correlation.n), fmt_correlation(a.correlation)]
                for a in r.agreement
            ],
            [0.3 * w, 0.2 * w, 0.15 * w, 0.35 * w],
        ),
    ]
    if not r.rows:
        return story + [Paragraph("No measured photo pairs for these filters.", S["note"])]
    figures = list(SkinFigure)
    story += [
        Spacer(1, 4),
        _table(
            ["Group · zone", "n", "Dose U/cm²", "U/0.1 mL", *(f"Δ {f.label}" for f in figures)],
            [
                [
                    f"{row.group} · {row.zone.label}",
                    _n(row.sessions),
                    _est(row.dose_u_per_cm2, 2, signed=False),
                    "—"
                    if row.dilution_u_per_0_1_ml.mean is None
                    else f"{row.dilution_u_per_0_1_ml.mean:.1f}",
                    *(_est(row.figure(f), f.decimals) for f in figures),
                ]
                for row in r.rows
            ],
            [0.2 * w, 0.06 * w, 0.12 * w, 0.08 * w, *([0.135 * w] * len(figures))],
        ),
        Spacer(1, 4),
        _table(
            ["Group · zone", "n", "Rated Δ pores", "Rated Δ redness", "Rated Δ oil", "Injectors"],
            [
                [
                    f"{row.group} · {row.zone.label}",
                    _n(row.sessions),
                    *(_est(row.rating(m), 2) for m in (Measure.PORES, Measure.REDNESS, Measure.OIL)),
                    row.injectors,
                ]
                for row in r.rows
            ],
            [0.2 * w, 0.06 * w, 0.14 * w, 0.14 * w, 0.14 * w, 0.32 * w],
        ),
    ]
    return story
