"""Clinic settings, the product catalogue and vials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..db.models import ClinicRow, PointRow, ProductRow, SessionRow, VialRow
from ..domain.catalogue import SEED_PRODUCTS, validate_vial_for_product
from ..domain.clinic_time import format_local, start_of_day
from ..domain.date_text import DateOrder
from ..domain.enums import AuditAction
from ..domain.errors import NotFoundError, ValidationError
from ..domain.figures_format import DEFAULT_UNITS_STEP
from ..domain.models import ClinicSettings, Product, Vial
from ..domain.validation import FieldError, validate_clinic, validate_product, validate_vial
from . import audit, report_rollup
from .base import ServiceBase
from .mapping import clinic_values, product_values, to_clinic, to_product, to_vial, vial_audit, vial_row
from .permissions import Action
from .queries import clinic_zone, current_versions
from .stale import bump, check_version

#: How far ahead of this computer's clock a reconstitution may be recorded (clocks that differ a little).
RECONSTITUTION_AHEAD_ALLOWED = timedelta(minutes=5)


@dataclass(frozen=True)
class VialStatus:
    """A vial with what has been drawn from it and whether it may still be used."""

    vial: Vial
    product: Product
    units_drawn: float
    use_by: datetime

    @property
    def remaining_units(self) -> float:
        return max(0.0, self.vial.vial_units - self.units_drawn)

    def expired(self, on: date) -> bool:
        return self.vial.is_expired(on)

    def timed_out(self, at: datetime) -> bool:
        return at > self.use_by

    @property
    def label(self) -> str:
        v = self.vial
        return (
            f"{self.product.brand} {v.vial_units:g} U · lot {v.lot_number} · {v.concentration.label()} · "
            f"{self.remaining_units:g} U left"
        )


class ClinicService(ServiceBase):
    def is_set_up(self) -> bool:
        with self.reading() as s:
            return s.get(ClinicRow, 1) is not None

    def get(self) -> ClinicSettings:
        with self.reading() as s:
            row = s.get(ClinicRow, 1)
            if row is None:
                raise NotFoundError("The clinic has not been set up yet")
            return to_clinic(row)

    def time_zone(self) -> str:
        """The clinic's IANA time zone ('UTC' before set-up)."""
        with self.reading() as s:
            return clinic_zone(s)

    def date_order(self) -> DateOrder:
        """How the clinic types and shows dates (ISO before set-up)."""
        with self.reading() as s:
            row = s.get(ClinicRow, 1)
            return to_clinic(row).date_order if row is not None else DateOrder.ISO

    def units_step(self) -> float:
        """The clinic's dose precision in units (0.1 U before set-up)."""
        with self.reading() as s:
            row = s.get(ClinicRow, 1)
            return to_clinic(row).units_step if row is not None else DEFAULT_UNITS_STEP

    def common_reasons(self) -> tuple[str, ...]:
        """The clinic's common reasons for going ahead despite a warning (the reason dialog's pick-list)."""
        with self.reading() as s:
            row = s.get(ClinicRow, 1)
            return to_clinic(row).common_reasons if row is not None else ()

    def setup(self, settings: ClinicSettings) -> ClinicSettings:
        """First start: store the clinic and seed the product catalogue (needs the first admin signed in)."""
        actor = self.actor(Action.MANAGE_SETTINGS)
        validate_clinic(settings)
        with self.writing() as s:
            if s.get(ClinicRow, 1) is not None:
                raise ValidationError(FieldError("name", "The clinic is already set up; edit its settings"))
            s.add(ClinicRow(id=1, **clinic_values(settings)))
            report_rollup.rebuild_days(s)  # in the clinic's time zone (UTC until now)
            audit.record(
                s, actor, AuditAction.CREATE, "clinic", 1, changes=audit.diff({}, clinic_values(settings))
            )
            if not s.execute(select(func.count(ProductRow.id))).scalar_one():
                for p in SEED_PRODUCTS:
                    row = ProductRow(**product_values(p))
                    s.add(row)
                    s.flush()
                    audit.record(
                        s,
                        actor,
                        AuditAction.CREATE,
                        "product",
                        row.id,
                        changes=audit.diff({}, product_values(p)),
                    )
        return settings

    def update(self, settings: ClinicSettings) -> ClinicSettings:
        actor = self.actor(Action.MANAGE_SETTINGS)
        validate_clinic(settings)
        with self.writing() as s:
            row = s.get(ClinicRow, 1, with_for_update=True)  # PostgreSQL: a concurrent saver waits
            if row is None:
                raise NotFoundError("The clinic has not been set up yet")
            check_version(s, row, settings.version, "clinic", 1, "The clinic settings")
            old = clinic_values(to_clinic(row))
            for k, v in clinic_values(settings).items():
                setattr(row, k, v)
            if row.time_zone != old["time_zone"]:
                report_rollup.rebuild_days(s)  # the reports' days are the clinic's: every one moved
            changes = audit.diff(old, clinic_values(settings))
            if changes:
                bump(row)
                audit.record(s, actor, AuditAction.UPDATE, "clinic", 1, changes=changes)
            result = to_clinic(row)
        return result


class ProductService(ServiceBase):
    def list(self, *, include_inactive: bool = False) -> list[Product]:
        stmt = select(ProductRow).order_by(ProductRow.brand)
        if not include_inactive:
            stmt = stmt.where(ProductRow.active.is_(True))
        with self.reading() as s:
            return [to_product(r) for r in s.execute(stmt).scalars()]

    def get(self, product_id: int) -> Product:
        with self.reading() as s:
            row = s.get(ProductRow, product_id)
            if row is None:
                raise NotFoundError(f"No product with id {product_id}")
            return to_product(row)

    def save(self, product: Product) -> Product:
        actor = self.actor(Action.MANAGE_PRODUCTS)
        validate_product(product)
        with self.writing() as s:
            clash = s.execute(select(ProductRow.id).where(ProductRow.brand == product.brand)).scalar()
            if clash is not None and clash != product.id:
                raise ValidationError(FieldError("brand", f"A product named {product.brand} already exists"))
            if product.id is None:
                row = ProductRow(**product_values(product))
                s.add(row)
                s.flush()
                audit.record(
                    s,
                    actor,
                    AuditAction.CREATE,
                    "product",
                    row.id,
                    changes=audit.diff({}, product_values(product)),
                )
            else:
                found = s.get(ProductRow, product.id, with_for_update=True)
                if found is None:
                    raise NotFoundError(f"No product with id {product.id}")
                row = found
                check_version(s, row, product.version, "product", row.id, f"The product {row.brand}")
                old = product_values(to_product(row))
                for k, v in product_values(product).items():
                    setattr(row, k, v)
                changes = audit.diff(old, product_values(product))
                if changes:
                    bump(row)
                    audit.record(s, actor, AuditAction.UPDATE, "product", row.id, changes=changes)
            result = to_product(row)
        return result


class VialService(ServiceBase):
    def open_vial(self, vial: Vial) -> VialStatus:
        """Record a newly reconstituted vial (or a ready-to-use one) for use in sessions."""
        actor = self.actor(Action.OPEN_VIAL)
        with self.reading() as s:
            prod_row = s.get(ProductRow, vial.product_id)
            if prod_row is None:
                raise ValidationError(FieldError("product_id", "Choose a product from the catalogue"))
            zone = clinic_zone(s)
        validate_vial(vial)
        product = to_product(prod_row)
        validate_vial_for_product(vial, product)
        # A reconstitution still to come is a typing slip (a day and a month swapped): recorded, it would
        # make the vial look fresh for weeks and silence the in-use window's warning.
        now = self.now()
        if vial.reconstituted_at > now + RECONSTITUTION_AHEAD_ALLOWED:
            raise ValidationError(
                FieldError(
                    "reconstituted_at",
                    f"Reconstitution time is in the future (now {format_local(now, zone, with_zone=False)}): "
                    "check the day and the month",
                )
            )
        with self.writing() as s:
            row = vial_row(vial, actor.user_id)
            row.created_at = self.now()
            s.add(row)
            s.flush()
            report_rollup.touch(s, vial_ids=[row.id])  # the reports' waste sums of its day
            audit.record(
                s, actor, AuditAction.CREATE, "vial", row.id, changes=audit.diff({}, vial_audit(vial))
            )
            result = to_vial(row)
        return VialStatus(result, product, 0.0, result.use_by(product.in_use_hours))

    def status(
        self, vial_ids: list[int] | tuple[int, ...], *, exclude_session_id: int | None = None
    ) -> dict[int, VialStatus]:
        """Vials with units drawn by signed and draft sessions (optionally not counting one session)."""
        if not vial_ids:
            return {}
        with self.reading() as s:
            vials = s.execute(select(VialRow).where(VialRow.id.in_(vial_ids))).scalars().all()
            drawn_stmt = (
                select(PointRow.vial_id, func.sum(PointRow.units))
                .join(SessionRow)
                .where(PointRow.vial_id.in_(vial_ids))
                .group_by(PointRow.vial_id)
            )
            drawn_stmt = drawn_stmt.where(current_versions())
            if exclude_session_id is not None:
                drawn_stmt = drawn_stmt.where(SessionRow.id != exclude_session_id)
            drawn = dict(s.execute(drawn_stmt).tuples().all())
            products = {p.id: to_product(p) for p in s.execute(select(ProductRow)).scalars()}
        out = {}
        for v in vials:
            vial = to_vial(v)
            prod = products[vial.product_id]
            out[v.id] = VialStatus(
                vial, prod, float(drawn.get(v.id, 0.0) or 0.0), vial.use_by(prod.in_use_hours)
            )
        return out

    def open_on(self, day: date, *, within_hours: int = 24 * 42) -> list[VialStatus]:
        """Vials reconstituted on ``day`` (the clinic's calendar day, in its time zone) or still within
        their in-use window then (newest first)."""
        with self.reading() as s:
            zone = clinic_zone(s)
            start = start_of_day(day, zone)
            end_of_day = start_of_day(day + timedelta(days=1), zone)  # 23 or 25 hours on a clock change
            ids = (
                s.execute(
                    select(VialRow.id)
                    .where(
                        VialRow.reconstituted_at >= start - timedelta(hours=within_hours),
                        VialRow.reconstituted_at < end_of_day,
                    )
                    .order_by(VialRow.reconstituted_at.desc())
                )
                .scalars()
                .all()
            )
        statuses = self.status(list(ids))
        return [
            statuses[i]
            for i in ids
            if statuses[i].use_by >= start and statuses[i].vial.reconstituted_at < end_of_day
        ]

    def by_lot(self, lot_number: str) -> list[Vial]:
        with self.reading() as s:
            return [
                to_vial(r)
                for r in s.execute(
                    select(VialRow).where(VialRow.lot_number == lot_number).order_by(VialRow.reconstituted_at)
                ).scalars()
            ]
