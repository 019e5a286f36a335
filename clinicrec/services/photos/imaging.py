"""What an imported image file becomes: metadata stripped, orientation applied, pixels kept, a thumbnail.

- JPEG already upright (no EXIF orientation, or 1): the file's segments are rewritten without EXIF,
  XMP, IPTC, comments and maker notes; the compressed image data is copied untouched, so the pixels
  are exactly the camera's. A JPEG that must be turned is decoded, turned and saved again with the
  camera's own quantisation tables and subsampling (the nearest to the original a re-encode can be).
- PNG and TIFF: decoded, turned if needed, saved again losslessly without text or EXIF chunks.
- HEIC/HEIF (phones): decoded with pi-heif (libheif), turned, saved as JPEG quality 95 with 4:4:4
  colour (nothing in the record can show HEIC, and ReportLab cannot print it).

GPS, serial numbers, owner names and every other EXIF field go with the EXIF block. The make and model
are read first and kept as the photo's ``device``.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from ...domain.errors import FieldError, ValidationError

THUMBNAIL_PX = 320
_ORIENTATION = 0x0112
_MAKE, _MODEL = 0x010F, 0x0110
#: 24 MP photos are normal; refuse only absurd sizes (decompression bombs).
Image.MAX_IMAGE_PIXELS = 200_000_000

_heif_ready = False


def _register_heif() -> None:
    global _heif_ready
    if not _heif_ready:
        try:
            from pi_heif import register_heif_opener

            register_heif_opener()
        except ImportError:  # pragma: no cover - optional at run time; pyproject lists it
            pass
        _heif_ready = True


@dataclass(frozen=True)
class PreparedImage:
    """The bytes to store and what the record says about them."""

    data: bytes
    sha256: str
    media_type: str
    width: int
    height: int
    device: str
    thumbnail: bytes


def prepare(raw: bytes, name: str = "the file") -> PreparedImage:
    """Strip, turn and describe one image file's bytes; a file that is not an image is refused."""
    _register_heif()
    try:
        im = Image.open(io.BytesIO(raw))
        fmt = (im.format or "").upper()
    except (UnidentifiedImageError, OSError) as e:
        raise ValidationError(FieldError("file", f"{name} is not a JPEG, PNG, TIFF or HEIC image")) from e
    if fmt not in ("JPEG", "PNG", "TIFF", "HEIF", "MPO"):
        raise ValidationError(
            FieldError(
                "file", f"{name} is a {fmt or 'unknown'} image; ClinicRec takes JPEG, PNG, TIFF or HEIC"
            )
        )
    try:
        exif = im.getexif()
        orientation = int(exif.get(_ORIENTATION, 1) or 1)
        device = " ".join(str(exif.get(t, "")).strip("\x00 ") for t in (_MAKE, _MODEL)).strip()[:120]
        if fmt in ("JPEG", "MPO") and orientation == 1:
            data, media = strip_jpeg(raw), "image/jpeg"
            width, height = im.size
            im.draft("RGB", (THUMBNAIL_PX * 2, THUMBNAIL_PX * 2))  # decode at 1/2..1/8 scale: fast
            thumb_src: Image.Image = im
        else:
            data, media, thumb_src = _reencode(im, fmt, orientation)
            width, height = thumb_src.size
        thumbnail = make_thumbnail(thumb_src)
    except (OSError, SyntaxError, ValueError, struct.error) as e:
        raise ValidationError(FieldError("file", f"{name} could not be read as an image: {e}")) from e
    return PreparedImage(data, hashlib.sha256(data).hexdigest(), media, width, height, device, thumbnail)


def _reencode(im: Image.Image, fmt: str, orientation: int) -> tuple[bytes, str, Image.Image]:
    icc = im.info.get("icc_profile")
    extra: dict[str, Any] = {"icc_profile": icc} if icc else {}
    upright = ImageOps.exif_transpose(im) if orientation != 1 else im
    upright.load()
    out = io.BytesIO()
    if fmt in ("JPEG", "MPO"):
        assert isinstance(im, JpegImagePlugin.JpegImageFile)
        sampling = JpegImagePlugin.get_sampling(im)
        upright.info.pop("comment", None)
        upright.save(out, "JPEG", qtables=im.quantization, subsampling=max(sampling, 0), **extra)
        return strip_jpeg(out.getvalue()), "image/jpeg", upright
    if fmt == "PNG":
        upright.save(out, "PNG", **extra)
        return out.getvalue(), "image/png", upright
    if fmt == "TIFF":
        upright.save(out, "TIFF", compression="tiff_deflate", **extra)
        return out.getvalue(), "image/tiff", upright
    rgb = upright.convert("RGB")
    rgb.save(out, "JPEG", quality=95, subsampling=0, **extra)
    return strip_jpeg(out.getvalue()), "image/jpeg", rgb


def make_thumbnail(im: Image.Image) -> bytes:
    """A JPEG at most THUMBNAIL_PX on its longer side (what the strip and the chart show)."""
    small = im.convert("RGB")
    small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.BILINEAR, reducing_gap=2.0)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=85)
    return out.getvalue()


# -- JPEG segments ------------------------------------------------------------------------------------
#: APPn segments kept: APP0 (JFIF), APP2 only when it is an ICC profile, APP14 (Adobe colour transform).
_KEEP_APP = {0xE0, 0xEE}


def strip_jpeg(raw: bytes) -> bytes:
    """The JPEG without EXIF (GPS, serials), XMP, IPTC, comments or maker notes; image data untouched."""
    if raw[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG (no start-of-image marker)")
    out = bytearray(b"\xff\xd8")
    i = 2
    n = len(raw)
    while i < n:
        if raw[i] != 0xFF:
            raise ValueError(f"broken JPEG marker at byte {i}")
        marker = raw[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            out += raw[i:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += raw[i : i + 2]
            i += 2
            continue
        (length,) = struct.unpack(">H", raw[i + 2 : i + 4])
        segment = raw[i : i + 2 + length]
        if len(segment) < 2 + length:
            raise ValueError("the JPEG is cut short")
        if _keep(marker, segment):
            out += segment
        i += 2 + length
    raise ValueError("the JPEG has no image data")


def _keep(marker: int, segment: bytes) -> bool:
    if marker == 0xFE:  # comment
        return False
    if 0xE0 <= marker <= 0xEF:
        return marker in _KEEP_APP or (marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00")
    return True
