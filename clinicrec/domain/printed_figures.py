"""Skin-analysis figures as the printed chart and progress sheet show them (issue 19): each measured
zone's figures on the baseline photo and on the latest follow-up photo, beside the clinician's 0-4
ratings at those visits. Plain values, so ``pdf/`` prints them without knowing the analysis engine."""

from __future__ import annotations

from dataclasses import dataclass

from .enums import Measure, Zone

#: The figures printed, in order: (attribute of the analysis' zone figures, heading, decimals, scale).
#: Shares are printed as percentages (scale 100).
PRINTED_FIGURES: tuple[tuple[str, str, int, float], ...] = (
    ("pores_per_cm2", "Pores per cm²", 1, 1.0),
    ("redness_a_mean", "Redness (a*)", 1, 1.0),
    ("red_share", "Red area", 1, 100.0),
    ("shine_share", "Shine", 1, 100.0),
)
#: The key zones printed (the forehead, nose, cheeks and chin), in this order, when measured.
PRINTED_ZONES: tuple[Zone, ...] = (Zone.FOREHEAD, Zone.NOSE, Zone.CHEEK_RIGHT, Zone.CHEEK_LEFT, Zone.CHIN)


@dataclass(frozen=True)
class ZoneBeforeAfter:
    """One zone: each of PRINTED_FIGURES on the baseline photo and now (None: not measured)."""

    zone: Zone
    before: tuple[float | None, ...]
    after: tuple[float | None, ...]


@dataclass(frozen=True)
class MeasuredFigures:
    """What the photos measured at baseline and now, with the ratings of the same visits."""

    zones: tuple[ZoneBeforeAfter, ...]
    rated_before: tuple[tuple[Measure, int | None], ...]  # the baseline ratings (pores, oil, redness)
    rated_after: tuple[tuple[Measure, int | None], ...]  # the follow-up's ratings ((): none recorded)
    quality: str  # "7.0 px/mm; colour from the grey card" for the two photos


def figure_text(value: float | None, decimals: int, scale: float) -> str:
    if value is None:
        return "—"
    text = f"{value * scale:.{decimals}f}"
    return f"{text}%" if scale == 100.0 else text


def change_text(before: float | None, after: float | None, decimals: int, scale: float) -> str:
    if before is None or after is None:
        return "—"
    d = (after - before) * scale
    text = f"{d:+.{decimals}f}".replace("-", "\u2212")
    return f"{text}{' pts' if scale == 100.0 else ''}"
