"""Analyse one photo: find the face, normalise colour and scale, check quality, measure every zone.

The photo is an RGB ``uint8`` array (height, width, 3). Work happens on the face's bounding box only,
resampled to :data:`WORK_PX_PER_MM` (pores are at most ~0.8 mm, so finer pixels add time, not
information), which is what keeps a 24-megapixel photo well under two seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from clinicrec.analysis import colour, landmarks, measures
from clinicrec.analysis.figures import (
    ColourSource,
    FaceLandmarks,
    PhotoAnalysis,
    PhotoQuality,
    ScaleSource,
    ZoneFigures,
)
from clinicrec.domain.enums import Zone
from clinicrec.domain.facemap import FACE_ZONES

#: The resolution measured at (finer photos are resampled down to it).
WORK_PX_PER_MM = 10.0
#: Below this no figure at all; below PORES_MIN_PX_PER_MM no pores.
MIN_PX_PER_MM = 2.0
PORES_MIN_PX_PER_MM = 5.0
#: Average adult inter-pupil distance (Dodgson 2004: mean 63.4 mm); a measured one can be passed in.
DEFAULT_PUPIL_DISTANCE_MM = 63.0
#: Exposure: median skin luma (0..255, as taken) allowed, and the share of clipped non-highlight skin.
LUMA_RANGE = (40.0, 235.0)
MAX_CLIPPED_SHARE = 0.05
#: Crete-Roffet blur effect above which the photo is too blurred for pores and edges.
MAX_BLUR = 0.55
#: A zone gives figures only if at least this share of it is measured skin.
MIN_MEASURED_SHARE = 0.5

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class AnalysisMaps:
    """What the overlays draw, at working resolution over the face crop: ``origin`` and ``factor`` map
    a crop pixel back to the photo as ``photo = origin + crop / factor``."""

    origin: tuple[int, int]
    factor: float
    face: NDArray[np.bool_]
    skin: NDArray[np.bool_]
    red: NDArray[np.bool_]
    highlights: NDArray[np.bool_]
    pores: NDArray[np.int32]
    zone_outlines: dict[Zone, NDArray[np.float64]]  # photo pixels


def analyse_photo(
    rgb: NDArray[np.uint8],
    face: FaceLandmarks | None = None,
    *,
    pupil_distance_mm: float = DEFAULT_PUPIL_DISTANCE_MM,
    card_width_mm: float | None = None,
    zones: Iterable[Zone] = FACE_ZONES,
    progress: Progress | None = None,
) -> PhotoAnalysis:
    """Figures per zone for one photo (see :func:`analyse_photo_with_maps`)."""
    return analyse_photo_with_maps(
        rgb,
        face,
        pupil_distance_mm=pupil_distance_mm,
        card_width_mm=card_width_mm,
        zones=zones,
        progress=progress,
    )[0]


def _check_input(rgb: NDArray[np.uint8], pupil_distance_mm: float, card_width_mm: float | None) -> None:
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError("image: an RGB photo is needed (height x width x 3, 8 bits per channel)")
    if not 40.0 <= pupil_distance_mm <= 90.0:
        raise ValueError(f"pupil distance: {pupil_distance_mm} mm is outside 40-90 mm")
    if card_width_mm is not None and not 10.0 <= card_width_mm <= 500.0:
        raise ValueError(f"card width: {card_width_mm} mm is outside 10-500 mm")


def analyse_photo_with_maps(
    rgb: NDArray[np.uint8],
    face: FaceLandmarks | None = None,
    *,
    pupil_distance_mm: float = DEFAULT_PUPIL_DISTANCE_MM,
    card_width_mm: float | None = None,
    zones: Iterable[Zone] = FACE_ZONES,
    progress: Progress | None = None,
) -> tuple[PhotoAnalysis, AnalysisMaps | None]:
    _check_input(rgb, pupil_distance_mm, card_width_mm)
    zones = tuple(zones)
    report: Progress = progress or (lambda _f, _t: None)
    report(0.0, "Finding the face")
    if face is None:
        face = landmarks.detect_landmarks(rgb)
    card = colour.find_grey_card(rgb)
    colour_source = ColourSource.CARD if card is not None else ColourSource.PHOTO
    if face is None:
        quality = PhotoQuality(
            px_per_mm=0.0,
            scale_source=ScaleSource.PUPILS,
            colour_source=colour_source,
            skin_median_luma=0.0,
            clipped_share=0.0,
            blur=0.0,
            problems=("no face with two eyes was found: place the pupils by hand",),
        )
        return PhotoAnalysis(quality, None, tuple(_failed(z, quality.problems) for z in zones)), None

    to_photo = landmarks.map_to_photo(face)
    if card is not None and card_width_mm is not None:
        px_per_mm, scale_source = card.width_px / card_width_mm, ScaleSource.CARD
    else:
        pupils = np.subtract(face.left_pupil, face.right_pupil)
        px_per_mm, scale_source = float(np.hypot(*pupils)) / pupil_distance_mm, ScaleSource.PUPILS

    # The face's bounding box, resampled to the working resolution.
    h, w = rgb.shape[:2]
    outlines = {z: landmarks.zone_outline(z, to_photo) for z in zones}
    every = np.concatenate(list(outlines.values()))
    x0, y0 = (max(0, int(v) - 4) for v in every.min(axis=0))
    x1, y1 = (min(lim, int(v) + 5) for v, lim in zip(every.max(axis=0), (w, h), strict=True))
    if x1 - x0 < 8 or y1 - y0 < 8:
        problem = ("the face-map zones fall outside the photo: check the pupils",)
        quality = PhotoQuality(px_per_mm, scale_source, colour_source, 0.0, 0.0, 0.0, problem)
        return PhotoAnalysis(quality, face, tuple(_failed(z, problem) for z in zones)), None
    factor = min(1.0, WORK_PX_PER_MM / max(px_per_mm, 1e-6))
    crop = rgb[y0:y1, x0:x1]
    if factor < 1.0:
        size = (max(1, round((x1 - x0) * factor)), max(1, round((y1 - y0) * factor)))
        crop = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    work_ppm = px_per_mm * factor
    to_work = to_photo.scaled(factor, (x0, y0))
    shape = crop.shape[:2]
    zone_masks = {z: landmarks.zone_mask(z, to_work, shape) for z in zones}
    face_mask = np.logical_or.reduce(list(zone_masks.values()))
    report(0.3, "Normalising colour")

    linear = colour.to_linear(crop)
    norm = colour.card_normalisation(card) if card else colour.photo_normalisation(linear, face_mask)
    lab = colour.normalised_lab(linear, norm)
    skin = measures.skin_mask(lab, face_mask, work_ppm)
    darkest = cv2.min(cv2.min(crop[..., 0], crop[..., 1]), crop[..., 2])
    highlights = measures.highlight_mask(lab, skin, darkest >= 250)

    luma = np.asarray(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
    median_luma = measures.sample_median(luma, skin) if skin.any() else 0.0
    brightest = cv2.max(cv2.max(crop[..., 0], crop[..., 1]), crop[..., 2])
    clipped = (brightest >= 254) & skin & ~highlights
    clipped_share = float(clipped.sum()) / max(1, int(skin.sum()))
    blur = measures.blur_effect(lab[..., 0] / 100.0)
    problems = _photo_problems(px_per_mm, median_luma, clipped_share, blur)
    quality = PhotoQuality(px_per_mm, scale_source, norm.source, median_luma, clipped_share, blur, problems)
    if problems:
        return PhotoAnalysis(quality, face, tuple(_failed(z, problems) for z in zones)), None

    report(0.5, "Measuring redness, pores and shine")
    a_star = measures.smoothed_a(lab, work_ppm)
    red = skin & ~highlights & (a_star > measures.RED_A_THRESHOLD)
    enough = px_per_mm >= PORES_MIN_PX_PER_MM
    pores = measures.find_pores(lab, skin, work_ppm) if enough else None
    figures = []
    for zone in zones:
        full_area = landmarks.zone_area_px(zone, to_work)
        figures.append(
            _zone_figures(
                zone, zone_masks[zone], full_area, skin, highlights, a_star, pores, work_ppm, px_per_mm
            )
        )
    report(1.0, "Done")
    maps = AnalysisMaps(
        origin=(x0, y0),
        factor=factor,
        face=face_mask,
        skin=skin,
        red=red,
        highlights=highlights,
        pores=pores.labels if pores is not None else np.zeros(shape, np.int32),
        zone_outlines=outlines,
    )
    return PhotoAnalysis(quality, face, tuple(figures)), maps


def _photo_problems(
    px_per_mm: float, median_luma: float, clipped_share: float, blur: float
) -> tuple[str, ...]:
    problems = []
    if px_per_mm < MIN_PX_PER_MM:
        problems.append(f"resolution {px_per_mm:.1f} px/mm is below the {MIN_PX_PER_MM:.0f} px/mm needed")
    if median_luma < LUMA_RANGE[0]:
        problems.append(f"underexposed: the skin's median brightness is {median_luma:.0f} of 255")
    elif median_luma > LUMA_RANGE[1]:
        problems.append(f"overexposed: the skin's median brightness is {median_luma:.0f} of 255")
    if clipped_share > MAX_CLIPPED_SHARE:
        problems.append(f"overexposed: {clipped_share:.0%} of the skin is clipped to white")
    if blur > MAX_BLUR:
        problems.append(f"blurred: blur {blur:.2f} is above {MAX_BLUR:.2f} (0 sharp, 1 featureless)")
    return tuple(problems)


def _failed(zone: Zone, problems: tuple[str, ...]) -> ZoneFigures:
    return ZoneFigures(zone=zone, area_cm2=0.0, measured_share=0.0, problems=problems)


def _zone_figures(
    zone: Zone,
    mask: NDArray[np.bool_],
    full_area_px: float,
    skin: NDArray[np.bool_],
    highlights: NDArray[np.bool_],
    a_star: NDArray[np.float32],
    pores: measures.PoreSpots | None,
    work_ppm: float,
    px_per_mm: float,
) -> ZoneFigures:
    zone_skin = mask & skin
    n_skin = int(zone_skin.sum())
    area_cm2 = full_area_px / work_ppm**2 / 100.0
    measured = n_skin / max(full_area_px, 1.0)
    if measured < MIN_MEASURED_SHARE:
        return ZoneFigures(
            zone,
            area_cm2,
            measured,
            problems=(
                f"only {measured:.0%} of the zone is measured skin"
                " (the rest is outside the photo, hair, brows or shadow)",
            ),
        )
    colour_skin = zone_skin & ~highlights
    a_values = a_star[colour_skin]
    shine = float((highlights & mask).sum()) / n_skin
    problems: list[str] = []
    count: int | None = None
    per_cm2: float | None = None
    pore_share: float | None = None
    if pores is None:
        problems.append(f"pores: resolution {px_per_mm:.1f} px/mm is below {PORES_MIN_PX_PER_MM:.0f} px/mm")
    else:
        cx = np.clip(np.round(pores.centres[:, 0]).astype(int), 0, mask.shape[1] - 1)
        cy = np.clip(np.round(pores.centres[:, 1]).astype(int), 0, mask.shape[0] - 1)
        inside = zone_skin[cy, cx]
        count = int(inside.sum())
        skin_cm2 = n_skin / work_ppm**2 / 100.0
        per_cm2 = count / skin_cm2
        pore_share = float(pores.areas[inside].sum()) / n_skin
    return ZoneFigures(
        zone=zone,
        area_cm2=area_cm2,
        measured_share=min(1.0, measured),
        redness_a_mean=float(a_values.mean()) if a_values.size else None,
        red_share=float((a_values > measures.RED_A_THRESHOLD).mean()) if a_values.size else None,
        shine_share=shine,
        pores_per_cm2=per_cm2,
        pore_area_share=pore_share,
        pore_count=count,
        problems=tuple(problems),
    )
