"""Issue 11: the reason dialog offers the clinic's common reasons (clinic settings) as a pick-list beside
free text, and the session window passes the clinic's list whenever it asks for a reason."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from clinicrec.ui.session.sign_dialog import COMMON_REASON_PROMPT, ReasonDialog
from tests.conftest import PASSWORD

from .conftest import make_signable, session_row

REASONS = ("Discussed with the prescriber, who approved it", "Patient informed and consents in writing")


def test_a_common_reason_is_picked_then_edited_and_recorded(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ReasonDialog(
        None, "Reason for going ahead", "Positive screening.\n\nWhy go ahead?", choices=REASONS
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.common.isVisible()
    assert [dialog.common.itemText(i) for i in range(dialog.common.count())] == [
        COMMON_REASON_PROMPT,
        *REASONS,
    ]
    dialog.common.setFocus()
    qtbot.keyClick(dialog.common, Qt.Key.Key_Down)  # the nurse arrows to the first common reason
    assert dialog.reason.toPlainText() == REASONS[0]
    qtbot.keyClicks(dialog.reason, " on 3 March")  # and can still add to it
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == ReasonDialog.DialogCode.Accepted
    assert dialog.reason.toPlainText().strip() == REASONS[0] + " on 3 March"


def test_choosing_the_prompt_line_keeps_what_was_typed(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ReasonDialog(None, "t", "l", choices=REASONS)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.reason, "My own words")
    dialog.common.activated.emit(0)  # "Choose one of…" is not a reason
    assert dialog.reason.toPlainText() == "My own words"


def test_without_common_reasons_there_is_no_pick_list(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ReasonDialog(None, "t", "l")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.common.isVisible()


def test_the_window_offers_the_clinics_common_reasons(window, services, prompts, world) -> None:  # type: ignore[no-untyped-def]
    admin = world.as_(world.admin)
    admin.clinic.update(replace(admin.clinic.get(), common_reasons=REASONS))
    world.as_(world.injector)
    patient = services.patients.get(window.controller.patient.id)
    services.patients.update(replace(patient, screening=replace(patient.screening, recent_toxin=True)))
    make_signable(window)
    prompts.queue(REASONS[0], PASSWORD)
    window.signing.sign()
    assert prompts.reason_choices == REASONS
    assert session_row(services, window.session_id).status == "signed"
    record = services.records.record(window.session_id)
    assert [a.reason for a in record.session.acknowledgements] == [REASONS[0]]
