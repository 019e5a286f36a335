"""Synthetic before-and-after photos for a few of the demo's treated sessions, measured by the engine.

For the first ``sessions`` signed sessions that have a follow-up assessment, a front photo is painted at
baseline and at the latest follow-up (clinicrec/analysis/synthetic.py, ~7 px/mm so the build stays
quick) whose condition follows the clinician's ratings at that visit, with noise: more pores for a
higher pores rating, larger red patches and a redder skin for redness, larger highlights for oil. Each
photo goes through the application's own path, as the session's injector: the patient's photo consent
recorded, the photo imported (stripped, hashed, audited) and measured (``services.measurements``:
figures stored and audited), with the clock set to the day of the visit. The measured change then
follows the rated change, as the reports show (services/reports/skin.py).

Only a few dozen sessions at most: each photo takes about two seconds to paint and measure, and a
100,000-patient build must stay fast.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import cv2
from sqlalchemy import select

from ..analysis.figures import FaceLandmarks
from ..analysis.synthetic import CARD_WIDTH_MM, render_face
from ..db.models import AssessmentRow, SessionRow
from ..domain.enums import TimePoint
from ..domain.photos import ConsentScope, PhotoDetails, PhotoView
from ..services.app import open_services
from ..services.photos.store import path_in, photo_key, seal, write_whole
from .people import DEMO_PASSWORD, DEMO_USERS

#: Sessions given photos by ``clinicrec demo`` and ``--demo`` (a build's ``photo_sessions``).
DEMO_PHOTO_SESSIONS = 10
PX_PER_MM = 7.0
DEVICE = "ClinicRec demo (synthetic face)"


@dataclass(frozen=True)
class Visit:
    """One photographed visit: its time point, day and the clinician's 0-4 ratings."""

    time_point: TimePoint
    on: date
    pores: int
    oil: int
    redness: int


@dataclass(frozen=True)
class PhotographedSession:
    session_id: int
    patient_id: int
    injector_id: int
    baseline: Visit
    follow_up: Visit


class _Clock:
    """The services' clock, set to each visit in turn (photos and their figures dated on the day)."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at


def face_for(visit: Visit, rng: random.Random, seed: int) -> tuple[bytes, FaceLandmarks]:
    """A JPEG of a face whose pores, redness and shine follow ``visit``'s ratings (with noise), and its
    landmarks (where the nurse would place the pupils and mouth corners)."""
    photo = render_face(
        PX_PER_MM,
        seed=seed,
        pores_per_cm2=max(2.0, (5.0 + 5.0 * visit.pores) * rng.lognormvariate(0.0, 0.08)),
        red_scale=max(0.0, 0.2 + 0.3 * visit.redness + rng.gauss(0.0, 0.08)),
        skin_a_shift=(visit.redness - 2) * 0.8 + rng.gauss(0.0, 0.4),
        shine_scale=max(0.0, 0.3 + 0.25 * visit.oil + rng.gauss(0.0, 0.06)),
        light_gain=rng.uniform(0.9, 1.1),
        shift_cm=(rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)),
    )
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(photo.rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92]
    )
    if not ok:
        raise RuntimeError("the demo's synthetic photo could not be encoded")
    return data.tobytes(), photo.face


def sessions_to_photograph(url: str, sessions: int) -> list[PhotographedSession]:
    """The first ``sessions`` signed sessions with a follow-up assessment, with their latest one."""
    from ..db.engine import Database, make_engine

    db = Database(make_engine(url))
    try:
        with db.read() as s:
            follow = (
                select(AssessmentRow.session_id)
                .where(AssessmentRow.time_point != TimePoint.BASELINE.value)
                .distinct()
                .order_by(AssessmentRow.session_id)
                .limit(sessions)
                .scalar_subquery()
            )
            rows = s.execute(
                select(SessionRow.id, SessionRow.patient_id, SessionRow.injector_id, AssessmentRow)
                .join(AssessmentRow, AssessmentRow.session_id == SessionRow.id)
                .where(SessionRow.id.in_(follow), SessionRow.status == "signed")
                .order_by(SessionRow.id, AssessmentRow.assessed_on, AssessmentRow.id)
            ).all()
    finally:
        db.dispose()
    by_session: dict[int, list[tuple[int, int, AssessmentRow]]] = {}
    for sid, pid, injector, a in rows:
        by_session.setdefault(sid, []).append((pid, injector, a))
    out = []
    for sid, found in by_session.items():
        base = [a for _, _, a in found if a.time_point == TimePoint.BASELINE.value]
        later = [a for _, _, a in found if a.time_point != TimePoint.BASELINE.value]
        if base and later and None not in (base[0].pores, base[0].oil, base[0].redness):
            pid, injector, _ = found[0]
            out.append(PhotographedSession(sid, pid, injector, _visit(base[0]), _visit(later[-1])))
    return out


def _visit(a: AssessmentRow) -> Visit:
    return Visit(TimePoint(a.time_point), a.assessed_on, a.pores or 0, a.oil or 0, a.redness or 0)


def add_demo_photos(url: str, *, sessions: int = DEMO_PHOTO_SESSIONS, seed: int = 7) -> int:
    """Photograph and measure the first ``sessions`` followed-up sessions of the (plain) demo at ``url``;
    returns how many photos were stored."""
    if sessions <= 0:
        return 0
    chosen = sessions_to_photograph(url, sessions)
    if not chosen:
        return 0
    rng = random.Random(seed * 7919 + 19)
    clock = _Clock()
    services = open_services(url, clock=clock, encrypt_new_database=False)
    stored = 0
    try:
        for injector in sorted({c.injector_id for c in chosen}):
            services.auth.sign_in(DEMO_USERS[injector - 1][0], DEMO_PASSWORD)
            for c in (c for c in chosen if c.injector_id == injector):
                clock.at = datetime.combine(c.baseline.on, time(9), tzinfo=UTC)
                if ConsentScope.CLINICAL not in services.photos.consent_scopes(c.patient_id):
                    services.photos.record_consent(c.patient_id, (ConsentScope.CLINICAL,), c.baseline.on)
                for visit, hour in ((c.baseline, 9), (c.follow_up, 10)):
                    clock.at = datetime.combine(visit.on, time(hour, 5), tzinfo=UTC)
                    data, face = face_for(visit, rng, seed=c.patient_id)
                    details = PhotoDetails(c.patient_id, PhotoView.FRONT, visit.time_point, c.session_id)
                    photo = services.photos.import_photo(details, data, "demo.jpg", device=DEVICE)
                    services.measurements.measure(photo.id, face, card_width_mm=CARD_WIDTH_MM)
                    stored += 1
            services.auth.sign_out()
    finally:
        services.close()
    return stored


def seal_photo_folder(plain: Path, target: Path, database_key: bytes) -> int:
    """The demo's plain photo files (``plain``) sealed into ``target`` under the photo key of the encrypted
    database they now belong to (services/photos/store.py); ``plain`` is then removed. Returns how many."""
    if not plain.is_dir():
        return 0
    key = photo_key(database_key)
    count = 0
    for file in sorted(plain.glob("??/*")):
        if len(file.name) == 64 and not file.name.startswith("."):
            dest = path_in(target, file.name)
            dest.unlink(missing_ok=True)  # a replaced demo's file of the same photo, sealed under its key
            write_whole(dest, seal(key, file.name, file.read_bytes()))
            count += 1
    shutil.rmtree(plain, ignore_errors=True)
    return count
