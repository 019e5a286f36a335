"""Rating scales: 0-4 with a worded anchor for every grade, versioned so history is never rewritten."""

from __future__ import annotations

import pytest

from clinicrec.domain.enums import Measure
from clinicrec.domain.scales import CURRENT_SCALE_VERSION, anchor, anchors, scale_versions, short_anchor


@pytest.mark.parametrize("measure", list(Measure))
def test_every_grade_0_to_4_has_a_worded_anchor(measure: Measure) -> None:
    words = anchors(measure)
    assert len(words) == 5
    assert all(w.strip() and ":" in w for w in words)
    assert len(set(words)) == 5
    assert [anchor(measure, g) for g in range(5)] == list(words)


def test_redness_follows_the_clinicians_erythema_assessment() -> None:
    assert [short_anchor(Measure.REDNESS, g) for g in range(5)] == [
        "Clear",
        "Almost clear",
        "Mild",
        "Moderate",
        "Severe",
    ]


def test_short_anchor_is_the_leading_words() -> None:
    assert short_anchor(Measure.PORES, 1) == "Barely visible"
    assert short_anchor(Measure.OIL, 4) == "Very oily"


@pytest.mark.parametrize("grade", [-1, 5, 10])
def test_grades_outside_0_to_4_are_refused_with_the_range(grade: int) -> None:
    with pytest.raises(ValueError, match=r"Oil rating must be from 0 to 4 \(got " + str(grade) + r"\)"):
        anchor(Measure.OIL, grade)


def test_versions() -> None:
    assert CURRENT_SCALE_VERSION in scale_versions()
    assert anchors("pores", CURRENT_SCALE_VERSION) == anchors(Measure.PORES)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="unknown rating scale version 'CR-1999.1'"):
        anchors(Measure.PORES, "CR-1999.1")


def test_stored_ratings_are_read_against_their_own_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewording the scale later leaves ratings made on the old version with their old words."""
    from clinicrec.domain import scales

    old_words = anchors(Measure.PORES, CURRENT_SCALE_VERSION)
    reworded = {
        **scales._SCALES,
        "CR-2027.1": {m: tuple(f"New {g}: reworded" for g in range(5)) for m in Measure},
    }
    monkeypatch.setattr(scales, "_SCALES", reworded)
    assert anchor(Measure.PORES, 2, CURRENT_SCALE_VERSION) == old_words[2]
    assert anchor(Measure.PORES, 2, "CR-2027.1") == "New 2: reworded"
    assert scale_versions() == [CURRENT_SCALE_VERSION, "CR-2027.1"]
