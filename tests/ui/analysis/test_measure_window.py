""" "Measure skin" on a stored photo: measured on the worker with progress, stored figures shown at once,
landmarks corrected by dragging (or from the keyboard) and measured again, opened from the photo panel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from clinicrec.analysis.figures import LandmarkSource
from clinicrec.domain.enums import Zone
from clinicrec.services.app import Services
from clinicrec.ui.analysis.canvas import LANDMARKS, LandmarkCanvas
from clinicrec.ui.analysis.measure_window import MeasureSkinWindow
from clinicrec.ui.analysis.overlay import Layer
from clinicrec.ui.photos.panel import PhotoPanel
from clinicrec.ui.worker import Worker
from tests.analysis.synthetic import Photo, render_face
from tests.services.test_photo_measurements import png
from tests.services.test_photos import consenting_patient, front
from tests.ui.analysis.screens import save_screenshot


@pytest.fixture(scope="module")
def face() -> Photo:
    return render_face(7.0, seed=3, pores_per_cm2=30.0)


def _stored_photo(services: Services, face: Photo) -> int:
    pid = consenting_patient(services)
    return services.photos.import_photo(front(pid), png(face)).id


def _window(qtbot, services: Services, photo_id: int, worker: Worker, bus=None) -> MeasureSkinWindow:  # type: ignore[no-untyped-def]
    window = MeasureSkinWindow(services, worker, photo_id, bus, title="Baseline · Front")
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def _drag(qtbot, canvas: LandmarkCanvas, name: str, to: tuple[float, float]) -> None:  # type: ignore[no-untyped-def]
    start = canvas.to_widget(canvas.points[name]).toPoint()
    end = canvas.to_widget(to).toPoint()
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(canvas, (start + end) / 2)
    QTest.mouseMove(canvas, end)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_a_photo_not_found_as_a_face_is_measured_after_the_nurse_drags_the_landmarks(
    qtbot, services: Services, bus, face: Photo
) -> None:  # type: ignore[no-untyped-def]
    photo_id = _stored_photo(services, face)
    worker = Worker()
    window = _window(qtbot, services, photo_id, worker, bus)
    seen: list[float] = []
    window.controller.sig_progress.connect(lambda f, _t: seen.append(f))
    with qtbot.waitSignal(window.controller.sig_shown, timeout=60_000):
        window.start()
        # Measuring runs on the pool: the window answers (and says it is busy) meanwhile.
        assert window.controller.busy and window.progress.isVisibleTo(window)
        assert not window.measure_button.isEnabled()
    assert seen == [0.0, 0.0]  # started; the engine looked for the face and stopped there
    assert not window.progress.isVisibleTo(window)
    # A synthetic face is no face to the detector: the reason instead of figures, landmarks to place.
    assert window.quality.text().startswith("Not measured: no face with two eyes was found")
    why = [c.title for c in window.model.columns].index("Why not")
    red = [c.title for c in window.model.columns].index("Red")
    assert window.model.index(0, why).data().startswith("no face with two eyes")
    assert window.model.index(0, red).data() == "—"
    assert set(window.canvas.points) == set(LANDMARKS) and not window.canvas.moved
    for name, point in face.face.named().items():
        _drag(qtbot, window.canvas, name, point)
    assert window.canvas.moved
    placed = window.canvas.landmarks()
    assert placed is not None and placed.source is LandmarkSource.GIVEN
    k = window.canvas._frame()[0]
    assert placed.right_pupil == pytest.approx(face.face.right_pupil, abs=1.5 / k)
    with qtbot.waitSignal(window.controller.sig_shown, timeout=60_000):
        window.measure_button.click()
    assert seen[2:] == sorted(seen[2:]) and seen[-1] == 1.0 and len(set(seen[2:])) >= 4  # the engine's steps
    assert window.progress.value() == 100
    stored = services.measurements.latest([photo_id])[photo_id]
    assert stored.analysis.landmarks is not None
    assert stored.analysis.landmarks.source is LandmarkSource.GIVEN
    assert stored.analysis.quality.passed
    cheek = stored.analysis.zone(Zone.CHEEK_LEFT)
    assert cheek.pores_per_cm2 is not None
    row = next(i for i, z in enumerate(window.model.rows()) if z.zone is Zone.CHEEK_LEFT)
    pores = [c.title for c in window.model.columns].index("Pores/cm²")
    assert window.model.index(row, pores).data() == f"{cheek.pores_per_cm2:.1f}"
    assert "placed or corrected by the nurse" in window.measured.text()
    assert window.quality.text().startswith(f"{stored.analysis.quality.px_per_mm:.1f} px/mm")
    # The overlays toggle on the measured photo.
    with_all = window.canvas.image.copy()
    window.layer_boxes[Layer.PORES].setChecked(False)
    window.layer_boxes[Layer.REDNESS].setChecked(False)
    assert window.canvas.image != with_all
    window.layer_boxes[Layer.PORES].setChecked(True)
    window.layer_boxes[Layer.REDNESS].setChecked(True)
    save_screenshot(window, "skin-measure.png")
    worker.wait()


def test_a_measured_photo_opens_with_its_stored_figures_at_once(
    qtbot, services: Services, face: Photo
) -> None:  # type: ignore[no-untyped-def]
    photo_id = _stored_photo(services, face)
    stored = services.measurements.measure(photo_id, face.face).measurement
    worker = Worker()
    window = _window(qtbot, services, photo_id, worker)
    with qtbot.waitSignal(window.controller.sig_shown, timeout=60_000):
        window.start()
        # Before the pixels arrive from the pool, the figures are there, read from the database.
        assert window.model.rowCount() == len(stored.analysis.zones) == 11
        read_back = services.measurements.latest([photo_id])[photo_id].analysis.zones
        assert window.model.rows() == list(read_back)
        assert window.measured.text().startswith("Measured ")
    assert services.measurements.latest([photo_id])[photo_id].id == stored.id  # opening stores nothing
    assert stored.analysis.landmarks is not None
    assert window.canvas.points["left_pupil"] == pytest.approx(stored.analysis.landmarks.left_pupil)
    assert not window.canvas.image.isNull()
    # Measuring again on request (no landmark moved: found again, here given as stored) adds a record.
    with qtbot.waitSignal(window.controller.sig_shown, timeout=60_000):
        window.measure_button.click()
    assert services.measurements.latest([photo_id])[photo_id].id != stored.id
    worker.wait()


def test_landmarks_move_from_the_keyboard_and_reset(qtbot, services: Services, face: Photo, worker) -> None:  # type: ignore[no-untyped-def]
    photo_id = _stored_photo(services, face)
    services.measurements.measure(photo_id, face.face)
    window = _window(qtbot, services, photo_id, worker)
    window.start()
    canvas = window.canvas
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus)
    assert canvas.selected == "right_pupil"
    QTest.keyClick(canvas, Qt.Key.Key_N)
    assert canvas.selected == "left_pupil"
    x, y = canvas.points["left_pupil"]
    QTest.keyClick(canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(canvas, Qt.Key.Key_Up)
    assert canvas.points["left_pupil"] == pytest.approx((x + 10, y - 1))
    assert canvas.moved and canvas.landmarks().source is LandmarkSource.GIVEN  # type: ignore[union-attr]
    QTest.keyClick(canvas, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert canvas.selected == "right_pupil"
    window.reset_button.click()
    assert canvas.points["left_pupil"] == pytest.approx((x, y)) and not canvas.moved
    # A drag that misses every landmark moves none.
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))
    assert not canvas.moved


def test_the_figures_model_is_a_sound_qt_model(  # type: ignore[no-untyped-def]
    qtmodeltester, qtbot, services: Services, face: Photo, worker
) -> None:
    photo_id = _stored_photo(services, face)
    services.measurements.measure(photo_id, face.face)
    window = _window(qtbot, services, photo_id, worker)
    window.start()
    qtmodeltester.check(window.model)


def test_measure_skin_opens_from_the_photo_panel(qtbot, services: Services, bus, worker, face: Photo) -> None:  # type: ignore[no-untyped-def]
    photo_id = _stored_photo(services, face)
    pid = services.photos.get(photo_id).patient_id
    panel = PhotoPanel(services, bus, worker)
    qtbot.addWidget(panel)
    panel.set_patient(pid)
    assert not panel.measure_button.isEnabled()
    panel.strip.select_ids([photo_id])
    assert panel.measure_button.isEnabled()
    panel.measure_button.click()
    window = panel.compare_windows[-1]
    assert isinstance(window, MeasureSkinWindow)
    qtbot.addWidget(window)
    taken = services.photos.get(photo_id).taken_at
    assert window.windowTitle() == f"Measure skin – Baseline · Front, {taken:%Y-%m-%d}"
    assert window.quality.text().startswith("Not measured: no face")  # measured at once (synchronous here)
    save_screenshot(window, "skin-measure-no-face.png")
    services.photos.void(photo_id, "duplicate")
    panel.strip.select_ids([photo_id])
    assert not panel.measure_button.isEnabled()


def test_a_prescriber_sees_stored_figures_but_does_not_measure(qtbot, world, worker, face: Photo) -> None:  # type: ignore[no-untyped-def]
    from tests.services.oversight_helpers import prescriber

    services = world.services
    measured, unmeasured = _stored_photo(services, face), _stored_photo(services, face)
    services.measurements.measure(measured, face.face)
    world.as_(prescriber(world))
    window = _window(qtbot, services, measured, worker)
    window.start()
    assert window.model.rowCount() == 11 and not window.measure_button.isEnabled()
    other = _window(qtbot, services, unmeasured, worker)
    other.start()
    assert other.status.text() == "Not measured yet; measuring needs the right to chart sessions."
    assert other.model.rowCount() == 0 and services.measurements.latest([unmeasured]) == {}
