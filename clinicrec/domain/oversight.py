"""Medical oversight: the prescriber's order a nurse injects under, and the chart review queue.

An order names the product, the areas, the most units per session and the day it runs to. A session
outside it warns (a reason is recorded, like every safety warning): a product the order does not cover,
more units than ordered, an area not ordered, or an order past its day. A patient without any order
recorded gets no order warning: the clinic may not work under orders.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .clinic_time import local_date
from .dilution import fmt_units
from .enums import LabelledEnum, WarningKind, Zone
from .models import Product, SafetyWarning, TreatmentSession, Vial


class OrderStatus(LabelledEnum):
    IN_FORCE = "in_force", "In force"
    WITHDRAWN = "withdrawn", "Withdrawn"


@dataclass(frozen=True)
class PrescriberOrder:
    patient_id: int
    product_id: int
    areas: frozenset[Zone]
    max_units: float
    valid_until: date
    notes: str = ""
    prescriber_id: int | None = None
    prescriber_name: str = ""
    signed_at: datetime | None = None
    status: OrderStatus = OrderStatus.IN_FORCE
    withdrawn_reason: str = ""
    id: int | None = None


def order_warnings(
    session: TreatmentSession,
    orders: Sequence[PrescriberOrder],
    vials: Mapping[int, Vial],
    products: Mapping[int, Product],
    zone_name: str,
) -> list[SafetyWarning]:
    """The session checked against the patient's orders (in force or expired; withdrawn ones ignored)."""
    orders = [o for o in orders if o.status is OrderStatus.IN_FORCE]
    if not orders or not session.points:
        return []
    day = local_date(session.performed_at, zone_name)
    units: dict[int, float] = {}
    areas: dict[int, set[Zone]] = {}
    for p in session.points:
        pid = vials[p.vial_id].product_id
        units[pid] = units.get(pid, 0.0) + p.units
        areas.setdefault(pid, set()).add(p.zone)
    out: list[SafetyWarning] = []
    for pid in sorted(units):
        brand = products[pid].brand
        mine = [o for o in orders if o.product_id == pid]
        if not mine:
            out.append(
                SafetyWarning(
                    WarningKind.PRESCRIBER_ORDER,
                    f"order:product:{pid}",
                    f"No prescriber's order covers {brand} for this patient",
                    (f"product={brand}",),
                )
            )
            continue
        current = [o for o in mine if o.valid_until >= day]
        if not current:
            newest = max(mine, key=lambda o: o.valid_until)
            out.append(
                SafetyWarning(
                    WarningKind.PRESCRIBER_ORDER,
                    f"order:expired:{pid}",
                    f"The prescriber's order for {brand} ran until {newest.valid_until:%Y-%m-%d}; "
                    f"it has expired",
                    (f"product={brand}", f"valid_until={newest.valid_until}", f"session_day={day}"),
                )
            )
            continue
        order = max(current, key=lambda o: (o.max_units, o.valid_until))
        if units[pid] > order.max_units + 1e-9:
            out.append(
                SafetyWarning(
                    WarningKind.PRESCRIBER_ORDER,
                    f"order:units:{pid}",
                    f"{fmt_units(units[pid])} of {brand} is more than the {fmt_units(order.max_units)} "
                    f"the prescriber ordered",
                    (f"product={brand}", f"session_units={units[pid]:.6f}", f"max_units={order.max_units}"),
                )
            )
        outside = sorted(areas[pid] - set().union(*(o.areas for o in current)))
        if outside:
            names = ", ".join(z.label for z in outside)
            out.append(
                SafetyWarning(
                    WarningKind.PRESCRIBER_ORDER,
                    f"order:areas:{pid}",
                    f"{brand} in an area the prescriber's order does not name: {names}",
                    (f"product={brand}", *(f"area={z.value}" for z in outside)),
                )
            )
    return out


# -- chart review ------------------------------------------------------------------------------------------
class ReviewStatus(LabelledEnum):
    PENDING = "pending", "Waiting for review"
    CO_SIGNED = "co_signed", "Co-signed"
    RETURNED = "returned", "Returned to the injector"


class ReviewReason(LabelledEnum):
    SAMPLE = "sample", "Chosen at random"
    ADVERSE_EVENT = "adverse_event", "Adverse event"
    CONTRAINDICATION = "contraindication", "Acknowledged contraindication"


def review_reason(
    *, adverse_event: bool, contraindication: bool, share_percent: float, rng: random.Random
) -> ReviewReason | None:
    """Why a signed chart goes to the review queue, or None: every flagged chart, and the share at random."""
    if adverse_event:
        return ReviewReason.ADVERSE_EVENT
    if contraindication:
        return ReviewReason.CONTRAINDICATION
    if share_percent >= 100 or rng.random() * 100 < share_percent:
        return ReviewReason.SAMPLE
    return None


@dataclass(frozen=True)
class ChartReview:
    session_id: int
    patient_id: int
    patient_name: str
    injector_id: int
    injector_name: str
    signed_at: datetime
    reason: ReviewReason
    status: ReviewStatus
    queued_at: datetime
    reviewer_name: str = ""
    reviewed_at: datetime | None = None
    comment: str = ""
    id: int | None = None


@dataclass(frozen=True)
class ReviewFigures:
    """One injector's line in the review report."""

    injector_name: str
    signed: int
    queued: int
    reviewed: int
    returned: int
    median_hours_to_review: float | None

    @property
    def review_rate(self) -> float:
        return self.reviewed / self.signed if self.signed else 0.0


def median(values: Iterable[float]) -> float | None:
    xs = sorted(values)
    if not xs:
        return None
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2
