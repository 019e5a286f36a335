"""Ticking a screening answer shows the red badge without growing the form: Save stays where it was."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from clinicrec.domain.models import SafetyScreening
from clinicrec.ui.patients.patient_editor import PatientEditor
from tests.conftest import World


def test_the_screening_badge_does_not_move_save(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    editor = PatientEditor(world.services, prompts)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    assert editor.badge.isHidden()

    def save_at() -> tuple[QPoint, int]:
        QApplication.processEvents()
        return editor.save_button.mapTo(editor, QPoint(0, 0)), editor.height()

    before = save_at()
    qtbot.mouseClick(editor.screening_checks["recent_toxin"], Qt.MouseButton.LeftButton)
    assert editor.badge.isVisible()
    assert save_at() == before
    for name in SafetyScreening.QUESTIONS:
        editor.screening_checks[name].setChecked(True)
    qtbot.keyClicks(editor.screening_other, "Dental work next week")
    assert editor.badge.isVisible() and len(editor.badge.positives) == len(SafetyScreening.QUESTIONS) + 1
    assert save_at() == before
