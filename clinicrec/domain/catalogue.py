"""The seeded catalogue of type A toxins (DOMAIN.md, "Products and units").

The clinic can edit every entry; these are label defaults. In-use windows default to the label's
24 h where it gives one; a clinic following the Alam et al. consensus may lengthen them.
"""

from __future__ import annotations

import math

from .dilution import fmt_number
from .models import Product, Vial

SEED_PRODUCTS: tuple[Product, ...] = (
    Product(
        brand="Botox Cosmetic",
        generic_name="onabotulinumtoxinA",
        vial_sizes=(50, 100, 200),
        in_use_hours=24,
        max_dose_units=400,
        max_dose_period_months=3,
        notes="Label: 400 U cumulative in 3 months. 200 U vial is the therapeutic presentation.",
    ),
    Product(
        brand="Dysport",
        generic_name="abobotulinumtoxinA",
        vial_sizes=(300, 500),
        in_use_hours=24,
        notes="Contains cow's-milk protein. Units are not interchangeable with other products.",
    ),
    Product(
        brand="Xeomin",
        generic_name="incobotulinumtoxinA",
        vial_sizes=(50, 100, 200),
        in_use_hours=24,
        max_dose_units=400,
        max_dose_period_days=None,
        notes="Label: 400 U per session.",
    ),
    Product(brand="Jeuveau", generic_name="prabotulinumtoxinA", vial_sizes=(100,), in_use_hours=24),
    Product(
        brand="Daxxify",
        generic_name="daxibotulinumtoxinA",
        vial_sizes=(50, 100),
        in_use_hours=72,
        notes="Check the current label for the in-use window.",
    ),
    Product(brand="Letybo", generic_name="letibotulinumtoxinA", vial_sizes=(50, 100), in_use_hours=24),
    Product(
        brand="Relfydess",
        generic_name="relabotulinumtoxinA",
        vial_sizes=(100,),
        in_use_hours=24,
        ready_to_use_units_per_ml=100.0,
        notes="Ready-to-use liquid, 10 U/0.1 mL; no reconstitution.",
    ),
)

#: Commonly quoted equivalences (informational only; never used to add units across products).
EQUIVALENCE_NOTES = (
    "Botox ≈ Xeomin 1:1",
    "Botox : Dysport 1:2.5 to 1:3",
)


def validate_vial_for_product(vial: Vial, product: Product) -> None:
    """The catalogue's rules for a vial, enforced by the services (not only by the dialog).

    A ready-to-use liquid (Relfydess) has its fixed concentration and no diluent or additive; a powder
    needs a diluent; a vial size the catalogue does not list needs an explicit reason."""
    from .enums import DiluentKind
    from .validation import TEXT_MAX, Checker

    c = Checker()
    fixed = product.ready_to_use_units_per_ml
    if fixed:
        if vial.diluent_kind != DiluentKind.SUPPLIED:
            c.fail(
                "diluent_kind",
                f"{product.brand} is a ready-to-use liquid: choose '{DiluentKind.SUPPLIED.label}' "
                "(nothing is added to it)",
            )
        if vial.additives:
            c.fail("additives", f"{product.brand} is a ready-to-use liquid: nothing may be added to it")
        if vial.diluent_ml > 0 and not math.isclose(vial.vial_units / vial.diluent_ml, fixed, rel_tol=1e-9):
            c.fail(
                "diluent_ml",
                f"{product.brand} comes at {fmt_number(fixed)} U/mL: a {fmt_number(vial.vial_units)} U vial "
                f"holds {fmt_number(vial.vial_units / fixed, 4)} mL "
                f"(got {fmt_number(vial.diluent_ml, 4)} mL)",
            )
    elif vial.diluent_kind == DiluentKind.SUPPLIED:
        c.fail("diluent_kind", f"{product.brand} is a powder: choose the diluent it was reconstituted with")
    if not any(math.isclose(vial.vial_units, size) for size in product.vial_sizes):
        sizes = ", ".join(f"{fmt_number(s)} U" for s in product.vial_sizes)
        if not vial.other_size_reason.strip():
            c.fail(
                "other_size_reason",
                f"{product.brand} comes in {sizes}: a {fmt_number(vial.vial_units)} U vial needs "
                "'other size' with a reason",
            )
        else:
            c.text(
                "other_size_reason",
                "Reason for another size",
                vial.other_size_reason,
                max_len=TEXT_MAX,
                multiline=True,
            )
    c.raise_if_any()
