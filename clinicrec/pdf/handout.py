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
from reportlab.platypus import Flowable, Spacer, TableStyle

from ..domain.enums import Language, Zone
from ..domain.models import ClinicSettings, Product, SessionRecord
from .common import (
    ACCENT_SOFT,
    RULE,
    Output,
    Table,
    esc,
)
from .facemap_drawing import HIGHLIGHT, LegendEntry, crop_for
from .facemap_figure import FaceMapFigure
from .handout_layout import Look, build_document, header, story_from_template
from .handout_words import ENGLISH, HandoutWords, words_for
from .layout_passes import Para
from .templates import HANDOUT_FIELDS, LEAFLET_FIELDS, load_template_text, validate_template


def plain_zone_names(zones: Iterable[Zone], words: HandoutWords = ENGLISH) -> list[str]:
    """Treated zones in patient words, top of the face down, left and right merged when both.

    "Periorbital (L)" means little to a patient: "around the left eye" does.
    """
    present = set(zones)
    names: list[str] = []
    for zone in Zone:  # enum order runs top to bottom
        if zone not in present:
            continue
        pair = next((p for p in words.pairs if zone in p), None)
        if pair is None:
            names.append(words.zones[zone])
            continue
        both, left_only, right_only = words.pairs[pair]
        if pair[0] in present and pair[1] in present:
            if both not in names:
                names.append(both)
        else:
            names.append(left_only if zone is pair[0] else right_only)
    return names


def join_words(words: Sequence[str], and_: str = "and") -> str:
    """'Forehead, cheeks and nose'."""
    if not words:
        return ""
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {and_} " + words[-1]
    return text[0].upper() + text[1:]


def treated_products(record: SessionRecord) -> list[Product]:
    """Products injected (first use first); the session's vials when no point is charted yet."""
    ids = list(dict.fromkeys(record.vial(p.vial_id).product_id for p in record.session.points))
    if not ids:
        ids = list(dict.fromkeys(record.vial(v).product_id for v in record.session.vial_ids))
    return [record.product(i) for i in ids]


def handout_values(
    record: SessionRecord, clinic: ClinicSettings, words: HandoutWords = ENGLISH
) -> dict[str, str]:
    """Every placeholder of the aftercare sheet, filled for this session in ``words``' language."""
    day = record.local_day
    return {
        "patient_name": record.patient.full_name,
        "patient_first_name": record.patient.first_name,
        "treatment_date": words.long_date(day),
        "product": join_words([p.label for p in treated_products(record)], words.and_),
        "zones": join_words(plain_zone_names((p.zone for p in record.session.points), words), words.and_),
        "review_date": words.long_date(day + timedelta(days=clinic.review_days)),
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


def _treatment_panel(
    record: SessionRecord, values: Mapping[str, str], width: float, look: Look, words: HandoutWords
) -> Table:
    rows = [
        (words.patient, values["patient_name"]),
        (words.treatment_date, values["treatment_date"]),
        (words.product, "\n".join(p.label for p in treated_products(record)) or "—"),
        (words.areas, values["zones"] or "—"),
        (words.review, words.review_around.format(date=values["review_date"])),
        (words.treated_by, values["injector_name"]),
    ]
    map_w = look.map_width
    pad = 5 * mm
    text_w = width - map_w - 3 * pad
    label_w = 31 * mm
    grid = Table(
        [
            [
                Para(esc(label), look.styles["label"], fixed=True),
                Para(esc(value).replace("\n", "<br/>"), look.styles["value"]),
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
    figure = FaceMapFigure(
        map_w,
        treated_zones=zones,
        legend=[LegendEntry(HIGHLIGHT, words.treated_areas_legend, "patch")],
        legend_font_size=8.5,
        view_bottom=crop_for(zones),
    )
    table = Table(
        [[[Para(esc(words.your_treatment), look.styles["panel_h"], fixed=True), grid], figure]],
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
    record: SessionRecord,
    clinic: ClinicSettings,
    out: Output,
    *,
    template_text: str | None = None,
    language: Language | None = None,
) -> None:
    """The personalised aftercare sheet for one session (one or two pages), in the patient's
    preferred language unless ``language`` says otherwise.

    Raises ``TemplateError`` (nothing is written) if the template is broken.
    """
    language = Language(language or record.patient.preferred_language)
    words = words_for(language)
    template = validate_template(
        template_text if template_text is not None else load_template_text("aftercare", language),
        HANDOUT_FIELDS,
        source=f"aftercare template ({language.label})",
        language=language,
    )
    values = handout_values(record, clinic, words)

    def story(width: float, look: Look) -> list[Flowable]:
        panel = _treatment_panel(record, values, width, look, words)
        return [
            *header(clinic, width, look, words),
            *story_from_template(template, values, width, look, after_intro=[panel, Spacer(1, 1 * mm)]),
        ]

    build_document(
        out,
        clinic,
        story,
        words.aftercare_title.format(name=record.patient.full_name),
        "Microbotox aftercare",
        words,
    )


def build_leaflet(
    clinic: ClinicSettings,
    out: Output,
    *,
    template_text: str | None = None,
    language: Language = Language.ENGLISH,
) -> None:
    """The general, non-personalised Microbotox leaflet for prospective patients, in ``language``."""
    language = Language(language)
    words = words_for(language)
    template = validate_template(
        template_text if template_text is not None else load_template_text("leaflet", language),
        LEAFLET_FIELDS,
        source=f"leaflet template ({language.label})",
        language=language,
    )
    values = clinic_values(clinic)

    def story(width: float, look: Look) -> list[Flowable]:
        return [*header(clinic, width, look, words), *story_from_template(template, values, width, look)]

    build_document(out, clinic, story, words.leaflet_title, "Microbotox patient leaflet", words)
