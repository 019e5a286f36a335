"""The comparison window shows the measured figures of the photos it compares, first → last per view."""

from __future__ import annotations

import pytest

from clinicrec.domain.enums import TimePoint, Zone
from clinicrec.services.app import Services
from clinicrec.ui.analysis.measured_change import MeasuredChangePanel, ZoneChangeRow, change_columns
from clinicrec.ui.photos.compare import CompareView
from tests.analysis.synthetic import Photo, render_face
from tests.services.test_photo_measurements import png
from tests.services.test_photos import consenting_patient, front
from tests.ui.analysis.screens import save_screenshot


@pytest.fixture(scope="module")
def faces() -> tuple[Photo, Photo]:
    return render_face(7.0, seed=3, pores_per_cm2=30.0), render_face(7.0, seed=4, pores_per_cm2=15.0)


def test_compare_shows_the_measured_change_of_the_photos(
    qtbot, services: Services, bus, worker, faces
) -> None:  # type: ignore[no-untyped-def]
    before, after = faces
    pid = consenting_patient(services)
    b = services.photos.import_photo(front(pid), png(before))
    a = services.photos.import_photo(front(pid, time_point=TimePoint.WEEK_4), png(after))
    services.measurements.measure(b.id, before.face)
    view = CompareView(services, [b.id, a.id], worker=worker, bus=bus)
    qtbot.addWidget(view)
    rows: list[ZoneChangeRow] = view.measuring.panel.model.rows()
    assert [(r.zone, r.change, r.reason) for r in rows] == [
        (None, None, "the last photo is not measured yet (Measure skin…)")
    ]
    assert view.measuring.panel.isVisibleTo(view)
    assert view.measuring.button.isEnabled()
    [window] = view.measuring.measure_unmeasured()  # measures at once here (a synchronous worker)
    qtbot.addWidget(window)
    assert window.controller.photo_id == a.id
    assert window.quality.text().startswith("Not measured: no face")  # synthetic: no face to the detector
    # The nurse places the landmarks (here: given) and measures again; the bus refreshes the comparison.
    window.canvas.set_landmarks(after.face.named())
    window.canvas.moved = True
    window.measure_again()
    assert not view.measuring.button.isEnabled()
    rows = view.measuring.panel.model.rows()
    assert len(rows) == 11 and all(r.change is not None for r in rows)
    cols = [c.title for c in view.measuring.panel.model.columns]
    cheek = next(i for i, r in enumerate(rows) if r.zone is Zone.CHEEK_RIGHT)
    change = rows[cheek].change
    assert change is not None and change.before.pores_per_cm2 and change.after.pores_per_cm2
    d = change.change("pores_per_cm2")
    assert d is not None and d < 0
    assert view.measuring.panel.model.index(cheek, cols.index("Pores/cm²")).data() == (
        f"{change.before.pores_per_cm2:.1f} → {change.after.pores_per_cm2:.1f} (−{-d:.1f})"
    )
    forehead = next(i for i, r in enumerate(rows) if r.zone is Zone.FOREHEAD)  # no red patch there
    assert view.measuring.panel.model.index(forehead, cols.index("Red area")).data() == "0.0% → 0.0% (0.0 pt)"
    assert not view.measuring.panel.ratings.isVisible()  # no ratings beside photos compared on their own
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)
    save_screenshot(view, "compare-measured.png")


def test_photos_of_different_views_show_no_measured_change(qtbot, services: Services, faces) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.domain.photos import PhotoView

    before, _ = faces
    pid = consenting_patient(services)
    b = services.photos.import_photo(front(pid), png(before))
    o = services.photos.import_photo(front(pid, view=PhotoView.OBLIQUE_LEFT), png(before))
    view = CompareView(services, [b.id, o.id])
    qtbot.addWidget(view)
    assert view.measuring.panel.model.rowCount() == 0 and not view.measuring.panel.isVisibleTo(view)


def test_the_change_model_is_a_sound_qt_model(qtmodeltester, qtbot) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.domain.photos import PhotoView

    panel = MeasuredChangePanel()
    qtbot.addWidget(panel)
    panel.show_rows([ZoneChangeRow(PhotoView.FRONT, None, None, "no baseline photo")], "Measured")
    assert [c.title for c in panel.model.columns] == [c.title for c in change_columns()]
    qtmodeltester.check(panel.model)
