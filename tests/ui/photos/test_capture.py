"""The capture view: a test image source stands in for the camera; without a camera it says so."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtGui import QColor, QImage

from clinicrec.domain.enums import TimePoint
from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
from clinicrec.ui.photos.capture import CaptureView, StillSource, camera_problem
from tests.conftest import make_patient
from tests.services.photos_images import encode, pixels


def _frame(colour: str = "#c08070") -> QImage:
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return image


def test_capture_stores_the_frame_with_the_earlier_photo_ghosted(qtbot, services) -> None:  # type: ignore[no-untyped-def]
    p = make_patient(services)
    services.photos.record_consent(p.id, (ConsentScope.CLINICAL,), date(2026, 1, 5))
    earlier = services.photos.import_photo(
        PhotoDetails(p.id, PhotoView.FRONT, TimePoint.BASELINE),
        encode(pixels(320, 240)),  # type: ignore[arg-type]
    )
    source = StillSource(_frame(), "Logitech C920 (test)")
    view = CaptureView(services, p.id, source=source)  # type: ignore[arg-type]
    qtbot.addWidget(view)
    assert view.ghost_photo == earlier and view.preview.ghost is not None
    assert view.preview.frame is not None and view.take_button.isEnabled()
    view.opacity.setValue(60)
    assert view.preview.ghost_opacity == 0.6
    view.time_point_box.setCurrentIndex(view.time_point_box.findData(TimePoint.WEEK_4))
    with qtbot.waitSignal(view.sig_captured) as taken:
        view.take_button.click()
    photo = taken.args[0]
    assert (photo.view, photo.time_point, photo.device) == (
        PhotoView.FRONT,
        TimePoint.WEEK_4,
        "Logitech C920 (test)",
    )
    assert (photo.width, photo.height) == (640, 480)
    assert view.ghost_photo == photo  # the next photo of this view is framed on this one
    view.view_box.setCurrentIndex(view.view_box.findData(PhotoView.PROFILE_LEFT))
    assert view.ghost_photo is None and view.preview.ghost is None


def test_capture_is_refused_without_consent_saying_why(qtbot, services) -> None:  # type: ignore[no-untyped-def]
    p = make_patient(services)
    view = CaptureView(services, p.id, source=StillSource(_frame()))  # type: ignore[arg-type]
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.sig_failed):
        view.take_button.click()
    assert "not given photo consent" in view.status.text()
    assert services.photos.photos_of(p.id) == []  # type: ignore[arg-type]


# Qt Multimedia's FFmpeg backend warns about optional libraries (PipeWire, VA-API) it does not find.
@pytest.mark.qt_log_ignore("Couldn't (load|resolve)", "Using Qt multimedia")
def test_without_a_camera_the_button_says_so(qtbot, services) -> None:  # type: ignore[no-untyped-def]
    problem = camera_problem()
    assert problem is not None  # this test machine has no camera
    p = make_patient(services)
    view = CaptureView(services, p.id)  # type: ignore[arg-type]
    qtbot.addWidget(view)
    assert view.take_button.text() == "No camera" and not view.take_button.isEnabled()
    assert view.preview.message == problem and "camera" in problem.lower()
