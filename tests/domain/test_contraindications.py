"""Contraindications found from the allergy text and ticks; screening changes since the last visit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from clinicrec.domain.catalogue import SEED_PRODUCTS
from clinicrec.domain.contraindications import find_contraindications
from clinicrec.domain.enums import AdditiveKind, AllergyStatus, DiluentKind, ScreeningAnswer
from clinicrec.domain.models import Additive, SafetyScreening, ScreeningSnapshot, Vial
from clinicrec.domain.screening import screening_changes

PRODUCTS = {i + 1: replace(p, id=i + 1) for i, p in enumerate(SEED_PRODUCTS)}
BY_BRAND = {p.brand: p for p in PRODUCTS.values()}


def vial(
    brand: str, *additives: Additive, diluent: DiluentKind = DiluentKind.SALINE_PRESERVATIVE_FREE
) -> Vial:
    product = BY_BRAND[brand]
    assert product.id is not None
    return Vial(
        product.id, "L1", date(2030, 1, 1), 100, datetime(2026, 3, 10, tzinfo=UTC), diluent, 2.5, additives
    )


@pytest.mark.parametrize(
    ("allergies", "brand", "additives", "expected"),
    [
        (
            "Lidocaine (hives)",
            "Botox Cosmetic",
            (Additive(AdditiveKind.LIDOCAINE, 0.5),),
            "lidocaine in the mix",
        ),
        ("LIGNOCAINE - anaphylaxis", "Botox Cosmetic", (Additive(AdditiveKind.LIDOCAINE, 0.5),), "lidocaine"),
        ("xylocaine", "Xeomin", (Additive(AdditiveKind.LIDOCAINE, 0.5),), "lidocaine"),
        ("Dairy", "Dysport", (), "cow's-milk protein"),
        ("lactose", "Dysport", (), "cow's-milk protein"),
        ("Human albumin", "Xeomin", (), "human albumin"),
        ("Botox - ptosis and rash 2019", "Xeomin", (), "Xeomin"),
        (
            "hyaluronic acid filler",
            "Botox Cosmetic",
            (Additive(AdditiveKind.HYALURONIC_ACID, 0.2),),
            "hyaluronic",
        ),
    ],
)
def test_allergy_text_finds_the_contraindication(
    allergies: str, brand: str, additives: tuple, expected: str
) -> None:  # type: ignore[type-arg]
    [c] = find_contraindications(allergies, False, [vial(brand, *additives)], PRODUCTS)
    assert expected in c.what and allergies in c.because


def test_nothing_is_found_for_unrelated_allergies_or_other_products() -> None:
    assert find_contraindications("Penicillin; latex", False, [vial("Botox Cosmetic")], PRODUCTS) == []
    assert (
        find_contraindications("Dairy", False, [vial("Botox Cosmetic")], PRODUCTS) == []
    )  # no milk in Botox
    assert find_contraindications("", True, [vial("Xeomin")], PRODUCTS) == []  # the milk tick: Dysport only
    [c] = find_contraindications("", True, [vial("Dysport")], PRODUCTS)
    assert c.because == "screening: allergy to cow's-milk protein"


def test_benzyl_alcohol_in_preserved_saline() -> None:
    [c] = find_contraindications(
        "Benzyl alcohol", False, [vial("Botox Cosmetic", diluent=DiluentKind.SALINE_PRESERVED)], PRODUCTS
    )
    assert "benzyl alcohol" in c.what


def _snap(**answers: ScreeningAnswer) -> ScreeningSnapshot:
    base = {item: ScreeningAnswer.NO for item in SafetyScreening.QUESTIONS}
    base.update(answers)
    return ScreeningSnapshot(tuple(base.items()), allergy_status=AllergyStatus.NONE_KNOWN)


def test_screening_changes_since_the_last_visit() -> None:
    first = screening_changes(None, _snap(pregnant_or_breastfeeding=ScreeningAnswer.YES))
    assert [(c.item, c.before, c.after) for c in first] == [
        ("pregnant_or_breastfeeding", None, "Yes"),
        ("allergies", None, "No known allergies"),
    ]
    later = screening_changes(_snap(), _snap(aminoglycosides=ScreeningAnswer.NOT_ASKED))
    assert [(c.item, c.before, c.after) for c in later] == [("aminoglycosides", "No", "Not asked")]
    assert screening_changes(_snap(), _snap()) == []


@pytest.mark.parametrize(
    "allergies",
    [
        "Xeomin - anaphylaxis 2024",
        "Dysport (hives)",
        "incobotulinumtoxinA - anaphylaxis",
        "abobotulinumtoxinA",
        "Jeuveau",
        "Daxxify: throat swelling",
        "Letybo",
        "Azzalure (UK brand of Dysport)",
        "rimabotulinumtoxinB",
        "botulinum toxin",
        "toxin injections - rash",
    ],
)
@pytest.mark.parametrize("brand", ["Botox Cosmetic", "Xeomin", "Dysport"])
@pytest.mark.parametrize("catalogue", ["whole", "the vial's product only"])
def test_an_allergy_to_any_toxin_contraindicates_every_toxin(
    allergies: str, brand: str, catalogue: str
) -> None:
    """DOMAIN: "allergy to any toxin or ingredient". A patient who had anaphylaxis to Xeomin is not given
    Botox without a prescriber and a reason, whichever products the clinic's catalogue holds."""
    v = vial(brand)
    products = PRODUCTS if catalogue == "whole" else {v.product_id: PRODUCTS[v.product_id]}
    [c] = find_contraindications(allergies, False, [v], products)
    assert c.subject == f"allergy:{BY_BRAND[brand].generic_name}" and allergies in c.because


def test_words_that_only_contain_toxin_names_are_not_toxin_allergies() -> None:
    for allergies in ("Diphtheria antitoxin (horse serum)", "Penicillin; latex", "Detox tea"):
        assert find_contraindications(allergies, False, [vial("Botox Cosmetic")], PRODUCTS) == [], allergies
