"""A note per injection point, typed on the map: keyboard reachable, undoable, saved with the draft,
shown in the points table and the dot's tooltip, read-only once signed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from clinicrec.db.models import PointRow
from clinicrec.domain import facemap
from clinicrec.domain.enums import DoseBasis, Zone
from clinicrec.domain.validation import POINT_NOTE_MAX
from clinicrec.ui.session.editor import Dose
from tests.conftest import PASSWORD

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def stored_notes(services, session_id) -> list[str]:  # type: ignore[no-untyped-def]
    with services.db.read() as s:
        rows = s.execute(
            select(PointRow.note).where(PointRow.session_id == session_id).order_by(PointRow.seq)
        )
        return list(rows.scalars())


def note_column(window) -> int:  # type: ignore[no-untyped-def]
    model = window.points_model
    return next(
        c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == "Note"
    )


def test_a_note_typed_from_the_keyboard_lands_on_the_selected_point(window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    first = window.editor.place(*facemap.zone_centroid(Zone.CHEEK_LEFT))
    second = window.editor.place(*facemap.zone_centroid(Zone.FOREHEAD))
    window.map.set_selected_uids([second])
    window.map.setFocus()
    qtbot.keyClick(
        window.map, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    note = window.ui.tools.note
    assert QApplication.focusWidget() is note
    qtbot.keyClicks(note, "bled")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    assert [p.note for p in window.points_model.points()] == ["", "bled"]
    assert QApplication.focusWidget() is window.map  # back on the map to carry on charting
    model = window.points_model
    assert model.data(model.index(1, note_column(window))) == "bled"
    [dot] = [d for d in window.map.dots() if d.uid == second]
    assert "Note: bled" in dot.tooltip
    window.controller.flush()
    assert stored_notes(services, window.session_id) == ["", "bled"]
    # Selecting the point again shows its note; undo takes it away, and it is saved that way.
    window.map.set_selected_uids([first])
    assert note.text() == ""
    window.map.set_selected_uids([second])
    assert note.text() == "bled"
    window.undo_stack.undo()
    assert [p.note for p in window.points_model.points()] == ["", ""]
    window.controller.flush()
    assert stored_notes(services, window.session_id) == ["", ""]


def test_moving_or_redosing_a_point_keeps_its_note(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    x, y = facemap.zone_centroid(Zone.CHEEK_LEFT)
    uid = window.editor.place(x, y)
    window.map.set_selected_uids([uid])
    window.editor.set_note([uid], "patient flinched")
    window.editor.nudge([uid], 0.1, 0.0)
    window.editor.set_dose([uid], Dose(DoseBasis.UNITS, 0.5))
    [point] = window.points_model.points()
    assert point.units == 0.5 and point.x != x
    assert point.note == "patient flinched"


def test_a_note_too_long_is_refused_with_the_limit(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    uid = window.editor.place(*facemap.zone_centroid(Zone.NOSE))
    window.map.set_selected_uids([uid])
    tools = window.ui.tools
    tools.note.setText("x" * (POINT_NOTE_MAX + 1))
    qtbot.mouseClick(tools.note_button, Qt.MouseButton.LeftButton)
    message = window.statusBar().currentMessage()
    assert "Point note is too long" in message and f"at most {POINT_NOTE_MAX} characters" in message
    assert window.points_model.points()[0].note == ""


def test_the_map_offers_the_note_and_a_signed_sessions_notes_are_read_only(window, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert window.point_notes.action in window.map.actions()  # right-click on the map
    assert window.map.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    make_signable(window)
    uid = window.points_model.uids()[0]
    window.editor.set_note([uid], "bled")
    window.controller.flush()
    prompts.queue(PASSWORD)
    window.signing.sign()
    assert window.controller.read_only
    window.map.set_selected_uids([uid])
    assert not window.ui.tools.note.isEnabled() and not window.ui.tools.note_button.isEnabled()
    assert window.editor.set_note([uid], "changed") == 0
    assert "signed" in window.statusBar().currentMessage()
    model = window.points_model
    assert model.data(model.index(0, note_column(window))) == "bled"  # still shown in the points list
