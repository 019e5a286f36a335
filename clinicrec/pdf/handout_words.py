"""The words a handout prints around its template, in each language patients receive.

The template holds the wording a clinic edits; these are the labels of the treatment panel, the
footer, the zone names and dates, which must follow the patient's language too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..domain.enums import Language, Zone

_ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_SPANISH_MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


@dataclass(frozen=True)
class HandoutWords:
    your_treatment: str
    patient: str
    treatment_date: str
    product: str
    areas: str
    review: str
    review_around: str  # "{date}" inside
    treated_by: str
    treated_areas_legend: str
    footer_ask: str  # "{phone}" inside
    page_of: str  # "{page}" and "{pages}" inside
    telephone: str
    and_: str
    aftercare_title: str  # document properties; "{name}" inside
    leaflet_title: str
    #: Zones in patient words; paired zones as (both, left only, right only). Left/right: the patient's.
    zones: dict[Zone, str]
    pairs: dict[tuple[Zone, Zone], tuple[str, str, str]]
    months: tuple[str, ...]
    date_pattern: str  # "{day}", "{month}", "{year}" inside

    def long_date(self, day: date) -> str:
        """'3 March 2026', '3 de marzo de 2026': the month written out (never the computer's locale),
        unambiguous in every country."""
        return self.date_pattern.format(day=day.day, month=self.months[day.month - 1], year=day.year)


ENGLISH = HandoutWords(
    your_treatment="Your treatment",
    patient="For",
    treatment_date="Treatment date",
    product="Product",
    areas="Areas treated",
    review="Review visit",
    review_around="around {date}",
    treated_by="Treated by",
    treated_areas_legend="Treated areas",
    footer_ask="Questions or worries? Call {phone}",
    page_of="Page {page} of {pages}",
    telephone="Tel.",
    and_="and",
    aftercare_title="Aftercare: {name}",
    leaflet_title="Microbotox",
    zones={
        Zone.FOREHEAD: "forehead",
        Zone.GLABELLA: "between the brows",
        Zone.NOSE: "nose",
        Zone.PERIORAL: "around the mouth",
        Zone.CHIN: "chin",
        Zone.NECK: "neck",
        Zone.DECOLLETAGE: "chest (décolletage)",
    },
    pairs={
        (Zone.PERIORBITAL_LEFT, Zone.PERIORBITAL_RIGHT): (
            "around the eyes",
            "around the left eye",
            "around the right eye",
        ),
        (Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT): ("cheeks", "left cheek", "right cheek"),
        (Zone.JAWLINE_LEFT, Zone.JAWLINE_RIGHT): ("jawline", "left jawline", "right jawline"),
    },
    months=_ENGLISH_MONTHS,
    date_pattern="{day} {month} {year}",
)

SPANISH = HandoutWords(
    your_treatment="Su tratamiento",
    patient="Para",
    treatment_date="Fecha",
    product="Producto",
    areas="Zonas tratadas",
    review="Visita de control",
    review_around="hacia el {date}",
    treated_by="Le trató",
    treated_areas_legend="Zonas tratadas",
    footer_ask="¿Preguntas o dudas? Llame al {phone}",
    page_of="Página {page} de {pages}",
    telephone="Tel.",
    and_="y",
    aftercare_title="Cuidados: {name}",
    leaflet_title="Microbotox",
    zones={
        Zone.FOREHEAD: "frente",
        Zone.GLABELLA: "entrecejo",
        Zone.NOSE: "nariz",
        Zone.PERIORAL: "alrededor de la boca",
        Zone.CHIN: "mentón",
        Zone.NECK: "cuello",
        Zone.DECOLLETAGE: "escote",
    },
    pairs={
        (Zone.PERIORBITAL_LEFT, Zone.PERIORBITAL_RIGHT): (
            "alrededor de los ojos",
            "alrededor del ojo izquierdo",
            "alrededor del ojo derecho",
        ),
        (Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT): ("mejillas", "mejilla izquierda", "mejilla derecha"),
        (Zone.JAWLINE_LEFT, Zone.JAWLINE_RIGHT): (
            "mandíbula",
            "lado izquierdo de la mandíbula",
            "lado derecho de la mandíbula",
        ),
    },
    months=_SPANISH_MONTHS,
    date_pattern="{day} de {month} de {year}",
)

WORDS: dict[Language, HandoutWords] = {Language.ENGLISH: ENGLISH, Language.SPANISH: SPANISH}


def words_for(language: Language | str) -> HandoutWords:
    return WORDS[Language(language)]
