"""Patient handouts: the personalised aftercare sheet and the general Microbotox leaflet.

The wording comes from an editable template (see ``templates``); it is checked before anything is
drawn, so a broken sheet is refused rather than printed. Layout: the clinic's header, a title,
a 'Your treatment' panel with a small face map of the treated areas, the sections, and the
warning section in a bold red box that is never split across pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, TableStyle

from ..domain.enums import Zone
from ..domain.models import ClinicSettings, Product, SessionRecord
from .common import (
    ACCENT_SOFT,
    RULE,
    Output,
    Table,
    esc,
    long_date,
)
from .facemap_drawing import HIGHLIGHT, LegendEntry, crop_for, face_map_drawing
from .handout_layout import Look, build_document, header, story_from_template
from .templates import HANDOUT_FIELDS, LEAFLET_FIELDS, load_template_text, validate_template

# Patient-facing names: "Periorbital (L)" means little to a patient.
_PLAIN_ZONES: dict[Zone, str] = {
    Zone.FOREHEAD: "forehead",
    Zone.GLABELLA: "between the brows",
    Zone.NOSE: "nose",
    Zone.PERIORAL: "around the mouth",
    Zone.CHIN: "chin",
    Zone.NECK: "neck",
    Zone.DECOLLETAGE: "chest (décolletage)",
}
# Paired zones: (left, right, both, left only, right only). Left and right are the patient's own.
_PAIRS: tuple[tuple[Zone, Zone, str, str, str], ...] = (
    (
        Zone.PERIORBITAL_LEFT,
        Zone.PERIORBITAL_RIGHT,
        "around the eyes",
        "around the left eye",
        "around the right eye",
    ),
    (Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT, "cheeks", "left cheek", "right cheek"),
    (Zone.JAWLINE_LEFT, Zone.JAWLINE_RIGHT, "jawline", "left jawline", "right jawline"),
)


def plain_zone_names(zones: Iterable[Zone]) -> list[str]:
    """Treated zones in patient words, top of the face down, left and right merged when both."""
    present = set(zones)
    names: list[str] = []
    for zone in Zone:  # enum order runs top to bottom
        if zone not in present:
            continue
        pair = next((p for p in _PAIRS if zone in p[:2]), None)
        if pair is None:
            names.append(_PLAIN_ZONES[zone])
        elif pair[0] in present and pair[1] in present:
            if pair[2] not in names:
                names.append(pair[2])
        else:
            names.append(pair[3] if zone is pair[0] else pair[4])
    return names


def join_words(words: Sequence[str]) -> str:
    """'Forehead, cheeks and nose'."""
    if not words:
        return ""
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return text[0].upper() + text[1:]


def treated_products(record: SessionRecord) -> list[Product]:
    """Products injected (first use first); the session's vials when no point is charted yet."""
    ids = list(dict.fromkeys(record.vial(p.vial_id).product_id for p in record.session.points))
    if not ids:
        ids = list(dict.fromkeys(record.vial(v).product_id for v in record.session.vial_ids))
    return [record.product(i) for i in ids]


def handout_values(record: SessionRecord, clinic: ClinicSettings) -> dict[str, str]:
    """Every placeholder of the aftercare sheet, filled for this session."""
    day = record.local_day
    return {
        "patient_name": record.patient.full_name,
        "patient_first_name": record.patient.first_name,
        "treatment_date": long_date(day),
        "product": join_words([p.label for p in treated_products(record)]),
        "zones": join_words(plain_zone_names(p.zone for p in record.session.points)),
        "review_date": long_date(day + timedelta(days=clinic.review_days)),
        "injector_name": record.injector.signature_name,
        **clinic_values(clinic),
    }


def clinic_values(clinic: ClinicSettings) -> dict[str, str]:
    return {
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "clinic_address": clinic.address,
        "clinic_email": clinic.email,
        "clinic_website": clinic.website,
    }


def _treatment_panel(record: SessionRecord, values: Mapping[str, str], width: float, look: Look) -> Table:
    rows = [
        ("For", values["patient_name"]),
        ("Treatment date", values["treatment_date"]),
        ("Product", "\n".join(p.label for p in treated_products(record)) or "—"),
        ("Areas treated", values["zones"] or "—"),
        ("Review visit", f"around {values['review_date']}"),
        ("Treated by", values["injector_name"]),
    ]
    map_w = look.map_width
    pad = 5 * mm
    text_w = width - map_w - 3 * pad
    label_w = 31 * mm
    grid = Table(
        [
            [
                Paragraph(esc(label), look.styles["label"]),
                Paragraph(esc(value).replace("\n", "<br/>"), look.styles["value"]),
            ]
            for label, value in rows
        ],
        colWidths=[label_w, text_w - label_w],
    )
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 3.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.2),
                ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
            ]
        )
    )
    zones = {p.zone for p in record.session.points}
    figure = face_map_drawing(
        map_w,
        treated_zones=zones,
        legend=[LegendEntry(HIGHLIGHT, "Treated areas", "patch")],
        legend_font_size=8.5,
        view_bottom=crop_for(zones),
    )
    table = Table(
        [[[Paragraph("Your treatment", look.styles["panel_h"]), grid], figure]],
        colWidths=[text_w + 2 * pad, map_w + pad],
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), ACCENT_SOFT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (0, -1), pad),
                ("RIGHTPADDING", (1, 0), (1, -1), pad),
                ("LEFTPADDING", (1, 0), (1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 3.5 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5 * mm),
                ("ROUNDEDCORNERS", [6, 6, 6, 6]),
            ]
        )
    )
    return table


# --------------------------------------------------------------------------- public


def build_handout(
    record: SessionRecord, clinic: ClinicSettings, out: Output, *, template_text: str | None = None
) -> None:
    """The personalised aftercare sheet for one session (one or two pages).

    Raises ``TemplateError`` (nothing is written) if the template is broken.
    """
    template = validate_template(
        template_text if template_text is not None else load_template_text("aftercare"),
        HANDOUT_FIELDS,
        source="aftercare template",
    )
    values = handout_values(record, clinic)

    def story(width: float, look: Look) -> list[Flowable]:
        panel = _treatment_panel(record, values, width, look)
        return [
            *header(clinic, width, look),
            *story_from_template(template, values, width, look, after_intro=[panel, Spacer(1, 1 * mm)]),
        ]

    build_document(out, clinic, story, f"Aftercare: {record.patient.full_name}", "Microbotox aftercare")


def build_leaflet(clinic: ClinicSettings, out: Output, *, template_text: str | None = None) -> None:
    """The general, non-personalised Microbotox leaflet for prospective patients."""
    template = validate_template(
        template_text if template_text is not None else load_template_text("leaflet"),
        LEAFLET_FIELDS,
        source="leaflet template",
    )
    values = clinic_values(clinic)

    def story(width: float, look: Look) -> list[Flowable]:
        return [*header(clinic, width, look), *story_from_template(template, values, width, look)]

    build_document(out, clinic, story, "Microbotox", "Microbotox patient leaflet")
