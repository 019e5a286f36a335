"""Real image files for the photo tests, made with Pillow and numpy: EXIF with GPS, serials, orientation."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
BODY_SERIAL, LENS_SERIAL, OWNER = 0xA431, 0xA435, 0xA430
MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112


def pixels(width: int = 240, height: int = 160, seed: int = 1) -> np.ndarray:
    """A picture with texture and a red marker in the top-left corner (to check turning)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(40, 200, size=(height, width, 3), dtype=np.uint8)
    a[:16, :16] = (255, 0, 0)
    return a


def exif_with_secrets(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "Canon"
    exif[MODEL] = "EOS R6"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.9)})
    exif.get_ifd(EXIF_IFD).update({BODY_SERIAL: "SN-0123456789", LENS_SERIAL: "LS-999", OWNER: "Dr Smith"})
    return exif


def encode(a: np.ndarray, fmt: str = "JPEG", orientation: int = 1, exif: bool = True) -> bytes:
    im = Image.fromarray(a)
    out = io.BytesIO()
    kw: dict[str, object] = {}
    if exif:
        kw["exif"] = exif_with_secrets(orientation).tobytes()
    if fmt == "JPEG":
        kw["quality"] = 90
        im.save(out, "JPEG", comment=b"patient Jane Doe", **kw)
    elif fmt == "TIFF":
        im.save(out, "TIFF", **kw)
    else:
        im.save(out, fmt, **kw)
    return out.getvalue()


def decoded(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def has_secret(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
        gps = exif.get_ifd(GPS_IFD)
        inner = exif.get_ifd(EXIF_IFD)
        found = bool(gps) or BODY_SERIAL in inner or LENS_SERIAL in inner or OWNER in inner
    return found or b"SN-0123456789" in data or b"Jane Doe" in data or b"LS-999" in data
