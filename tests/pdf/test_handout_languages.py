"""Patients receive their printed material in their preferred language (English or Spanish)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinicrec.domain.enums import Language, Zone
from clinicrec.domain.models import ClinicSettings, SessionRecord
from clinicrec.pdf import build_handout, build_leaflet
from clinicrec.pdf.handout import plain_zone_names
from clinicrec.pdf.handout_words import SPANISH
from clinicrec.pdf.templates import (
    HANDOUT_FIELDS,
    LEAFLET_FIELDS,
    TemplateError,
    load_template_text,
    validate_template,
)

from .conftest import PdfText, flat

SPANISH_SIGNS = (
    "dificultad para tragar",
    "dificultad para hablar",
    "dificultad para respirar",
    "párpados caídos",
    "visión doble",
)


def spanish(record: SessionRecord) -> SessionRecord:
    patient = dataclasses.replace(record.patient, preferred_language=Language.SPANISH)
    return dataclasses.replace(record, patient=patient)


def test_a_spanish_patients_handout_is_in_spanish(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    out = tmp_path / "cuidados.pdf"
    build_handout(spanish(record), clinic, out)
    text = read_pdf(out)
    for phrase in (
        "Cuidados después de su Microbotox",
        "Gracias por venir a vernos, Zoë.",
        "tratamiento del 3 de marzo de 2026",
        "Su tratamiento",
        "Fecha 3 de marzo de 2026",
        "hacia el 17 de marzo de 2026",
        "Frente, nariz, mejillas y mentón",
        "Cuándo buscar ayuda de inmediato",
        "no se acueste durante unas 4 horas",
        "¿Preguntas o dudas? Llame al 0117 496 0321",
        "Página 1 de 2",
        *SPANISH_SIGNS,
    ):
        assert phrase in text, phrase
    for english in ("Your treatment", "Thank you", "trouble swallowing", "Page 1 of", "Questions or worries"):
        assert english not in text
    assert PdfReader(str(out)).metadata.title == "Cuidados: Zoë Ñúñez-Øster"  # type: ignore[union-attr]


def test_an_english_patient_still_gets_english(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    out = tmp_path / "aftercare.pdf"
    build_handout(record, clinic, out)
    text = read_pdf(out)
    assert "Your Microbotox aftercare" in text and "Cuidados" not in text


def test_the_spanish_leaflet_is_complete(tmp_path: Path, clinic: ClinicSettings, read_pdf: PdfText) -> None:
    out = tmp_path / "folleto.pdf"
    build_leaflet(clinic, out, language=Language.SPANISH)
    pages = PdfReader(str(out)).pages
    assert 1 <= len(pages) <= 2
    text = read_pdf(out)
    template = validate_template(
        load_template_text("leaflet", Language.SPANISH), LEAFLET_FIELDS, language=Language.SPANISH
    )
    for section in template.sections:
        assert section.heading in text
    for sign in SPANISH_SIGNS:
        assert sign in text
    assert "Teléfono: 0117 496 0321" in text and "{" not in text


def test_the_warning_box_holds_every_spanish_sign_on_one_page(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings
) -> None:
    out = tmp_path / "cuidados.pdf"
    build_handout(spanish(record), clinic, out)
    pages = [flat(p.extract_text()) for p in PdfReader(str(out)).pages]
    holding = [n for n, page in enumerate(pages) if "Cuándo buscar ayuda de inmediato" in page]
    assert len(holding) == 1
    assert all(sign in pages[holding[0]] for sign in SPANISH_SIGNS)


def test_the_spanish_validator_wants_the_signs_in_spanish() -> None:
    text = load_template_text("aftercare", Language.SPANISH)
    without = text.replace("- visión doble\n", "")
    with pytest.raises(TemplateError) as info:
        validate_template(without, HANDOUT_FIELDS, language=Language.SPANISH)
    assert "visión doble (double vision)" in str(info.value)
    # An English sheet passed off as Spanish is refused: its signs are not named in Spanish.
    with pytest.raises(TemplateError, match="dificultad para tragar"):
        validate_template(load_template_text("aftercare"), HANDOUT_FIELDS, language=Language.SPANISH)
    # And a Spanish sheet is not an English one.
    with pytest.raises(TemplateError, match="trouble swallowing"):
        validate_template(text, HANDOUT_FIELDS, language=Language.ENGLISH)


def test_zone_names_and_dates_in_spanish() -> None:
    assert plain_zone_names([Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT, Zone.GLABELLA], SPANISH) == [
        "entrecejo",
        "mejillas",
    ]
    assert plain_zone_names([Zone.PERIORBITAL_RIGHT], SPANISH) == ["alrededor del ojo derecho"]
    from datetime import date

    assert SPANISH.long_date(date(2026, 12, 1)) == "1 de diciembre de 2026"
