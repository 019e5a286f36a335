"""Comparing measured figures with the synthetic truth, with the issue's bounds."""

from __future__ import annotations

from clinicrec.analysis.figures import FaceLandmarks, PhotoAnalysis
from clinicrec.analysis.synthetic import Truth
from clinicrec.domain.enums import Zone

#: The zones every front photo must give (issue 19), and the bounds the issue sets.
KEY_ZONES = (Zone.FOREHEAD, Zone.NOSE, Zone.CHEEK_RIGHT, Zone.CHEEK_LEFT, Zone.CHIN)
PORES_WITHIN = 0.10
COLOUR_WITHIN = 0.05


def _near(measured: float | None, true: float, within: float, floor: float) -> bool:
    """Within ``within`` of the truth (relative), or ``floor`` (absolute) where the truth is ~0."""
    return measured is not None and abs(measured - true) <= max(within * abs(true), floor)


def mismatches(result: PhotoAnalysis, truth: Truth, face: FaceLandmarks, zones=KEY_ZONES) -> list[str]:
    """Every figure of ``zones`` outside its bound, as readable lines (empty when all are within)."""
    out = []
    for zone in zones:
        got = result.zone(zone)
        want = truth.zone_truth(zone, face)
        checks = [
            ("a*", got.redness_a_mean, want["a_mean"], COLOUR_WITHIN, 0.0),
            ("red share", got.red_share, want["red_share"], COLOUR_WITHIN, 0.003),
            ("shine share", got.shine_share, want["shine_share"], COLOUR_WITHIN, 0.003),
            ("pores/cm2", got.pores_per_cm2, want["pores_per_cm2"], PORES_WITHIN, 0.0),
        ]
        for name, measured, true, within, floor in checks:
            if not _near(measured, true, within, floor):
                out.append(f"{zone.value} {name}: measured {measured}, true {true:.4f} {got.problems}")
    return out
