"""The skin-analysis figures of a printed before-and-after pair (issue 19): the newest measurement of
each photo, per key zone, with the clinician's ratings at the same visits (pdf/photo_pages.py prints
them beside the photos, in the chart PDF and the patient's progress sheet)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...analysis.figures import PhotoAnalysis
from ...db.models import AssessmentRow, SessionRow
from ...domain.enums import Measure, TimePoint
from ...domain.photos import Photo
from ...domain.printed_figures import PRINTED_FIGURES, PRINTED_ZONES, MeasuredFigures, ZoneBeforeAfter
from .measurements import Measurement, _latest


def measured_figures(s: Session, before: Photo, after: Photo) -> MeasuredFigures | None:
    """Both photos' newest figures and the ratings of their visits; None unless both were measured and
    passed their quality checks."""
    found = _latest(s, [before.id, after.id])
    b, a = found.get(before.id), found.get(after.id)
    if b is None or a is None or not b.analysis.quality.passed or not a.analysis.quality.passed:
        return None
    zones = tuple(
        ZoneBeforeAfter(zone, _values(b.analysis, zone), _values(a.analysis, zone))
        for zone in PRINTED_ZONES
        if _measured(b.analysis, zone) and _measured(a.analysis, zone)
    )
    if not zones:
        return None
    return MeasuredFigures(
        zones,
        _ratings(s, before.session_id, TimePoint.BASELINE),
        _ratings(s, after.session_id, after.time_point) if after.time_point != TimePoint.BASELINE else (),
        _quality(b, a),
    )


def _measured(analysis: PhotoAnalysis, zone: object) -> bool:
    return any(z.zone == zone for z in analysis.zones)


def _values(analysis: PhotoAnalysis, zone: object) -> tuple[float | None, ...]:
    z = next(z for z in analysis.zones if z.zone == zone)
    return tuple(
        None if getattr(z, name) is None else float(getattr(z, name)) for name, *_ in PRINTED_FIGURES
    )


def _ratings(s: Session, session_id: int | None, tp: TimePoint) -> tuple[tuple[Measure, int | None], ...]:
    """The session's rating at ``tp`` (follow-ups hang on the chain's root session): the latest one."""
    if session_id is None:
        return ()
    root = s.execute(select(SessionRow.root_id).where(SessionRow.id == session_id)).scalar_one_or_none()
    owner = session_id if tp == TimePoint.BASELINE else (root or session_id)
    row = s.scalars(
        select(AssessmentRow)
        .where(AssessmentRow.session_id == owner, AssessmentRow.time_point == tp.value)
        .order_by(AssessmentRow.assessed_on.desc(), AssessmentRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return ()
    return tuple((m, getattr(row, m.value)) for m in (Measure.PORES, Measure.OIL, Measure.REDNESS))


def _quality(*measured: Measurement) -> str:
    parts = []
    for m in measured:
        q = m.analysis.quality
        parts.append(f"{q.px_per_mm:.1f} px/mm, colour from {q.colour_source.value}")
    return "; ".join(dict.fromkeys(parts))
