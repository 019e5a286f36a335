"""Issue 19's bar: synthetic faces with known pores, red patches and highlights are measured within
10 % (pores per cm2) and 5 % (a*, red share, shine), also under colour casts, +-1 stop of exposure,
mild blur, rotation and scale; a photo that fails a check says why and gives no figure."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from clinicrec.analysis.engine import analyse_photo
from clinicrec.analysis.figures import ColourSource, ScaleSource
from clinicrec.analysis.synthetic import CARD_WIDTH_MM, Photo, relight, rotated, scaled
from clinicrec.domain.enums import Zone
from tests.analysis.checks import mismatches


def test_figures_match_the_truth(photo: Photo) -> None:
    result = analyse_photo(photo.rgb, photo.face, card_width_mm=CARD_WIDTH_MM)
    assert result.quality.passed, result.quality.problems
    assert result.quality.colour_source is ColourSource.CARD
    assert result.quality.scale_source is ScaleSource.CARD
    assert result.quality.px_per_mm == pytest.approx(10.0, rel=0.01)
    assert mismatches(result, photo.truth, photo.face) == []
    # The synthetic face has red patches, highlights and pores where the truth says: not vacuous.
    cheek = result.zone(Zone.CHEEK_LEFT)
    assert cheek.red_share is not None and cheek.red_share > 0.15
    assert cheek.pore_count is not None and cheek.pore_count > 200
    forehead = result.zone(Zone.FOREHEAD)
    assert forehead.shine_share is not None and forehead.shine_share > 0.05


@pytest.mark.parametrize("gains", [(1.35, 1.0, 0.7), (0.75, 0.95, 1.3)], ids=["warm", "cool"])
def test_a_colour_cast_is_corrected_from_the_card(photo: Photo, gains: tuple[float, float, float]) -> None:
    cast = relight(photo.rgb, gains)
    raw = analyse_photo(cast[:, :, :], photo.face)  # the card is found whether or not its size is known
    assert raw.quality.colour_source is ColourSource.CARD
    assert mismatches(raw, photo.truth, photo.face) == []


@pytest.mark.parametrize("stops", [1, -1])
def test_one_stop_of_exposure_either_way(photo: Photo, stops: int) -> None:
    result = analyse_photo(relight(photo.rgb, (2.0**stops,) * 3), photo.face, card_width_mm=CARD_WIDTH_MM)
    assert result.quality.passed, result.quality.problems
    assert mismatches(result, photo.truth, photo.face) == []


def test_mild_blur_keeps_the_figures(photo: Photo) -> None:
    blurred = cv2.GaussianBlur(photo.rgb, (0, 0), 0.7)
    result = analyse_photo(blurred, photo.face, card_width_mm=CARD_WIDTH_MM)
    assert result.quality.passed, result.quality.problems
    assert mismatches(result, photo.truth, photo.face) == []


def test_a_blurred_photo_says_so_and_gives_no_figure(photo: Photo) -> None:
    result = analyse_photo(cv2.GaussianBlur(photo.rgb, (0, 0), 6.0), photo.face, card_width_mm=CARD_WIDTH_MM)
    assert any(p.startswith("blurred") for p in result.quality.problems)
    assert all(z.redness_a_mean is None and z.pores_per_cm2 is None and z.problems for z in result.zones)


@pytest.mark.parametrize("degrees", [12.0, -20.0])
def test_rotation(photo: Photo, degrees: float) -> None:
    turned, face = rotated(photo, degrees)
    result = analyse_photo(turned, face, pupil_distance_mm=62.4)
    assert result.quality.scale_source is ScaleSource.PUPILS
    assert result.quality.colour_source is ColourSource.CARD
    assert result.quality.px_per_mm == pytest.approx(10.0, rel=0.01)
    # Rotating changes no true figure: the upright truth is the truth of the turned photo too.
    assert mismatches(result, photo.truth, photo.face) == []


@pytest.mark.parametrize("factor", [0.7, 1.6])
def test_scale_from_the_pupils_makes_pores_per_cm2_distance_free(photo: Photo, factor: float) -> None:
    resized, face = scaled(photo, factor)
    result = analyse_photo(resized, face, pupil_distance_mm=62.4)
    assert result.quality.px_per_mm == pytest.approx(10.0 * factor, rel=0.01)
    upright = analyse_photo(photo.rgb, photo.face, pupil_distance_mm=62.4)
    for a, b in zip(result.zones, upright.zones, strict=True):
        assert a.redness_a_mean == pytest.approx(b.redness_a_mean, rel=0.05), a.zone
        assert a.red_share == pytest.approx(b.red_share, rel=0.05, abs=0.003), a.zone
        assert a.shine_share == pytest.approx(b.shine_share, rel=0.05, abs=0.003), a.zone
        assert a.pores_per_cm2 == pytest.approx(b.pores_per_cm2, rel=0.10), a.zone


def test_without_a_card_the_photo_itself_levels_exposure(photo: Photo) -> None:
    h, w = photo.rgb.shape[:2]
    no_card = photo.rgb.copy()
    no_card[int(h * 0.75) :, : int(w * 0.25)] = photo.rgb[int(h * 0.75) :, int(w * 0.75) :]
    darker = relight(no_card, (0.5,) * 3)
    base = analyse_photo(no_card, photo.face)
    result = analyse_photo(darker, photo.face)
    assert result.quality.colour_source is ColourSource.PHOTO
    assert base.quality.colour_source is ColourSource.PHOTO
    for a, b in zip(result.zones, base.zones, strict=True):
        assert a.redness_a_mean == pytest.approx(b.redness_a_mean, rel=0.05), a.zone
        assert a.shine_share == pytest.approx(b.shine_share, rel=0.05, abs=0.003), a.zone


def test_too_coarse_for_pores_gives_colour_but_says_why_not_pores(photo: Photo) -> None:
    small, face = scaled(photo, 0.35)
    result = analyse_photo(small, face)
    forehead = result.zone(Zone.FOREHEAD)
    assert forehead.pores_per_cm2 is None
    assert any("pores: resolution" in p for p in forehead.problems)
    assert forehead.redness_a_mean is not None


def test_a_too_small_or_dark_photo_fails_with_its_reason(photo: Photo) -> None:
    tiny, face = scaled(photo, 0.15)
    assert any(p.startswith("resolution") for p in analyse_photo(tiny, face).quality.problems)
    dark = relight(photo.rgb, (0.02,) * 3)
    dark_result = analyse_photo(dark, photo.face)
    assert any(p.startswith("underexposed") for p in dark_result.quality.problems)
    assert all(z.redness_a_mean is None for z in dark_result.zones)


def test_no_face_found_says_so() -> None:
    blank = np.full((600, 800, 3), 128, np.uint8)
    result = analyse_photo(blank)
    assert result.landmarks is None
    assert result.quality.problems == ("no face with two eyes was found: place the pupils by hand",)


def test_bad_input_names_the_field(photo: Photo) -> None:
    with pytest.raises(ValueError, match="^image:"):
        analyse_photo(photo.rgb.astype(np.float32))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^pupil distance:"):
        analyse_photo(photo.rgb, photo.face, pupil_distance_mm=12.0)
