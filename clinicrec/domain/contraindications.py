"""Label contraindications: allergy to the toxin, to any ingredient of the vial, or to an additive.

Found from the screening ticks *and* from the patient's allergy text: "Lidocaine (hives)" on the
allergy list is a contraindication to a mix with lidocaine in it, whether or not anyone ticked a box.
Matching is deliberately generous (a word anywhere in the text): a false alarm costs a prescriber's
name and a reason; a missed allergy costs a patient.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..text import fold
from .enums import AdditiveKind, DiluentKind
from .models import Product, Vial

#: Words that name a botulinum toxin, any product's: the label contraindication is hypersensitivity to
#: *any* toxin (DOMAIN: "allergy to any toxin"), so an allergy to Xeomin contraindicates Botox too. Brands
#: are matched at a word's start, as every term is; with the catalogue's own brands and generic names.
TOXIN_TERMS = (
    "botox",
    "vistabel",
    "vistabex",
    "dysport",
    "azzalure",
    "alluzience",
    "xeomin",
    "bocouture",
    "jeuveau",
    "nuceiva",
    "daxxify",
    "letybo",
    "relfydess",
    "myobloc",
    "neurobloc",
    "toxin",
    "neurotoxin",
    "neuromodulator",
)
#: Stems matched anywhere in a word: the generic names (onabotulinumtoxinA, incobotulinumtoxinA, ...)
#: carry "botulinum" in their middle.
TOXIN_STEMS = ("botulinum", "botulinus")

#: Ingredients of each product's vial beyond the toxin, keyed by generic name (from the US labels).
#: Dysport's label: contraindicated with an allergy to cow's-milk protein (lactose of bovine origin).
INGREDIENTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "onabotulinumtoxinA": (("human albumin", ("albumin",)),),
    "abobotulinumtoxinA": (
        ("cow's-milk protein", ("milk", "dairy", "casein", "whey", "lactose", "lactalbumin")),
        ("human albumin", ("albumin",)),
    ),
    "incobotulinumtoxinA": (("human albumin", ("albumin",)), ("sucrose", ("sucrose",))),
    "prabotulinumtoxinA": (("human albumin", ("albumin",)),),
    "letibotulinumtoxinA": (("human albumin", ("albumin",)),),
}

ADDITIVE_TERMS: dict[AdditiveKind, tuple[str, ...]] = {
    AdditiveKind.LIDOCAINE: (
        "lidocaine",
        "lignocaine",
        "xylocaine",
        "local anaesthetic",
        "local anesthetic",
        "amide anaesthetic",
        "amide anesthetic",
    ),
    AdditiveKind.HYALURONIC_ACID: ("hyaluronic", "hyaluronan"),
}

#: Bacteriostatic saline is preserved with benzyl alcohol.
DILUENT_TERMS: dict[DiluentKind, tuple[str, tuple[str, ...]]] = {
    DiluentKind.SALINE_PRESERVED: ("benzyl alcohol (preserved saline)", ("benzyl alcohol", "benzyl")),
}


@dataclass(frozen=True)
class Contraindication:
    subject: str  # stable identity: "allergy:lidocaine", "allergy:dysport:cow's-milk protein"
    what: str  # "lidocaine in the mix (lot C1234)"
    because: str  # "allergy list says 'Lidocaine - hives'" / "screening: allergy to cow's-milk protein"


def _mentions(text: str, terms: Iterable[str], *, anywhere: Iterable[str] = ()) -> str | None:
    """The first of ``terms`` found as a word (or word start) in the folded ``text``, or of ``anywhere``
    found anywhere in it."""
    for term in terms:
        if term and re.search(r"(?<![a-z])" + re.escape(fold(term)), text):
            return term
    for stem in anywhere:
        if fold(stem) in text:
            return stem
    return None


def find_contraindications(
    allergies: str,
    milk_protein_allergy_ticked: bool,
    vials: Iterable[Vial],
    products: dict[int, Product],
) -> list[Contraindication]:
    """Contraindications of using ``vials`` for a patient with these allergies."""
    text = fold(allergies)
    quoted = f"allergy list says '{allergies.strip()}'"
    found: dict[str, Contraindication] = {}
    # every toxin the catalogue knows, not only the vial's: an allergy to one is a contraindication to all
    toxin_terms = (*TOXIN_TERMS, *(t for p in products.values() for t in (p.brand, p.generic_name)))
    for v in vials:
        prod = products[v.product_id]
        lot = f"lot {v.lot_number}"
        if text and _mentions(text, toxin_terms, anywhere=TOXIN_STEMS):
            found.setdefault(
                f"allergy:{prod.generic_name}",
                Contraindication(f"allergy:{prod.generic_name}", f"{prod.brand} ({lot})", quoted),
            )
        for ingredient, terms in INGREDIENTS.get(prod.generic_name, ()):
            subject = f"allergy:{prod.generic_name}:{ingredient}"
            milk = ingredient == "cow's-milk protein"
            if milk and milk_protein_allergy_ticked:
                because = "screening: allergy to cow's-milk protein"
            elif text and _mentions(text, terms):
                because = quoted
            else:
                continue
            found.setdefault(
                subject, Contraindication(subject, f"{prod.brand} contains {ingredient} ({lot})", because)
            )
        for additive in v.additives:
            terms = ADDITIVE_TERMS.get(additive.kind, ())
            named = additive.description.strip()
            if additive.kind == AdditiveKind.OTHER and named:
                terms = (named,)
            if text and terms and _mentions(text, terms):
                subject = f"allergy:additive:{additive.kind.value}:{fold(named)}"
                label = named or additive.kind.label.lower()
                found.setdefault(subject, Contraindication(subject, f"{label} in the mix ({lot})", quoted))
        diluent = DILUENT_TERMS.get(v.diluent_kind)
        if diluent is not None and text and _mentions(text, diluent[1]):
            subject = f"allergy:diluent:{v.diluent_kind.value}"
            found.setdefault(subject, Contraindication(subject, f"{diluent[0]} ({lot})", quoted))
    return list(found.values())
