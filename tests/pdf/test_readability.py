"""Patient material is written for patients: every shipped template reads at US grade 7 or below.

Health-literacy guidance asks for grade 6-8. English is measured with Flesch-Kincaid (textstat),
Spanish with the formulas made for Spanish: Fernández-Huerta (Flesch's ease re-fitted for Spanish,
where 70-80 is "fairly easy", seventh grade) and Szigriszt-Pazos / INFLESZ (65-80 "fairly easy").
A template is measured as a reader meets it: the title, headings and bullets each stand alone.
The printed PDF is measured too, read back as plain text, as a reviewer would measure it.

Making the words easier must not lose a fact: each template keeps the points DOMAIN.md lists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textstat.textstat import textstatistics

from clinicrec.domain.enums import Language
from clinicrec.domain.models import ClinicSettings, SessionRecord
from clinicrec.paths import resource_path
from clinicrec.pdf import build_handout, build_leaflet
from clinicrec.pdf.templates import (
    TEMPLATE_KINDS,
    load_template_text,
    plain_text,
    shipped_template_parts,
    validate_template,
)

from .conftest import pdf_text

MAX_GRADE = 7.0  # US school grade, Flesch-Kincaid
MIN_FERNANDEZ_HUERTA = 70.0  # "fairly easy": grade 7 on Fernández-Huerta's scale
MIN_SZIGRISZT_PAZOS = 65.0  # INFLESZ "fairly easy"
MAX_SECTION_GRADE = 8.0  # no section may hide a hard passage behind easy bullet lists

HANDOUTS = resource_path("handouts")

SAMPLE = {
    "patient_name": "Maria Lopez",
    "patient_first_name": "Maria",
    "treatment_date": "3 March 2026",
    "product": "Botox Cosmetic (onabotulinumtoxinA)",
    "zones": "Forehead, nose and cheeks",
    "review_date": "17 March 2026",
    "injector_name": "Maya Lindqvist, RN, BSN",
    "clinic_name": "Lumen Skin Clinic",
    "clinic_phone": "0117 496 0321",
    "clinic_address": "12 Harbour Street, Bristol",
    "clinic_email": "care@lumenskin.example",
    "clinic_website": "lumenskin.example",
}


def _meter(language: Language) -> textstatistics:
    meter = textstatistics()
    meter.set_lang("en_US" if language is Language.ENGLISH else language.value)
    return meter


def shipped() -> list[tuple[str, Language]]:
    return [(kind, language) for kind in TEMPLATE_KINDS for language in Language]


def template_text(kind: str, language: Language) -> str:
    template = validate_template(load_template_text(kind, language), TEMPLATE_KINDS[kind], language=language)
    return plain_text(template, SAMPLE)


def assert_easy(text: str, language: Language, what: str, *, max_grade: float = MAX_GRADE) -> None:
    meter = _meter(language)
    if language is Language.ENGLISH:
        grade = meter.flesch_kincaid_grade(text)
        assert grade <= max_grade, f"{what}: Flesch-Kincaid grade {grade} > {max_grade}"
    else:
        huerta, szigriszt = meter.fernandez_huerta(text), meter.szigriszt_pazos(text)
        low = MIN_FERNANDEZ_HUERTA - 10 * (max_grade - MAX_GRADE)
        assert huerta >= low, f"{what}: Fernández-Huerta {huerta} < {low}"
        assert szigriszt >= MIN_SZIGRISZT_PAZOS - 10 * (max_grade - MAX_GRADE), (
            f"{what}: Szigriszt-Pazos {szigriszt} < {MIN_SZIGRISZT_PAZOS}"
        )


def test_every_template_file_shipped_is_a_known_kind_in_a_known_language() -> None:
    """A new template (a consent text, say) must join TEMPLATE_KINDS, and so is measured below."""
    found = {p.relative_to(HANDOUTS).as_posix() for p in HANDOUTS.rglob("*.txt")}
    expected = {"/".join(shipped_template_parts(kind, lang)[1:]) for kind, lang in shipped()}
    assert found == expected


@pytest.mark.parametrize(("kind", "language"), shipped(), ids=lambda v: str(v))
def test_every_shipped_template_reads_at_grade_7_or_below(kind: str, language: Language) -> None:
    text = template_text(kind, language)
    assert len(text.split()) > 200  # a real text, not an empty file that is trivially easy
    assert validate_template(
        load_template_text(kind, language), TEMPLATE_KINDS[kind], language=language
    ).title.startswith(
        "Microbotox" if kind == "leaflet" else ("Your" if language is Language.ENGLISH else "Cuidados")
    )
    assert_easy(text, language, f"{language.value}/{kind}")


@pytest.mark.parametrize(("kind", "language"), shipped(), ids=lambda v: str(v))
def test_no_section_is_hard_to_read(kind: str, language: Language) -> None:
    template = validate_template(load_template_text(kind, language), TEMPLATE_KINDS[kind], language=language)
    for section in template.sections:
        one = type(template)("", (), (section,))
        assert_easy(
            plain_text(one, SAMPLE), language, f"{kind}: {section.heading}", max_grade=MAX_SECTION_GRADE
        )


@pytest.mark.parametrize("language", list(Language), ids=lambda v: str(v))
def test_the_printed_handout_and_leaflet_read_at_grade_7_or_below(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, language: Language
) -> None:
    handout, leaflet = tmp_path / "handout.pdf", tmp_path / "leaflet.pdf"
    build_handout(record, clinic, handout, language=language)
    build_leaflet(clinic, leaflet, language=language)
    for path in (handout, leaflet):
        assert_easy(pdf_text(path), language, f"{path.name} ({language.value}) as printed")


def test_the_measure_can_fail() -> None:
    hard = (
        "Intradermal administration of botulinum neurotoxin type A demonstrates considerable "
        "efficacy regarding sebaceous hypersecretion, notwithstanding occasional complications."
    )
    with pytest.raises(AssertionError, match="Flesch-Kincaid"):
        assert_easy(hard, Language.ENGLISH, "hard")
    with pytest.raises(AssertionError, match="Fernández-Huerta"):
        assert_easy(
            "La administración intradérmica de neurotoxina botulínica demuestra considerable eficacia "
            "terapéutica respecto a la hipersecreción sebácea, independientemente de complicaciones.",
            Language.SPANISH,
            "difícil",
        )


# --------------------------------------------------------------------------- no fact lost

WARNING_SIGNS = {
    Language.ENGLISH: (
        "trouble swallowing",
        "trouble speaking",
        "trouble breathing",
        "drooping eyelids",
        "double vision",
    ),
    Language.SPANISH: (
        "dificultad para tragar",
        "dificultad para hablar",
        "dificultad para respirar",
        "párpados caídos",
        "visión doble",
    ),
}

#: DOMAIN.md's points (what Microbotox is, how it differs, the benefits, aftercare, the boxed warning).
FACTS_EN = (
    "botulinum toxin type A",
    "tiny drops",
    "very fine needle",
    "just under the surface of the skin",
    "oil glands and sweat glands",
    "tiny muscles by each hair that hold pores open",
    "look smaller",
    "smoother",
    "muscles of the face",
    "stays in the skin",
    "does not relax the big muscles of the face",
    "subtle",
    "fine lines that regular Botox does not reach",
    "Smaller-looking pores",
    "Smoother skin on a thickened nose",
    "Less acne",
    "Fewer fine lines and wrinkles",
    "Less redness",
    "Less oil (sebum), one cause of acne",
    "Calmer rosacea",
    "glow",
    "mosquito bites",
    "minutes to a few hours",
    "7 to 10 days",
    "mild headache",
    "about 4 weeks",
    "3 to 4 months",
    "upright",
    "about 4 hours",
    "makeup",
    "rub",
    "massage",
    "exercise",
    "sauna",
    "alcohol for 24 hours",
    "hours or even weeks",
    "emergency number",
    "Dana Castelli",
    "RN, BSN",
)
FACTS_EN_LEAFLET = (
    "creams or laser treatments",
    "acne or rosacea",
    "redness and flushing",
    "Younger people",
    "pregnant or breastfeeding",
    "myasthenia gravis",
    "cow's-milk protein",
    "infection in the skin",
    "aminoglycosides",
    "consent",
    "batch number",
    "two weeks after treatment",
)
FACTS_EN_AFTERCARE = ("review visit", "touch-up", "{review_date}", "{clinic_phone}")

FACTS_ES = (
    "toxina botulínica tipo A",
    "gotas muy",
    "aguja muy fina",
    "justo bajo la piel",
    "glándulas de grasa y de sudor",
    "junto a cada pelo y que abren los poros",
    "los poros se ven más pequeños",
    "lisa",
    "músculos de la cara",
    "se queda en la piel",
    "No relaja los músculos grandes de la cara",
    "sutil",
    "líneas finas que el Botox de siempre no alcanza",
    "Poros que se ven más pequeños",
    "Piel más lisa en una nariz engrosada",
    "Menos acné",
    "Menos líneas finas y arrugas",
    "Menos rojez",
    "Menos grasa (sebo), una causa del acné",
    "Rosácea más calmada",
    "brillo sano",
    "picaduras de mosquito",
    "7 a 10 días",
    "dolor de cabeza leve",
    "4 semanas",
    "3 a 4 meses",
    "no se acueste durante unas 4 horas",
    "maquillaje",
    "frote",
    "masajee",
    "ejercicio",
    "sauna",
    "alcohol durante 24 horas",
    "horas o incluso semanas",
    "número local de emergencias",
    "Dana Castelli",
    "RN, BSN",
)
FACTS_ES_LEAFLET = (
    "cremas o el láser",
    "acné o la rosácea",
    "rojez y los sofocos",
    "gente joven",
    "embarazada o da el pecho",
    "miastenia gravis",
    "proteína de la leche de vaca",
    "infección en la piel",
    "aminoglucósidos",
    "consentimiento",
    "número de lote",
    "dos semanas después",
)
FACTS_ES_AFTERCARE = ("visita de control", "retoque", "{review_date}", "{clinic_phone}")

FACTS = {
    ("aftercare", Language.ENGLISH): FACTS_EN + FACTS_EN_AFTERCARE,
    ("leaflet", Language.ENGLISH): FACTS_EN + FACTS_EN_LEAFLET,
    ("aftercare", Language.SPANISH): FACTS_ES + FACTS_ES_AFTERCARE,
    ("leaflet", Language.SPANISH): FACTS_ES + FACTS_ES_LEAFLET,
}


@pytest.mark.parametrize(("kind", "language"), shipped(), ids=lambda v: str(v))
def test_no_fact_is_lost(kind: str, language: Language) -> None:
    raw = " ".join(load_template_text(kind, language).split())
    missing = [fact for fact in FACTS[(kind, language)] if fact.lower() not in raw.lower()]
    assert not missing
    for sign in WARNING_SIGNS[language]:
        assert sign in raw


@pytest.mark.parametrize(("kind", "language"), shipped(), ids=lambda v: str(v))
def test_the_credit_is_in_plain_words_and_the_articles_typos_are_not_copied(
    kind: str, language: Language
) -> None:
    text = template_text(kind, language)
    assert not re.search(r"\bwinkles\b|\bcompliments\b|Based on the article", text, re.IGNORECASE)
    credit = {
        Language.ENGLISH: 'The facts about Microbotox come from the article "Microbotox" by Dana Castelli, '
        "a registered nurse (RN, BSN).",
        Language.SPANISH: 'Los datos sobre el Microbotox vienen del artículo "Microbotox" de Dana Castelli, '
        "enfermera titulada (RN, BSN).",
    }[language]
    assert credit in text
