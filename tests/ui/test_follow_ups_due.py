"""The nurse's own follow-ups due and overdue, each row opening straight into its follow-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from clinicrec.ui.main_window import MainWindow
from clinicrec.ui.session import follow_up
from tests.conftest import PASSWORD, World, make_patient, make_vial

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


@pytest.fixture
def main(qtbot, world: World, bus, prompts, worker) -> MainWindow:  # type: ignore[no-untyped-def]
    world.as_(world.injector)
    w = MainWindow(world.services, bus, prompts, worker)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    return w


def test_own_follow_ups_due_open_straight_into_the_follow_up(  # type: ignore[no-untyped-def]
    main: MainWindow, world: World, prompts, qtbot, monkeypatch
) -> None:
    from tests.ui.session.conftest import make_signable

    services = world.services
    patient = make_patient(services, first_name="Maria", last_name="Alvarez")
    vial = make_vial(services)
    window = main._open_session_window(patient_id=patient.id)  # type: ignore[arg-type]
    assert window is not None
    from tests.ui.session.conftest import status_of

    assert window.safety.use_vial(status_of(services, vial))  # type: ignore[attr-defined]
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()  # type: ignore[attr-defined]
    session_id = window.session_id  # type: ignore[attr-defined]
    window.close()
    due = main.show_follow_ups_due()
    assert due.model.rowCount() == 0 and "No follow-ups are due" in due.summary.text()
    services.ctx.clock.set(services.ctx.clock() + timedelta(days=20))  # 6 days past the 14-day review
    due.refresh()
    [row] = due.model.rows()
    assert (row.session_id, row.patient_name, row.status) == (session_id, "Alvarez, Maria", "due")
    assert "0 overdue and 1 due" in due.summary.text()
    opened: list[int] = []
    monkeypatch.setattr(
        follow_up.FollowUpDialog,
        "exec",
        lambda dialog: opened.append(dialog._session_id) or follow_up.FollowUpDialog.DialogCode.Rejected,
    )
    due.table.setFocus()
    qtbot.keyClick(due.table, Qt.Key.Key_Return)
    assert opened == [session_id]
    assert main.current_patient_id == patient.id
    assert main.show_follow_ups_due() is due  # one window
    services.ctx.clock.set(services.ctx.clock() + timedelta(days=10))
    due.refresh()
    assert due.model.rows()[0].status == "overdue"
