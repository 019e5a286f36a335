"""Analysing a photo file: read upright from disk, measured, bad files named."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from clinicrec.analysis.figures import ColourSource
from clinicrec.analysis.synthetic import CARD_WIDTH_MM, Photo, render_face
from clinicrec.domain.enums import Zone
from clinicrec.domain.errors import ValidationError
from clinicrec.services.analysis import analyse_photo_file


@pytest.fixture(scope="module")
def photo() -> Photo:
    return render_face(seed=2)


def test_a_jpeg_on_disk_is_read_and_measured(photo: Photo, tmp_path: Path) -> None:
    path = tmp_path / "before é.jpg"  # a non-ASCII name, as a Windows clinic's may be
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(photo.rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95]
    )
    assert ok
    path.write_bytes(data.tobytes())
    steps: list[str] = []
    done = analyse_photo_file(
        path, photo.face, card_width_mm=CARD_WIDTH_MM, progress=lambda _f, t: steps.append(t)
    )
    assert done.rgb.shape == photo.rgb.shape
    assert done.analysis.quality.colour_source is ColourSource.CARD
    assert done.maps is not None and done.maps.pores.max() > 100
    cheek = done.analysis.zone(Zone.CHEEK_LEFT)
    truth = photo.truth.zone_truth(Zone.CHEEK_LEFT, photo.face)
    assert cheek.red_share == pytest.approx(truth["red_share"], rel=0.05)
    assert steps[0] == "Finding the face" and steps[-1] == "Done"


def test_missing_and_unreadable_files_name_the_photo(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="^photo: there is no file at"):
        analyse_photo_file(tmp_path / "gone.jpg")
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a picture")
    with pytest.raises(ValidationError, match=r"^photo: notes.jpg is not a picture this program reads"):
        analyse_photo_file(notes)


def test_a_bad_setting_names_its_field(photo: Photo, tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    cv2.imwrite(str(path), cv2.cvtColor(photo.rgb[::4, ::4], cv2.COLOR_RGB2BGR))
    with pytest.raises(ValidationError) as caught:
        analyse_photo_file(path, card_width_mm=2.0)
    assert caught.value.fields == {"card width"}
