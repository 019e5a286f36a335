"""SQL for the outcome reports: every figure is a GROUP BY over joins, computed in the database.

Which sessions a report covers (the *cohort*): signed sessions that are the current version of their
chart (``queries.current_versions``: an amended chart counts once, as amended), performed within the
date range (inclusive, UTC dates), and matching the filters:

* product: the session used a vial of that product (any of its vials);
* injector: the administering injector;
* zone: the session placed at least one point in that zone;
* indication: the session lists that indication;
* dilution band: the band of the session's first vial (``DilutionBand``).

Baselines are the ``baseline`` assessment of the session version itself; follow-ups and adverse events
hang on the chain's root session. Where a session has several follow-ups at one time point, the latest
(by date, then by entry order) is used.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from ...db.models import (
    AdverseEventRow,
    AssessmentRow,
    PatientRow,
    PointRow,
    ProductRow,
    ReportUseRow,
    SessionRow,
    SessionVialRow,
    UserRow,
    VialRow,
)
from ...db.report_days import band_case, vial_concentration
from ...domain.clinic_time import start_of_day
from ...domain.enums import TimePoint
from ...domain.report_types import (
    GAIS_ORDER,
    MEASURES,
    BreakdownBy,
    ReportFilters,
)
from ..queries import current_versions, current_versions_in_bulk
from . import rollup_queries

BASELINE = TimePoint.BASELINE.value
#: A report's sessions: a subquery, or a common table expression found once per statement (``one_pass``).
Cohort = rollup_queries.Cohort


def day_start(d: date, zone_name: str = "UTC") -> datetime:
    """When the clinic's day ``d`` begins, in UTC."""
    return start_of_day(d, zone_name)


def month_of(column: Any, dialect: str, zone_name: str = "UTC") -> ColumnElement[Any]:
    """The clinic's calendar month of a stored UTC time ('2026-03')."""
    if dialect == "sqlite":
        return func.clinic_month(column, zone_name)  # db/engine.py registers it on every connection
    return func.to_char(func.timezone(zone_name, func.timezone("UTC", column)), "YYYY-MM")


def cohort_conditions(
    f: ReportFilters, s: Any = SessionRow, rollup: bool = True
) -> list[ColumnElement[bool]]:
    """``rollup``: read the points' zones from ``report_session_use`` (the same facts, fewer rows)."""
    conds: list[ColumnElement[bool]] = [s.status == "signed", current_versions_in_bulk(s)]
    if f.start is not None:
        conds.append(s.performed_at >= day_start(f.start, f.time_zone))
    if f.end is not None:
        conds.append(s.performed_at < day_start(f.end + timedelta(days=1), f.time_zone))
    if f.injector_id is not None:
        conds.append(s.injector_id == f.injector_id)
    if f.indication is not None:
        conds.append((literal(",") + s.indications + literal(",")).like(f"%,{f.indication.value},%"))
    # aliases: a breakdown's own join to the same tables must not swallow these subqueries' FROM
    if f.zone is not None and rollup:
        u = aliased(ReportUseRow)
        conds.append(select(u.session_id).where(u.session_id == s.id, u.zone == f.zone.value).exists())
    elif f.zone is not None:
        pt = aliased(PointRow)
        conds.append(select(pt.id).where(pt.session_id == s.id, pt.zone == f.zone.value).exists())
    if f.product_id is not None:
        sv, v = aliased(SessionVialRow), aliased(VialRow)
        conds.append(
            select(sv.vial_id)
            .join(v, v.id == sv.vial_id)
            .where(sv.session_id == s.id, v.product_id == f.product_id)
            .exists()
        )
    if f.dilution is not None:
        conc, sv = vial_concentration(), aliased(SessionVialRow)
        first = (
            select(band_case(conc.c.u01))
            .select_from(sv)
            .join(conc, conc.c.vial_id == sv.vial_id)
            .where(sv.session_id == s.id)
            .order_by(sv.seq)
            .limit(1)
            .scalar_subquery()
        )
        conds.append(first == f.dilution.value)
    return conds


def cohort(
    f: ReportFilters, by: BreakdownBy | None = None, dialect: str = "sqlite", rollup: bool = True
) -> Subquery:
    """(sid, rid[, key]) of the report's sessions; with ``by``, one row per session and group it falls in.
    ``rollup``: zones from the derived ``report_session_use`` rather than every point."""
    s = SessionRow
    rid = func.coalesce(s.root_id, s.id)
    stmt: Select[Any]
    if by is None:
        stmt = select(s.id.label("sid"), rid.label("rid"))
    elif by is BreakdownBy.INJECTOR:
        stmt = select(s.id.label("sid"), rid.label("rid"), s.injector_id.label("key"))
    elif by is BreakdownBy.MONTH:
        stmt = select(
            s.id.label("sid"), rid.label("rid"), month_of(s.performed_at, dialect, f.time_zone).label("key")
        )
    elif by is BreakdownBy.ZONE and rollup:
        stmt = (
            select(s.id.label("sid"), rid.label("rid"), ReportUseRow.zone.label("key"))
            .join(ReportUseRow, ReportUseRow.session_id == s.id)
            .distinct()
        )
    elif by is BreakdownBy.ZONE:
        stmt = (
            select(s.id.label("sid"), rid.label("rid"), PointRow.zone.label("key"))
            .join(PointRow, PointRow.session_id == s.id)
            .distinct()
        )
    elif by is BreakdownBy.PRODUCT:
        stmt = (
            select(s.id.label("sid"), rid.label("rid"), VialRow.product_id.label("key"))
            .join(SessionVialRow, SessionVialRow.session_id == s.id)
            .join(VialRow, VialRow.id == SessionVialRow.vial_id)
            .distinct()
        )
    else:  # dilution band of the first vial (seq 0: the charting service numbers vials from 0)
        conc = vial_concentration()
        stmt = (
            select(s.id.label("sid"), rid.label("rid"), band_case(conc.c.u01).label("key"))
            .join(SessionVialRow, and_(SessionVialRow.session_id == s.id, SessionVialRow.seq == 0))
            .join(conc, conc.c.vial_id == SessionVialRow.vial_id)
        )
    return stmt.where(*cohort_conditions(f, s, rollup)).subquery("cohort")


def _n(x: Any) -> Any:
    return func.coalesce(func.sum(x), 0)


def outcome_stmt(c: Cohort, time_point: TimePoint | None, keyed: bool, rollup: bool = True) -> Select[Any]:
    """Per time point (and group): n, sum, sum of squares and improved count of each measure's change;
    GAIS counts; satisfaction n, sum and sum of squares. ``rollup``: from the derived ``report_outcomes``
    (the same figures), else from the assessments."""
    if rollup:
        return rollup_queries.outcome_stmt(c, time_point, keyed)
    fu, base, later = aliased(AssessmentRow), aliased(AssessmentRow), aliased(AssessmentRow)
    newer = (
        select(later.id)
        .where(
            later.session_id == fu.session_id,
            later.time_point == fu.time_point,
            or_(
                later.assessed_on > fu.assessed_on,
                and_(later.assessed_on == fu.assessed_on, later.id > fu.id),
            ),
        )
        .exists()
    )
    cols: list[Any] = [fu.time_point.label("tp"), func.count().label("followed_up")]
    for m in MEASURES:
        d = getattr(fu, m.value) - getattr(base, m.value)
        cols += [func.count(d), _n(d), _n(d * d), _n(case((d <= -1, 1), else_=0))]
    cols += [_n(case((fu.gais == g.value, 1), else_=0)) for g in GAIS_ORDER]
    cols += [func.count(fu.satisfaction), _n(fu.satisfaction), _n(fu.satisfaction * fu.satisfaction)]
    stmt = (
        select(*([c.c.key] if keyed else []), *cols)
        .select_from(c)
        .join(fu, fu.session_id == c.c.rid)
        .outerjoin(base, and_(base.session_id == c.c.sid, base.time_point == BASELINE))
        .where(fu.time_point != BASELINE, ~newer)
    )
    if time_point is not None:
        stmt = stmt.where(fu.time_point == time_point.value)
    return stmt.group_by(*([c.c.key] if keyed else []), fu.time_point)


def sessions_stmt(c: Cohort, keyed: bool, unique: bool = False) -> Select[Any]:
    """Sessions (per group); ``unique``: the cohort has one row per session and group, so a count of
    rows is the count of sessions (without the temporary B-tree a distinct count builds)."""
    if keyed:
        n = func.count() if unique else func.count(func.distinct(c.c.sid))
        return select(c.c.key, n).group_by(c.c.key)
    return select(func.count()).select_from(c)


def events_stmt(c: Cohort, keyed: bool) -> Select[Any]:
    """Adverse events (on the chain's root) per group: events, sessions affected."""
    return (
        select(
            *([c.c.key] if keyed else []), func.count(AdverseEventRow.id), func.count(func.distinct(c.c.sid))
        )
        .select_from(c)
        .join(AdverseEventRow, AdverseEventRow.session_id == c.c.rid)
        .group_by(*([c.c.key] if keyed else []))
    )


def events_by_kind_stmt(c: Cohort) -> Select[Any]:
    return (
        select(
            AdverseEventRow.kind,
            func.count(AdverseEventRow.id),
            func.count(func.distinct(c.c.sid)),
            _n(case((AdverseEventRow.severity == "severe", 1), else_=0)),
        )
        .select_from(c)
        .join(AdverseEventRow, AdverseEventRow.session_id == c.c.rid)
        .group_by(AdverseEventRow.kind)
    )


def drawn_per_session_vial(f: ReportFilters, dialect: str, rollup: bool = True) -> Select[Any]:
    """Units drawn per (session, vial) in the report's sessions (points limited by the zone and product
    filters)."""
    c = cohort(f, None, dialect, rollup)
    if rollup:
        return rollup_queries.drawn_per_session_vial(c, f)
    stmt = select(
        PointRow.session_id.label("sid"),
        PointRow.vial_id.label("vial_id"),
        func.sum(PointRow.units).label("units"),
    ).where(PointRow.session_id.in_(select(c.c.sid)))
    if f.zone is not None:
        stmt = stmt.where(PointRow.zone == f.zone.value)
    if f.product_id is not None:
        stmt = stmt.where(PointRow.vial_id.in_(select(VialRow.id).where(VialRow.product_id == f.product_id)))
    return stmt.group_by(PointRow.session_id, PointRow.vial_id)


def lot_use_stmt(f: ReportFilters, dialect: str, rollup: bool = True) -> Select[Any]:
    """(product_id, lot or NULL for the product's total, vials, sessions, units): lots, then totals.
    The drawn units are found once and joined to their vials once (``drawn_lots``), and both tallies read
    that (without it the totals' join began from every vial on record)."""
    x = drawn_per_session_vial(f, dialect, rollup).cte("drawn").prefix_with("MATERIALIZED")
    y = (
        select(x.c.sid, x.c.vial_id, x.c.units, VialRow.product_id, VialRow.lot_number)
        .select_from(x)
        .join(VialRow, VialRow.id == x.c.vial_id)
        .cte("drawn_lots")
        .prefix_with("MATERIALIZED")
    )
    tallies = (
        func.count(func.distinct(y.c.vial_id)),
        func.count(func.distinct(y.c.sid)),
        func.sum(y.c.units),
    )
    by_lot = select(y.c.product_id, y.c.lot_number, *tallies).group_by(y.c.product_id, y.c.lot_number)
    by_product = select(y.c.product_id, literal(None).label("lot"), *tallies).group_by(y.c.product_id)
    return by_lot.union_all(by_product)  # type: ignore[return-value]


def waste_stmt(
    f: ReportFilters,
    as_of: datetime,
    as_of_day: date,
    in_use_hours: dict[int, int],
    rollup: bool = True,
    since: dict[int, datetime] | None = None,
) -> Select[Any]:
    """Vials opened in the period that are past expiry on ``as_of_day`` or past their in-use window at
    ``as_of``: (product_id, lot, vials, vial units, units drawn, units wasted). ``since``: only the vials of
    each product reconstituted from that time on (``day_queries.waste`` reads the earlier ones summed)."""
    # units drawn from each vial by current session versions (signed or draft), found through the
    # session-vial links so that only this report's vials are summed
    drawn = (
        rollup_queries.drawn_from_vial()
        if rollup
        else (
            select(func.coalesce(func.sum(PointRow.units), 0.0))
            .select_from(SessionVialRow)
            .join(
                PointRow,
                and_(
                    PointRow.session_id == SessionVialRow.session_id,
                    PointRow.vial_id == SessionVialRow.vial_id,
                ),
            )
            .join(SessionRow, SessionRow.id == SessionVialRow.session_id)
            .where(SessionVialRow.vial_id == VialRow.id, current_versions())
            .scalar_subquery()
        )
    )
    timed_out = (
        or_(
            *[
                and_(VialRow.product_id == pid, VialRow.reconstituted_at <= as_of - timedelta(hours=h))
                for pid, h in in_use_hours.items()
            ]
        )
        if in_use_hours
        else literal(False)
    )
    per_vial = select(
        VialRow.id, VialRow.product_id, VialRow.lot_number, VialRow.vial_units, drawn.label("used")
    ).where(or_(VialRow.expiry_date < as_of_day, timed_out), VialRow.reconstituted_at < as_of)
    if f.start is not None:
        per_vial = per_vial.where(VialRow.reconstituted_at >= day_start(f.start, f.time_zone))
    if since is not None:  # every product has its time (``in_use_hours`` names them all)
        per_vial = per_vial.where(
            VialRow.reconstituted_at >= min(since.values(), default=as_of),  # the date index's range
            or_(*(and_(VialRow.product_id == p, VialRow.reconstituted_at >= at) for p, at in since.items())),
        )
    if f.product_id is not None:
        per_vial = per_vial.where(VialRow.product_id == f.product_id)
    if f.injector_id is not None:
        per_vial = per_vial.where(VialRow.opened_by_id == f.injector_id)
    if f.dilution is not None:
        conc = vial_concentration()
        per_vial = per_vial.join(conc, conc.c.vial_id == VialRow.id).where(
            band_case(conc.c.u01) == f.dilution.value
        )
    v = per_vial.cte("spent").prefix_with("MATERIALIZED")  # the drawn sum once per vial, not per use
    left = case((v.c.vial_units - v.c.used > 0, v.c.vial_units - v.c.used), else_=0.0)
    return select(
        v.c.product_id,
        v.c.lot_number,
        func.count(),
        func.sum(v.c.vial_units),
        func.sum(v.c.used),
        func.sum(left),
    ).group_by(v.c.product_id, v.c.lot_number)


def _gap_conditions(f: ReportFilters, older_than: datetime) -> list[ColumnElement[bool]]:
    """Sessions of the report performed before ``older_than`` with no follow-up on their chain's root."""
    s = SessionRow
    rid = func.coalesce(s.root_id, s.id)
    has_follow_up = (
        select(AssessmentRow.id)
        .where(AssessmentRow.session_id == rid, AssessmentRow.time_point != BASELINE)
        .exists()
    )
    return [*cohort_conditions(f, s), s.performed_at < older_than, ~has_follow_up]


def gaps_stmt(f: ReportFilters, older_than: datetime, limit: int | None = None) -> Select[Any]:
    """Sessions of the report performed before ``older_than`` with no follow-up on their chain's root, the
    most overdue (oldest) first, the first ``limit`` of them (None: all): (session id, patient id, chart no.,
    last name, first name, phone, performed at, injector name)."""
    s = SessionRow
    stmt = (
        select(
            s.id,
            s.patient_id,
            PatientRow.chart_number,
            PatientRow.last_name,
            PatientRow.first_name,
            PatientRow.phone,
            s.performed_at,
            UserRow.full_name,
        )
        .join(PatientRow, PatientRow.id == s.patient_id)
        .join(UserRow, UserRow.id == s.injector_id)
        .where(*_gap_conditions(f, older_than))
        .order_by(s.performed_at, s.id)
    )
    return stmt if limit is None else stmt.limit(limit)


def gap_counts_stmt(f: ReportFilters, older_than: datetime, overdue_before: datetime) -> Select[Any]:
    """``gaps_stmt``'s sessions counted per injector: (injector id, due, overdue), overdue being those
    performed before ``overdue_before``. No patient is read: the count costs the cohort, not its rows."""
    s = SessionRow
    # read in date order, as the list is: SQLite then walks the date index over the period rather than
    # every signed session (its plan for the bare GROUP BY, 3x slower at a million patients)
    gaps = (
        select(s.injector_id.label("injector_id"), s.performed_at.label("at"))
        .where(*_gap_conditions(f, older_than))
        .order_by(s.performed_at)
        .subquery("gaps")
    )
    overdue = case((gaps.c.at < overdue_before, 1), else_=0)
    return select(gaps.c.injector_id, func.count() - func.sum(overdue), func.sum(overdue)).group_by(
        gaps.c.injector_id
    )


def lot_matches(lot: str) -> ColumnElement[bool]:
    """Vials whose lot number contains ``lot`` (letter case ignored; % and _ are taken literally)."""
    text = lot.strip().upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.upper(VialRow.lot_number).like(f"%{text}%", escape="\\")


def lot_vials_stmt(lot: str) -> Select[Any]:
    return select(func.count(VialRow.id)).where(lot_matches(lot))


def lot_numbers_stmt(part: str = "", limit: int = 50) -> Select[Any]:
    """The lot numbers on record (containing ``part``, letter case ignored), for suggestions."""
    stmt = select(VialRow.lot_number).distinct()
    if part.strip():
        stmt = stmt.where(lot_matches(part))
    return stmt.order_by(VialRow.lot_number).limit(limit)


def recall_stmt(lot: str) -> Select[Any]:
    """Current session versions (signed or draft) that used a vial of a lot containing ``lot`` (letter case
    ignored), with
    the patient's contact details, in the order of ``RecallRow``'s fields."""
    units = (
        select(func.coalesce(func.sum(PointRow.units), 0.0))
        .where(PointRow.session_id == SessionRow.id, PointRow.vial_id == VialRow.id)
        .scalar_subquery()
    )
    return (
        select(
            PatientRow.id,
            PatientRow.chart_number,
            PatientRow.last_name,
            PatientRow.first_name,
            PatientRow.date_of_birth,
            PatientRow.phone,
            PatientRow.email,
            PatientRow.address,
            SessionRow.id,
            SessionRow.performed_at,
            SessionRow.status,
            UserRow.full_name,
            ProductRow.brand,
            VialRow.lot_number,
            VialRow.expiry_date,
            units.label("units"),
        )
        .select_from(SessionVialRow)
        .join(SessionRow, SessionRow.id == SessionVialRow.session_id)
        .join(VialRow, VialRow.id == SessionVialRow.vial_id)
        .join(ProductRow, ProductRow.id == VialRow.product_id)
        .join(PatientRow, PatientRow.id == SessionRow.patient_id)
        .join(UserRow, UserRow.id == SessionRow.injector_id)
        .where(lot_matches(lot), current_versions())
        .order_by(SessionRow.performed_at, SessionRow.id)
    )
