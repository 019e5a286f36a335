"""A drawn face for screenshots and benchmarks: before (redder, shinier) and after, framed differently."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

Pupils = tuple[float, float, float, float]


def face(width: int = 1600, height: int = 1200, *, after: bool = False, turn: float = 0.0, scale: float = 1.0,
         shift: tuple[int, int] = (0, 0), seed: int = 3) -> tuple[bytes, Pupils]:  # fmt: skip
    """A JPEG of a face and where its pupils are (x1, y1, x2, y2) in the JPEG's pixels."""
    rng = np.random.default_rng(seed)
    bg = Image.new("RGB", (width, height), (86, 104, 122))
    d = ImageDraw.Draw(bg)
    cx, cy = width / 2, height / 2
    fw, fh = width * 0.26, height * 0.40
    skin = (222, 178, 152) if after else (232, 160, 140)
    d.ellipse((cx - fw, cy - fh, cx + fw, cy + fh), fill=skin)
    d.rectangle((cx - fw * 0.45, cy + fh * 0.85, cx + fw * 0.45, height), fill=skin)
    ex, ey = fw * 0.42, cy - fh * 0.18
    for sx in (-1, 1):
        d.ellipse((cx + sx * ex - 46, ey - 20, cx + sx * ex + 46, ey + 20), fill=(250, 250, 250))
        d.ellipse((cx + sx * ex - 15, ey - 15, cx + sx * ex + 15, ey + 15), fill=(60, 40, 30))
        d.arc((cx + sx * ex - 60, ey - 60, cx + sx * ex + 60, ey - 10), 200, 340, fill=(90, 60, 40), width=8)
    d.line((cx, ey + 20, cx - 18, cy + fh * 0.2, cx + 4, cy + fh * 0.24), fill=(190, 130, 110), width=6)
    d.arc((cx - 90, cy + fh * 0.25, cx + 90, cy + fh * 0.5), 20, 160, fill=(170, 80, 80), width=10)
    if not after:  # redness on the cheeks and shine on the nose
        for sx in (-1, 1):
            d.ellipse(
                (cx + sx * fw * 0.55 - 90, cy - 20, cx + sx * fw * 0.55 + 90, cy + 110), fill=(228, 128, 118)
            )
        d.ellipse((cx - 22, cy + fh * 0.05, cx + 18, cy + fh * 0.17), fill=(250, 220, 205))
    a = np.asarray(bg.filter(ImageFilter.GaussianBlur(3))).astype(np.int16)
    a = np.clip(a + rng.normal(0, 6 if after else 9, a.shape), 0, 255).astype(np.uint8)  # pores / texture
    im = Image.fromarray(a)
    pupils = [(cx - ex, ey), (cx + ex, ey)]
    if turn or scale != 1.0 or shift != (0, 0):
        import math

        c, s = math.cos(math.radians(turn)) * scale, math.sin(math.radians(turn)) * scale
        # forward map about the centre: p' = R·S·(p − c) + c + shift; PIL takes the inverse
        det = c * c + s * s
        ia, ib = c / det, s / det
        tx, ty = cx + shift[0], cy + shift[1]
        im = im.transform(
            im.size, Image.Transform.AFFINE,
            (ia, ib, cx - ia * tx - ib * ty, -ib, ia, cy + ib * tx - ia * ty),
            Image.Resampling.BICUBIC, fillcolor=(86, 104, 122),
        )  # fmt: skip
        pupils = [(c * (x - cx) - s * (y - cy) + tx, s * (x - cx) + c * (y - cy) + ty) for x, y in pupils]
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92)
    return out.getvalue(), (pupils[0][0], pupils[0][1], pupils[1][0], pupils[1][1])
