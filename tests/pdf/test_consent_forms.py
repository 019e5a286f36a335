"""Consent forms: every shipped form is valid, reads at grade 7 or below, and keeps the facts a consent
must give (DOMAIN.md: what it is, effect and duration, the risks with the boxed warning's signs, the
alternatives, the right to refuse; photo consent: its three scopes)."""

from __future__ import annotations

import pytest

from clinicrec.domain.consent import ConsentFormKind
from clinicrec.domain.enums import Language
from clinicrec.pdf.consent_forms import (
    CONSENT_FIELDS,
    filled_text,
    form_keys,
    load_form,
    parse_form,
    signed_template,
)
from clinicrec.pdf.templates import TemplateError, plain_text

from .test_readability import MAX_SECTION_GRADE, assert_easy

SAMPLE = {
    "patient_name": "Maria Lopez",
    "patient_date_of_birth": "14 March 1985",
    "product": "Botox Cosmetic (onabotulinumtoxinA)",
    "areas": "Forehead, nose and cheeks",
    "clinic_name": "Lumen Skin Clinic",
    "clinic_phone": "0117 496 0321",
    "today": "3 March 2026",
}
SHIPPED = [(key, lang) for key in form_keys() for lang in Language]

FACTS = {
    Language.ENGLISH: {
        ConsentFormKind.TREATMENT: (
            "botulinum toxin type A",
            "about 4 weeks",
            "3 to 4 months",
            "Bruising",
            "swelling",
            "headache",
            "drooping eyelid",
            "uneven",
            "can spread",
            "trouble swallowing",
            "trouble speaking",
            "trouble breathing",
            "double vision",
            "Other choices",
            "say no",
        ),
        ConsentFormKind.PHOTO: ("Clinical record", "Teaching", "Marketing", "take back", "say no"),
    },
    Language.SPANISH: {
        ConsentFormKind.TREATMENT: (
            "toxina botulínica tipo A",
            "unas 4 semanas",
            "3 a 4 meses",
            "Moretones",
            "hinchazón",
            "dolor de cabeza",
            "párpado",
            "desigual",
            "puede moverse",
            "dificultad para tragar",
            "dificultad para hablar",
            "dificultad para respirar",
            "visión doble",
            "Otras opciones",
            "decir que no",
        ),
        ConsentFormKind.PHOTO: ("Historia clínica", "Enseñanza", "Publicidad", "retirar", "decir que no"),
    },
}


def test_the_treatment_and_photo_forms_ship_in_every_language() -> None:
    assert {"microbotox_treatment", "photo"} <= set(form_keys())
    for key, lang in SHIPPED:
        form = load_form(key, lang)
        assert form.key == key and form.language is lang and form.version
        assert form.template.placeholders <= CONSENT_FIELDS


@pytest.mark.parametrize(("key", "language"), SHIPPED, ids=str)
def test_every_shipped_form_reads_at_grade_7_or_below(key: str, language: Language) -> None:
    form = load_form(key, language)
    text = plain_text(form.template, SAMPLE)
    assert len(text.split()) > 200
    assert_easy(text, language, f"consent {language.value}/{key}")
    for section in form.template.sections:
        one = type(form.template)("", (), (section,))
        assert_easy(
            plain_text(one, SAMPLE), language, f"{key}: {section.heading}", max_grade=MAX_SECTION_GRADE
        )


@pytest.mark.parametrize(("key", "language"), SHIPPED, ids=str)
def test_no_fact_of_a_consent_is_missing(key: str, language: Language) -> None:
    form = load_form(key, language)
    text = plain_text(form.template, SAMPLE)
    missing = [f for f in FACTS[language][form.kind] if f.lower() not in text.lower()]
    assert missing == []


def test_a_filled_form_keeps_no_placeholder_and_lays_out_again() -> None:
    form = load_form("microbotox_treatment")
    text = filled_text(form, {**SAMPLE, "patient_name": "Ann {Braces}"})
    assert "{patient_name}" not in text and "% form:" not in text
    again = signed_template(text, form.kind, Language.ENGLISH)
    assert "Ann {Braces}" in plain_text(again, {})
    assert again.title == form.title


def test_a_broken_form_is_refused_with_its_lines() -> None:
    good = load_form("microbotox_treatment").source
    with pytest.raises(TemplateError) as e:
        parse_form(good.replace("% version: MBX-TREAT-1", "").replace("{areas}", "{area}"))
    text = str(e.value)
    assert "'% version:' line is missing" in text and "area" in text
    treatment_without_warning = good.replace("#! When to get help at once", "# When to get help at once")
    with pytest.raises(TemplateError, match="warning section"):
        parse_form(treatment_without_warning)
    photo = load_form("photo").source
    with pytest.raises(TemplateError, match="unknown kind"):
        parse_form(photo.replace("% kind: photo", "% kind: selfie"))
