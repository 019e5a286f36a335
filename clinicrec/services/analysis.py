"""Analysing a photo file: read it as the camera meant it (EXIF orientation applied) and measure it.

This is the one entry point the screens use (on a worker thread: a 24-megapixel photo takes about a
second); it reads nothing from the database and writes nothing, so there is nothing to audit until
the figures are stored with the photo (issue 15).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from ..analysis.engine import AnalysisMaps, analyse_photo_with_maps
from ..analysis.figures import FaceLandmarks, PhotoAnalysis
from ..domain.errors import FieldError, ValidationError

READABLE = "JPEG, PNG, TIFF, BMP or WebP"


@dataclass(frozen=True)
class AnalysedPhoto:
    """A photo, its figures, and what the overlays draw (None when the photo failed a check)."""

    path: Path
    rgb: NDArray[np.uint8]
    analysis: PhotoAnalysis
    maps: AnalysisMaps | None


def read_photo(path: Path) -> NDArray[np.uint8]:
    """The photo as an RGB array, turned upright from its EXIF orientation."""
    try:
        data = np.fromfile(path, dtype=np.uint8)  # not cv2.imread: it cannot open non-ASCII paths on Windows
    except FileNotFoundError:
        raise ValidationError(FieldError("photo", f"there is no file at {path}")) from None
    except OSError as e:
        raise ValidationError(FieldError("photo", f"{path} cannot be read ({e.strerror})")) from None
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise ValidationError(
            FieldError("photo", f"{path.name} is not a picture this program reads ({READABLE})")
        )
    return np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)


def analyse_photo_file(
    path: Path,
    face: FaceLandmarks | None = None,
    *,
    card_width_mm: float | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> AnalysedPhoto:
    """Read and analyse one photo. Bad input raises ValidationError naming the field."""
    rgb = read_photo(Path(path))
    try:
        analysis, maps = analyse_photo_with_maps(rgb, face, card_width_mm=card_width_mm, progress=progress)
    except ValueError as e:  # the engine names the field first: "pupil distance: ..."
        field, _, message = str(e).partition(": ")
        raise ValidationError(FieldError(field, message)) from None
    return AnalysedPhoto(Path(path), rgb, analysis, maps)
