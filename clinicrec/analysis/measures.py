"""The three skin measures, on a colour-normalised CIELAB image at a known scale (pixels per mm).

- Redness: mean a* over skin, and the share of skin with a* above :data:`RED_A_THRESHOLD` (the
  colorimetric erythema approach: Takiwaki 1998, Stamatas et al. 2004 use a* as the redness axis).
- Pores: dark, roughly round spots in a size band, found as a morphological black top-hat (closing
  minus image: dark detail smaller than the structuring element) thresholded against the skin's own
  texture noise, then kept by size and roundness (in the manner of image-based pore counting,
  e.g. Sun et al. 2015 and VISIA-style "pore" spots).
- Shine: share of skin in specular highlight, very bright and low in chroma (the dichromatic
  reflection model: the surface, oily, reflection keeps the light's colour, Shafer 1985).

Large dark regions (hair, eyebrows, nostrils, the shadow under the nose) are not skin: anything darker
than the skin that survives an opening wider than the largest pore is cut out, with a margin.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

#: a* above which skin counts as red (normal facial skin reads about 8-15 after normalisation).
RED_A_THRESHOLD = 18.0
#: Specular highlight: L* at least this far above the skin's median and at least 80, chroma at most 15.
SHINE_L_ABOVE_SKIN = 15.0
SHINE_L_MIN = 80.0
SHINE_CHROMA_MAX = 15.0
#: Pore size band (equivalent diameter, mm) and the least darkness (L*) that counts as a pore.
PORE_MIN_MM = 0.2
PORE_MAX_MM = 0.8
PORE_MIN_CONTRAST = 4.0
#: Darker than the skin's median by this much (L*), in a blob wider than a pore: hair, brow, nostril.
DARK_FEATURE_DROP = 15.0
DARK_FEATURE_MM = 1.2


def _disc(diameter_px: float) -> NDArray[np.uint8]:
    k = max(3, int(round(diameter_px)) | 1)
    return np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)), dtype=np.uint8)


def skin_mask(lab: NDArray[np.float32], face: NDArray[np.bool_], px_per_mm: float) -> NDArray[np.bool_]:
    """Face pixels that are skin: not hair, brows, nostrils or deep shadow."""
    lightness = np.asarray(cv2.GaussianBlur(lab[..., 0], (0, 0), max(0.5, 0.3 * px_per_mm)), np.float32)
    median = sample_median(lightness, face)
    dark = ((lightness < median - DARK_FEATURE_DROP) & face).astype(np.uint8)
    features = cv2.morphologyEx(dark, cv2.MORPH_OPEN, _disc(DARK_FEATURE_MM * px_per_mm))
    features = cv2.dilate(features, _disc(0.6 * px_per_mm))
    # Skin has colour (a* and b* positive); grey or blue-green backgrounds do not. Highlights are
    # colourless too but bright, so they stay.
    a_star, b_star = lab[..., 1], lab[..., 2]
    coloured = (a_star > 2.0) & (b_star > 4.0)
    bright = lab[..., 0] >= median + SHINE_L_ABOVE_SKIN
    return face & (features == 0) & (coloured | bright)


def sample_median(
    values: NDArray[np.floating] | NDArray[np.uint8], where: NDArray[np.bool_], step: int = 5
) -> float:
    """The median of ``values[where]`` from every ``step``-th row and column (a large sample is plenty
    for a median, and a full sort of millions of pixels is not free)."""
    picked = values[::step, ::step][where[::step, ::step]]
    if picked.size < 100:
        picked = values[where]
    return float(np.median(picked)) if picked.size else 50.0


def highlight_mask(
    lab: NDArray[np.float32], skin: NDArray[np.bool_], white_clipped: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Skin in specular highlight: bright and colourless after normalisation, or clipped to white as
    taken (a clipped highlight has lost its true brightness, so a normalisation that darkens the photo
    would otherwise hide it)."""
    lightness = lab[..., 0]
    median = sample_median(lightness, skin)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    bright = lightness >= max(SHINE_L_MIN, median + SHINE_L_ABOVE_SKIN)
    return skin & ((bright & (chroma <= SHINE_CHROMA_MAX)) | white_clipped)


def smoothed_a(lab: NDArray[np.float32], px_per_mm: float) -> NDArray[np.float32]:
    """a* smoothed over about 0.2 mm, so single-pixel noise does not decide the red share."""
    sigma = max(0.5, 0.2 * px_per_mm)
    return np.asarray(cv2.GaussianBlur(lab[..., 1], (0, 0), sigma), dtype=np.float32)


@dataclass(frozen=True)
class PoreSpots:
    """Pores found in one image: a label image (0 = none) and each pore's centre and area in pixels."""

    labels: NDArray[np.int32]
    centres: NDArray[np.float64]  # (n, 2) x, y
    areas: NDArray[np.int64]


def find_pores(lab: NDArray[np.float32], skin: NDArray[np.bool_], px_per_mm: float) -> PoreSpots:
    lightness = cv2.GaussianBlur(lab[..., 0], (0, 0), 0.5)
    darkness = cv2.morphologyEx(lightness, cv2.MORPH_BLACKHAT, _disc(1.5 * PORE_MAX_MM * px_per_mm))
    values = darkness[skin]
    if values.size == 0:
        return PoreSpots(np.zeros(skin.shape, np.int32), np.zeros((0, 2)), np.zeros(0, np.int64))
    sample = values[:: max(1, values.size // 200_000)]
    median = float(np.median(sample))
    spread = float(np.median(np.abs(sample - median))) * 1.4826
    threshold = max(PORE_MIN_CONTRAST, median + 5.0 * spread)
    spots = ((darkness > threshold) & skin).astype(np.uint8)
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(spots, connectivity=8)
    area = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    width = stats[1:, cv2.CC_STAT_WIDTH]
    height = stats[1:, cv2.CC_STAT_HEIGHT]
    diameter_mm = 2 * np.sqrt(area / np.pi) / px_per_mm
    longest = np.maximum(width, height).astype(np.float64)
    roundness = area / (np.pi / 4 * longest**2)
    keep = (diameter_mm >= PORE_MIN_MM) & (diameter_mm <= PORE_MAX_MM) & (roundness >= 0.45)
    kept_ids = np.flatnonzero(keep) + 1
    relabel = np.zeros(n, np.int32)
    relabel[kept_ids] = np.arange(1, kept_ids.size + 1, dtype=np.int32)
    return PoreSpots(
        relabel[labels],
        np.asarray(centroids[kept_ids], dtype=np.float64),
        np.asarray(stats[kept_ids, cv2.CC_STAT_AREA], dtype=np.int64),
    )


def blur_effect(grey: NDArray[np.float32], h_size: int = 11) -> float:
    """No-reference blur (Crete-Roffet et al. 2007): 0 sharp .. 1 blurred, the worse of both axes."""
    results = []
    for axis in (0, 1):
        kernel = (1, h_size) if axis == 1 else (h_size, 1)
        blurred = cv2.blur(grey, kernel)
        d_sharp = np.abs(np.diff(grey, axis=axis))
        d_blur = np.abs(np.diff(blurred, axis=axis))
        total = float(d_sharp.sum())
        if total <= 0:
            return 1.0
        variation = float(np.maximum(0.0, d_sharp - d_blur).sum())
        results.append((total - variation) / total)
    return max(results)
