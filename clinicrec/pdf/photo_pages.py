"""Before/after pages: each view's baseline beside its latest follow-up, aligned, with dates.

The chart PDF adds one page per view; the patient's progress sheet is the same pages with a title.
The "after" photo is drawn through the alignment of the landmarks marked on both (a similarity
transform), clipped to its frame, so the two line up as they do on screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..domain.date_text import DateOrder
from ..domain.models import ClinicSettings, Patient
from ..domain.photos import BeforeAfter, PrintedPhoto, Similarity
from .chart_tables import S, heading
from .common import Output, esc, open_output, page_size
from .skin_figures_pdf import figures_table


class AlignedPhoto(Flowable):
    """One photo in a frame of the 'before' photo's shape; ``through`` maps its pixels onto 'before'."""

    def __init__(
        self, shown: PrintedPhoto, frame: PrintedPhoto, through: Similarity | None, width: float
    ) -> None:
        super().__init__()
        self.shown, self.frame, self.through = shown, frame, through
        self.width = width
        self.height = width * frame.height / frame.width

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        s = self.width / self.frame.width
        c.saveState()
        path = c.beginPath()
        path.rect(0, 0, self.width, self.height)
        c.clipPath(path, stroke=0, fill=0)
        c.setFillGray(0.92)
        c.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        c.translate(0, self.height)
        c.scale(s, -s)  # now in the frame photo's pixels, y down
        if self.through is not None:
            t = self.through
            c.transform(t.a, t.b, -t.b, t.a, t.tx, t.ty)  # the shown photo's pixels, y down
        c.translate(0, self.shown.height)
        c.scale(1, -1)
        c.drawImage(ImageReader_of(self.shown.jpeg), 0, 0, self.shown.width, self.shown.height)
        c.restoreState()


def ImageReader_of(data: bytes) -> ImageReader:  # noqa: N802 - reads like the class it builds
    import io

    return ImageReader(io.BytesIO(data))


def before_after_pages(
    pairs: Sequence[BeforeAfter], width: float, order: DateOrder = DateOrder.ISO, zone_name: str = "UTC"
) -> list[Flowable]:
    """One page per view: baseline (left) and latest follow-up aligned onto it (right); the photos'
    dates are the clinic's (in its zone ``zone_name``), in its format ``order``."""
    story: list[Flowable] = []
    half = (width - 6 * mm) / 2
    for pair in pairs:
        story += [PageBreak(), heading(f"Before and after: {pair.view_label}")]
        before = AlignedPhoto(pair.before, pair.before, None, half)
        after = AlignedPhoto(pair.after, pair.before, pair.alignment(), half)
        captions = [
            Paragraph(esc(x.caption_in(order, zone_name)), S["cell"]) for x in (pair.before, pair.after)
        ]
        table = Table([[before, after], captions], colWidths=[half + 3 * mm, half + 3 * mm])
        table.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        )
        story.append(table)
        aligned = pair.before.photo.landmarks and pair.after.photo.landmarks
        note = (
            "aligned on the landmarks marked on both photos"
            if aligned
            else "not aligned: no landmarks marked"
        )
        story += [Spacer(1, 2 * mm), Paragraph(esc(note), S["note"])]
        if pair.figures is not None:
            story += figures_table(pair.figures, width)
    return story


def build_progress_sheet(
    patient: Patient, pairs: Sequence[BeforeAfter], clinic: ClinicSettings, out: Output
) -> None:
    """The patient's progress sheet: their before and after photos, view by view."""
    size = page_size(clinic.paper_size)
    doc = SimpleDocTemplate(
        open_output(out), pagesize=size, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=16 * mm,
        bottomMargin=16 * mm, title=f"Progress: {patient.full_name}", author=clinic.name, creator="ClinicRec",
    )  # fmt: skip
    story: list[Flowable] = [
        Paragraph(esc(clinic.name), S["sub"]),
        Paragraph(esc(f"Your progress, {patient.first_name}"), S["h1"]),
        Paragraph(
            "Your photos from your first visit beside the most recent ones, taken the same way.", S["sig"]
        ),
    ]
    pages = before_after_pages(pairs, doc.width, clinic.date_order, clinic.time_zone)
    story += pages[1:] if pages else [Paragraph("No before and after photos yet.", S["sig"])]
    doc.build(story)
