"""Table and text building blocks of the printed treatment record (small type, ruled tables)."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, TableStyle

from .common import ALERT, ALERT_SOFT, FONT, FONT_BOLD, INK, MUTED, RULE, ZEBRA, Table, esc, esc_lines

S = {
    "h1": ParagraphStyle("h1", fontName=FONT_BOLD, fontSize=15, leading=19, textColor=INK),
    "sub": ParagraphStyle("sub", fontName=FONT, fontSize=9, leading=12, textColor=MUTED, spaceAfter=3),
    "h2": ParagraphStyle(
        "h2",
        fontName=FONT_BOLD,
        fontSize=10.5,
        leading=13,
        textColor=INK,
        spaceBefore=6.5,
        spaceAfter=3,
        keepWithNext=True,
    ),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=10.5, textColor=INK),
    "cell_b": ParagraphStyle("cell_b", fontName=FONT_BOLD, fontSize=8.5, leading=10.5, textColor=INK),
    "label": ParagraphStyle("label", fontName=FONT, fontSize=7.5, leading=9.5, textColor=MUTED),
    "note": ParagraphStyle("note", fontName=FONT, fontSize=8, leading=10, textColor=MUTED, spaceBefore=2),
    "alert": ParagraphStyle("alert", fontName=FONT_BOLD, fontSize=9.5, leading=12.5, textColor=ALERT),
    "sig": ParagraphStyle("sig", fontName=FONT, fontSize=9.5, leading=13, textColor=INK),
}
CELL = 8.5
HEADER_BG = colors.HexColor("#E3E8ED")


def p(text: str, style: str = "cell") -> Paragraph:
    """A table cell from plain text (escaped)."""
    return Paragraph(esc_lines(text) if text else "—", S[style])


def heading(title: str) -> Paragraph:
    return Paragraph(esc(title), S["h2"])


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    highlight: Sequence[int] = (),
    repeat: bool = True,
) -> Table:
    """A ruled table with a grey header row (repeated on each page) and zebra rows.

    ``highlight``: body row indexes (0-based) to tint red, e.g. positive screening answers.
    """
    t = Table(
        [list(header), *[list(r) for r in rows]],
        colWidths=list(widths),
        repeatRows=1 if repeat else 0,
        hAlign="LEFT",
    )
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, CELL, CELL + 2),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7.5, 9.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, MUTED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), ZEBRA) for i in range(2, len(rows) + 1, 2)]
    for i in highlight:
        style += [
            ("BACKGROUND", (0, i + 1), (-1, i + 1), ALERT_SOFT),
            ("TEXTCOLOR", (0, i + 1), (-1, i + 1), ALERT),
            ("FONT", (0, i + 1), (-1, i + 1), FONT_BOLD, CELL, CELL + 2),
        ]
    t.setStyle(TableStyle(style))
    return t


def kv_grid(pairs: Sequence[tuple[str, str]], width: float, columns: int = 3) -> Table:
    """Label-over-value cells, ``columns`` across: compact facts such as the patient's details."""
    cells: list[object] = [[Paragraph(esc(k), S["label"]), p(v, "cell_b")] for k, v in pairs]
    cells += [""] * (-len(cells) % columns)
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    t = Table(rows, colWidths=[width / columns] * columns, hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
            ]
        )
    )
    return t
