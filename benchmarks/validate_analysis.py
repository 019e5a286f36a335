"""The validation table of docs/skin-analysis.md: ``python benchmarks/validate_analysis.py``.

For each condition the tests check (tests/analysis), the worst error over the key zones (forehead,
nose, both cheeks, chin) of each figure against the synthetic truth: relative for a* and pores per cm2,
relative for the shares where the true share is at least 2 % (absolute otherwise, in brackets).
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clinicrec.analysis.engine import analyse_photo  # noqa: E402
from clinicrec.analysis.synthetic import CARD_WIDTH_MM, relight, render_face, rotated, scaled  # noqa: E402
from tests.analysis.checks import KEY_ZONES  # noqa: E402


def main() -> None:
    photo = render_face(seed=1)
    conditions = {
        "as rendered (10 px/mm, card)": (photo.rgb, photo.face),
        "warm cast (1.35, 1.0, 0.7)": (relight(photo.rgb, (1.35, 1.0, 0.7)), photo.face),
        "cool cast (0.75, 0.95, 1.3)": (relight(photo.rgb, (0.75, 0.95, 1.3)), photo.face),
        "+1 stop": (relight(photo.rgb, (2.0,) * 3), photo.face),
        "-1 stop": (relight(photo.rgb, (0.5,) * 3), photo.face),
        "blur sigma 0.7 px": (cv2.GaussianBlur(photo.rgb, (0, 0), 0.7), photo.face),
        "turned 12 deg": rotated(photo, 12.0),
        "turned -20 deg": rotated(photo, -20.0),
        "scale 0.7 (7 px/mm)": scaled(photo, 0.7),
        "scale 1.6 (16 px/mm)": scaled(photo, 1.6),
    }
    names = (
        ("a*", "redness_a_mean", "a_mean"),
        ("red share", "red_share", "red_share"),
        ("shine", "shine_share", "shine_share"),
        ("pores/cm2", "pores_per_cm2", "pores_per_cm2"),
    )
    print("| condition | " + " | ".join(n for n, _, _ in names) + " |")
    print("|---|" + "---|" * len(names))
    for label, (rgb, face) in conditions.items():
        result = analyse_photo(rgb, face, card_width_mm=CARD_WIDTH_MM)
        cells = []
        for _, attr, key in names:
            worst_rel, worst_abs = 0.0, 0.0
            for zone in KEY_ZONES:
                got = getattr(result.zone(zone), attr)
                want = photo.truth.zone_truth(zone, photo.face)[key]
                if key in ("red_share", "shine_share") and want < 0.02:
                    worst_abs = max(worst_abs, abs(got - want))
                else:
                    worst_rel = max(worst_rel, abs(got - want) / want)
            cells.append(f"{worst_rel:.1%}" + (f" ({worst_abs:.3f})" if worst_abs else ""))
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
