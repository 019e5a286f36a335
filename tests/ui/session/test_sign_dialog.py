"""Before the password, the injector sees what is signed; an empty reason is never accepted."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from clinicrec.domain.models import SafetyScreening
from clinicrec.ui.session.sign_dialog import ReasonDialog, SignDialog, SignSummary
from tests.conftest import PASSWORD

from .conftest import make_signable, session_row

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_signing_shows_patient_product_lot_concentration_totals_and_reasons(  # type: ignore[no-untyped-def]
    window, services, prompts, patient
) -> None:
    services.patients.update(replace(patient, screening=SafetyScreening(recent_toxin=True)))
    make_signable(window)
    prompts.queue("Last toxin 4 months ago, checked", PASSWORD)
    window.signing.sign()
    assert session_row(services, window.session_id).status == "signed"
    [(kind, title, shown)] = [s for s in prompts.shown if s[1] == "Sign session"]
    assert kind == "password"
    assert f"Patient: {patient.display_name} · born 1985-03-14 · chart {patient.chart_number}" in shown
    assert "Botox Cosmetic · lot C1234AB (expires 2030-01-01) · 4 U/0.1 mL (40 U/mL)" in shown
    assert "Botox Cosmetic: 0.4 U · 0.01 mL in 1 point" in shown
    assert "reason: Last toxin 4 months ago, checked" in shown


def test_the_sign_dialog_lists_the_summary_then_takes_the_password(qtbot) -> None:  # type: ignore[no-untyped-def]
    summary = SignSummary(
        "Ada Lovelace · born 1985-03-14 · chart T-00001",
        ("Xeomin · lot X99 (expires 2030-01-01) · 2 U/0.1 mL (20 U/mL)",),
        ("Xeomin: 410 U · 20.5 mL in 41 points",),
        ("Session total above the maximum — reason: Prescriber approved 410 U",),
    )
    dialog = SignDialog(None, summary)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.fields["totals"].text() == "Xeomin: 410 U · 20.5 mL in 41 points"
    assert "Prescriber approved 410 U" in dialog.fields["warnings"].text()
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == SignDialog.DialogCode.Accepted and dialog.password.text() == PASSWORD


def test_an_empty_reason_keeps_the_dialog_open_with_the_message_beside_the_field(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ReasonDialog(None, "Reason for going ahead", "Positive screening.\n\nWhy go ahead?")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.reason, "   ")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != ReasonDialog.DialogCode.Accepted
    assert dialog.error.isVisible() and dialog.error.text() == "Reason is required"
    assert dialog.reason.accessibleDescription() == "Reason is required"
    qtbot.keyClicks(dialog.reason, "Checked with the prescriber")
    assert not dialog.error.isVisible()  # typing clears the message
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == ReasonDialog.DialogCode.Accepted
    assert dialog.reason.toPlainText().strip() == "Checked with the prescriber"


def test_both_dialogs_name_their_widgets(qtbot) -> None:  # type: ignore[no-untyped-def]
    from .test_accessibility import unnamed

    for dialog in (SignDialog(None, SignSummary("p", (), ("No doses",), ())), ReasonDialog(None, "t", "l")):
        qtbot.addWidget(dialog)
        assert unnamed(dialog) == [], type(dialog).__name__
