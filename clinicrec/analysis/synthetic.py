"""Synthetic faces with known truth: the skin-analysis tests' ground truth and the demo's photos.

The face is painted in CIELAB on the face map's own centimetre grid (domain.facemap), so every zone's
true figures are known exactly: skin with texture noise, red patches, specular highlights, pores of a
known number and size, and the features that must NOT count (brows, eyes, nostrils, lips), plus an 18 %
grey card beside the face. The photo is then rendered to sRGB and can be degraded (colour cast,
exposure, blur, rotation, scale) with its landmarks following.

``red_scale`` and ``shine_scale`` grow or shrink the red patches and the highlights (1.0: the tests'
face; 0: none), and ``skin_a_shift`` moves the skin's a*, so the demo (clinicrec/demo/photos.py) can
paint a face whose redness, pores and shine follow a clinician's ratings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np
from numpy.typing import NDArray

from clinicrec.analysis.figures import FaceLandmarks
from clinicrec.analysis.landmarks import MAP_POINTS_CM, map_to_photo, zone_mask
from clinicrec.domain.enums import Zone

#: The canvas spans these face-map centimetres.
X_CM = (3.0, 23.0)
Y_CM = (3.0, 26.0)
SKIN_LAB = (56.0, 11.0, 16.0)
RED_LAB = (52.0, 27.0, 17.0)
SHINE_LAB = (97.0, 0.5, 1.5)
PORE_DROP = 18.0
CARD_CM = (3.6, 22.2, 6.6, 24.6)  # x0, y0, x1, y1: 3.0 x 2.4 cm
CARD_WIDTH_MM = 30.0


@dataclass(frozen=True)
class Truth:
    skin: NDArray[np.bool_]  # skin pixels (not features), highlights included
    highlights: NDArray[np.bool_]
    a_star: NDArray[np.float32]
    pores: NDArray[np.float64]  # (n, 2) pore centres, px
    px_per_mm: float

    def zone_truth(self, zone: Zone, face: FaceLandmarks) -> dict[str, float]:
        mask = zone_mask(zone, map_to_photo(face), self.skin.shape) & self.skin
        colour = mask & ~self.highlights
        a = self.a_star[colour]
        xs = np.clip(np.round(self.pores[:, 0]).astype(int), 0, mask.shape[1] - 1)
        ys = np.clip(np.round(self.pores[:, 1]).astype(int), 0, mask.shape[0] - 1)
        count = int(mask[ys, xs].sum())
        return {
            "a_mean": float(a.mean()),
            "red_share": float((a > 18.0).mean()),
            "shine_share": float((self.highlights & mask).sum() / mask.sum()),
            "pores_per_cm2": count / (mask.sum() / self.px_per_mm**2 / 100),
            "pore_count": count,
        }


@dataclass(frozen=True)
class Photo:
    rgb: NDArray[np.uint8]
    face: FaceLandmarks
    truth: Truth


def _ellipse(
    xx: NDArray[np.float64], yy: NDArray[np.float64], cx: float, cy: float, rx: float, ry: float
) -> NDArray[np.bool_]:
    """Pixels inside the ellipse (centimetres), computed only over its bounding box."""
    xs, ys = xx[0], yy[:, 0]
    i0, i1 = np.searchsorted(xs, cx - rx), np.searchsorted(xs, cx + rx)
    j0, j1 = np.searchsorted(ys, cy - ry), np.searchsorted(ys, cy + ry)
    out = np.zeros(xx.shape, bool)
    sub_x, sub_y = xs[i0:i1][None, :], ys[j0:j1][:, None]
    out[j0:j1, i0:i1] = ((sub_x - cx) / rx) ** 2 + ((sub_y - cy) / ry) ** 2 <= 1.0
    return out


def render_face(
    px_per_mm: float = 10.0,
    *,
    seed: int = 1,
    pores_per_cm2: float = 25.0,
    card: bool = True,
    light_gain: float = 1.0,
    shift_cm: tuple[float, float] = (0.0, 0.0),
    red_scale: float = 1.0,
    shine_scale: float = 1.0,
    skin_a_shift: float = 0.0,
) -> Photo:
    rng = np.random.default_rng(seed)
    ppc = px_per_mm * 10.0
    w, h = round((X_CM[1] - X_CM[0]) * ppc), round((Y_CM[1] - Y_CM[0]) * ppc)
    xs = X_CM[0] + shift_cm[0] + (np.arange(w) + 0.5) / ppc
    ys = Y_CM[0] + shift_cm[1] + (np.arange(h) + 0.5) / ppc
    xx, yy = np.meshgrid(xs, ys)
    lab = np.empty((h, w, 3), np.float32)
    lab[...] = (45.0, 0.0, 2.0)
    lab[..., 0] += rng.normal(0, 3.0, (h, w)).astype(np.float32)

    face = _ellipse(xx, yy, 13.0, 14.4, 8.0, 10.8)
    low = cv2.GaussianBlur(rng.normal(0, 1, (h // 16 + 1, w // 16 + 1)).astype(np.float32), (0, 0), 2)
    low = cv2.resize(low, (w, h), interpolation=cv2.INTER_LINEAR) * 4.0
    for c, v in enumerate(SKIN_LAB):
        lab[..., c][face] = v + (skin_a_shift if c == 1 else 0.0)
    lab[..., 0][face] += (low + rng.normal(0, 1.2, (h, w)).astype(np.float32))[face]
    lab[..., 1][face] += rng.normal(0, 0.8, int(face.sum())).astype(np.float32)

    red = np.zeros((h, w), bool)
    for cx, cy, r in [(9.0, 16.0, 1.1), (17.2, 15.8, 1.3), (13.6, 15.6, 0.45), (12.3, 21.8, 0.5)]:
        if red_scale > 0:
            red |= _ellipse(xx, yy, cx, cy, r * red_scale, r * red_scale * 0.8)
    red &= face
    for c, v in enumerate(RED_LAB):
        base = SKIN_LAB[c]
        lab[..., c][red] += v - base

    shine = np.zeros((h, w), bool)
    for cx, cy, rx, ry in [
        (13.0, 7.4, 1.8, 0.55),
        (13.0, 14.2, 0.3, 1.0),
        (8.6, 14.9, 0.6, 0.3),
        (16.4, 14.9, 0.6, 0.3),
        (13.0, 21.7, 0.6, 0.25),
    ]:
        if shine_scale > 0:
            shine |= _ellipse(xx, yy, cx, cy, rx * shine_scale, ry * shine_scale)
    shine &= face

    features = np.zeros((h, w), bool)
    for sign in (-1, 1):
        brow = _ellipse(xx, yy, 13 + sign * 3.4, 10.25, 2.1, 0.32)
        eye = _ellipse(xx, yy, 13 + sign * 3.12, 12.1, 1.5, 0.55)
        nostril = _ellipse(xx, yy, 13 + sign * 0.75, 16.68, 0.35, 0.14)
        for mask, value in ((brow, (24.0, 4.0, 9.0)), (eye, (30.0, 1.0, 2.0)), (nostril, (14.0, 3.0, 4.0))):
            lab[mask] = value
            features |= mask
    lips = _ellipse(xx, yy, 13.0, 19.05, 2.45, 0.72)
    lab[lips] = (50.0, 34.0, 14.0)
    features |= lips

    # Pores: dark discs of 0.3-0.5 mm, at least 1.2 mm apart, on plain skin.
    area_cm2 = face.sum() / ppc**2
    wanted = int(pores_per_cm2 * area_cm2)
    plain = face & ~features & ~shine
    plain = cv2.erode(plain.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    # Drawn in face-map cm, so a shifted render of the same seed has the same pores on the face.
    candidates_cm = rng.uniform((X_CM[0], Y_CM[0]), (X_CM[1], Y_CM[1]), (wanted * 3, 2))
    candidates = (candidates_cm - (X_CM[0] + shift_cm[0], Y_CM[0] + shift_cm[1])) * ppc
    radii = rng.uniform(0.15, 0.25, len(candidates)) * px_per_mm
    grid: dict[tuple[int, int], list[tuple[float, float]]] = {}
    min_px = 1.2 * px_per_mm
    centres: list[tuple[float, float]] = []
    depth = np.zeros((h, w), np.float32)
    for (x, y), r in zip(candidates, radii, strict=True):
        if len(centres) >= wanted:
            break
        if not (0 <= x < w and 0 <= y < h) or not plain[int(y), int(x)]:
            continue
        gx, gy = int(x // min_px), int(y // min_px)
        near = [p for i in (-1, 0, 1) for j in (-1, 0, 1) for p in grid.get((gx + i, gy + j), [])]
        if any((px - x) ** 2 + (py - y) ** 2 < min_px**2 for px, py in near):
            continue
        grid.setdefault((gx, gy), []).append((x, y))
        centres.append((x, y))
        cv2.circle(depth, (round(x * 16), round(y * 16)), round(r * 16), 1.0, -1, cv2.LINE_AA, 4)
    lab[..., 0] -= depth * PORE_DROP
    lab[shine] = SHINE_LAB

    if card:
        cx0, cy0, cx1, cy1 = CARD_CM
        lab[(xx >= cx0) & (xx < cx1) & (yy >= cy0) & (yy < cy1)] = (49.5, 0.0, 0.0)
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)  # sRGB 0..1
    rgb8 = np.clip(np.round(rgb * 255), 0, 255).astype(np.uint8)
    if light_gain != 1.0:
        rgb8 = relight(rgb8, (light_gain,) * 3)

    def to_px(name: str) -> tuple[float, float]:
        x, y = MAP_POINTS_CM[name]
        return ((x - X_CM[0] - shift_cm[0]) * ppc - 0.5, (y - Y_CM[0] - shift_cm[1]) * ppc - 0.5)

    landmarks = FaceLandmarks(
        to_px("right_pupil"), to_px("left_pupil"), to_px("mouth_right"), to_px("mouth_left")
    )
    truth = Truth(face & ~features, shine, lab[..., 1].copy(), np.array(centres), px_per_mm)
    return Photo(rgb8, landmarks, truth)


def relight(rgb: NDArray[np.uint8], gains: tuple[float, float, float]) -> NDArray[np.uint8]:
    """Multiply each channel in linear light (a colour cast, or exposure: 2.0 is +1 stop)."""
    c = rgb.astype(np.float64) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4) * np.asarray(gains)
    lin = np.clip(lin, 0, 1)
    srgb = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)
    return np.clip(np.round(srgb * 255), 0, 255).astype(np.uint8)


def _move(face: FaceLandmarks, matrix: NDArray[np.float64]) -> FaceLandmarks:
    def at(p: tuple[float, float]) -> tuple[float, float]:
        x, y = matrix @ np.array([p[0], p[1], 1.0])
        return (float(x), float(y))

    def m(p: tuple[float, float] | None) -> tuple[float, float] | None:
        return None if p is None else at(p)

    return replace(
        face,
        right_pupil=at(face.right_pupil),
        left_pupil=at(face.left_pupil),
        mouth_right=m(face.mouth_right),
        mouth_left=m(face.mouth_left),
    )


def rotated(photo: Photo, degrees: float) -> tuple[NDArray[np.uint8], FaceLandmarks]:
    """The photo turned about its centre on a larger canvas (nothing is cut off), grey around it."""
    h, w = photo.rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos) + 2, int(h * cos + w * sin) + 2
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    out = cv2.warpAffine(photo.rgb, matrix, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=(96, 96, 96))
    return np.asarray(out, np.uint8), _move(photo.face, np.asarray(matrix, np.float64))


def scaled(photo: Photo, factor: float) -> tuple[NDArray[np.uint8], FaceLandmarks]:
    h, w = photo.rgb.shape[:2]
    size = (round(w * factor), round(h * factor))
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    out = cv2.resize(photo.rgb, size, interpolation=interp)
    fx, fy = size[0] / w, size[1] / h
    matrix = np.array([[fx, 0, 0.5 * fx - 0.5], [0, fy, 0.5 * fy - 0.5]], np.float64)
    return np.asarray(out, np.uint8), _move(photo.face, matrix)
