"""The patient's date of birth: a date that does not exist says why, "03/04/1985" follows the clinic's
order (and is never guessed), and a message goes away once the field is changed."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from clinicrec.domain.date_text import DateOrder
from clinicrec.ui.patients.patient_editor import PatientEditor
from tests.conftest import World


def _editor(qtbot, world: World, prompts, order: DateOrder = DateOrder.ISO) -> PatientEditor:  # type: ignore[no-untyped-def]
    editor = PatientEditor(world.services, prompts, date_order=order)
    qtbot.addWidget(editor)
    qtbot.keyClicks(editor.first_name, "Ada")
    qtbot.keyClicks(editor.last_name, "Lovelace")
    return editor


def test_february_30_is_refused_saying_february_has_28_days(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, world, prompts)
    qtbot.keyClicks(editor.date_of_birth, "2031-02-30")
    assert not editor.save()
    assert editor.error_for("date_of_birth") == "“2031-02-30”: February 2031 has 28 days."


@pytest.mark.parametrize(
    ("order", "stored"),
    [(DateOrder.DAY_FIRST, date(1985, 4, 3)), (DateOrder.MONTH_FIRST, date(1985, 3, 4))],
)
def test_03_04_1985_follows_the_clinics_order(qtbot, world: World, prompts, order, stored) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, world, prompts, order)
    qtbot.keyClicks(editor.date_of_birth, "03/04/1985")
    assert editor.save()
    assert editor.saved is not None and editor.saved.date_of_birth == stored


def test_03_04_1985_is_never_guessed_without_an_order(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, world, prompts)
    qtbot.keyClicks(editor.date_of_birth, "03/04/1985")
    assert not editor.save()
    message = editor.error_for("date_of_birth")
    assert "could be 3 April or 4 March" in message and "1985-04-03 or 1985-03-04" in message


def test_the_message_clears_as_soon_as_the_field_is_changed(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, world, prompts)
    editor.first_name.clear()
    qtbot.keyClicks(editor.date_of_birth, "2031-02-30")
    assert not editor.save()
    assert editor.error_for("date_of_birth") and editor.error_for("first_name")
    qtbot.keyClick(editor.date_of_birth, Qt.Key.Key_Backspace)
    assert editor.error_for("date_of_birth") == ""
    assert editor.date_of_birth.property("invalid") is False
    qtbot.keyClicks(editor.first_name, "Ada")
    assert editor.error_for("first_name") == ""
