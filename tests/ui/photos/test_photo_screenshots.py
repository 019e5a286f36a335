"""Screenshots of the photo strip, the capture view with its ghost, and the comparison (docs/screenshots/).

Run with ``CLINICREC_SCREENSHOTS=1``; skipped otherwise.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from clinicrec.domain.enums import TimePoint
from clinicrec.domain.photos import ConsentScope, Landmarks, PhotoDetails, PhotoView, Point
from tests.conftest import make_patient
from tests.ui.photos.faces import face

pytestmark = [
    pytest.mark.skipif(not os.environ.get("CLINICREC_SCREENSHOTS"), reason="set CLINICREC_SCREENSHOTS=1"),
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints", "Couldn't (load|resolve)",
                              "Using Qt multimedia"),
]  # fmt: skip
OUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture
def styled(qapp):  # type: ignore[no-untyped-def]
    from clinicrec.ui.style import apply_style

    apply_style(qapp)
    return qapp


def _photographed_patient(world):  # type: ignore[no-untyped-def]
    services = world.services
    p = make_patient(services, first_name="Sofia", last_name="Marquez")
    services.photos.record_consent(p.id, (ConsentScope.CLINICAL, ConsentScope.TEACHING), date(2026, 1, 5))
    ids = {}
    views = (PhotoView.FRONT, PhotoView.OBLIQUE_LEFT, PhotoView.OBLIQUE_RIGHT)
    for k, (tp, days) in enumerate(((TimePoint.BASELINE, 0), (TimePoint.DAY_14, 14), (TimePoint.WEEK_4, 28))):
        world.clock.set(world.clock() + timedelta(days=days - (0 if k == 0 else (14 if k == 2 else 0))))
        for j, view in enumerate(views):
            after = tp != TimePoint.BASELINE
            data, pupils = face(after=after, turn=-6.0 if after else 0.0, scale=0.9 if after else 1.0,
                                shift=(60, -30) if after else (0, 0), seed=k * 3 + j)  # fmt: skip
            photo = services.photos.import_photo(PhotoDetails(p.id, view, tp), data)
            services.photos.set_landmarks(
                photo.id, Landmarks(Point(pupils[0], pupils[1]), Point(pupils[2], pupils[3]))
            )
            ids[(tp, view)] = photo.id
    return p, ids


def test_photo_screenshots(qtbot, styled, world, bus, worker) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.patients.patient_chart import PatientChart
    from clinicrec.ui.photos.capture import CaptureView, StillSource
    from clinicrec.ui.photos.compare import CompareView

    services = world.services
    p, ids = _photographed_patient(world)
    chart = PatientChart(services, bus, worker=worker)
    qtbot.addWidget(chart)
    chart.set_patient(p.id)
    chart.photos.strip.select_ids(
        [ids[(TimePoint.BASELINE, PhotoView.FRONT)], ids[(TimePoint.WEEK_4, PhotoView.FRONT)]]
    )
    chart.resize(1280, 800)
    chart.show()
    chart.grab().save(str(OUT / "photo-strip.png"))

    compare = CompareView(
        services, [ids[(TimePoint.BASELINE, PhotoView.FRONT)], ids[(TimePoint.WEEK_4, PhotoView.FRONT)]]
    )
    qtbot.addWidget(compare)
    compare.resize(1280, 800)
    compare.show()
    compare.grab().save(str(OUT / "photo-compare-side.png"))
    compare.mode_buttons["wipe"].click()
    compare.slider.setValue(50)
    compare.grab().save(str(OUT / "photo-compare-wipe.png"))

    data, _ = face(after=True, turn=4.0, scale=1.05, shift=(-40, 20), seed=11)
    frame = QImage.fromData(data)
    capture = CaptureView(services, p.id, source=StillSource(frame, "USB camera (test source)"))
    qtbot.addWidget(capture)
    capture.opacity.setValue(40)
    capture.resize(1280, 800)
    capture.show()
    capture.grab().save(str(OUT / "photo-capture-ghost.png"))
