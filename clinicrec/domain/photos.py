"""Before and after photographs: views, time points, consent scopes, and the two-landmark alignment.

A photo is taken the same way at every visit (DOMAIN.md, *Photographs*): one of the standard views of
the face, at one of the follow-up time points. Alignment maps the "after" photo onto the "before" one
with a similarity transform (scale, rotation, shift) fixed by two landmarks marked on each, e.g. the
pupils; it is exact for those two points, so the marked landmarks land on each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from .clinic_time import local_date
from .date_text import DateOrder, format_date
from .enums import LabelledEnum, TimePoint, Zone
from .errors import FieldError, ValidationError
from .printed_figures import MeasuredFigures


class PhotoView(LabelledEnum):
    FRONT = "front", "Front"
    OBLIQUE_LEFT = "oblique_left", "Oblique left 45°"
    OBLIQUE_RIGHT = "oblique_right", "Oblique right 45°"
    PROFILE_LEFT = "profile_left", "Profile left 90°"
    PROFILE_RIGHT = "profile_right", "Profile right 90°"
    CLOSE_UP = "close_up", "Close-up"


class ConsentScope(LabelledEnum):
    CLINICAL = "clinical", "Clinical record"
    TEACHING = "teaching", "Teaching"
    MARKETING = "marketing", "Marketing"


#: The time points a photo may be taken at (the follow-up schedule's, and any other date).
PHOTO_TIME_POINTS: tuple[TimePoint, ...] = (
    TimePoint.BASELINE,
    TimePoint.DAY_14,
    TimePoint.WEEK_4,
    TimePoint.WEEK_12,
    TimePoint.OTHER,
)

#: What the import accepts, by the format Pillow reports.
ACCEPTED_FORMATS = ("JPEG", "PNG", "TIFF", "HEIF")


@dataclass(frozen=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True)
class Landmarks:
    """Two points marked on a photo, in its own pixels (e.g. the right then the left pupil)."""

    first: Point
    second: Point

    def as_text(self) -> str:
        return f"{self.first.x:.2f},{self.first.y:.2f},{self.second.x:.2f},{self.second.y:.2f}"

    @classmethod
    def from_text(cls, text: str | None) -> Landmarks | None:
        if not text:
            return None
        x1, y1, x2, y2 = (float(v) for v in text.split(","))
        return cls(Point(x1, y1), Point(x2, y2))


@dataclass(frozen=True)
class Similarity:
    """x' = a·x − b·y + tx, y' = b·x + a·y + ty (a = s·cos θ, b = s·sin θ)."""

    a: float
    b: float
    tx: float
    ty: float

    @property
    def scale(self) -> float:
        return math.hypot(self.a, self.b)

    @property
    def rotation_degrees(self) -> float:
        return math.degrees(math.atan2(self.b, self.a))

    def apply(self, p: Point) -> Point:
        return Point(self.a * p.x - self.b * p.y + self.tx, self.b * p.x + self.a * p.y + self.ty)

    def inverse(self) -> Similarity:
        d = self.a * self.a + self.b * self.b
        ia, ib = self.a / d, -self.b / d
        return Similarity(ia, ib, -(ia * self.tx - ib * self.ty), -(ib * self.tx + ia * self.ty))

    def affine(self) -> tuple[float, float, float, float, float, float]:
        """(m11, m12, m21, m22, dx, dy) as a 2D graphics transform takes it (x' = m11·x + m21·y + dx)."""
        return (self.a, self.b, -self.b, self.a, self.tx, self.ty)


def align(moving: Landmarks, fixed: Landmarks) -> Similarity:
    """The similarity transform that takes ``moving``'s two landmarks onto ``fixed``'s.

    With complex numbers z' = m·z + t: m = (f2 − f1) / (m2 − m1), t = f1 − m·m1.
    """
    m1, m2 = complex(moving.first.x, moving.first.y), complex(moving.second.x, moving.second.y)
    f1, f2 = complex(fixed.first.x, fixed.first.y), complex(fixed.second.x, fixed.second.y)
    if abs(m2 - m1) < 1e-9 or abs(f2 - f1) < 1e-9:
        raise ValidationError(FieldError("landmarks", "The two landmarks must be at different places"))
    m = (f2 - f1) / (m2 - m1)
    t = f1 - m * m1
    return Similarity(m.real, m.imag, t.real, t.imag)


@dataclass(frozen=True)
class PhotoConsent:
    """A patient's photo consent as it stands: which scopes are given, since when, who recorded it."""

    patient_id: int
    scopes: frozenset[ConsentScope]
    given_on: date
    recorded_by: str
    recorded_at: datetime
    note: str = ""


@dataclass(frozen=True)
class PhotoDetails:
    """What the nurse says about a photo being added."""

    patient_id: int
    view: PhotoView
    time_point: TimePoint
    session_id: int | None = None
    other_date: date | None = None
    zone: Zone | None = None
    note: str = ""

    def problems(self) -> list[FieldError]:
        out = []
        if self.time_point not in PHOTO_TIME_POINTS:
            allowed = ", ".join(t.label for t in PHOTO_TIME_POINTS)
            out.append(FieldError("time_point", f"A photo's time point is one of: {allowed}"))
        if self.time_point == TimePoint.OTHER and self.other_date is None:
            out.append(FieldError("other_date", "A photo at 'Other date' needs its date"))
        if self.view == PhotoView.CLOSE_UP and self.zone is None:
            out.append(FieldError("zone", "A close-up names the zone it shows"))
        if self.view != PhotoView.CLOSE_UP and self.zone is not None:
            out.append(FieldError("zone", "Only a close-up names a zone"))
        if len(self.note) > 500:
            out.append(FieldError("note", "A note is at most 500 characters"))
        return out


@dataclass(frozen=True)
class Photo:
    """A stored photo as the chart shows it (never the image bytes: those are read on request)."""

    id: int
    patient_id: int
    session_id: int | None
    view: PhotoView
    zone: Zone | None
    time_point: TimePoint
    other_date: date | None
    taken_at: datetime
    taken_by: str
    device: str
    note: str
    sha256: str
    media_type: str
    width: int
    height: int
    size_bytes: int
    landmarks: Landmarks | None = None
    voided: bool = False
    void_reason: str = ""

    @property
    def view_label(self) -> str:
        return f"{self.view.label}: {self.zone.label}" if self.zone else self.view.label

    @property
    def time_point_label(self) -> str:
        if self.time_point == TimePoint.OTHER and self.other_date:
            return self.other_date.isoformat()
        return self.time_point.label

    def days_since(self, treated_on: date | None) -> int | None:
        return None if treated_on is None else (self.taken_at.date() - treated_on).days


@dataclass(frozen=True)
class PrintedPhoto:
    """A photo ready for a PDF: its record, a print-sized JPEG, and its scale from the stored image."""

    photo: Photo
    jpeg: bytes
    width: int
    height: int
    days_after_treatment: int | None = None

    @property
    def caption(self) -> str:
        return self.caption_in(DateOrder.ISO)

    def caption_in(self, order: DateOrder, zone_name: str = "UTC") -> str:
        """'Week 4: 30/06/2027, day 28': the clinic's date (in its zone ``zone_name``) of the photo, in
        its format ``order``."""
        days = "" if self.days_after_treatment is None else f", day {self.days_after_treatment}"
        taken = format_date(local_date(self.photo.taken_at, zone_name), order)
        return f"{self.photo.time_point_label}: {taken}{days}"


@dataclass(frozen=True)
class BeforeAfter:
    """One view's baseline and latest follow-up photo, for the chart's page and the progress sheet."""

    view_label: str
    before: PrintedPhoto
    after: PrintedPhoto
    figures: MeasuredFigures | None = None  # the skin analysis of both photos, when both are measured

    def alignment(self) -> Similarity:
        """Print-sized 'after' pixels -> print-sized 'before' pixels (landmarks, else the same width)."""
        b, a = self.before, self.after
        sb, sa = b.width / b.photo.width, a.width / a.photo.width
        if b.photo.landmarks and a.photo.landmarks:
            t = align(a.photo.landmarks, b.photo.landmarks)  # stored px -> stored px
            return Similarity(t.a * sb / sa, t.b * sb / sa, t.tx * sb, t.ty * sb)
        s = b.width / a.width
        return Similarity(s, 0.0, 0.0, 0.0)
