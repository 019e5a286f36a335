"""The admin lists (users, products): their columns over the one ``RowsModel``; inactive rows greyed."""

from __future__ import annotations

from typing import Any

from ...domain.dilution import Concentration
from ...domain.models import Product, User
from ...domain.safety import dose_period
from ..figures import concentration, units, vial_size
from ..rows_model import Column, RowsModel

# -- users ---------------------------------------------------------------------------------------------
USER_COLUMNS: tuple[Column[User], ...] = (
    Column("Name", lambda u: u.full_name),
    Column("User name", lambda u: u.username),
    Column("Role", lambda u: u.role.label),
    Column("Credentials", lambda u: u.credentials),
    Column("Status", lambda u: "Active" if u.active else "Inactive (cannot sign in)"),
)


def users_model(parent: Any = None) -> RowsModel[User]:
    return RowsModel(USER_COLUMNS, is_active=lambda u: u.active, parent=parent)


# -- products ------------------------------------------------------------------------------------------
def _max_dose(p: Product) -> str:
    if p.max_dose_units is None:
        return "—"
    words = dose_period(p)
    return f"{units(p.max_dose_units)} in {words}" if words else f"{units(p.max_dose_units)} per session"


PRODUCT_COLUMNS: tuple[Column[Product], ...] = (
    Column("Brand", lambda p: p.brand),
    Column("Generic name", lambda p: p.generic_name),
    Column("Vial sizes", lambda p: ", ".join(vial_size(s) for s in p.vial_sizes)),
    Column(
        "In-use window",
        lambda p: f"{p.in_use_hours} h",
        header_tip="How long after reconstitution a vial may be used",
    ),
    Column("Maximum dose", _max_dose, header_tip="Above this a warning must be acknowledged before signing"),
    Column(
        "Ready to use",
        lambda p: (
            concentration(Concentration(p.ready_to_use_units_per_ml)) if p.ready_to_use_units_per_ml else "—"
        ),
        header_tip="Supplied as a solution (no reconstitution)",
    ),
    Column("Status", lambda p: "Active" if p.active else "Inactive"),
)


def products_model(parent: Any = None) -> RowsModel[Product]:
    return RowsModel(PRODUCT_COLUMNS, is_active=lambda p: p.active, parent=parent)
