"""Finding the face, and placing the face-map zones on a photo from its landmarks.

The face and eyes are found offline with the Haar cascades that ship inside OpenCV's own wheel
(``cv2.data.haarcascades``: Viola & Jones 2001, Lienhart & Maydt 2002; Intel's BSD-style licence,
fit for commercial use). A detected pupil is the centre of the eye's box; the nurse can move any point,
and points given by the caller are used as they are.

The face map (``domain.facemap``) is drawn in centimetres with the pupils 6.24 cm apart and the mouth
corners 4.9 cm apart. A least-squares similarity (shift, rotation, one scale) from those reference
points to the photo's landmarks places every zone on the photo, and the same fit aligns a before and
an after photo.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from numpy.typing import NDArray

from clinicrec.analysis.figures import FaceLandmarks, LandmarkSource, Pixel
from clinicrec.domain import facemap
from clinicrec.domain.enums import Zone

#: The face map's reference points, cm from the picture's top-left (patient's right on viewer's left).
MAP_POINTS_CM: dict[str, Pixel] = {
    "right_pupil": (facemap.MAP_WIDTH_CM / 2 - 3.12, 12.05),
    "left_pupil": (facemap.MAP_WIDTH_CM / 2 + 3.12, 12.05),
    "mouth_right": (facemap.MAP_WIDTH_CM / 2 - 2.45, 19.0),
    "mouth_left": (facemap.MAP_WIDTH_CM / 2 + 2.45, 19.0),
}
MAP_PUPIL_DISTANCE_CM = 6.24
#: Longest side of the copy the face is searched in.
_DETECT_SIDE = 900


@dataclass(frozen=True)
class Similarity:
    """p_photo = scale * R(angle) * p + shift, as one complex multiply: z' = a z + b."""

    a: complex
    b: complex

    @property
    def scale(self) -> float:
        return abs(self.a)

    @property
    def angle_deg(self) -> float:
        return math.degrees(math.atan2(self.a.imag, self.a.real))

    def apply(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        z = points[:, 0] + 1j * points[:, 1]
        w = self.a * z + self.b
        return np.stack([w.real, w.imag], axis=1)

    def scaled(self, factor: float, origin: Pixel = (0.0, 0.0)) -> Similarity:
        """The same map into a photo cropped at ``origin`` and then resized by ``factor``."""
        return Similarity(self.a * factor, (self.b - complex(*origin)) * factor)


def fit_similarity(src: Sequence[Pixel], dst: Sequence[Pixel]) -> Similarity:
    """Least-squares similarity from src to dst (two points or more)."""
    zs = np.array([complex(*p) for p in src])
    zd = np.array([complex(*p) for p in dst])
    ms, md = zs.mean(), zd.mean()
    cs, cd = zs - ms, zd - md
    a = complex(np.vdot(cs, cd) / np.vdot(cs, cs))
    return Similarity(a, complex(md - a * ms))


def map_to_photo(landmarks: FaceLandmarks) -> Similarity:
    """The face map (cm) -> photo (px) similarity for these landmarks."""
    named = landmarks.named()
    return fit_similarity([MAP_POINTS_CM[k] for k in named], list(named.values()))


def align(before: FaceLandmarks, after: FaceLandmarks) -> Similarity:
    """The similarity taking the after photo's pixels onto the before photo's (for side-by-side views)."""
    return fit_similarity(list(after.named().values()), list(before.named().values()))


@cache
def zone_outline_cm(zone: Zone) -> NDArray[np.float64]:
    return np.array([facemap.to_cm(p) for p in facemap.ZONE_POLYGONS[zone]], dtype=np.float64)


def zone_outline(zone: Zone, to_photo: Similarity) -> NDArray[np.float64]:
    """The zone's polygon in photo pixels (the perioral ring includes its lip hole, even-odd)."""
    return to_photo.apply(zone_outline_cm(zone))


def zone_mask(zone: Zone, to_photo: Similarity, shape: tuple[int, int]) -> NDArray[np.bool_]:
    mask = np.zeros(shape, np.uint8)
    pts = np.round(zone_outline(zone, to_photo) * 16).astype(np.int32)
    cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_8, shift=4)  # even-odd: the lip hole stays empty
    return mask.astype(bool)


def zone_area_px(zone: Zone, to_photo: Similarity) -> float:
    """The zone's full area in pixels (also the part outside the photo)."""
    return facemap.zone_area_cm2(zone) * to_photo.scale**2


def _cascade(name: str) -> cv2.CascadeClassifier:
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]
    if classifier.empty():
        raise RuntimeError(f"OpenCV's {name} is missing from this installation")
    return classifier


@cache
def _cascades() -> tuple[cv2.CascadeClassifier, cv2.CascadeClassifier]:
    return _cascade("haarcascade_frontalface_default.xml"), _cascade("haarcascade_eye.xml")


def detect_landmarks(rgb: NDArray[np.uint8]) -> FaceLandmarks | None:
    """The pupils of the largest frontal face, or None when no face with two eyes is found."""
    h, w = rgb.shape[:2]
    f = min(1.0, _DETECT_SIDE / max(h, w))
    small = cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    grey = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
    face_finder, eye_finder = _cascades()
    faces = face_finder.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(60, 60))
    if len(faces) == 0:
        return None
    fx, fy, fw, fh = max(faces, key=lambda r: int(r[2]) * int(r[3]))
    upper = grey[fy : fy + fh * 6 // 10, fx : fx + fw]
    eyes = eye_finder.detectMultiScale(upper, scaleFactor=1.05, minNeighbors=4, minSize=(fw // 10, fw // 10))
    centres = sorted(((ex + ew / 2, ey + eh / 2, ew) for ex, ey, ew, eh in eyes), key=lambda e: -e[2])
    viewer_left = [c for c in centres if c[0] < fw / 2]
    viewer_right = [c for c in centres if c[0] >= fw / 2]
    if not viewer_left or not viewer_right:
        return None
    (lx, ly, _), (rx, ry, _) = viewer_left[0], viewer_right[0]
    return FaceLandmarks(
        right_pupil=((fx + lx) / f, (fy + ly) / f),
        left_pupil=((fx + rx) / f, (fy + ry) / f),
        source=LandmarkSource.DETECTED,
    )
