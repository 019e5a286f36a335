"""The photo strip reads a patient's photos and thumbnails on the application's worker, never on the
GUI thread (opening a chart spent 20 ms of the window's time there), and only the newest read is shown:
a chart switched to another patient while the first read is on its way shows the second patient's."""

from __future__ import annotations

import threading

from clinicrec.ui.photos.strip import PhotoStrip
from clinicrec.ui.worker import Worker
from tests.ui.photos.test_photos_ui import _patient_with_photos


def test_the_strip_reads_on_the_worker_and_shows_the_newest_patient(  # type: ignore[no-untyped-def]
    qtbot, services, bus, monkeypatch
) -> None:
    first, _ = _patient_with_photos(services, 3)
    second, second_ids = _patient_with_photos(services, 1)
    real = services.photos.photos_of
    readers: list[bool] = []
    gate = threading.Event()

    def held(patient_id: int, **kw: object) -> object:
        readers.append(threading.current_thread() is threading.main_thread())
        if patient_id == first:
            assert gate.wait(30)  # the first patient's read arrives last
        return real(patient_id, **kw)

    monkeypatch.setattr(services.photos, "photos_of", held)
    reached: list[bool] = []  # where the strip reaches the photo service (its first use imports Pillow)
    photos = services.photos
    monkeypatch.setattr(
        type(services),
        "photos",
        property(lambda _s: reached.append(threading.current_thread() is threading.main_thread()) or photos),
    )
    worker = Worker()
    strip = PhotoStrip(services, bus, reader=worker)
    qtbot.addWidget(strip)
    strip.set_patient(first)
    assert strip.model.rowCount() == 0  # not read on the GUI thread
    with qtbot.waitSignal(strip.sig_loaded, timeout=10_000):
        strip.set_patient(second)
    assert [i.photo.id for i in strip.model.items] == second_ids
    gate.set()
    worker.wait()
    qtbot.wait(50)  # the late answer for the first patient is delivered: not shown
    assert [i.photo.id for i in strip.model.items] == second_ids and strip.count_label.text() == "1 photo"
    assert readers == [False, False]
    assert reached and not any(reached), reached  # never on the GUI thread
    gate.clear()
    strip.set_patient(first)  # the chart switched back: the second patient's photos go at once
    assert strip.model.rowCount() == 0 and strip.count_label.text() == ""
    assert not strip.view.isVisibleTo(strip)
    with qtbot.waitSignal(strip.sig_loaded, timeout=10_000):
        gate.set()
    assert strip.model.rowCount() == 3 and strip.count_label.text() == "3 photos"
