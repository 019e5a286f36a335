"""Skin-analysis figures stored with the photo they were measured on (issue 19); all audited.

``measure`` reads a stored photo's bytes (checked against its SHA-256), runs the analysis engine and
stores the result as a ``photo_measurement`` record (an audited kind: ``audit verify`` proves it) with
its figures per zone. Measuring again (new landmarks placed by the nurse, a newer engine) adds a record;
the newest measurement of a photo counts, none is overwritten.

``session_change`` pairs a session's baseline photo with its latest measured follow-up photo of the
same view and gives each zone's figures before and after: what the follow-up screen, the reports and
the printed documents put beside the clinician's 0-4 rating.

Measuring takes about a second for a 24-megapixel photo: screens call it on the worker pool.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import cv2
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...analysis.engine import AnalysisMaps, analyse_photo_with_maps
from ...analysis.figures import (
    ColourSource,
    FaceLandmarks,
    LandmarkSource,
    PhotoAnalysis,
    PhotoQuality,
    ScaleSource,
    ZoneFigures,
)
from ...db.models import PhotoMeasurementRow, PhotoRow, PhotoZoneFiguresRow, UserRow
from ...domain.enums import AuditAction, TimePoint, Zone
from ...domain.errors import FieldError, ValidationError
from ...domain.photos import PhotoView
from .. import audit
from ..base import Context, ServiceBase
from ..permissions import Action
from .service import _photo_row, check_bytes
from .store import PhotoStore, store_for

#: Bumped when the engine's figures change meaning, so stored figures say which engine made them.
ENGINE_VERSION = "1.0"
#: The figures a zone carries, in the order screens and reports list them.
FIGURES = ("redness_a_mean", "red_share", "pores_per_cm2", "pore_area_share", "shine_share")
#: Follow-up time points, earliest first (the latest measured one is compared with the baseline).
_LATER = (TimePoint.DAY_14, TimePoint.WEEK_4, TimePoint.WEEK_12, TimePoint.OTHER)


@dataclass(frozen=True)
class Measurement:
    """A stored measurement of one photo."""

    id: int
    photo_id: int
    measured_at: datetime
    measured_by: str
    engine_version: str
    analysis: PhotoAnalysis


@dataclass(frozen=True)
class MeasuredPhoto:
    """A measurement just made, with the pixels and maps the overlays draw (None if the photo failed)."""

    measurement: Measurement
    rgb: NDArray[np.uint8]
    maps: AnalysisMaps | None


@dataclass(frozen=True)
class ZoneChange:
    zone: Zone
    before: ZoneFigures
    after: ZoneFigures

    def change(self, figure: str) -> float | None:
        """after - before for one of FIGURES, None when either could not be measured."""
        b, a = getattr(self.before, figure), getattr(self.after, figure)
        return None if a is None or b is None else float(a) - float(b)


@dataclass(frozen=True)
class MeasuredChange:
    """One view of one session: its baseline photo against its latest measured follow-up photo."""

    view: PhotoView
    before_photo_id: int
    after_photo_id: int
    after_time_point: TimePoint
    zones: tuple[ZoneChange, ...]


def decode_photo(data: bytes, name: str = "photo") -> NDArray[np.uint8]:
    """Image bytes as an RGB array (stored photos are already upright: the import applied EXIF)."""
    bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) if data else None
    if bgr is None:
        raise ValidationError(FieldError("photo", f"{name} is not a picture this program reads"))
    return np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)


class MeasurementService(ServiceBase):
    def __init__(self, ctx: Context, store: PhotoStore | None = None) -> None:
        super().__init__(ctx)
        self.store = store or store_for(ctx.db.engine)

    def measure(
        self,
        photo_id: int,
        face: FaceLandmarks | None = None,
        *,
        card_width_mm: float | None = None,
        progress: Callable[[float, str], None] | None = None,
    ) -> MeasuredPhoto:
        """Measure a stored photo (landmarks found automatically unless given) and store the figures."""
        actor = self.actor(Action.CHART)
        with self.reading() as s:
            row = _photo_row(s, photo_id)
            if row.voided_at is not None:
                raise ValidationError(FieldError("photo", f"Photo {photo_id} is void and is not measured"))
            sha, patient_id = row.sha256, row.patient_id
            data = self.store.get(s, sha)
        check_bytes(photo_id, sha, data)
        assert data is not None
        rgb = decode_photo(data, f"photo {photo_id}")
        try:
            analysis, maps = analyse_photo_with_maps(
                rgb, face, card_width_mm=card_width_mm, progress=progress
            )
        except ValueError as e:  # the engine names the field first: "pupil distance: ..."
            field, _, message = str(e).partition(": ")
            raise ValidationError(FieldError(field, message)) from None
        with self.writing() as s:
            mrow = _store(s, photo_id, patient_id, actor.user_id, self.now(), analysis)
            audit.record(
                s, actor, AuditAction.CREATE, "photo_measurement", mrow.id, patient_id=patient_id,
                changes={"photo": [None, photo_id], "engine": [None, ENGINE_VERSION],
                         "passed": [None, analysis.quality.passed]},
            )  # fmt: skip
            measurement = Measurement(
                mrow.id, photo_id, mrow.measured_at, actor.full_name, ENGINE_VERSION, analysis
            )
        return MeasuredPhoto(measurement, rgb, maps)

    def redraw(
        self, measurement: Measurement, *, progress: Callable[[float, str], None] | None = None
    ) -> MeasuredPhoto:
        """A stored measurement with its photo's pixels and the maps the overlays draw, computed again
        with the landmarks it was measured with (nothing is stored: the stored figures stay as they are).
        """
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            row = _photo_row(s, measurement.photo_id)
            sha = row.sha256
            data = self.store.get(s, sha)
        check_bytes(measurement.photo_id, sha, data)
        assert data is not None
        rgb = decode_photo(data, f"photo {measurement.photo_id}")
        face = measurement.analysis.landmarks
        if face is None:  # the stored measurement found no face: there is nothing to draw
            return MeasuredPhoto(measurement, rgb, None)
        _analysis, maps = analyse_photo_with_maps(rgb, face, progress=progress)
        return MeasuredPhoto(measurement, rgb, maps)

    def latest(self, photo_ids: Iterable[int]) -> dict[int, Measurement]:
        """The newest measurement of each photo that has one."""
        self.actor(Action.VIEW_PATIENTS)
        ids = list(photo_ids)
        if not ids:
            return {}
        with self.reading() as s:
            return _latest(s, ids)

    def session_change(self, session_id: int) -> list[MeasuredChange]:
        """Per view: the session's baseline photo against its latest measured follow-up photo."""
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            photos = [
                (pid, view, time_point)
                for pid, view, time_point in s.execute(
                    select(PhotoRow.id, PhotoRow.view, PhotoRow.time_point)
                    .where(PhotoRow.session_id == session_id, PhotoRow.voided_at.is_(None))
                    .order_by(PhotoRow.taken_at, PhotoRow.id)
                )
            ]
            measured = _latest(s, [p[0] for p in photos])
        return _pair(photos, measured)


def _store(
    s: Session, photo_id: int, patient_id: int, user_id: int, now: datetime, analysis: PhotoAnalysis
) -> PhotoMeasurementRow:
    q = analysis.quality
    row = PhotoMeasurementRow(
        photo_id=photo_id,
        patient_id=patient_id,
        measured_at=now,
        measured_by_id=user_id,
        engine_version=ENGINE_VERSION,
        landmarks=_landmarks_text(analysis.landmarks),
        px_per_mm=round(q.px_per_mm, 4),
        scale_source=q.scale_source.name,
        colour_source=q.colour_source.name,
        skin_median_luma=round(q.skin_median_luma, 3),
        clipped_share=round(q.clipped_share, 6),
        blur=round(q.blur, 6),
        problems="\n".join(q.problems),
    )
    s.add(row)
    s.flush()
    s.add_all(
        PhotoZoneFiguresRow(
            measurement_id=row.id,
            zone=z.zone.value,
            area_cm2=round(z.area_cm2, 4),
            measured_share=round(z.measured_share, 6),
            redness_a_mean=_r(z.redness_a_mean, 4),
            red_share=_r(z.red_share, 6),
            pores_per_cm2=_r(z.pores_per_cm2, 4),
            pore_area_share=_r(z.pore_area_share, 6),
            pore_count=z.pore_count,
            shine_share=_r(z.shine_share, 6),
            problems="\n".join(z.problems),
        )
        for z in analysis.zones
    )
    s.flush()
    return row


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _landmarks_text(face: FaceLandmarks | None) -> str:
    if face is None:
        return ""
    points = {name: [round(x, 2), round(y, 2)] for name, (x, y) in face.named().items()}
    return json.dumps({"source": face.source.name, **points}, sort_keys=True)


def _landmarks_of(text: str) -> FaceLandmarks | None:
    if not text:
        return None
    d = json.loads(text)

    def p(name: str) -> tuple[float, float] | None:
        return (float(d[name][0]), float(d[name][1])) if name in d else None

    right, left = p("right_pupil"), p("left_pupil")
    assert right is not None and left is not None
    return FaceLandmarks(right, left, p("mouth_right"), p("mouth_left"), LandmarkSource[d["source"]])


def _latest(s: Session, photo_ids: Sequence[int]) -> dict[int, Measurement]:
    newest = (
        select(func.max(PhotoMeasurementRow.id))
        .where(PhotoMeasurementRow.photo_id.in_(photo_ids))
        .group_by(PhotoMeasurementRow.photo_id)
    )
    rows = s.execute(
        select(PhotoMeasurementRow, UserRow.full_name)
        .join(UserRow, UserRow.id == PhotoMeasurementRow.measured_by_id)
        .where(PhotoMeasurementRow.id.in_(newest))
    ).all()
    zones: dict[int, list[ZoneFigures]] = {r.id: [] for r, _ in rows}
    for z in s.scalars(
        select(PhotoZoneFiguresRow)
        .where(PhotoZoneFiguresRow.measurement_id.in_(list(zones)))
        .order_by(PhotoZoneFiguresRow.id)
    ):
        zones[z.measurement_id].append(_zone(z))
    return {
        r.photo_id: Measurement(
            r.id, r.photo_id, r.measured_at, name, r.engine_version, _analysis(r, zones[r.id])
        )
        for r, name in rows
    }


def _analysis(r: PhotoMeasurementRow, zones: list[ZoneFigures]) -> PhotoAnalysis:
    quality = PhotoQuality(
        px_per_mm=r.px_per_mm,
        scale_source=ScaleSource[r.scale_source],
        colour_source=ColourSource[r.colour_source],
        skin_median_luma=r.skin_median_luma,
        clipped_share=r.clipped_share,
        blur=r.blur,
        problems=tuple(p for p in r.problems.split("\n") if p),
    )
    return PhotoAnalysis(quality, _landmarks_of(r.landmarks), tuple(zones))


def _zone(z: PhotoZoneFiguresRow) -> ZoneFigures:
    return ZoneFigures(
        zone=Zone(z.zone),
        area_cm2=z.area_cm2,
        measured_share=z.measured_share,
        redness_a_mean=z.redness_a_mean,
        red_share=z.red_share,
        pores_per_cm2=z.pores_per_cm2,
        pore_area_share=z.pore_area_share,
        pore_count=z.pore_count,
        shine_share=z.shine_share,
        problems=tuple(p for p in z.problems.split("\n") if p),
    )


def _pair(photos: Sequence[tuple[int, str, str]], measured: dict[int, Measurement]) -> list[MeasuredChange]:
    """``photos``: (id, view, time point) in the order taken."""
    later_points = {t.value for t in _LATER}
    out: list[MeasuredChange] = []
    for view in PhotoView:
        mine = [(pid, tp) for pid, v, tp in photos if v == view.value and pid in measured]
        before = [pid for pid, tp in mine if tp == TimePoint.BASELINE.value]
        later = [(pid, tp) for pid, tp in mine if tp in later_points]
        if not before or not later:
            continue
        b, (a, a_point) = before[-1], later[-1]  # the latest baseline retake; the latest follow-up photo
        before_zones = {z.zone: z for z in measured[b].analysis.zones}
        changes = tuple(
            ZoneChange(z.zone, before_zones[z.zone], z)
            for z in measured[a].analysis.zones
            if z.zone in before_zones
        )
        out.append(MeasuredChange(view, b, a, TimePoint(a_point), changes))
    return out
