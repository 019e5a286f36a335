from __future__ import annotations

import pytest

from clinicrec.analysis.synthetic import Photo, render_face


@pytest.fixture(scope="package")
def photo() -> Photo:
    """One synthetic face at 10 px/mm with a grey card (rendered once: it takes a few seconds)."""
    return render_face(seed=1)
