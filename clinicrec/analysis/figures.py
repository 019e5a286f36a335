"""What an analysis returns: per-zone figures, each with the quality it was measured at.

Plain frozen dataclasses (no numpy in the results), so services, reports and the database can hold
them without knowing how they were computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from clinicrec.domain.enums import Zone

Pixel = tuple[float, float]


class ColourSource(Enum):
    """Where the colour normalisation came from (the result says which)."""

    CARD = "grey card in the frame"
    PHOTO = "the photo itself (no card found)"


class LandmarkSource(Enum):
    DETECTED = "found automatically"
    GIVEN = "placed or corrected by the nurse"


class ScaleSource(Enum):
    CARD = "reference card of known width"
    PUPILS = "inter-pupil distance"


@dataclass(frozen=True)
class FaceLandmarks:
    """Points on the photo in pixels (x right, y down). "Right"/"left" are the PATIENT's sides, so on a
    front photo the patient's right pupil is on the viewer's left."""

    right_pupil: Pixel
    left_pupil: Pixel
    mouth_right: Pixel | None = None
    mouth_left: Pixel | None = None
    source: LandmarkSource = LandmarkSource.GIVEN

    def named(self) -> dict[str, Pixel]:
        points = {"right_pupil": self.right_pupil, "left_pupil": self.left_pupil}
        if self.mouth_right is not None and self.mouth_left is not None:
            points["mouth_right"] = self.mouth_right
            points["mouth_left"] = self.mouth_left
        return points


@dataclass(frozen=True)
class PhotoQuality:
    """Checks on the whole photo. ``problems`` empty means every check passed."""

    px_per_mm: float
    scale_source: ScaleSource
    colour_source: ColourSource
    skin_median_luma: float  # 0..255, before normalisation
    clipped_share: float  # share of face pixels with a channel at 255 that are not highlights
    blur: float  # Crete-Roffet blur effect on the face, 0 sharp .. 1 blurred
    problems: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ZoneFigures:
    """The figures of one face-map zone; a figure is None when it could not be measured, and
    ``problems`` says why."""

    zone: Zone
    area_cm2: float  # the zone's area on the photo
    measured_share: float  # share of the zone actually measured (skin, not hair, brows, nostrils)
    redness_a_mean: float | None = None  # CIELAB a* mean over skin
    red_share: float | None = None  # share of skin with a* above the redness threshold
    pores_per_cm2: float | None = None
    pore_area_share: float | None = None
    pore_count: int | None = None
    shine_share: float | None = None  # share of skin in specular highlight
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class PhotoAnalysis:
    quality: PhotoQuality
    landmarks: FaceLandmarks | None
    zones: tuple[ZoneFigures, ...] = field(default_factory=tuple)

    def zone(self, zone: Zone) -> ZoneFigures:
        for figures in self.zones:
            if figures.zone is zone:
                return figures
        raise KeyError(zone)
