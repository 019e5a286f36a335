"""Issue 11 in the patient editor: minors, pregnancy for a young child, allergies 'not recorded'."""

from __future__ import annotations

from datetime import UTC, date, datetime

from clinicrec.domain.enums import AllergyStatus
from clinicrec.ui.patients.patient_editor import PatientEditor
from tests.conftest import World


def _new(qtbot, world: World, prompts, dob: str) -> PatientEditor:  # type: ignore[no-untyped-def]
    world.clock.set(datetime(2026, 12, 3, 10, tzinfo=UTC))
    editor = PatientEditor(world.services, prompts)
    qtbot.addWidget(editor)
    editor.resize(1280, 800)
    editor.show()
    qtbot.keyClicks(editor.first_name, "Mia")
    qtbot.keyClicks(editor.last_name, "Young")
    qtbot.keyClicks(editor.date_of_birth, dob)
    return editor


def test_pregnancy_for_an_11_year_old_is_not_recorded_without_a_question(
    qtbot, world: World, prompts
) -> None:  # type: ignore[no-untyped-def]
    editor = _new(qtbot, world, prompts, "2015-06-01")
    assert "Age 11: under 18" in editor.minor_note.text()
    editor.screening_checks["pregnant_or_breastfeeding"].setChecked(True)
    prompts.queue(False)  # "Record pregnant or breastfeeding for a child this young?" - No
    assert not editor.save() and world.services.patients.count() == 0
    [(_kind, title, text)] = [s for s in prompts.shown if s[1] == "Pregnancy for a child?"]
    assert "is 11" in text
    assert "was not confirmed" in editor.banner.text()
    editor.screening_checks["pregnant_or_breastfeeding"].setChecked(False)  # the slip corrected
    assert editor.save(), editor.banner.text()


def test_an_adult_pregnancy_asks_nothing_and_allergies_typed_are_listed(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    editor = _new(qtbot, world, prompts, "1990-01-01")
    assert editor.minor_note.isHidden()
    assert editor.allergy_status.currentData() == AllergyStatus.NOT_RECORDED
    editor.screening_checks["pregnant_or_breastfeeding"].setChecked(True)
    qtbot.keyClicks(editor.allergies, "Lidocaine - hives")
    assert editor.allergy_status.currentData() == AllergyStatus.LISTED
    assert editor.save(), editor.banner.text()
    stored = editor.saved
    assert stored is not None and stored.allergy_status == AllergyStatus.LISTED
    assert stored.date_of_birth == date(1990, 1, 1)


def test_no_known_allergies_with_a_list_is_refused_at_the_field(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    editor = _new(qtbot, world, prompts, "1990-01-01")
    qtbot.keyClicks(editor.allergies, "Latex")
    editor.allergy_status.setCurrentIndex(editor.allergy_status.findData(AllergyStatus.NONE_KNOWN))
    assert not editor.save()
    assert "must be empty" in editor.error_for("allergies")
    editor.grab().save("/tmp/safety-patient-editor.png")
