"""The printed treatment record: one session in full, as signed (or clearly marked as a draft).

Every page carries the patient's name, chart number and 'Page N of M', so a loose page can be
put back in the right chart. A draft is watermarked 'DRAFT — NOT SIGNED' on every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from ..domain.consent import ConsentRecord
from ..domain.dosing import totals_by_product
from ..domain.enums import WarningKind
from ..domain.figures_format import (
    DEFAULT_UNITS_STEP,
    units_decimals,
    units_text,
    volume_decimals,
    volume_text,
)
from ..domain.models import ClinicSettings, SessionRecord
from ..domain.photos import BeforeAfter
from .chart_points import count_points, grouped_points_section, points_appendix
from .chart_sections import (
    acknowledgements_section,
    adverse_events_section,
    amendments_section,
    baseline_section,
    consent_section,
    follow_up_section,
    patient_section,
    screening_section,
    signature_section,
    vials_section,
)
from .chart_tables import S, data_table, heading, p
from .common import (
    ALERT,
    ALERT_SOFT,
    FONT,
    FONT_BOLD,
    INK,
    MUTED,
    PRODUCT_COLOURS,
    RULE,
    Output,
    PageDecorator,
    Table,
    esc,
    numbered_canvas,
    open_output,
    page_size,
    record_date,
    record_time,
)
from .consent import consents_in_force_section
from .facemap_drawing import LegendEntry, MapPoint, crop_for, face_map_drawing, legend_drawing
from .photo_pages import before_after_pages

MARGIN = 14 * mm
AMBER = colors.HexColor("#8A5A00")
AMBER_SOFT = colors.HexColor("#FFF4DC")
DRAFT_MARK = "DRAFT — NOT SIGNED"


def product_colours(r: SessionRecord) -> dict[int, colors.Color]:
    """One colour per product, in the order the session first used them."""
    ids = dict.fromkeys(r.vial(v).product_id for v in r.session.all_vial_ids)
    return {pid: PRODUCT_COLOURS[n % len(PRODUCT_COLOURS)] for n, pid in enumerate(ids)}


def _notice(text: str, fg: colors.Color, bg: colors.Color, width: float) -> Table:
    t = Table([[Paragraph(text, S["cell"])]], colWidths=[width])
    t.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, fg),
                ("BACKGROUND", (0, 0), (-1, -1), bg),
                ("TEXTCOLOR", (0, 0), (-1, -1), fg),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return t


def _title(r: SessionRecord, clinic: ClinicSettings, width: float) -> list[Flowable]:
    s = r.session
    number = f"Session #{s.id}" if s.id is not None else "Unsaved session"
    sub = (
        f"{number}  ·  performed {record_time(r, s.performed_at)}  ·  by {r.injector.signature_name}"
        f"  ·  {clinic.name}"
    )
    out: list[Flowable] = [Paragraph("Microbotox treatment record", S["h1"]), Paragraph(esc(sub), S["sub"])]
    if r.signature is None:
        out.append(
            _notice(
                f"<b>{DRAFT_MARK}.</b> This record is a draft: it may still change and is not a "
                "signed clinical record.",
                ALERT,
                ALERT_SOFT,
                width,
            )
        )
    for ack in r.session.acknowledgements:
        if ack.kind == WarningKind.CONTRAINDICATION:
            out.append(
                _notice(
                    f"<b>Contraindication.</b> Treated despite: {esc(ack.facts or ack.subject)}. "
                    f"On the order of {esc(ack.prescriber or '—')}. Reason: {esc(ack.reason)}",
                    ALERT,
                    ALERT_SOFT,
                    width,
                )
            )
    if r.amends is not None:
        a = r.amends
        out.append(
            _notice(
                f"<b>Amendment.</b> This record amends session #{a.session_id}; amended by "
                f"{esc(a.author_name)} at {record_time(r, a.at)}. Reason: {esc(a.reason)}",
                AMBER,
                AMBER_SOFT,
                width,
            )
        )
    for a in r.amended_by:
        out.append(
            _notice(
                f"<b>Superseded.</b> This record was amended by session #{a.session_id} "
                f"({esc(a.author_name)}, {record_time(r, a.at)}): {esc(a.reason)}. "
                "Refer to that record.",
                ALERT,
                ALERT_SOFT,
                width,
            )
        )
    return [*out, Spacer(1, 2)]


def map_and_totals_section(
    r: SessionRecord, width: float, units_step: float = DEFAULT_UNITS_STEP
) -> list[Flowable]:
    """The face map with every point (coloured per product) beside the totals per zone and product."""
    vials = {v.id: v for v in r.vials if v.id is not None}
    palette = product_colours(r)
    lots: dict[int, list[str]] = {}
    for vid in r.session.all_vial_ids:
        lots.setdefault(vials[vid].product_id, []).append(vials[vid].lot_number)
    legend = [
        LegendEntry(palette[pid], f"{r.product(pid).brand} (lot {', '.join(lots[pid])})") for pid in palette
    ]
    points = [MapPoint(pt.x, pt.y, palette[vials[pt.vial_id].product_id]) for pt in r.session.points]
    map_w = 76 * mm  # large enough to tell apart the points of a 0.5 cm grid
    figure = face_map_drawing(
        map_w,
        points=points,
        zone_outlines=True,
        side_marks=True,
        view_bottom=crop_for(pt.zone for pt in r.session.points),
    )

    right_w = width - map_w - 6 * mm
    order = list(palette)
    nums = [20 * mm, 17 * mm, 20 * mm]
    by_product = totals_by_product(r.session.points, vials)
    ud = units_decimals((t.units for t in by_product.values()), units_step)
    vd = volume_decimals(t.volume_ml for t in by_product.values())
    prod_rows = [
        [
            p(f"{r.product(pid).brand}\n({r.product(pid).generic_name})", "cell_b"),
            count_points(t.points),
            p(units_text(t.units, units_step, decimals=ud), "cell_b"),
            volume_text(t.volume_ml, decimals=vd),
        ]
        for pid, t in sorted(by_product.items(), key=lambda kv: order.index(kv[0]))
    ]
    prod_t = data_table(["Product", "Points", "Units", "Volume"], prod_rows, [right_w - sum(nums), *nums])
    prod_t.setStyle(TableStyle([("ALIGN", (-3, 0), (-1, -1), "RIGHT")]))
    right: list[Flowable] = [
        Paragraph("<b>Points on the map</b>", S["cell"]),
        Spacer(1, 3),
        legend_drawing(legend, right_w, 7.5),
        Spacer(1, 8),
        Paragraph("<b>Totals per product</b>", S["cell"]),
        Spacer(1, 2),
        prod_t,
        Paragraph(
            "Units of different products are not interchangeable: each product is totalled on its "
            "own and never added to another. Totals per zone follow, under Injection points by zone.",
            S["note"],
        ),
    ]
    if not r.session.points:
        right = [Paragraph("No injection points charted.", S["cell"])]
    t = Table([[figure, right]], colWidths=[map_w + 6 * mm, right_w], hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return [heading("Face map and totals"), t]


def _decorator(r: SessionRecord, clinic: ClinicSettings, size: tuple[float, float]) -> PageDecorator:
    pt = r.patient
    who = f"{pt.full_name}  ·  Chart no. {pt.chart_number}  ·  DOB {record_date(r, pt.date_of_birth)}"
    status = "SIGNED" if r.signature is not None else DRAFT_MARK
    session = f"Session #{r.session.id}" if r.session.id is not None else "Unsaved session"
    printed = f"Printed {record_time(r, datetime.now(UTC))}"
    w, h = size

    def decorate(c: Canvas, page: int, pages: int) -> None:
        c.saveState()
        if r.signature is None:
            c.setFillColor(colors.Color(ALERT.red, ALERT.green, ALERT.blue, alpha=0.10))
            c.setFont(FONT_BOLD, 54)
            c.translate(w / 2, h / 2)
            c.rotate(40)
            c.drawCentredString(0, -18, DRAFT_MARK)
            c.rotate(-40)
            c.translate(-w / 2, -h / 2)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        top = h - 10 * mm
        c.setFont(FONT_BOLD, 8.5)
        c.setFillColor(INK)
        c.drawString(MARGIN, top, who)
        c.setFont(FONT, 8)
        c.setFillColor(MUTED)
        c.drawRightString(w - MARGIN, top, f"{clinic.name}  ·  Treatment record")
        c.line(MARGIN, top - 2.5 * mm, w - MARGIN, top - 2.5 * mm)
        c.line(MARGIN, 12 * mm, w - MARGIN, 12 * mm)
        c.setFont(FONT, 7.5)
        c.drawString(MARGIN, 8 * mm, f"{pt.full_name}  ·  {pt.chart_number}  ·  {session}  ·  {printed}")
        c.setFont(FONT_BOLD, 8)
        c.setFillColor(INK if r.signature is not None else ALERT)
        c.drawCentredString(w * 0.68, 8 * mm, status)
        c.setFillColor(INK)
        c.drawRightString(w - MARGIN, 8 * mm, f"Page {page} of {pages}")
        c.restoreState()

    return decorate


def build_chart_pdf(
    record: SessionRecord,
    clinic: ClinicSettings,
    out: Output,
    photos: Sequence[BeforeAfter] = (),
    consents: Sequence[ConsentRecord] | None = None,
) -> None:
    """The full printed record of one session (any number of pages; paper size from the clinic).

    ``photos``: a before/after page per view (pdf/photo_pages.py); ``consents``: the signed consents in
    force (listed after the session's consent; None leaves them out)."""
    size = page_size(clinic.paper_size)
    doc = SimpleDocTemplate(
        open_output(out),
        pagesize=size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=17 * mm,
        bottomMargin=17 * mm,
        title=f"Treatment record: {record.patient.full_name} ({record.patient.chart_number})",
        author=clinic.name,
        subject="Microbotox treatment record",
        creator="ClinicRec",
    )
    w = doc.width
    story: list[Flowable] = [*_title(record, clinic, w)]
    for section in (
        patient_section,
        screening_section,
        consent_section,
        vials_section,
        partial(map_and_totals_section, units_step=clinic.units_step),  # units to the clinic's precision
        partial(grouped_points_section, units_step=clinic.units_step),
        baseline_section,
        follow_up_section,
        adverse_events_section,
        acknowledgements_section,
        signature_section,
        amendments_section,
        partial(points_appendix, units_step=clinic.units_step),
    ):
        story += section(record, w)
        if section is consent_section and consents is not None:
            story += consents_in_force_section(consents, record.time_zone, w, record.date_order)
    story += before_after_pages(photos, w, record.date_order, record.time_zone)
    doc.build(story, canvasmaker=numbered_canvas(_decorator(record, clinic, size)))
