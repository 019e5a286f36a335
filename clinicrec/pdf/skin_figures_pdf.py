"""Under a before-and-after pair: each key zone's measured figures at baseline and now, with the change,
beside the clinician's ratings of the same visits (issue 19). Domain objects only."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from ..domain.printed_figures import PRINTED_FIGURES, MeasuredFigures, change_text, figure_text
from .chart_tables import S, data_table
from .common import FONT, FONT_BOLD, INK, esc

_HEAD = ParagraphStyle("figures_head", fontName=FONT_BOLD, fontSize=7.5, leading=9, textColor=INK)
_CELL = ParagraphStyle("figures_cell", fontName=FONT, fontSize=7.5, leading=9, textColor=INK)


def figures_table(f: MeasuredFigures, width: float) -> list[Flowable]:
    """'Measured from the photos': per zone, each figure as 'before → now (change)'; then the ratings."""
    header = ["Zone", *(title for _, title, _, _ in PRINTED_FIGURES)]
    rows = []
    for z in f.zones:
        cells = [z.zone.label]
        for i, (_, _, decimals, scale) in enumerate(PRINTED_FIGURES):
            b, a = z.before[i], z.after[i]
            cells.append(
                f"{figure_text(b, decimals, scale)} → {figure_text(a, decimals, scale)}"
                f" ({change_text(b, a, decimals, scale)})"
            )
        rows.append(cells)
    first = 0.16 * width
    rest = (width - first) / len(PRINTED_FIGURES)
    story: list[Flowable] = [
        Spacer(1, 3 * mm),
        Paragraph(esc("Measured from the photos: baseline → now (change)"), S["h2"]),
        data_table(
            [Paragraph(esc(h), _HEAD) for h in header],
            [[Paragraph(esc(c), _CELL) for c in r] for r in rows],
            [first, *([rest] * len(PRINTED_FIGURES))],
        ),
    ]
    before, after = dict(f.rated_before), dict(f.rated_after)
    if before:
        rated = ", ".join(
            f"{m.label.lower()} {_grade(v)} → {_grade(after.get(m)) if after else 'not rated'}"
            for m, v in f.rated_before
        )
        story.append(Paragraph(esc(f"Clinician's rating (0–4), baseline → now: {rated}."), S["note"]))
    story.append(
        Paragraph(
            esc(
                "Lower is better for every figure. Shares are of the zone's skin; redness is the mean "
                f"CIELAB a*. Photos measured at {f.quality}."
            ),
            S["note"],
        )
    )
    return story


def _grade(v: int | None) -> str:
    return "—" if v is None else str(v)
