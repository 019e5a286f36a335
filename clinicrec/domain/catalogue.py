"""The seeded catalogue of type A toxins (DOMAIN.md, "Products and units").

The clinic can edit every entry; these are label defaults. In-use windows default to the label's
24 h where it gives one; a clinic following the Alam et al. consensus may lengthen them.
"""

from __future__ import annotations

from .models import Product

SEED_PRODUCTS: tuple[Product, ...] = (
    Product(
        brand="Botox Cosmetic",
        generic_name="onabotulinumtoxinA",
        vial_sizes=(50, 100, 200),
        in_use_hours=24,
        max_dose_units=400,
        max_dose_period_days=90,
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
