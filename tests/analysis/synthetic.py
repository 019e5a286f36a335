"""The synthetic faces moved into the package (clinicrec/analysis/synthetic.py: the demo paints its photos
with them); this name is kept for tests written against the old place."""

from clinicrec.analysis.synthetic import (
    CARD_WIDTH_MM,
    Photo,
    Truth,
    relight,
    render_face,
    rotated,
    scaled,
)

__all__ = ["CARD_WIDTH_MM", "Photo", "Truth", "relight", "render_face", "rotated", "scaled"]
