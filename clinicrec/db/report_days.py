"""The reports' day-keyed pre-aggregate (issue 17): the statements that fill ``report_day_*`` (models.py).

The per-session derived tables (``report_rollup``) still make a report read a few rows for every session
it covers: at a million patients that is millions of rows a run. These tables sum the same facts per
clinic day (in the clinic's time zone), injector and dilution band of the session's first vial, so a
report adds up at most days x dimensions rows:

* ``report_day_groups``: signed current sessions, adverse events on their chain's root and sessions
  with any, per group: kind ``all`` (key ''), ``zone`` (each zone the session treated), ``product``
  (each product it used, by id) and ``dilution`` (its seq-0 vial's band);
* ``report_day_outcomes``: the same groups per follow-up time point, the outcome sums of
  ``queries.outcome_stmt`` (counts, sums, sums of squares: means, SDs and intervals come from them);
* ``report_day_events``: adverse events per kind (events, sessions affected, severe);
* ``report_day_lots``: units drawn per vial (product, lot) with the sessions that drew them, each
  session counted once per lot and once per product (on its lowest vial id of that lot / product);
* ``report_day_vials``: per day of reconstitution, product, lot, opener and the vial's own band: vials,
  vial units, units drawn by current session versions (signed or draft) and units left.

Every figure is a count or a sum, so adding rows gives exactly what the per-session path gives (the
tests compare them). Distinct counts add up because a session lives on one day, injector and band; the
vials counted per lot are counted distinct by vial id over the rows.

``refill`` recomputes some days (a change's, in its own transaction: ``services/report_rollup.py``) or
every day (the migration, the demo builder, ``rebuild``, a change of the clinic's time zone).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    Integer,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, aliased

from ..domain.clinic_time import local_date, start_of_day
from ..domain.report_types import BAND_TOLERANCE, GAIS_ORDER, MEASURES, DilutionBand
from .models import (
    DAY_OUTCOME_NUMBERS,
    AdverseEventRow,
    ClinicRow,
    ReportDayEvents,
    ReportDayGroups,
    ReportDayLots,
    ReportDayOutcomes,
    ReportDayVials,
    ReportOutcomeRow,
    ReportUseRow,
    SessionRow,
    SessionVialRow,
    VialAdditiveRow,
    VialRow,
)
from .pipeline import Precompiled, Statement

#: Days per statement when some days are refilled (each day is a range of the date index).
DAY_CHUNK = 60
#: Session ids per statement when finding their days.
ID_CHUNK = 500
SESSION_TABLES: tuple[Table, ...] = (ReportDayGroups, ReportDayOutcomes, ReportDayEvents, ReportDayLots)


# -- shared expressions ----------------------------------------------------------------------------------
def vial_concentration() -> Subquery:
    """Each vial's U/0.1 mL: vial units / (diluent + additives) / 10."""
    additives = (
        select(VialAdditiveRow.vial_id, func.sum(VialAdditiveRow.volume_ml).label("ml"))
        .group_by(VialAdditiveRow.vial_id)
        .subquery("additive_ml")
    )
    conc = VialRow.vial_units / (VialRow.diluent_ml + func.coalesce(additives.c.ml, 0.0)) / 10.0
    return (
        select(VialRow.id.label("vial_id"), VialRow.product_id, conc.label("u01"))
        .outerjoin(additives, additives.c.vial_id == VialRow.id)
        .subquery("vial_conc")
    )


def band_case(u01: ColumnElement[Any]) -> ColumnElement[Any]:
    """The dilution band of a concentration in U/0.1 mL."""
    whens = [
        (u01 <= b.upper_bound + BAND_TOLERANCE, b.value) for b in DilutionBand if b.upper_bound is not None
    ]
    return case(*whens, else_=DilutionBand.OVER_6.value)


def vial_band(v: Any) -> ColumnElement[Any]:
    """``band_case`` of the vial ``v`` (a VialRow or an alias), its additives summed for it alone."""
    ml = (
        select(func.sum(VialAdditiveRow.volume_ml))
        .where(VialAdditiveRow.vial_id == v.id)
        .correlate(v)
        .scalar_subquery()
    )
    return band_case(v.vial_units / (v.diluent_ml + func.coalesce(ml, 0.0)) / 10.0)


def clinic_day(column: Any, dialect: str, zone_name: Any) -> ColumnElement[Any]:
    """The clinic's calendar day of a stored UTC time, 'YYYY-MM-DD'."""
    if dialect == "sqlite":
        return func.clinic_day(column, zone_name)  # db/engine.py registers it on every connection
    return func.to_char(func.timezone(zone_name, func.timezone("UTC", column)), "YYYY-MM-DD")


#: The clinic's time zone (built once: each draft's save asks, to find its vials' days).
_ZONE = select(ClinicRow.time_zone).where(ClinicRow.id == 1)


def zone_of(conn: Any) -> str:
    zone = conn.execute(_ZONE).scalar_one_or_none()
    return str(zone or "UTC")


def _n(x: Any) -> Any:
    return func.coalesce(func.sum(x), 0)


#: ``days`` for the statements of one day (and, for the session tables, one injector) with bound values
#: ``lo``, ``hi`` (the day's instants), ``inj`` and ``zone``: built once, run at every change.
ONE_DAY = "one day"
Days = Collection[date] | str | None


def _within(column: Any, days: Days, zone_name: Any) -> list[ColumnElement[bool]]:
    if days is None:
        return []
    if isinstance(days, str):  # ONE_DAY
        return [column >= bindparam("lo"), column < bindparam("hi")]
    return [
        or_(
            *(
                and_(
                    column >= start_of_day(d, zone_name),
                    column < start_of_day(d + timedelta(days=1), zone_name),
                )
                for d in sorted(days)
            )
        )
    ]


def drawn_from_vial(v: Any, use: Any = None) -> ColumnElement[Any]:
    """Units drawn from the vial ``v`` by current session versions (signed or draft), from ``use``
    (``report_session_use``'s columns; the table itself by default)."""
    u, sv, amendment = _use(use), SessionVialRow, aliased(SessionRow)
    # NOT EXISTS, not NOT IN (every amended id): the amendments index answers each link at once.
    amended = exists().where(amendment.amends_id == sv.session_id)
    return (
        select(func.coalesce(func.sum(u.c.units), 0.0))
        .select_from(sv)
        .join(u, and_(u.c.session_id == sv.session_id, u.c.vial_id == sv.vial_id))
        .where(sv.vial_id == v.id, ~amended)
        .correlate(v)
        .scalar_subquery()
    )


# -- the statements --------------------------------------------------------------------------------------
def _use(use: Any) -> Any:
    return ReportUseRow.__table__ if use is None else use


def session_selects(
    dialect: str,
    zone_name: Any,
    days: Days,
    use: Any = None,
    outcomes: Any = None,
    *,
    sources: tuple[Any, Any] | None = None,
) -> dict[Table, Select[Any]]:
    """Each session table's rows for ``days`` (every day when None), in its columns' order. ``use`` and
    ``outcomes``: the columns of the per-session rows to sum (``report_session_use``'s and
    ``report_outcomes``'; by default those tables: ``differences`` passes them computed afresh).

    Each statement computes its sessions and their groups (``day_sources``) as materialised CTEs;
    ``sources``: those two made once beforehand instead (``_shared_sources``: a full rebuild)."""
    if sources is None:
        sessions, groups = day_sources(dialect, zone_name, days, use)
        sf = sessions.cte("day_sessions").prefix_with("MATERIALIZED")
        sg = groups(sf).cte("day_groups").prefix_with("MATERIALIZED")
    else:
        sf, sg = sources
    return _session_statements(sf, sg, use, outcomes)


def day_sources(
    dialect: str, zone_name: Any, days: Days, use: Any = None
) -> tuple[Select[Any], Callable[[Any], CompoundSelect]]:
    """The sessions the day tables sum for ``days`` (sid, rid: its chain's root, day, injector_id, band:
    its first vial's dilution band) and, given those, each one's groups (sid, gkind, gkey): ``all``, its
    zones, its products and its dilution band."""
    s, sv, v = SessionRow, SessionVialRow, VialRow
    amendment = aliased(SessionRow)
    first_band = (
        select(vial_band(v))
        .select_from(sv)
        .join(v, v.id == sv.vial_id)
        .where(sv.session_id == s.id)
        .order_by(sv.seq)
        .limit(1)
        .correlate(s)
        .scalar_subquery()
    )
    sessions = select(
        s.id.label("sid"),
        func.coalesce(s.root_id, s.id).label("rid"),
        clinic_day(s.performed_at, dialect, zone_name).label("day"),
        s.injector_id.label("injector_id"),
        func.coalesce(first_band, "").label("band"),
    ).where(
        # "|| ''" (and the injector's "+ 0"): never through those indexes, whose bound values the
        # planner cannot see: a day's sessions are found by the date index
        s.status.concat("") == "signed",
        s.id.not_in(select(amendment.amends_id).where(amendment.amends_id.is_not(None))),
        *_within(s.performed_at, days, zone_name),
        *([s.injector_id + 0 == bindparam("inj")] if days == ONE_DAY else []),  # "+ 0": as above
    )
    u = _use(use)

    def groups(sf: Any) -> CompoundSelect:
        ids = select(sf.c.sid)
        v0 = aliased(VialRow)
        return union_all(
            select(sf.c.sid, literal("all").label("gkind"), sql_cast(literal(""), String).label("gkey")),
            select(u.c.session_id, literal("zone"), u.c.zone).where(u.c.session_id.in_(ids)).distinct(),
            select(sv.session_id, literal("product"), sql_cast(v.product_id, String))
            .join(v, v.id == sv.vial_id)
            .where(sv.session_id.in_(ids))
            .distinct(),
            select(sv.session_id, literal("dilution"), vial_band(v0))
            .join(v0, v0.id == sv.vial_id)
            .where(sv.seq == 0, sv.session_id.in_(ids)),
        )

    return sessions, groups


def _session_statements(sf: Any, sg: Any, use: Any, outcomes: Any) -> dict[Table, Select[Any]]:
    """``session_selects``' statements over the sessions ``sf`` and their groups ``sg``."""
    v = VialRow
    u = _use(use)
    sg_sid = list(sg.c)[0]
    key = (sf.c.day, sf.c.injector_id, sf.c.band, sg.c.gkind, sg.c.gkey)

    ae = AdverseEventRow
    ev = (
        select(ae.session_id.label("rid"), func.count().label("n"))
        .where(ae.session_id.in_(select(sf.c.rid)))
        .group_by(ae.session_id)
        .subquery("day_root_events")
    )
    groups_rows = (
        select(*key, func.count(), _n(ev.c.n), _n(case((ev.c.n > 0, 1), else_=0)))
        .select_from(sf)
        .join(sg, sg_sid == sf.c.sid)
        .outerjoin(ev, ev.c.rid == sf.c.rid)
        .group_by(*key)
    )

    o = ReportOutcomeRow.__table__ if outcomes is None else outcomes
    cols: list[Any] = [o.c.time_point, func.count()]
    for m in MEASURES:
        d = o.c[m.value]
        cols += [func.count(d), _n(d), _n(d * d), _n(case((d <= -1, 1), else_=0))]
    cols += [_n(case((o.c.gais == g.value, 1), else_=0)) for g in GAIS_ORDER]
    cols += [func.count(o.c.satisfaction), _n(o.c.satisfaction), _n(o.c.satisfaction * o.c.satisfaction)]
    outcome_rows = (
        select(*key, *cols)
        .select_from(sf)
        .join(sg, sg_sid == sf.c.sid)
        .join(o, o.c.session_id == sf.c.sid)
        .group_by(*key, o.c.time_point)
    )

    dkey = (sf.c.day, sf.c.injector_id, sf.c.band)
    event_rows = (
        select(
            *dkey,
            ae.kind,
            func.count(ae.id),
            func.count(func.distinct(sf.c.sid)),
            _n(case((ae.severity == "severe", 1), else_=0)),
        )
        .select_from(sf)
        .join(ae, ae.session_id == sf.c.rid)
        .group_by(*dkey, ae.kind)
    )

    dv = (
        select(
            *dkey,
            u.c.session_id.label("sid"),
            u.c.vial_id.label("vial_id"),
            func.sum(u.c.units).label("units"),
            v.product_id.label("product_id"),
            v.lot_number.label("lot_number"),
        )
        .select_from(sf)
        .join(u, u.c.session_id == sf.c.sid)
        .join(v, v.id == u.c.vial_id)
        .group_by(*dkey, u.c.session_id, u.c.vial_id, v.product_id, v.lot_number)
        .subquery("day_drawn")
    )
    by_lot = (dv.c.sid, dv.c.product_id, dv.c.lot_number)
    dw = select(
        *dv.c,
        func.min(dv.c.vial_id).over(partition_by=by_lot).label("lot_first"),
        func.min(dv.c.vial_id).over(partition_by=(dv.c.sid, dv.c.product_id)).label("product_first"),
    ).subquery("day_drawn_first")
    lkey = (dw.c.day, dw.c.injector_id, dw.c.band, dw.c.product_id, dw.c.lot_number, dw.c.vial_id)
    lot_rows = select(
        *lkey,
        func.sum(dw.c.units),
        func.count(),
        _n(case((dw.c.vial_id == dw.c.lot_first, 1), else_=0)),
        _n(case((dw.c.vial_id == dw.c.product_first, 1), else_=0)),
    ).group_by(*lkey)
    return {
        ReportDayGroups: groups_rows,
        ReportDayOutcomes: outcome_rows,
        ReportDayEvents: event_rows,
        ReportDayLots: lot_rows,
    }


def vial_select(
    dialect: str, zone_name: Any, days: Days, use: Any = None, *, one_lot: bool = False
) -> Select[Any]:
    """``report_day_vials``' rows for ``days`` (of reconstitution; every day when None); ``use`` as for
    ``session_selects``. ``one_lot`` (with ``ONE_DAY``): only the vials of the bound ``product``, ``lot``
    and ``opener``."""
    v = VialRow
    lot = (
        [
            v.product_id == bindparam("product"),
            v.lot_number == bindparam("lot"),
            func.coalesce(v.opened_by_id, 0) == bindparam("opener"),
        ]
        if one_lot
        else []
    )
    per_vial = (
        select(
            clinic_day(v.reconstituted_at, dialect, zone_name).label("day"),
            v.product_id,
            v.lot_number,
            func.coalesce(v.opened_by_id, 0).label("opener"),
            vial_band(v).label("band"),
            v.vial_units,
            drawn_from_vial(v, use).label("used"),
        )
        .where(*_within(v.reconstituted_at, days, zone_name), *lot)
        # materialised: the units drawn (a subquery per vial) are summed twice below, computed once
        .cte("day_vial")
        .prefix_with("MATERIALIZED")
    )
    p = per_vial.c
    key = (p.day, p.product_id, p.lot_number, p.opener, p.band)
    left = case((p.vial_units - p.used > 0, p.vial_units - p.used), else_=0.0)
    return select(*key, func.count(), func.sum(p.vial_units), func.sum(p.used), func.sum(left)).group_by(*key)


# -- filling ---------------------------------------------------------------------------------------------
def _connection(conn: Any) -> Any:
    return conn.connection() if isinstance(conn, Session) else conn


def _names(table: Table) -> list[str]:
    return [c.name for c in table.c]


def refill(conn: Any, session_days: Collection[date] | None, vial_days: Collection[date] | None) -> None:
    """Recompute the session tables' rows of ``session_days`` and ``report_day_vials``' of ``vial_days``
    (every row when both are None) on ``conn`` (a Connection or an ORM Session), in its transaction."""
    conn = _connection(conn)
    dialect, zone_name = conn.dialect.name, zone_of(conn)
    if dialect == "sqlite":  # a migration may run on an engine of its own (a backup's copy restored)
        from .engine import register_functions

        register_functions(conn.connection.dbapi_connection)
    everything = session_days is None and vial_days is None
    if everything and dialect == "sqlite":
        with _shared_sources(conn, zone_name) as sources:
            for table, stmt in session_selects(dialect, zone_name, None, sources=sources).items():
                _replace(conn, table, stmt, None)
    elif everything or session_days:
        for part in _day_chunks(session_days):
            for table, stmt in session_selects(dialect, zone_name, part).items():
                _replace(conn, table, stmt, part)
    if everything or vial_days:
        for part in _day_chunks(vial_days):
            _replace(conn, ReportDayVials, vial_select(dialect, zone_name, part), part)


_SOURCES = MetaData()
#: ``day_sources``' two results, made once for the four session tables of a full rebuild (SQLite).
_DAY_SESSIONS = Table(
    "rebuild_day_sessions",
    _SOURCES,
    Column("sid", Integer, primary_key=True),
    Column("rid", Integer),
    Column("day", String),
    Column("injector_id", Integer),
    Column("band", String),
    prefixes=["TEMPORARY"],
)
_DAY_GROUPS = Table(
    "rebuild_day_groups",
    _SOURCES,
    Column("sid", Integer),
    Column("gkind", String),
    Column("gkey", String),
    prefixes=["TEMPORARY"],
)


@contextmanager
def _shared_sources(conn: Any, zone_name: str) -> Iterator[tuple[Table, Table]]:
    """The sessions and groups of every day in two temporary tables, for the four statements of a full
    rebuild to read instead of each computing them again (a fifth of a small demo build's rebuild);
    dropped afterwards. SQLite only: there a temporary table is private to the connection and its
    planner needs no statistics for them (PostgreSQL's would, so it keeps the CTEs)."""
    sessions, groups = day_sources("sqlite", zone_name, None)
    for t in (_DAY_SESSIONS, _DAY_GROUPS):
        t.drop(conn, checkfirst=True)
        t.create(conn)
    try:
        conn.execute(insert(_DAY_SESSIONS).from_select(_names(_DAY_SESSIONS), sessions))
        conn.execute(insert(_DAY_GROUPS).from_select(_names(_DAY_GROUPS), groups(_DAY_SESSIONS)))
        yield _DAY_SESSIONS, _DAY_GROUPS
    finally:
        for t in (_DAY_GROUPS, _DAY_SESSIONS):
            t.drop(conn, checkfirst=True)


def _day_chunks(days: Collection[date] | None) -> list[list[date] | None]:
    if days is None:
        return [None]
    ordered = sorted(days)
    return [ordered[i : i + DAY_CHUNK] for i in range(0, len(ordered), DAY_CHUNK)]


def _replace(conn: Any, table: Table, stmt: Select[Any], days: list[date] | None) -> None:
    if days is None:
        conn.execute(delete(table))
        if conn.dialect.name == "postgresql":
            stmt = in_key_order(table, stmt)
    else:
        conn.execute(delete(table).where(table.c.day.in_([d.isoformat() for d in days])))
    conn.execute(insert(table).from_select(_names(table), stmt))


def in_key_order(table: Table, stmt: Select[Any]) -> Select[Any]:
    """``stmt`` (``table``'s rows, in its columns' order) sorted by the table's primary key, day first.

    PostgreSQL: a table filled all at once is then stored in day order, as SQLite's (keyed by day,
    without rowid) always is, and its statistics say so (a correlation of 1 between day and place); the
    planner then reads a report's date range through the key instead of scanning every day of every
    year (its hash aggregation would store the rows in no order at all). Later changes refill the
    recent days mostly, at the end, which keeps the order. SQLite needs no sort."""
    names = _names(table)
    return stmt.order_by(*(stmt.selected_columns[names.index(c.name)] for c in table.primary_key.columns))


def rebuild(conn: Any) -> None:
    refill(conn, None, None)


_PREPARED: dict[str, tuple[list[tuple[Any, Any]], tuple[Any, Any]]] = {}


def _prepared(dialect: str) -> tuple[list[tuple[Any, Any]], tuple[Any, Any]]:
    """(delete, insert) of each session table for one day and injector, and of the vials for one day."""
    if dialect not in _PREPARED:
        zone = bindparam("zone", type_=String)
        sessions = [
            (
                delete(t).where(t.c.day == bindparam("day"), t.c.injector_id == bindparam("inj")),
                insert(t).from_select(_names(t), stmt),
            )
            for t, stmt in session_selects(dialect, zone, ONE_DAY).items()
        ]
        t = ReportDayVials
        vials = (
            delete(t).where(t.c.day == bindparam("day")),
            insert(t).from_select(_names(t), vial_select(dialect, zone, ONE_DAY)),
        )
        _PREPARED[dialect] = (sessions, vials)
    return _PREPARED[dialect]


def refill_some(conn: Any, session_days: Collection[tuple[date, int]], vial_days: Collection[date]) -> None:
    """Recompute the session tables' rows of some (day, injector) pairs and the vials' of some days: the
    rows a change touched (statements built once: a save runs them)."""
    conn = _connection(conn)
    dialect, zone_name = conn.dialect.name, zone_of(conn)
    sessions, (vial_delete, vial_insert) = _prepared(dialect)
    for d, injector in sorted(session_days):
        bounds = {"lo": start_of_day(d, zone_name), "hi": start_of_day(d + timedelta(days=1), zone_name)}
        values = {**bounds, "day": d.isoformat(), "inj": injector, "zone": zone_name}
        for remove, add in sessions:
            conn.execute(remove, values)
            conn.execute(add, values)
    for d in sorted(vial_days):
        bounds = {"lo": start_of_day(d, zone_name), "hi": start_of_day(d + timedelta(days=1), zone_name)}
        values = {**bounds, "day": d.isoformat(), "zone": zone_name}
        conn.execute(vial_delete, values)
        conn.execute(vial_insert, values)


_LOT_REFILL: dict[str, tuple[Any, Any]] = {}
#: The vials' keys, each with the clinic's time zone (one statement: on PostgreSQL a round trip each).
_VIAL_LOTS = select(
    VialRow.reconstituted_at,
    VialRow.product_id,
    VialRow.lot_number,
    VialRow.opened_by_id,
    _ZONE.scalar_subquery().label("zone"),
).where(VialRow.id.in_(bindparam("ids", expanding=True)))


#: A vial's key columns as ``_VIAL_LOTS`` reads them: reconstituted at, product, lot, opener.
VialKey = tuple[datetime, int, str, int | None]


def refill_lots_of(
    conn: Any,
    vial_ids: Collection[int],
    *,
    known: Mapping[int, VialKey] | None = None,
    zone: str | None = None,
    defer: list[Statement] | None = None,
) -> None:
    """Recompute ``report_day_vials``' rows of the vials' own (day, product, lot, opener), not their whole
    days: a draft's save changes only what its vials' rows sum (the units drawn from them). Every row of
    such a key (each band) is deleted and summed again from every vial of that key: exact.

    ``known`` and ``zone``: the vials' key columns and the clinic's time zone as the caller read them in
    this transaction (a save reads its vials before it writes), used instead of reading them again when
    every vial is there. ``defer``: PostgreSQL's upserts are added to it rather than run (as
    ``report_rollup.fill_own``'s)."""
    conn = _connection(conn)
    dialect = conn.dialect.name
    if dialect not in _LOT_REFILL:
        t = ReportDayVials
        _LOT_REFILL[dialect] = (
            delete(t).where(
                t.c.day == bindparam("day"),
                t.c.product_id == bindparam("product"),
                t.c.lot_number == bindparam("lot"),
                t.c.opened_by_id == bindparam("opener"),
            ),
            insert(t).from_select(
                _names(t), vial_select(dialect, bindparam("zone", type_=String), ONE_DAY, one_lot=True)
            ),
        )
    remove, add = _LOT_REFILL[dialect]
    if dialect == "postgresql":
        remove, add = None, _lot_upsert()
    found: list[VialKey]
    if known is not None and zone is not None and all(v in known for v in vial_ids):
        found, zone_name = [known[v] for v in sorted(vial_ids)], zone
    else:
        rows = conn.execute(_VIAL_LOTS, {"ids": sorted(vial_ids)}).all()
        zone_name = str(rows[0].zone or "UTC") if rows else "UTC"
        found = [(at, product, lot, opener) for at, product, lot, opener, _zone in rows]
    keys = {
        (local_date(cast(datetime, at), zone_name), product, lot, opener or 0)
        for at, product, lot, opener in found
    }
    for d, product, lot, opener in sorted(keys):
        lo, hi = start_of_day(d, zone_name), start_of_day(d + timedelta(days=1), zone_name)
        values = {
            "lo": lo,
            "hi": hi,
            "day": d.isoformat(),
            "zone": zone_name,
            "product": product,
            "lot": lot,
            "opener": opener,
        }
        if remove is None:  # PostgreSQL's upsert, run as compiled once (times bound as naive UTC)
            bound = values | {"lo": _naive_utc(lo), "hi": _naive_utc(hi)}
            if defer is None:
                add.execute(conn, bound)
            else:
                defer.append(add.statement(conn, bound))
            continue
        conn.execute(remove, values)
        conn.execute(add, values)


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


_LOT_UPSERT: list[Precompiled] = []


def _lot_upsert() -> Precompiled:
    """PostgreSQL: ``refill_lots_of``'s delete and insert of one key as one statement (one round trip):
    the key's rows summed afresh are upserted, and its rows of any other band deleted beside them (the
    two touch different rows, so running together they do what the two did one after the other)."""
    if not _LOT_UPSERT:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        t = ReportDayVials
        fresh = vial_select("postgresql", bindparam("zone", type_=String), ONE_DAY, one_lot=True).cte("fresh")
        gone = (
            delete(t)
            .where(
                t.c.day == bindparam("day"),
                t.c.product_id == bindparam("product"),
                t.c.lot_number == bindparam("lot"),
                t.c.opened_by_id == bindparam("opener"),
                t.c.band.not_in(select(fresh.c.band)),
            )
            .returning(t.c.band)
            .cte("gone")
        )
        names = _names(t)
        stmt = pg_insert(t).from_select(names, select(fresh)).add_cte(gone)
        key = [c.name for c in t.primary_key.columns]
        _LOT_UPSERT.append(
            Precompiled(
                stmt.on_conflict_do_update(
                    index_elements=key, set_={n: stmt.excluded[n] for n in names if n not in key}
                )
            )
        )
    return _LOT_UPSERT[0]


_SESSION_DAYS = select(SessionRow.performed_at, SessionRow.injector_id).where(
    SessionRow.id.in_(bindparam("ids", expanding=True))
)
_VIAL_DAYS = select(VialRow.reconstituted_at).where(VialRow.id.in_(bindparam("ids", expanding=True)))


def days_of(
    conn: Any, session_ids: Iterable[int] = (), vial_ids: Iterable[int] = ()
) -> tuple[set[tuple[date, int]], set[date]]:
    """The clinic (day, injector) of the sessions (performed) and the days of the vials (reconstituted)."""
    conn = _connection(conn)
    zone_name = zone_of(conn)
    pairs: set[tuple[date, int]] = set()
    days: set[date] = set()
    ids = sorted(set(session_ids))
    for i in range(0, len(ids), ID_CHUNK):
        for at, injector in conn.execute(_SESSION_DAYS, {"ids": ids[i : i + ID_CHUNK]}).all():
            pairs.add((local_date(cast(datetime, at), zone_name), int(injector)))
    ids = sorted(set(vial_ids))
    for i in range(0, len(ids), ID_CHUNK):
        days |= {
            local_date(cast(datetime, at), zone_name)
            for at in conn.execute(_VIAL_DAYS, {"ids": ids[i : i + ID_CHUNK]}).scalars()
        }
    return pairs, days


def outcome_numbers() -> tuple[str, ...]:
    return DAY_OUTCOME_NUMBERS
