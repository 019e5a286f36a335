"""Clinician rating scales (0-4) with a worded anchor for every grade.

Every stored rating carries the scale version it was made on, so rewording a scale later never
rewrites history: old ratings are read against the anchors of their own version.
"""

from __future__ import annotations

from .enums import Measure

CURRENT_SCALE_VERSION = "CR-2026.1"

_SCALES: dict[str, dict[Measure, tuple[str, ...]]] = {
    "CR-2026.1": {
        Measure.PORES: (
            "None visible: smooth skin, no visible pores",
            "Barely visible: fine pores seen only up close",
            "Visible: pores seen at conversational distance in the T-zone",
            "Enlarged: clearly enlarged pores across several areas",
            "Very enlarged: large pores across most of the face",
        ),
        Measure.OIL: (
            "Matte: no shine, skin feels dry to the touch",
            "Slight: faint shine on the nose or forehead only",
            "Moderate: visible shine across the T-zone",
            "Oily: obvious shine on the T-zone and cheeks",
            "Very oily: heavy oil over the whole face within hours of washing",
        ),
        # Follows the Clinician's Erythema Assessment (CEA).
        Measure.REDNESS: (
            "Clear: no signs of erythema",
            "Almost clear: slight redness",
            "Mild: definite redness",
            "Moderate: marked redness",
            "Severe: fiery redness",
        ),
    }
}


def scale_versions() -> list[str]:
    return list(_SCALES)


def anchors(measure: Measure, version: str = CURRENT_SCALE_VERSION) -> tuple[str, ...]:
    try:
        return _SCALES[version][Measure(measure)]
    except KeyError:
        raise KeyError(f"unknown rating scale version {version!r}") from None


def anchor(measure: Measure, grade: int, version: str = CURRENT_SCALE_VERSION) -> str:
    words = anchors(measure, version)
    if not 0 <= grade < len(words):
        raise ValueError(f"{Measure(measure).label} rating must be from 0 to {len(words) - 1} (got {grade})")
    return words[grade]


def short_anchor(measure: Measure, grade: int, version: str = CURRENT_SCALE_VERSION) -> str:
    """The anchor's leading word(s): 'Barely visible'."""
    return anchor(measure, grade, version).split(":", 1)[0]
