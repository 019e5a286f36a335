"""Repeatability (issue 19): the same face re-rendered with small shifts, a small turn and a change of
light gives every figure of every key zone with a coefficient of variation under 5 %."""

from __future__ import annotations

import numpy as np

from clinicrec.analysis.engine import analyse_photo
from clinicrec.analysis.synthetic import CARD_WIDTH_MM, Photo, relight, render_face, rotated
from tests.analysis.checks import KEY_ZONES

FIGURES = ("redness_a_mean", "red_share", "shine_share", "pores_per_cm2")


def test_coefficient_of_variation_under_5_percent(photo: Photo) -> None:
    shots = [(photo.rgb, photo.face)]
    for shift, gain in (((0.037, 0.051), 0.85), ((-0.043, 0.018), 1.15)):
        again = render_face(seed=1, shift_cm=shift, light_gain=gain)
        shots.append((again.rgb, again.face))
    shots.append(rotated(photo, 3.0))
    shots.append((relight(photo.rgb, (1.1, 1.0, 0.92)), photo.face))
    results = [analyse_photo(rgb, face, card_width_mm=CARD_WIDTH_MM) for rgb, face in shots]
    problems = []
    for zone in KEY_ZONES:
        for name in FIGURES:
            values = np.array([getattr(r.zone(zone), name) for r in results], dtype=float)
            mean = values.mean()
            assert mean > 0 or name != "pores_per_cm2"
            cv = values.std(ddof=1) / mean if mean > 0.01 else values.std(ddof=1)
            if not cv < 0.05:
                problems.append(f"{zone.value} {name}: {values.round(4)} CV {cv:.3f}")
    assert problems == []
