"""The photo strip, the import dialog and the comparison view, on real photos in a real database."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtWidgets import QLabel

from clinicrec.domain.enums import TimePoint
from clinicrec.domain.photos import ConsentScope, Landmarks, PhotoDetails, PhotoView, Point
from clinicrec.services.app import Services
from clinicrec.ui.photos.compare import CompareView
from clinicrec.ui.photos.import_dialog import PhotoImportDialog
from clinicrec.ui.photos.strip import GROUP_ROLE, PhotoStrip, dropped_images
from tests.conftest import make_patient
from tests.services.photos_images import encode, pixels


def _patient_with_photos(services: Services, n: int = 3) -> tuple[int, list[int]]:
    p = make_patient(services)
    assert p.id is not None
    services.photos.record_consent(p.id, (ConsentScope.CLINICAL,), date(2026, 1, 5))
    ids = []
    for i in range(n):
        tp = TimePoint.BASELINE if i % 2 == 0 else TimePoint.WEEK_4
        view = PhotoView.FRONT if i < 2 else PhotoView.OBLIQUE_LEFT
        ids.append(services.photos.import_photo(PhotoDetails(p.id, view, tp), encode(pixels(400, 300, i))).id)
    return p.id, ids


def test_strip_groups_by_time_point_and_view_and_shows_thumbnails(
    qtbot, services, bus, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    pid, ids = _patient_with_photos(services)
    strip = PhotoStrip(services, bus)
    qtbot.addWidget(strip)
    strip.set_patient(pid)
    qtmodeltester.check(strip.model)
    groups = [strip.model.data(strip.model.index(r, 0), GROUP_ROLE) for r in range(3)]
    assert groups == ["Baseline · Front", "Baseline · Oblique left 45°", "Week 4 · Front"]
    assert not strip.model.items[0].icon.isNull()
    assert strip.count_label.text() == "3 photos"
    assert not strip.compare_button.isEnabled()
    strip.select_ids(ids[:2])
    assert strip.compare_button.isEnabled()
    with qtbot.waitSignal(strip.sig_compare_requested) as asked:
        strip.compare_button.click()
    assert sorted(asked.args[0]) == sorted(ids[:2])
    # A photo added elsewhere appears through the change bus; a voided one is gone for a nurse.
    services.photos.import_photo(
        PhotoDetails(pid, PhotoView.FRONT, TimePoint.WEEK_12), encode(pixels(seed=9))
    )
    assert strip.model.rowCount() == 4
    services.photos.void(ids[0], "duplicate")
    assert strip.model.rowCount() == 3


def test_dropping_image_files_asks_to_import_them(qtbot, services, bus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pid, _ = _patient_with_photos(services, 1)
    strip = PhotoStrip(services, bus)
    qtbot.addWidget(strip)
    strip.set_patient(pid)
    good, other = tmp_path / "a.JPG", tmp_path / "notes.txt"
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(good)), QUrl.fromLocalFile(str(other))])
    assert dropped_images(mime.urls()) == [good]


def test_import_dialog_imports_with_progress(qtbot, services, worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pid, _ = _patient_with_photos(services, 0)
    files = []
    for i in range(3):
        f = tmp_path / f"IMG_{i}.png"
        f.write_bytes(encode(pixels(seed=i), "PNG"))
        files.append(f)
    dialog = PhotoImportDialog(services, worker, pid, files)
    qtbot.addWidget(dialog)
    dialog.view_box.setCurrentIndex(dialog.view_box.findData(PhotoView.PROFILE_LEFT))
    dialog.time_point_box.setCurrentIndex(dialog.time_point_box.findData(TimePoint.OTHER))
    dialog.start()  # 'Other date' needs its date
    assert "needs its date" in dialog.message.text()
    dialog.other_date.setDate(date(2026, 2, 2))
    with qtbot.waitSignal(dialog.accepted):
        dialog.start()
    assert dialog.progress.value() == 3 and len(dialog.imported) == 3
    assert {p.view for p in services.photos.photos_of(pid)} == {PhotoView.PROFILE_LEFT}


def test_import_dialog_says_why_without_consent(qtbot, services, worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = make_patient(services)
    f = tmp_path / "x.png"
    f.write_bytes(encode(pixels(), "PNG"))
    dialog = PhotoImportDialog(services, worker, p.id, [f])  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.start()
    assert "not given photo consent" in dialog.message.text()
    assert dialog.ok_button.isEnabled()


def test_compare_zoom_and_pan_are_shared_and_modes_switch(qtbot, services) -> None:  # type: ignore[no-untyped-def]
    _, ids = _patient_with_photos(services, 4)
    view = CompareView(services, ids)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    assert len(view.side_panes) == 4 and all(p.isVisible() for p in view.side_panes)
    first, second = view.side_panes[0], view.side_panes[1]
    first.zoom_at(QPointF(100, 120), 3.0)
    first.pan_by(30, -10)
    assert second.view_transform() == first.view_transform()  # the same zoom and pan
    view.mode_buttons["wipe"].click()
    assert view.overlay_pane.isVisible() and not first.isVisible()
    view.slider.setValue(25)
    assert view.overlay_pane.wipe == 0.25
    view.mode_buttons["overlay"].click()
    assert view.overlay_pane.opacity == 0.25 and view.slider_label.text() == "Opacity"
    assert "day" not in first.shown[0].caption or "after treatment" in first.shown[0].caption


@pytest.mark.parametrize("turn", [0.0, 17.0, -35.0])
def test_alignment_puts_the_marked_landmarks_within_a_pixel(qtbot, services, turn: float) -> None:  # type: ignore[no-untyped-def]
    _, ids = _patient_with_photos(services, 2)
    view = CompareView(services, ids)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    # The "after" photo: the face smaller, turned and shifted; its pupils marked where they are in it.
    before = Landmarks(Point(150, 140), Point(250, 140))
    c, s = math.cos(math.radians(turn)), math.sin(math.radians(turn))
    after = Landmarks(Point(120, 100), Point(120 + 70 * c, 100 + 70 * s))
    for pid, marks in ((ids[0], before), (ids[1], after)):  # marked by clicks on each pane
        pane = next(p for p in view.side_panes if p.shown[0].photo.id == pid)
        view.mark_button.setChecked(True)
        for pt in (marks.first, marks.second):
            q = (pane.shown[0].to_reference * pane.view_transform()).map(QPointF(pt.x, pt.y))
            qtbot.mouseClick(pane, Qt.MouseButton.LeftButton, pos=q.toPoint())
    saved = {s.photo.id: s.photo.landmarks for s in view.shown}
    assert all(saved.values())
    pane = view.overlay_pane
    view.mode_buttons["overlay"].click()
    vt = pane.view_transform()
    for which in ("first", "second"):
        a = (pane.shown[0].to_reference * vt).map(
            QPointF(getattr(saved[ids[0]], which).x, getattr(saved[ids[0]], which).y)
        )
        b = (pane.shown[1].to_reference * vt).map(
            QPointF(getattr(saved[ids[1]], which).x, getattr(saved[ids[1]], which).y)
        )
        assert math.dist((a.x(), a.y()), (b.x(), b.y())) < 1.0


def test_follow_up_shows_each_views_baseline_beside_the_newest(qtbot, services, world) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.photos.baseline_beside import BaselineBeside

    pid, ids = _patient_with_photos(services, 3)  # baseline front, week-4 front, baseline oblique
    world.clock.advance(days=1)
    newest = services.photos.import_photo(
        PhotoDetails(pid, PhotoView.FRONT, TimePoint.WEEK_12), encode(pixels())
    )
    box = BaselineBeside(services, pid, None)
    qtbot.addWidget(box)
    assert [(b.id, n.id if n else None) for b, n in box.pairs] == [(ids[0], newest.id), (ids[2], None)]
    assert box.findChild(QLabel, "baseline_photo_0_now").pixmap() is not None
    assert "No photo" in box.findChild(QLabel, "baseline_photo_1_now").text()


def test_selected_photos_export_as_files_and_marketing_needs_its_consent(  # type: ignore[no-untyped-def]
    qtbot, services, bus, worker, world, tmp_path: Path
) -> None:
    """Issue 15: the strip's Export… writes the selected photos (audited); a use the patient did not
    consent to is refused with the reason, and nothing is written."""
    from clinicrec.ui.photos.panel import PhotoPanel

    pid, ids = _patient_with_photos(services)
    panel = PhotoPanel(services, bus, worker)
    qtbot.addWidget(panel)
    panel.set_patient(pid)
    panel.strip.select_ids(ids[:2])
    assert not panel.export_button.isEnabled()  # a nurse may not export
    world.as_(world.manager)
    panel.strip.select_ids([])
    assert not panel.export_button.isEnabled()
    panel.strip.select_ids(ids[:2])
    assert panel.export_button.isEnabled()
    dialog = panel.export_selected()
    assert dialog is not None
    out = tmp_path / "export"
    out.mkdir()
    dialog.folder.setText(str(out))
    dialog.start_export()
    assert len(dialog.written) == 2, dialog.message.text()
    assert all(p.name.startswith("photo-") for p in out.iterdir())
    assert "Exported 2 photos" in dialog.message.text()
    dialog.purpose_buttons[ConsentScope.MARKETING].setChecked(True)
    assert dialog.deidentify.isChecked()  # copies leaving the clinic are de-identified by default
    dialog.start_export()
    qtbot.waitUntil(lambda: "not consented to marketing" in dialog.message.text(), timeout=10_000)
    assert len(list(out.iterdir())) == 2


def test_every_thumbnail_caption_fits_its_cell(qtbot, services, bus) -> None:  # type: ignore[no-untyped-def]
    """The longest time point and view names, each caption whole in the strip's cell (no "45°…")."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QFontMetrics

    p = make_patient(services)
    services.photos.record_consent(p.id, (ConsentScope.CLINICAL,), date(2026, 1, 5))
    for view in (PhotoView.OBLIQUE_RIGHT, PhotoView.PROFILE_RIGHT, PhotoView.FRONT):
        for tp in (TimePoint.BASELINE, TimePoint.WEEK_12):
            services.photos.import_photo(PhotoDetails(p.id, view, tp), encode(pixels(400, 300, 1)))
    strip = PhotoStrip(services, bus)
    qtbot.addWidget(strip)
    strip.resize(1280, 240)
    strip.show()
    strip.set_patient(p.id)
    assert strip.model.rowCount() == 6
    grid = strip.view.gridSize()
    metrics = QFontMetrics(strip.view.font())
    for row in range(strip.model.rowCount()):
        text = strip.model.data(strip.model.index(row, 0), Qt.ItemDataRole.DisplayRole)
        for line in text.split("\n"):  # each line on one line of the cell, none wrapped
            assert metrics.horizontalAdvance(line) <= grid.width() - 8, line
        needed = metrics.boundingRect(QRect(0, 0, grid.width() - 8, 1000), Qt.TextFlag.TextWordWrap, text)
        icon_height = 112 * 3 // 4  # the thumbnails are 4:3
        assert icon_height + needed.height() <= grid.height(), text
