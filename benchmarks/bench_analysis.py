"""How long does the skin analysis of one photo take? ``python benchmarks/bench_analysis.py [runs]``.

A synthetic face rendered at 20 px/mm on a 4000 x 6000 (24-megapixel) photo, saved as a JPEG, then:
decoding the JPEG (the baseline: what any viewer pays to open the photo), and analysing it (all face
zones, all figures, colour card found, quality checked), plus finding the face and pupils on a real
24-megapixel portrait. Target (issue 19): the analysis under 2 s on this 2-core machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import best_and_median, row  # noqa: E402
from clinicrec.analysis.engine import analyse_photo  # noqa: E402
from clinicrec.analysis.figures import FaceLandmarks  # noqa: E402
from clinicrec.analysis.landmarks import detect_landmarks  # noqa: E402
from clinicrec.analysis.synthetic import CARD_WIDTH_MM, render_face  # noqa: E402

TARGET_S = 2.0


def _photo_24mp() -> tuple[bytes, FaceLandmarks]:
    face = render_face(px_per_mm=20.0, seed=3)
    h, w = face.rgb.shape[:2]  # 4600 x 4000
    canvas = np.full((6000, 4000, 3), 96, np.uint8)
    top = (6000 - h) // 2
    canvas[top : top + h, :w] = face.rgb
    lm = face.face
    moved = FaceLandmarks(*((x, y + top) for x, y in lm.named().values()))  # type: ignore[arg-type]
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return jpeg.tobytes(), moved


def main(runs: int = 5) -> None:
    jpeg, face = _photo_24mp()
    data = np.frombuffer(jpeg, np.uint8)

    def decode() -> np.ndarray:
        return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)

    rgb = decode()
    h, w = rgb.shape[:2]
    print(f"photo: {w} x {h} = {w * h / 1e6:.1f} MP, JPEG {len(jpeg) / 1e6:.1f} MB")
    result = analyse_photo(rgb, face, card_width_mm=CARD_WIDTH_MM)
    assert result.quality.passed, result.quality.problems
    quality = result.quality
    print(f"measured at {quality.px_per_mm:.1f} px/mm, colour from the {quality.colour_source.value}")

    decode_best, decode_median = best_and_median(decode, repeat=runs, warmup=1)
    best, median = best_and_median(lambda: analyse_photo(rgb, face, card_width_mm=CARD_WIDTH_MM), runs, 1)
    print(row("decode the JPEG (baseline)", decode_median, decode_median))
    verdict = "OK" if median < TARGET_S else "TOO SLOW"
    print(
        row("analyse: all zones, all figures", median, decode_median, f"target < {TARGET_S:.0f} s: {verdict}")
    )

    import skimage.data

    portrait = cv2.resize(skimage.data.astronaut(), (4900, 4900), interpolation=cv2.INTER_LINEAR)
    found_best, found_median = best_and_median(lambda: detect_landmarks(portrait), runs, 1)
    assert detect_landmarks(portrait) is not None
    print(row("find face and pupils (24 MP portrait)", found_median, decode_median))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
