"""Layout of the patient handouts: styles, the clinic header, template sections, the warning box.

Large type (11.5 pt body), generous spacing, one accent colour; the warning section is a red band
over a tinted box that is kept on one page.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    Spacer,
    TableStyle,
)

from ..domain.models import ClinicSettings
from .common import (
    ACCENT,
    ALERT,
    ALERT_SOFT,
    FONT,
    FONT_BOLD,
    INK,
    MUTED,
    RULE,
    Output,
    Table,
    esc,
    numbered_canvas,
    page_size,
)
from .handout_words import ENGLISH, HandoutWords
from .layout_passes import PageDoc, Para
from .templates import Block, SectionKind, Template, fill, has_fields

log = logging.getLogger(__name__)

MARGIN = 18 * mm
MAX_PAGES = 2


def _styles(body: float, leading: float, gap: float) -> dict[str, ParagraphStyle]:
    return {
        "clinic": ParagraphStyle("clinic", fontName=FONT_BOLD, fontSize=15, leading=18, textColor=ACCENT),
        "contact": ParagraphStyle("contact", fontName=FONT, fontSize=9, leading=12, textColor=MUTED),
        "title": ParagraphStyle(
            "title",
            fontName=FONT_BOLD,
            fontSize=body + 9.5,
            leading=body + 14.5,
            textColor=INK,
            spaceBefore=4,
            spaceAfter=gap - 3,
        ),
        "body": ParagraphStyle(
            "body",
            fontName=FONT,
            fontSize=body,
            leading=leading,
            textColor=INK,
            spaceAfter=gap - 4,
            alignment=TA_LEFT,
        ),
        "bullet": ParagraphStyle(
            "bullet",
            fontName=FONT,
            fontSize=body,
            leading=leading - 0.5,
            textColor=INK,
            leftIndent=16,
            bulletIndent=4,
            bulletFontName=FONT,
            bulletColor=ACCENT,
            spaceAfter=gap / 4,
        ),
        "h2": ParagraphStyle(
            "h2",
            fontName=FONT_BOLD,
            fontSize=body + 2,
            leading=body + 5.5,
            textColor=ACCENT,
            spaceBefore=gap,
            spaceAfter=4,
            keepWithNext=True,
        ),
        "warn_h": ParagraphStyle(
            "warn_h", fontName=FONT_BOLD, fontSize=body + 3, leading=body + 6.5, textColor=colors.white
        ),
        "small": ParagraphStyle(
            "small", fontName=FONT, fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=2
        ),
        "label": ParagraphStyle("label", fontName=FONT, fontSize=9.5, leading=leading - 1, textColor=MUTED),
        "value": ParagraphStyle(
            "value", fontName=FONT_BOLD, fontSize=body, leading=leading - 1, textColor=INK
        ),
        "panel_h": ParagraphStyle(
            "panel_h", fontName=FONT_BOLD, fontSize=12, leading=15, textColor=ACCENT, spaceAfter=4
        ),
    }


@dataclass(frozen=True)
class Look:
    """Type sizes and spacing of a handout.

    The regular look comes first. A sheet that would leave its last page largely empty is set in a
    larger look instead (bigger type is easier to read, and the two pages balance); the compact look
    is used only when the regular one would need a third page (a long clinic address, every zone
    treated); its body type stays 11 pt.
    """

    styles: Mapping[str, ParagraphStyle]
    map_width: float


REGULAR = Look(_styles(body=11.5, leading=15.5, gap=9), 48 * mm)
COMPACT = Look(_styles(body=11.0, leading=14.2, gap=6.5), 40 * mm)
#: Larger looks, smallest first: tried in turn while the sheet still fits its pages.
LARGER = (
    Look(_styles(body=12.0, leading=16.4, gap=10.5), 50 * mm),
    Look(_styles(body=12.5, leading=17.2, gap=12), 52 * mm),
    Look(_styles(body=13.0, leading=18.0, gap=13.5), 54 * mm),
)
#: A last page filled less than this (share of its text area) is balanced with a larger look.
BALANCED_FILL = 0.8

# --------------------------------------------------------------------------- pieces


def _logo(png: bytes | None, max_w: float, max_h: float) -> Image | None:
    if not png:
        return None
    try:
        w, h = ImageReader(io.BytesIO(png)).getSize()
    except Exception:  # a damaged logo must never stop a patient's aftercare sheet
        log.warning("clinic logo could not be read; printing without it", exc_info=True)
        return None
    scale = min(max_w / w, max_h / h)
    return Image(io.BytesIO(png), width=w * scale, height=h * scale)


def header(clinic: ClinicSettings, width: float, look: Look, words: HandoutWords = ENGLISH) -> list[Flowable]:
    address = ", ".join(x.strip() for x in clinic.address.splitlines() if x.strip())
    reach = "  ·  ".join(
        x for x in (clinic.phone and f"{words.telephone} {clinic.phone}", clinic.email, clinic.website) if x
    )
    text: list[Flowable] = [Para(esc(clinic.name), look.styles["clinic"])]
    text += [Para(esc(line), look.styles["contact"]) for line in (address, reach) if line]
    logo = _logo(clinic.logo_png, 40 * mm, 17 * mm)
    cells = [[logo, text]] if logo is not None else [[text]]
    widths = [logo.drawWidth + 5 * mm, None] if logo is not None else [width]
    table = Table(cells, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [
        table,
        Spacer(1, 3 * mm),
        HRFlowable(width="100%", thickness=1.2, color=ACCENT, spaceAfter=4 * mm),
    ]


def _bullet_columns(items: list[tuple[str, bool]], width: float, look: Look) -> Table:
    """A long list of short bullets (the benefits) in two columns: shorter, and easier to scan."""
    half = (len(items) + 1) // 2
    columns = [
        [Para(t, look.styles["bullet"], bulletText="•", fixed=fixed) for t, fixed in part]
        for part in (items[:half], items[half:])
    ]
    table = Table([columns], colWidths=[width / 2] * 2, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def blocks_to_flowables(
    blocks: Iterable[Block], values: Mapping[str, str], width: float, look: Look, style: str = "body"
) -> list[Flowable]:
    out: list[Flowable] = []
    for block in blocks:
        # (filled text, whether it is the template's fixed wording, the same for every patient)
        texts = [
            (t, not has_fields(item))
            for item, t in ((i, fill(i, values)) for i in block.items)
            if t is not None
        ]
        if not texts:
            continue
        if block.bullets and len(texts) >= 6 and max(len(t) for t, _ in texts) <= 60:
            out += [_bullet_columns(texts, width, look), Spacer(1, 3)]
        elif block.bullets:
            out += [Para(t, look.styles["bullet"], bulletText="•", fixed=fixed) for t, fixed in texts]
            out.append(Spacer(1, 3))
        else:
            out += [Para(t, look.styles[style], fixed=fixed) for t, fixed in texts]
    return out


def warning_box(
    heading: str, body: list[Flowable], width: float, look: Look, *, fixed: bool = False
) -> Flowable:
    """The boxed warning: a red band with the heading over a tinted body, kept on one page."""
    box = Table([[Para(f"⚠  {heading}", look.styles["warn_h"], fixed=fixed)], [body]], colWidths=[width])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 2, ALERT),
                ("BACKGROUND", (0, 0), (-1, 0), ALERT),
                ("BACKGROUND", (0, 1), (-1, -1), ALERT_SOFT),
                ("LEFTPADDING", (0, 0), (-1, -1), 5 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5 * mm),
                ("TOPPADDING", (0, 0), (-1, 0), 2.2 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 2.2 * mm),
                ("TOPPADDING", (0, 1), (-1, -1), 3 * mm),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 2.5 * mm),
            ]
        )
    )
    return KeepTogether([Spacer(1, 6), box, Spacer(1, 6)])


def story_from_template(
    template: Template,
    values: Mapping[str, str],
    width: float,
    look: Look,
    after_intro: Sequence[Flowable] = (),
) -> list[Flowable]:
    story: list[Flowable] = []
    if template.title:
        story.append(
            Para(
                fill(template.title, values) or "", look.styles["title"], fixed=not has_fields(template.title)
            )
        )
    story += blocks_to_flowables(template.intro, values, width, look)
    story += [Spacer(1, 2 * mm), *after_intro]
    small: list[Flowable] = []
    for section in template.sections:
        heading = fill(section.heading, values, markup=True) or ""
        fixed = not has_fields(section.heading)
        if section.kind is SectionKind.WARNING:
            body = blocks_to_flowables(section.blocks, values, width - 10 * mm, look)
            story.append(warning_box(heading, body, width, look, fixed=fixed))
        elif section.kind is SectionKind.SMALL_PRINT:
            small += [
                Para(f"<b>{heading}</b>", look.styles["small"], fixed=fixed),
                *blocks_to_flowables(section.blocks, values, width, look, "small"),
            ]
        else:
            body = blocks_to_flowables(section.blocks, values, width, look)
            story.append(KeepTogether([Para(heading, look.styles["h2"], fixed=fixed), *body[:2]]))
            story += body[2:]
    if small:
        story += [
            Spacer(1, 3 * mm),
            HRFlowable(width="100%", thickness=0.5, color=RULE, spaceAfter=2 * mm),
            *small,
        ]
    return story


class _EndOfText(Flowable):
    """Placed after the story: records how far down the last page the text reaches.

    Recorded when the frame sizes it, which happens whether or not the story is drawn; it takes no
    room, so it sits where the frame's cursor is.
    """

    y = 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        frame = getattr(self, "_frame", None)
        if frame is not None:
            self.y = frame._y
        return 0, 0

    def draw(self) -> None:
        return None


@dataclass
class _Layout:
    """A story in one look, with its pages and the share of the last page's text area it uses once
    laid out, and its document if it was drawn (held unsaved until it is chosen)."""

    look: Look
    story: list[Flowable]
    end: _EndOfText
    pages: int = 0
    last_page_fill: float = 0.0
    drawn: PageDoc | None = None
    pdf: io.BytesIO | None = None


def _footer_text(clinic: ClinicSettings, room: float, words: HandoutWords) -> str:
    """The footer's left part, shortened to leave ``room`` points for 'Page N of M'; the phone stays."""
    ask = words.footer_ask.format(phone=clinic.phone) if clinic.phone else ""
    full = "  ·  ".join(x for x in (clinic.name, ask) if x)
    return full if stringWidth(full, FONT, 9) <= room else (ask or clinic.name)


def build_document(
    out: Output,
    clinic: ClinicSettings,
    story: Callable[[float, Look], list[Flowable]],
    title: str,
    subject: str,
    words: HandoutWords = ENGLISH,
) -> None:
    """Lay out ``story`` in the regular look, or the compact one if that needs more than two pages, or
    a larger one if that balances the pages (see ``Look``).

    The regular look is measured without being drawn (``layout_passes``); a larger look, tried only
    when the regular one leaves its last page largely empty, is drawn at once and written only if it is
    chosen (a sheet that balances at the first larger size is drawn once). The file is written only
    once the document is complete, so a failure leaves nothing behind.
    """
    size = page_size(clinic.paper_size)
    footer = _footer_text(clinic, size[0] - 2 * MARGIN - 25 * mm, words)

    def decorate(canvas: Canvas, page: int, pages: int) -> None:
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, 14 * mm, size[0] - MARGIN, 14 * mm)
        canvas.setFont(FONT, 9)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 9.5 * mm, footer)
        if pages > 1:
            canvas.drawRightString(size[0] - MARGIN, 9.5 * mm, words.page_of.format(page=page, pages=pages))
        canvas.restoreState()

    def doc(into: io.BytesIO | None = None) -> PageDoc:
        return PageDoc(
            into if into is not None else io.BytesIO(),
            pagesize=size,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=14 * mm,
            bottomMargin=19 * mm,
            title=title,
            author=clinic.name,
            subject=subject,
            creator="ClinicRec",
        )

    width = doc().width
    canvas_class = numbered_canvas(decorate)

    def laid_out(look: Look, *, draw: bool | None) -> _Layout:
        """``look``'s story measured (``draw=False``), drawn unsaved (``True``), or just made (``None``)."""
        end = _EndOfText()
        layout = _Layout(look, [*story(width, look), end], end)
        if draw is None:
            return layout
        layout.pdf = io.BytesIO() if draw else None
        paged = doc(layout.pdf)
        if draw:
            layout.drawn = paged
            layout.pages = paged.draw(layout.story, canvas_class, save=False)
        else:
            layout.pages = paged.measure(layout.story)
        layout.last_page_fill = (paged.height + paged.bottomMargin - end.y) / paged.height
        return layout

    # The regular look is measured, not drawn: it is printed as it is on most sheets, but when it is
    # not, drawing it would be wasted. A larger look is tried only when it is likely to be printed,
    # so it is drawn at once and kept unsaved until the choice is made.
    chosen = laid_out(REGULAR, draw=False)
    if chosen.pages > MAX_PAGES:
        chosen = laid_out(COMPACT, draw=None)
    elif chosen.pages > 1 and chosen.last_page_fill < BALANCED_FILL:
        for look in LARGER:
            larger = laid_out(look, draw=True)
            if larger.pages > chosen.pages:
                break
            chosen = larger
            if chosen.last_page_fill >= BALANCED_FILL:
                break
    if chosen.drawn is None or chosen.pdf is None:
        chosen.pdf = io.BytesIO()
        doc(chosen.pdf).draw(chosen.story, canvas_class)
    else:
        chosen.drawn.save()
    pdf = chosen.pdf.getvalue()
    if isinstance(out, (str, Path)):
        Path(out).write_bytes(pdf)
    else:
        out.write(pdf)
