"""Screenshots for docs/screenshots/, saved only with ``CLINICREC_SCREENSHOTS=1`` (as the photo screenshots).

Saved as palette PNGs (fewer colours until under 300 KB), the house limit for committed screenshots.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtWidgets import QApplication, QWidget

OUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
LIMIT = 300_000


def save_screenshot(widget: QWidget, name: str) -> Path | None:
    if not os.environ.get("CLINICREC_SCREENSHOTS"):
        return None
    QApplication.processEvents()  # pending layout requests first: the grab shows what a nurse sees
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert widget.grab().save(buffer, "PNG")
    image = Image.open(io.BytesIO(bytes(buffer.data().data()))).convert("RGB")
    path = OUT / name
    for colours in (256, 128, 64, 32):
        image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
        if path.stat().st_size < LIMIT:
            break
    return path
