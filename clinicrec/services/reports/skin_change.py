"""The measured skin change report's figures (issue 19): the report's sessions that have a measured
baseline and follow-up photo, their change per zone beside the dose, dilution, injector and the rated
change; and the agreement between rated and measured change. Definitions: domain/skin_report.py.

Its own queries, apart from ``queries.py``: only the few photographed sessions are read in detail, so the
report costs one indexed look-up of the cohort's photos on a clinic with a million sessions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from statistics import fmean
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ...db.models import (
    AssessmentRow,
    PhotoRow,
    PointRow,
    ProductRow,
    SessionRow,
    SessionVialRow,
    UserRow,
    VialRow,
)
from ...domain.enums import Measure, TimePoint, Zone
from ...domain.models import name_with_credentials
from ...domain.photos import PhotoView
from ...domain.report_kinds import BreakdownBy, DilutionBand
from ...domain.report_stats import Estimate
from ...domain.report_types import ReportFilters
from ...domain.skin_report import (
    SKIN_GROUPINGS,
    SkinAgreement,
    SkinChangeReport,
    SkinFigure,
    SkinZoneRow,
    spearman,
)
from ..photos.measurements import MeasuredChange, _latest, _pair
from . import queries as q

if TYPE_CHECKING:
    from .service import ReportService


_CHUNK = 5000  # session ids per query (bound parameters stay well under the databases' limits)


@dataclass(frozen=True)
class _Dose:
    brand: str
    units: float
    u01: float


@dataclass(frozen=True)
class _Session:
    sid: int
    injector: str
    band: str
    change: MeasuredChange
    doses: dict[Zone, list[_Dose]]  # per treated zone, per product
    rated: dict[Measure, float]


def skin_change(reports: ReportService, filters: ReportFilters, by: BreakdownBy) -> SkinChangeReport:
    """The report for the filters (an injector's own sessions only), grouped ``by`` product, dilution band
    or injector (other groupings fall back to product)."""
    by = by if by in SKIN_GROUPINGS else BreakdownBy.PRODUCT
    f = reports.scoped_filters(replace(filters, time_point=None))
    with reports.reading() as s:
        sessions = _sessions(s, f, filters.time_point)
    return SkinChangeReport(by, len(sessions), _rows(sessions, by), _agreement(sessions))


def _sessions(s: Session, f: ReportFilters, time_point: TimePoint | None) -> list[_Session]:
    photos = _photos_in_cohort(s, f)
    if not photos:
        return []
    measured = _latest(s, [p[2] for p in photos])
    per: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    root: dict[int, int] = {}
    for sid, rid, pid, view, tp in photos:
        if time_point is None or tp in (TimePoint.BASELINE.value, time_point.value):
            per[sid].append((pid, view, tp))
            root[sid] = rid
    pairs: dict[int, MeasuredChange] = {}
    for sid, mine in per.items():
        found = _pair(mine, measured)
        front = [m for m in found if m.view is PhotoView.FRONT]
        if found:
            pairs[sid] = (front or found)[0]
    if not pairs:
        return []
    ids = list(pairs)
    info = _session_info(s, ids)
    doses = _doses(s, ids)
    rated = _rated(s, {sid: (root[sid], pairs[sid].after_time_point) for sid in ids})
    return [
        _Session(sid, info[sid][0], info[sid][1], pairs[sid], doses.get(sid, {}), rated.get(sid, {}))
        for sid in ids
        if sid in info
    ]


def _photos_in_cohort(s: Session, f: ReportFilters) -> list[tuple[int, int, int, str, str]]:
    """(sid, rid, photo id, view, time point) of the cohort's photographed sessions, in the order taken.

    The photos (a small table) are read first and the cohort is checked only for their sessions, by
    primary key and root: never a walk over every session of the clinic."""
    taken = s.execute(
        select(PhotoRow.session_id, PhotoRow.id, PhotoRow.view, PhotoRow.time_point)
        .where(PhotoRow.voided_at.is_(None), PhotoRow.session_id.is_not(None))
        .order_by(PhotoRow.taken_at, PhotoRow.id)
    ).all()
    photographed = sorted({sid for sid, *_ in taken})
    cohort: list[tuple[int, int]] = []
    for i in range(0, len(photographed), _CHUNK):
        part = photographed[i : i + _CHUNK]
        cohort += [
            (sid, rid)
            for sid, rid in s.execute(
                select(SessionRow.id, func.coalesce(SessionRow.root_id, SessionRow.id)).where(
                    or_(SessionRow.id.in_(part), SessionRow.root_id.in_(part)), *q.cohort_conditions(f)
                )
            )
        ]
    by_owner: dict[int, list[tuple[int, int, str, str]]] = defaultdict(list)
    for order, (owner, pid, view, tp) in enumerate(taken):
        by_owner[owner].append((order, pid, view, tp))
    out = []
    for sid, rid in cohort:
        mine = sorted(by_owner.get(sid, []) + (by_owner.get(rid, []) if rid != sid else []))  # as taken
        out += [(sid, rid, pid, view, tp) for _, pid, view, tp in mine]
    return out


def _session_info(s: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    """Per session: its injector as named on the chart, and its dilution band (the first vial's)."""
    conc = q.vial_concentration()
    rows = s.execute(
        select(SessionRow.id, UserRow.full_name, UserRow.credentials, conc.c.u01)
        .join(UserRow, UserRow.id == SessionRow.injector_id)
        .outerjoin(SessionVialRow, and_(SessionVialRow.session_id == SessionRow.id, SessionVialRow.seq == 0))
        .outerjoin(conc, conc.c.vial_id == SessionVialRow.vial_id)
        .where(SessionRow.id.in_(ids))
    ).all()
    return {
        sid: (name_with_credentials(name, cred), DilutionBand.of(u01).label if u01 else "no vial")
        for sid, name, cred, u01 in rows
    }


def _doses(s: Session, ids: list[int]) -> dict[int, dict[Zone, list[_Dose]]]:
    conc = q.vial_concentration()
    rows = s.execute(
        select(
            PointRow.session_id,
            PointRow.zone,
            ProductRow.brand,
            func.sum(PointRow.units),
            func.avg(conc.c.u01),
        )
        .join(VialRow, VialRow.id == PointRow.vial_id)
        .join(ProductRow, ProductRow.id == VialRow.product_id)
        .join(conc, conc.c.vial_id == VialRow.id)
        .where(PointRow.session_id.in_(ids))
        .group_by(PointRow.session_id, PointRow.zone, ProductRow.brand)
    ).all()  # fmt: skip
    out: dict[int, dict[Zone, list[_Dose]]] = defaultdict(lambda: defaultdict(list))
    for sid, zone, brand, units, u01 in rows:
        out[sid][Zone(zone)].append(_Dose(brand, float(units or 0.0), float(u01 or 0.0)))
    return out


def _rated(s: Session, wanted: dict[int, tuple[int, TimePoint]]) -> dict[int, dict[Measure, float]]:
    """Rated change (follow-up - baseline) at the follow-up photo's time point, else the latest follow-up;
    baselines on the session version, follow-ups on its chain's root (as the other reports read them)."""
    ids = list(wanted) + [rid for rid, _ in wanted.values()]
    rows = s.execute(
        select(AssessmentRow)
        .where(AssessmentRow.session_id.in_(ids))
        .order_by(AssessmentRow.assessed_on, AssessmentRow.id)
    ).scalars()
    by_session: dict[int, list[AssessmentRow]] = defaultdict(list)
    for a in rows:
        by_session[a.session_id].append(a)
    out: dict[int, dict[Measure, float]] = {}
    for sid, (rid, tp) in wanted.items():
        base = [a for a in by_session[sid] if a.time_point == TimePoint.BASELINE.value]
        later = [a for a in by_session[rid] if a.time_point != TimePoint.BASELINE.value]
        at_tp = [a for a in later if a.time_point == tp.value]
        follow = (at_tp or later)[-1:] if later else []
        if not base or not follow:
            continue
        b, a = base[-1], follow[0]
        out[sid] = {
            m: float(getattr(a, m.value) - getattr(b, m.value))
            for m in Measure
            if getattr(a, m.value) is not None and getattr(b, m.value) is not None
        }
    return out


def _group(sess: _Session, brand: str, by: BreakdownBy) -> str:
    if by is BreakdownBy.DILUTION:
        return f"{sess.band} · {brand}"
    if by is BreakdownBy.INJECTOR:
        return f"{sess.injector} · {brand}"
    return brand


def _rows(sessions: Iterable[_Session], by: BreakdownBy) -> tuple[SkinZoneRow, ...]:
    acc: dict[tuple[str, Zone], dict[str, Any]] = {}
    for sess in sessions:
        for zc in sess.change.zones:
            for dose in sess.doses.get(zc.zone, []):
                key = (_group(sess, dose.brand, by), zc.zone)
                a = acc.setdefault(key, {"sids": set(), "dose": [], "u01": [], "who": set(),
                                         "figs": defaultdict(list), "rated": defaultdict(list)})  # fmt: skip
                a["sids"].add(sess.sid)
                a["who"].add(sess.injector)
                if zc.before.area_cm2 > 0:
                    a["dose"].append(dose.units / zc.before.area_cm2)
                a["u01"].append(dose.u01)
                for fig in SkinFigure:
                    value = zc.change(fig.value)
                    if value is not None:
                        a["figs"][fig].append(value)
                for m, value in sess.rated.items():
                    a["rated"][m].append(value)
    rows = [
        SkinZoneRow(
            group=group,
            zone=zone,
            sessions=len(a["sids"]),
            dose_u_per_cm2=Estimate.of(a["dose"]),
            dilution_u_per_0_1_ml=Estimate.of(a["u01"]),
            injectors="; ".join(sorted(a["who"], key=str.casefold)),
            measured=tuple((fig, Estimate.of(a["figs"][fig])) for fig in SkinFigure),
            rated=tuple((m, Estimate.of(a["rated"][m])) for m in Measure),
        )
        for (group, zone), a in acc.items()
    ]
    zones = list(Zone)
    return tuple(sorted(rows, key=lambda r: (r.group.casefold(), zones.index(r.zone))))


def _agreement(sessions: Iterable[_Session]) -> tuple[SkinAgreement, ...]:
    """Per figure: Spearman's ρ over sessions between the rated change of its measure and its measured
    change averaged over the session's treated zones that were measured."""
    listed = list(sessions)
    out = []
    for fig in SkinFigure:
        rated, measured = [], []
        for sess in listed:
            changes = [zc.change(fig.value) for zc in sess.change.zones if zc.zone in sess.doses]
            values = [v for v in changes if v is not None]
            r = sess.rated.get(fig.rated_as)
            if values and r is not None:
                rated.append(r)
                measured.append(fmean(values))
        out.append(SkinAgreement(fig, spearman(rated, measured)))
    return tuple(out)
