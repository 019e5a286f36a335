"""What every ClinicRec PDF shares: embedded DejaVu fonts, colours, page sizes, 'Page N of M'.

DejaVu is registered once per process and embedded (subset) in every file, so accented and other
non-Latin-1 names ("Zoë Ñúñez-Øster") print and copy out of the PDF intact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, letter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Table as _Table
from reportlab.platypus import TableStyle

from ..domain.clinic_time import format_local
from ..domain.date_text import DateOrder, format_date
from ..domain.enums import PaperSize
from ..domain.models import SessionRecord
from ..paths import resource_path

#: Where a builder writes: a filesystem path or an open binary file.
Output = str | Path | IO[bytes]

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"

INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#5F6B76")
RULE = colors.HexColor("#C9D2D9")
ACCENT = colors.HexColor("#1F6F78")
ACCENT_SOFT = colors.HexColor("#E6F2F3")
ALERT = colors.HexColor("#B3261E")
ALERT_SOFT = colors.HexColor("#FDECEA")
ZEBRA = colors.HexColor("#F4F6F8")

#: Point colours per product on the chart's face map, in first-use order (colour-blind friendly).
PRODUCT_COLOURS = tuple(
    colors.HexColor(c)
    for c in (
        "#0072B2",
        "#D55E00",
        "#009E73",
        "#CC79A7",
        "#E69F00",
        "#56B4E9",
        "#000000",
    )
)

_registered = False


def register_fonts() -> None:
    """Register the shipped DejaVu faces and the 'DejaVu' family (idempotent)."""
    global _registered
    if _registered:
        return
    for name, file in (
        (FONT, "DejaVuSans.ttf"),
        (FONT_BOLD, "DejaVuSans-Bold.ttf"),
        (FONT_ITALIC, "DejaVuSans-Oblique.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file))))
    # No bold-oblique face ships: bold stands in for it.
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD)
    _registered = True


def page_size(paper: PaperSize | str) -> tuple[float, float]:
    return letter if PaperSize(paper) is PaperSize.LETTER else A4


def esc(value: object) -> str:
    """Text made safe for a ReportLab Paragraph (which reads a small XML dialect)."""
    return escape(str(value))


def esc_lines(value: str) -> str:
    """Escaped text keeping its line breaks (addresses, notes)."""
    return "<br/>".join(esc(line) for line in value.strip().splitlines())


def long_date(d: date) -> str:
    """'3 March 2026': unambiguous in every country, for patients."""
    return f"{d.day} {d:%B %Y}"


def iso_date(d: date | None, order: DateOrder = DateOrder.ISO) -> str:
    """A date as the clinic writes dates (``order``; ISO by default)."""
    return format_date(d, order) if d else "—"


def iso_time(t: datetime | None, zone_name: str = "UTC", order: DateOrder = DateOrder.ISO) -> str:
    """Times are stored in UTC and printed in the clinic's local time with the zone named."""
    return format_local(t, zone_name, order=order) if t else "—"


def record_time(r: SessionRecord, t: datetime | None) -> str:
    """A time of the record as the clinic prints it: its zone and its date format."""
    return iso_time(t, r.time_zone, r.date_order)


def record_date(r: SessionRecord, d: date | None) -> str:
    """A date of the record in the clinic's date format."""
    return iso_date(d, r.date_order)


def open_output(out: Output) -> str | IO[bytes]:
    """What ReportLab's document classes accept as a destination."""
    return str(out) if isinstance(out, (str, Path)) else out


class Table(_Table):
    """A platypus Table whose cells default to DejaVu, not Helvetica.

    ReportLab selects each cell's font even when the cell holds a Paragraph; with its default,
    every page would list an unembedded Helvetica, which PDF/A checkers reject.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9)]))


PageDecorator = Callable[[Canvas, int, int], None]


def numbered_canvas(decorate: PageDecorator) -> type[Canvas]:
    """A canvas class that holds pages back until the end so each can say 'Page N of M'.

    ``decorate(canvas, page_number, page_count)`` draws the header and footer of each page.
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Otherwise every page lists an unused, unembedded Helvetica.
            kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                decorate(self, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


register_fonts()
