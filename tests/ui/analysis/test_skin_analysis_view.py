"""The analysed photo with toggleable overlays and the figures per zone (issue 19's overlay demo)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtGui import QColor

from clinicrec.domain.enums import Zone
from clinicrec.services.analysis import AnalysedPhoto, analyse_photo_file
from clinicrec.ui.analysis.overlay import PORE_RGB, Layer, overlay_image
from clinicrec.ui.analysis.view import SkinAnalysisController, SkinAnalysisView
from clinicrec.ui.worker import Worker
from tests.analysis.synthetic import CARD_WIDTH_MM, Photo, render_face

#: The committed screenshot docs/images/skin-analysis-overlays.png is this grab, copied from the temp dir.


@pytest.fixture(scope="module")
def photo() -> Photo:
    return render_face(px_per_mm=8.0, seed=4)


@pytest.fixture(scope="module")
def photo_file(photo: Photo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "front.png"
    cv2.imwrite(str(path), cv2.cvtColor(photo.rgb, cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture(scope="module")
def analysed(photo: Photo, photo_file: Path) -> AnalysedPhoto:
    return analyse_photo_file(photo_file, photo.face, card_width_mm=CARD_WIDTH_MM)


def _colour_at(image, x: float, y: float) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    c = QColor(image.pixel(round(x), round(y)))
    return (c.red(), c.green(), c.blue())


def test_each_layer_paints_only_when_chosen(analysed: AnalysedPhoto) -> None:
    h, w = analysed.rgb.shape[:2]
    plain = overlay_image(analysed, set(), longest_side=max(h, w))
    pores = overlay_image(analysed, {Layer.PORES}, longest_side=max(h, w))
    maps = analysed.maps
    assert maps is not None and maps.factor == 1.0
    ys, xs = np.nonzero(maps.pores > 0)
    x, y = xs[0] + maps.origin[0], ys[0] + maps.origin[1]
    assert _colour_at(plain, x, y) == tuple(int(v) for v in analysed.rgb[y, x])
    assert _colour_at(pores, x, y) == PORE_RGB
    red = overlay_image(analysed, {Layer.REDNESS}, longest_side=max(h, w))
    ry, rx = (int(v[len(v) // 2]) for v in np.nonzero(maps.red))
    r_plain = _colour_at(plain, rx + maps.origin[0], ry + maps.origin[1])
    r_red = _colour_at(red, rx + maps.origin[0], ry + maps.origin[1])
    assert r_red[0] > r_plain[0] and r_red[1] < r_plain[1]
    zones = overlay_image(analysed, {Layer.ZONES}, longest_side=max(h, w))
    assert zones != plain and pores != plain


def test_the_view_shows_figures_and_toggles_overlays(qtbot, analysed: AnalysedPhoto, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = SkinAnalysisView()
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show_photo(analysed)
    assert view.model.rowCount() == len(analysed.analysis.zones) == 11
    cheek = next(i for i, z in enumerate(view.model.rows()) if z.zone is Zone.CHEEK_LEFT)
    red_col = [c.title for c in view.model.columns].index("Red")
    expected = f"{analysed.analysis.zone(Zone.CHEEK_LEFT).red_share:.1%}"
    assert view.model.index(cheek, red_col).data() == expected
    assert "from the grey card in the frame" in view.quality.text()
    with_all = view.picture.pixmap().toImage()
    view.layer_boxes[Layer.PORES].setChecked(False)
    view.layer_boxes[Layer.REDNESS].setChecked(False)
    assert view.picture.pixmap().toImage() != with_all
    view.layer_boxes[Layer.PORES].setChecked(True)
    view.layer_boxes[Layer.REDNESS].setChecked(True)
    view.show()
    qtbot.waitExposed(view)
    assert view.grab().save(str(tmp_path / "skin-analysis-overlays.png"))


def test_the_model_is_a_sound_qt_model(qtmodeltester, analysed: AnalysedPhoto) -> None:  # type: ignore[no-untyped-def]
    view = SkinAnalysisView()
    view.show_photo(analysed)
    qtmodeltester.check(view.model)
    view.deleteLater()


def test_the_controller_analyses_on_the_worker(qtbot, photo: Photo, photo_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = SkinAnalysisView()
    qtbot.addWidget(view)
    controller = SkinAnalysisController(view, Worker(view))
    with qtbot.waitSignal(controller.sig_analysed, timeout=60_000) as done:
        controller.analyse(photo_file, photo.face, card_width_mm=CARD_WIDTH_MM)
    assert isinstance(done.args[0], AnalysedPhoto)
    assert view.model.rowCount() == 11
    with qtbot.waitSignal(controller.sig_failed, timeout=60_000) as failed:
        controller.analyse(tmp_path / "missing.jpg")
    assert failed.args[0].startswith("photo: there is no file at")
    assert view.quality.text() == failed.args[0] and view.model.rowCount() == 0
    # A synthetic face is not a face to the detector: without the pupils it says so instead of guessing.
    with qtbot.waitSignal(controller.sig_analysed, timeout=60_000):
        controller.analyse(photo_file)
    assert view.quality.text().startswith("Not measured: no face with two eyes was found")
