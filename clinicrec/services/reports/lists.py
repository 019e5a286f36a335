"""The reports that are lists and tallies rather than outcome statistics: product use and waste, follow-up
gaps, lot recall. Each runs its SQL (``queries``) in the caller's read transaction and turns the
rows into the dataclasses of ``domain.report_types``; permissions and auditing stay in ``ReportService``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models import ClinicRow, ProductRow, UserRow
from ...domain.clinic_time import local_date
from ...domain.report_types import (
    FollowUpGaps,
    GapCount,
    GapRow,
    LotUse,
    ProductTotal,
    ProductUseReport,
    RecallReport,
    RecallRow,
    ReportFilters,
    WasteRow,
)
from . import day_queries, ranking
from . import queries as q

#: Days after the review date before a missing follow-up counts as overdue rather than due.
GRACE_DAYS = 7
#: Review days when the clinic has not been set up (ClinicSettings' default).
DEFAULT_REVIEW_DAYS = 14


def _streamed(s: Session, rows: int) -> dict[str, Any]:
    """Read a long result ``rows`` at a time as it is consumed (SQLite). PostgreSQL would need a server-side
    cursor, hence a transaction, which the reads here do not open: its driver reads the result whole."""
    return {"yield_per": rows} if s.get_bind().dialect.name == "sqlite" else {}


def _units(value: object) -> float:
    """Sums of float units, rounded to the 1/10000 U the chart stores (no 64.2000000000001)."""
    return round(float(value or 0.0), 4)  # type: ignore[arg-type]


def product_use(
    s: Session,
    f: ReportFilters,
    now: datetime,
    dialect: str,
    rollup: bool = True,
    limit: int | None = None,
) -> ProductUseReport:
    """Units, vials and sessions per product and lot; waste of vials past expiry or their in-use window by
    the end date (or now, if earlier). ``limit``: each product's first ``limit`` lots (by units drawn,
    and by units wasted) and an 'other lots' row for the rest (None: every lot)."""
    if limit is not None and limit < 1:
        raise ValueError(f"lots per product: at least 1, not {limit}")
    as_of = min(now, q.day_start(f.end + timedelta(days=1), f.time_zone)) if f.end else now
    today = local_date(now, f.time_zone)  # the clinic's day: an expiry date is a calendar date there
    as_of_day = min(today, f.end) if f.end else today
    products = {r.id: r for r in s.execute(select(ProductRow)).scalars()}
    in_use = {p.id: p.in_use_hours for p in products.values()}
    if rollup and day_queries.lots_cover(f):  # the day-keyed sums (day_queries), ranked there
        use, lot_counts = day_queries.lot_use(s, f, limit, products)
    else:
        use, lot_counts = _ranked_use(s.execute(q.lot_use_stmt(f, dialect, rollup)).all(), limit)
    if rollup:
        waste, waste_totals = day_queries.waste(s, f, as_of, as_of_day, in_use, limit)
    else:
        waste, waste_totals = ranking.top_per_product(
            s.execute(q.waste_stmt(f, as_of, as_of_day, in_use, rollup)).all(), limit, 3
        )
    totals = {pid: (int(v), int(n), _units(u)) for pid, lot, v, n, u in use if lot is None}
    brand = {pid: products[pid].brand for pid in set(totals) | set(waste_totals)}
    lots: list[LotUse] = []
    listed = ranking.listed_per_product((r for r in use if r[1] is not None), 2)
    for pid in sorted(listed, key=lambda p: brand[p]):
        rows = listed[pid]
        lots += [LotUse(brand[pid], lot, int(v), int(n), _units(u)) for _p, lot, v, n, u in rows]
        rest = lot_counts.get(pid, 0) - len(rows)
        if rest > 0:
            vials, _n, units = totals[pid]
            lots.append(
                LotUse(
                    brand[pid],
                    _other(rest),
                    vials - sum(int(r[2]) for r in rows),
                    None,
                    _units(units - sum(r[4] or 0 for r in rows)),
                    rest,
                )
            )
    product_rows = sorted(
        (ProductTotal(brand[pid], v, n, u, lot_counts.get(pid, 0)) for pid, (v, n, u) in totals.items()),
        key=lambda t: t.brand,
    )
    wasted_rows: list[WasteRow] = []
    wasted = ranking.listed_per_product(waste, 3)
    for pid in sorted(wasted, key=lambda p: brand[p]):
        rows = wasted[pid]
        wasted_rows += [
            WasteRow(brand[pid], lot, int(n), _units(vu), _units(d), _units(w))
            for _p, lot, n, vu, d, w in rows
        ]
        lots_of, *sums = waste_totals[pid]
        rest = int(lots_of) - len(rows)
        if rest > 0:
            left = [a - sum(r[2 + i] or 0 for r in rows) for i, a in enumerate(sums)]
            vials, vial_units, drawn, lost = left
            wasted_rows.append(
                WasteRow(
                    brand[pid],
                    _other(rest),
                    int(vials),
                    _units(vial_units),
                    _units(drawn),
                    _units(lost),
                    rest,
                )
            )
    return ProductUseReport(f, as_of, tuple(product_rows), tuple(lots), tuple(wasted_rows), limit)


def _other(n: int) -> str:
    return f"{n:,} other lot{'' if n == 1 else 's'}"


def _ranked_use(rows: Sequence[Any], limit: int | None) -> tuple[list[tuple[Any, ...]], dict[int, int]]:
    """``lot_use_stmt``'s rows with each product's first ``limit`` lots only; the lots per product."""
    listed, totals = ranking.top_per_product((r for r in rows if r[1] is not None), limit, 2)
    return listed + [tuple(r) for r in rows if r[1] is None], {pid: int(t[0]) for pid, t in totals.items()}


def lot_rows(s: Session, f: ReportFilters, dialect: str, rollup: bool = True) -> Iterator[tuple[Any, ...]]:
    """Every lot's (product id, lot, vials, sessions, units) in the report's order (product, most units
    first, lot), read as written out (the CSV export)."""
    stmt = (
        day_queries.lots_stmt(f)
        if rollup and day_queries.lots_cover(f)
        else q.lot_use_stmt(f, dialect, rollup)
    )
    lots = stmt.order_by(None).subquery("lots")
    pid, lot, vials, sessions, units = list(lots.c)[:5]
    ordered = (
        select(pid, lot, vials, sessions, units)
        .join(ProductRow, ProductRow.id == pid)
        .where(lot.is_not(None))
        .order_by(ProductRow.brand, ranking.rounded(units, dialect).desc(), lot)
    )
    for r in s.execute(ordered, execution_options=_streamed(s, 1000)):
        yield tuple(r)


def waste_rows(s: Session, f: ReportFilters, now: datetime, rollup: bool = True) -> list[tuple[Any, ...]]:
    """Every wasted lot's (product id, lot, vials, vial units, drawn, wasted), in the report's order."""
    as_of = min(now, q.day_start(f.end + timedelta(days=1), f.time_zone)) if f.end else now
    today = local_date(now, f.time_zone)  # the clinic's day: an expiry date is a calendar date there
    as_of_day = min(today, f.end) if f.end else today
    in_use = {p.id: p.in_use_hours for p in s.execute(select(ProductRow)).scalars()}
    if rollup:
        rows, _ = day_queries.waste(s, f, as_of, as_of_day, in_use)
    else:
        rows = [tuple(r) for r in s.execute(q.waste_stmt(f, as_of, as_of_day, in_use, rollup))]
    brand = {p.id: p.brand for p in s.execute(select(ProductRow)).scalars()}
    return sorted(rows, key=lambda r: (brand[r[0]], *ranking.order_key(r, 3)))


def _review_days(s: Session) -> int:
    clinic = s.get(ClinicRow, 1)
    return clinic.review_days if clinic is not None else DEFAULT_REVIEW_DAYS


def _gap_cutoff(f: ReportFilters, today: date, review_days: int) -> datetime:
    """Sessions performed before this have come to their review (the clinic's day + ``review_days``)."""
    return q.day_start(today - timedelta(days=review_days) + timedelta(days=1), f.time_zone)


def gap_rows(
    s: Session, f: ReportFilters, today: date, limit: int | None = None, review_days: int | None = None
) -> Iterator[GapRow]:
    """Sessions whose review date (session date + the clinic's review days) has come without a follow-up,
    most overdue first, read as they are written out (``yield_per``: an export of every one of a big
    clinic's gaps holds a few hundred in memory)."""
    days = _review_days(s) if review_days is None else review_days
    stmt = q.gaps_stmt(f, _gap_cutoff(f, today, days), limit)
    for sid, pid, chart, last, first, phone, performed_at, injector in s.execute(
        stmt, execution_options=_streamed(s, 500)
    ):
        day = local_date(performed_at, f.time_zone)  # the clinic's day of the session
        due = day + timedelta(days=days)
        late = (today - due).days
        status = "due" if late <= GRACE_DAYS else "overdue"
        yield GapRow(sid, pid, chart, f"{last}, {first}", phone, day, injector, due, late, status)


def follow_up_gaps(s: Session, f: ReportFilters, today: date, limit: int | None = None) -> FollowUpGaps:
    """The first ``limit`` gaps (None: every one; 0: none), most overdue first, and how many there are:
    due and overdue per injector (counted in the database for a page, from the rows when all are listed)."""
    review_days = _review_days(s)
    rows = tuple(gap_rows(s, f, today, limit, review_days)) if limit != 0 else ()
    tally: dict[str, list[int]] = {}
    if limit is None:  # every gap is listed: counted as read
        for r in rows:
            tally.setdefault(r.injector, [0, 0])[r.status == "overdue"] += 1
    else:  # a page: counted in the database
        cutoff = _gap_cutoff(f, today, review_days)
        # overdue: more than GRACE_DAYS past the review date, i.e. the clinic's day before this one's start
        overdue_before = q.day_start(today - timedelta(days=review_days + GRACE_DAYS), f.time_zone)
        counts = s.execute(q.gap_counts_stmt(f, cutoff, overdue_before)).all()
        who = select(UserRow.id, UserRow.full_name).where(UserRow.id.in_([c[0] for c in counts]))
        names = {int(i): str(n) for i, n in s.execute(who).all()}
        tally = {str(names.get(i, i)): [int(due), int(overdue)] for i, due, overdue in counts}
    by_injector = tuple(
        sorted(
            (GapCount(n, due, overdue) for n, (due, overdue) in tally.items()),
            key=lambda c: c.injector.casefold(),
        )
    )
    return FollowUpGaps(
        f,
        today,
        review_days,
        GRACE_DAYS,
        rows,
        sum(c.due for c in by_injector),
        sum(c.overdue for c in by_injector),
        by_injector,
        limit,
    )


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
