"""The reports that are lists and tallies rather than outcome statistics: product use and waste, follow-up
gaps, lot recall. Each runs its SQL (``queries``) in the caller's read transaction and turns the
rows into the dataclasses of ``domain.report_types``; permissions and auditing stay in ``ReportService``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models import ClinicRow, ProductRow
from ...domain.clinic_time import local_date
from ...domain.report_types import (
    FollowUpGaps,
    GapRow,
    LotUse,
    ProductTotal,
    ProductUseReport,
    RecallReport,
    RecallRow,
    ReportFilters,
    WasteRow,
)
from . import day_queries
from . import queries as q

#: Days after the review date before a missing follow-up counts as overdue rather than due.
GRACE_DAYS = 7
#: Review days when the clinic has not been set up (ClinicSettings' default).
DEFAULT_REVIEW_DAYS = 14


def _units(value: object) -> float:
    """Sums of float units, rounded to the 1/10000 U the chart stores (no 64.2000000000001)."""
    return round(float(value or 0.0), 4)  # type: ignore[arg-type]


def product_use(
    s: Session, f: ReportFilters, now: datetime, dialect: str, rollup: bool = True
) -> ProductUseReport:
    """Units, vials and sessions per product and lot; waste of vials past expiry or their in-use window by
    the end date (or now, if earlier)."""
    as_of = min(now, q.day_start(f.end + timedelta(days=1), f.time_zone)) if f.end else now
    as_of_day = min(now.date(), f.end) if f.end else now.date()
    products = {r.id: r for r in s.execute(select(ProductRow)).scalars()}
    in_use = {p.id: p.in_use_hours for p in products.values()}
    use: Sequence[Any]
    waste: Sequence[Any]
    if rollup:  # the day-keyed sums (day_queries), where the filters allow
        use = (
            day_queries.lot_use(s, f)
            if day_queries.lots_cover(f)
            else s.execute(q.lot_use_stmt(f, dialect)).all()
        )
        waste = day_queries.waste(s, f, as_of, as_of_day, in_use)
    else:
        use = s.execute(q.lot_use_stmt(f, dialect, rollup)).all()
        waste = s.execute(q.waste_stmt(f, as_of, as_of_day, in_use, rollup)).all()
    lots = sorted(
        (
            LotUse(products[pid].brand, lot, int(v), int(n), _units(u))
            for pid, lot, v, n, u in use
            if lot is not None
        ),
        key=lambda r: (r.brand, r.lot_number),
    )
    lot_count: dict[str, int] = {}
    for lot_row in lots:
        lot_count[lot_row.brand] = lot_count.get(lot_row.brand, 0) + 1
    totals = sorted(
        (
            ProductTotal(
                products[pid].brand, int(v), int(n), _units(u), lot_count.get(products[pid].brand, 0)
            )
            for pid, lot, v, n, u in use
            if lot is None
        ),
        key=lambda t: t.brand,
    )
    waste_rows = sorted(
        (
            WasteRow(products[pid].brand, lot, int(n), _units(vu), _units(d), _units(w))
            for pid, lot, n, vu, d, w in waste
        ),
        key=lambda r: (r.brand, r.lot_number),
    )
    return ProductUseReport(f, as_of, tuple(totals), tuple(lots), tuple(waste_rows))


def follow_up_gaps(s: Session, f: ReportFilters, today: date) -> FollowUpGaps:
    """Sessions whose review date (session date + the clinic's review days) has come without a follow-up."""
    clinic = s.get(ClinicRow, 1)
    review_days = clinic.review_days if clinic is not None else DEFAULT_REVIEW_DAYS
    cutoff = q.day_start(today - timedelta(days=review_days) + timedelta(days=1), f.time_zone)
    rows = []
    for sid, pid, chart, last, first, phone, performed_at, injector in s.execute(q.gaps_stmt(f, cutoff)):
        day = local_date(performed_at, f.time_zone)  # the clinic's day of the session
        due = day + timedelta(days=review_days)
        late = (today - due).days
        status = "due" if late <= GRACE_DAYS else "overdue"
        rows.append(GapRow(sid, pid, chart, f"{last}, {first}", phone, day, injector, due, late, status))
    return FollowUpGaps(f, today, review_days, GRACE_DAYS, tuple(rows))


def recall(s: Session, lot: str) -> RecallReport:
    """Every patient and current session version that used a vial of the lot, with contact details."""
    found = s.execute(q.recall_stmt(lot)).all() if lot else []
    vials = int(s.execute(q.lot_vials_stmt(lot)).scalar_one()) if lot else 0
    rows = []
    for r in found:
        (
            pid,
            chart,
            last,
            first,
            dob,
            phone,
            email,
            address,
            sid,
            at,
            status,
            injector,
            brand,
            lot_no,
            expiry,
        ) = r[:15]
        rows.append(
            RecallRow(
                pid,
                chart,
                f"{last}, {first}",
                dob,
                phone,
                email,
                address,
                sid,
                at,
                status,
                injector,
                brand,
                lot_no,
                expiry,
                _units(r[15]),
            )
        )
    return RecallReport(lot, tuple(sorted({r.lot_number for r in rows})), vials, tuple(rows))
