"""The picture of a signature drawn on the pad, made from its strokes (the same strokes, the same picture).

Strokes are kept in the pad's own units (x 0..1 across, y 0..1 down, pressure 0..1); the picture is a
PNG, the pen's width following its pressure, on white, so that it prints on any paper.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

from ..domain.consent import Stroke

WIDTH, HEIGHT = 900, 300  # the pad's proportions: 3 across to 1 down
INK = (16, 32, 80)


def signature_png(strokes: Sequence[Stroke], width: int = WIDTH, height: int = HEIGHT) -> bytes:
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        pts = [(p.x * (width - 1), p.y * (height - 1), p.pressure) for p in stroke]
        if len(pts) == 1:
            x, y, pr = pts[0]
            r = max(1.5, 4 * pr)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=INK)
        for (x0, y0, p0), (x1, y1, p1) in zip(pts, pts[1:], strict=False):
            w = max(2, round(2 + 5 * (p0 + p1) / 2))
            draw.line((x0, y0, x1, y1), fill=INK, width=w)
            r = w / 2
            draw.ellipse((x1 - r, y1 - r, x1 + r, y1 + r), fill=INK)  # round joints
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
