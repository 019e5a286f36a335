"""Prescriber orders: a prescriber (NP, PA, MD) records what a nurse may inject for a patient.

Signed with the prescriber's own sign-in (the password is asked again), audited, never edited: an
order is withdrawn (with a reason) and a new one written. A session is checked against the orders by
the safety rules (domain/oversight.py ``order_warnings``): a reason is recorded to go ahead.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import PatientRow, PrescriberOrderRow, ProductRow, UserRow
from ..domain.clinic_time import local_date
from ..domain.enums import AuditAction, Zone
from ..domain.errors import FieldError, NotFoundError, ValidationError
from ..domain.models import name_with_credentials
from ..domain.oversight import OrderStatus, PrescriberOrder
from . import audit
from .base import ServiceBase
from .permissions import Action
from .queries import clinic_zone

MAX_ORDER_UNITS = 1000.0


class OrderService(ServiceBase):
    def record(self, order: PrescriberOrder, password: str) -> PrescriberOrder:
        from .auth import AuthService

        actor = self.actor(Action.WRITE_ORDERS)
        if not AuthService(self._ctx).verify_password(password):
            raise ValidationError(FieldError("password", "Password is not correct; the order was not signed"))
        with self.writing() as s:
            _check(s, order, local_date(self.now(), clinic_zone(s)))
            row = PrescriberOrderRow(
                patient_id=order.patient_id,
                prescriber_id=actor.user_id,
                product_id=order.product_id,
                areas=",".join(sorted(z.value for z in order.areas)),
                max_units=float(order.max_units),
                valid_until=order.valid_until,
                notes=order.notes.strip(),
                signed_at=self.now(),
                status=OrderStatus.IN_FORCE.value,
                withdrawn_reason="",
            )
            s.add(row)
            s.flush()
            audit.record(
                s,
                actor,
                AuditAction.CREATE,
                "prescriber_order",
                row.id,
                patient_id=row.patient_id,
                changes={
                    "product_id": [None, row.product_id],
                    "areas": [None, row.areas],
                    "max_units": [None, row.max_units],
                    "valid_until": [None, row.valid_until.isoformat()],
                },
            )
            return _to_order(s, row)

    def withdraw(self, order_id: int, reason: str) -> PrescriberOrder:
        actor = self.actor(Action.WRITE_ORDERS)
        if len(reason.strip()) < 5:
            raise ValidationError(
                FieldError("reason", "Say why the order is withdrawn (at least 5 characters)")
            )
        with self.writing() as s:
            # PostgreSQL's row rules hide from FOR UPDATE a row that may not change: read it to say why
            row = s.get(PrescriberOrderRow, order_id, with_for_update=True) or s.get(
                PrescriberOrderRow, order_id
            )
            if row is None:
                raise NotFoundError(f"No order with id {order_id}")
            if row.status != OrderStatus.IN_FORCE.value:
                raise ValidationError(FieldError("status", "This order is already withdrawn"))
            row.status = OrderStatus.WITHDRAWN.value
            row.withdrawn_at = self.now()
            row.withdrawn_reason = reason.strip()
            row.withdrawn_by_id = actor.user_id
            s.flush()
            audit.record(
                s,
                actor,
                AuditAction.WITHDRAW,
                "prescriber_order",
                row.id,
                patient_id=row.patient_id,
                changes={"status": ["in_force", "withdrawn"], "reason": [None, row.withdrawn_reason]},
            )
            return _to_order(s, row)

    def orders(self, patient_id: int) -> list[PrescriberOrder]:
        """The patient's orders, newest first (withdrawn ones included)."""
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            rows = s.execute(
                select(PrescriberOrderRow)
                .where(PrescriberOrderRow.patient_id == patient_id)
                .order_by(PrescriberOrderRow.id.desc())
            ).scalars()
            return [_to_order(s, r) for r in rows]


def _check(s: Session, order: PrescriberOrder, today: date) -> None:
    errors: list[FieldError] = []
    if s.get(PatientRow, order.patient_id) is None:
        errors.append(FieldError("patient_id", "Choose an existing patient"))
    if s.get(ProductRow, order.product_id) is None:
        errors.append(FieldError("product_id", "Choose a product from the catalogue"))
    if not order.areas:
        errors.append(FieldError("areas", "Name at least one area the order covers"))
    elif not all(isinstance(z, Zone) for z in order.areas):
        errors.append(FieldError("areas", "Areas are the face map's zones"))
    if not (0 < order.max_units <= MAX_ORDER_UNITS):
        errors.append(
            FieldError("max_units", f"Maximum units per session: more than 0, up to {MAX_ORDER_UNITS:g}")
        )
    if order.valid_until < today:
        errors.append(FieldError("valid_until", f"The order must run to today ({today}) or later"))
    if len(order.notes) > 2000:
        errors.append(FieldError("notes", "Notes are at most 2000 characters"))
    if errors:
        raise ValidationError(errors)


def _to_order(s: Session, row: PrescriberOrderRow) -> PrescriberOrder:
    prescriber = s.get(UserRow, row.prescriber_id)
    return PrescriberOrder(
        patient_id=row.patient_id,
        product_id=row.product_id,
        areas=frozenset(Zone(z) for z in row.areas.split(",") if z),
        max_units=row.max_units,
        valid_until=row.valid_until,
        notes=row.notes,
        prescriber_id=row.prescriber_id,
        prescriber_name=name_with_credentials(prescriber.full_name, prescriber.credentials)
        if prescriber
        else "",
        signed_at=row.signed_at,
        status=OrderStatus(row.status),
        withdrawn_reason=row.withdrawn_reason,
        id=row.id,
    )


def patient_orders(s: Session, patient_id: int) -> list[PrescriberOrder]:
    """The patient's orders (inside another service's transaction: the session's safety rules)."""
    rows = s.execute(select(PrescriberOrderRow).where(PrescriberOrderRow.patient_id == patient_id)).scalars()
    return [_to_order(s, r) for r in rows]
