"""Colour normalisation: make photos taken under different light comparable before measuring colour.

With a grey card in the frame (a flat, uniform, near-neutral rectangle), each channel is scaled in
linear light so that the card reads as 18 % grey: this corrects white balance and exposure at once
(the method of the "grey card" in photography; McCamy et al. 1976 for the chart). Without a card the
photo itself is used: exposure is levelled so the skin's median luminance is a fixed reference, white
balance is left as taken (a skin-dominated photo has no neutral to balance on), and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from clinicrec.analysis.figures import ColourSource
from clinicrec.analysis.measures import sample_median

#: Linear reflectance of a photographic grey card (18 %).
CARD_LINEAR = 0.18
#: Without a card, the skin's median linear luminance is levelled to this (a mid skin tone, L* ~ 62).
SKIN_REFERENCE_LINEAR = 0.31
#: Longest side of the copy searched for a card.
_SEARCH_SIDE = 640


def _srgb_to_linear_table() -> NDArray[np.float32]:
    c = np.arange(256, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin.astype(np.float32)


SRGB_TO_LINEAR: NDArray[np.float32] = _srgb_to_linear_table()


def to_linear(rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
    """8-bit sRGB -> linear light in 0..1 (float32)."""
    return SRGB_TO_LINEAR[rgb]


@dataclass(frozen=True)
class GreyCard:
    """A card found in the frame: its corners (pixels of the full photo) and mean linear RGB."""

    corners: tuple[tuple[float, float], ...]
    width_px: float
    linear_rgb: tuple[float, float, float]


def find_grey_card(rgb: NDArray[np.uint8]) -> GreyCard | None:
    """The largest flat, uniform, near-neutral rectangle not touching the border, or None."""
    h, w = rgb.shape[:2]
    f = min(1.0, _SEARCH_SIDE / max(h, w))
    size = (max(1, round(w * f)), max(1, round(h * f)))
    small = np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    sf = small.astype(np.float32)
    mean = cv2.blur(sf, (5, 5))
    var = cv2.blur(sf * sf, (5, 5)) - mean * mean
    std = np.sqrt(np.maximum(var, 0)).max(axis=2)
    grey = small.mean(axis=2)
    flat = ((std < 2.0) & (grey > 25) & (grey < 245)).astype(np.uint8)
    flat = cv2.morphologyEx(flat, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(flat, connectivity=4)
    sh, sw = flat.shape
    best: GreyCard | None = None
    best_area = 0
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if area < 0.002 * sh * sw or x == 0 or y == 0 or x + bw >= sw or y + bh >= sh:
            continue
        mask = (labels == i).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(contours[0])
        if rw * rh <= 0 or area / (rw * rh) < 0.85 or not 0.4 < rw / rh < 2.5:
            continue
        inner = cv2.erode(mask, np.ones((3, 3), np.uint8)).astype(bool)
        if inner.sum() < 9:
            continue
        lin = to_linear(small)[inner].mean(axis=0)
        if lin.max() / max(lin.min(), 1e-6) > 2.0:  # a coloured patch, not a grey card under a cast
            continue
        if area > best_area:
            best_area = area
            best = _refined(rgb, small, inner, f, (x, y, bw, bh))
    return best


def _refined(
    rgb: NDArray[np.uint8],
    small: NDArray[np.uint8],
    inner: NDArray[np.bool_],
    f: float,
    box: tuple[int, int, int, int],
) -> GreyCard:
    """Measure the card found on the small copy again on the full photo: its exact outline (for the
    scale) is every pixel within a few levels of the card's colour, around the small copy's box."""
    mean8 = small[inner].mean(axis=0)
    h, w = rgb.shape[:2]
    x, y, bw, bh = box
    x0, y0 = max(0, int((x - 2) / f)), max(0, int((y - 2) / f))
    x1, y1 = min(w, int((x + bw + 2) / f) + 1), min(h, int((y + bh + 2) / f) + 1)
    region = rgb[y0:y1, x0:x1].astype(np.int16)
    close = (np.abs(region - mean8.astype(np.int16)).max(axis=2) <= 8).astype(np.uint8)
    close = cv2.morphologyEx(close, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(close, connectivity=4)
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA])) if n > 1 else 0
    points = cv2.findNonZero((labels == biggest).astype(np.uint8))
    (cx, cy), (rw, rh), angle = cv2.minAreaRect(points)
    corners = cv2.boxPoints(((cx + x0, cy + y0), (rw + 1, rh + 1), angle))
    lin = to_linear(small)[inner].mean(axis=0)
    return GreyCard(
        corners=tuple((float(px), float(py)) for px, py in corners),
        width_px=float(max(rw, rh) + 1),
        linear_rgb=(float(lin[0]), float(lin[1]), float(lin[2])),
    )


@dataclass(frozen=True)
class Normalisation:
    gains: tuple[float, float, float]  # per channel, applied in linear light
    source: ColourSource


def card_normalisation(card: GreyCard) -> Normalisation:
    gains = tuple(CARD_LINEAR / max(c, 1e-6) for c in card.linear_rgb)
    return Normalisation((gains[0], gains[1], gains[2]), ColourSource.CARD)


def photo_normalisation(linear: NDArray[np.float32], skin: NDArray[np.bool_]) -> Normalisation:
    """Exposure levelled on the skin's median luminance; white balance as taken."""
    y = linear[..., 0] * 0.2126 + linear[..., 1] * 0.7152 + linear[..., 2] * 0.0722
    median = sample_median(y, skin) if skin.any() else SKIN_REFERENCE_LINEAR
    g = SKIN_REFERENCE_LINEAR / max(median, 1e-6)
    return Normalisation((g, g, g), ColourSource.PHOTO)


def normalised_lab(linear: NDArray[np.float32], norm: Normalisation) -> NDArray[np.float32]:
    """Apply the gains in linear light and convert to CIELAB (D65): L* 0..100, a*, b*."""
    balanced = np.clip(linear * np.asarray(norm.gains, dtype=np.float32), 0.0, 1.0)
    return np.asarray(cv2.cvtColor(balanced, cv2.COLOR_LRGB2Lab), dtype=np.float32)
