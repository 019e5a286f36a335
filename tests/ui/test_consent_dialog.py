"""The consent screen: read to the end, sign on the pad, witness with the password; photo uses; paper."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from clinicrec.domain.consent import ConsentStatus, PhotoScope, SignatureKind
from clinicrec.services.app import Services
from clinicrec.ui.consent.consent_dialog import ConsentDialog
from tests.conftest import PASSWORD, World, make_patient

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def save_shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    """Written into docs/screenshots only when asked (CLINICREC_SCREENSHOTS=1), like the other screenshots."""
    if os.environ.get("CLINICREC_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def open_dialog(
    qtbot: QtBot, services: Services, form_key: str = "microbotox_treatment", **kw: object
) -> ConsentDialog:
    patient = make_patient(services)
    dialog = ConsentDialog(
        services, patient.id, form_key, product="Botox Cosmetic", areas="Forehead, nose", **kw
    )  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.resize(1280, 800)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def draw(dialog: ConsentDialog) -> None:
    pad = dialog.pad
    for row in (0, 1):
        QTest.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(40 + 200 * row, 120))
        for i in range(12):
            QTest.mouseMove(pad, QPoint(60 + 200 * row + 12 * i, 90 + (i * 17) % 60))
        QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(210 + 200 * row, 110))


def test_signing_opens_only_at_the_end_of_the_form(qtbot: QtBot, world: World) -> None:
    dialog = open_dialog(qtbot, world.services)
    assert not dialog.reader.read_to_end and not dialog.sign_button.isEnabled()
    assert not dialog.pad.isEnabled() and dialog.read_hint.isVisible()
    bar = dialog.reader.verticalScrollBar()
    bar.setValue(bar.maximum())
    assert dialog.reader.read_to_end and dialog.sign_button.isEnabled() and dialog.pad.isEnabled()


def test_the_patient_signs_on_the_pad_and_the_injector_witnesses(qtbot: QtBot, world: World) -> None:
    dialog = open_dialog(qtbot, world.services)
    bar = dialog.reader.verticalScrollBar()
    bar.setValue(bar.maximum())
    draw(dialog)
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    assert len(dialog.pad.strokes()) == 1
    draw(dialog)
    assert len(dialog.pad.strokes()) == 3
    save_shot(dialog, "consent-signature-pad.png")
    dialog.password.setText("not my password")
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert "password" in dialog.error.text() and dialog.result_consent is None
    dialog.password.setText(PASSWORD)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    consent = dialog.result_consent
    assert consent is not None and consent.status is ConsentStatus.IN_FORCE
    assert consent.signature.kind is SignatureKind.DRAWN and len(consent.signature.strokes) == 3
    assert consent.signature.device == "mouse"


def test_the_consent_screen_before_signing(qtbot: QtBot, world: World) -> None:
    dialog = open_dialog(qtbot, world.services)
    save_shot(dialog, "consent-screen.png")
    assert dialog.windowTitle().startswith("Consent for Microbotox treatment")


def test_photo_uses_are_chosen_one_by_one(qtbot: QtBot, world: World) -> None:
    dialog = open_dialog(qtbot, world.services, "photo")
    bar = dialog.reader.verticalScrollBar()
    bar.setValue(bar.maximum())
    dialog.scopes[PhotoScope.CLINICAL].setChecked(True)
    dialog.scopes[PhotoScope.MARKETING].setChecked(False)
    dialog.mode_buttons[SignatureKind.TYPED].setChecked(True)
    dialog.typed_name.setText("Ada Lovelace")
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert "tick" in dialog.error.text() and dialog.result_consent is None
    dialog.typed_tick.setChecked(True)
    dialog.password.setText(PASSWORD)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    consent = dialog.result_consent
    assert consent is not None and consent.scopes == frozenset({PhotoScope.CLINICAL})
    assert consent.signature.typed_name == "Ada Lovelace"


def test_a_paper_form_needs_its_scan_and_a_reason(qtbot: QtBot, world: World, tmp_path: Path) -> None:
    scan = tmp_path / "consent.pdf"
    scan.write_bytes(b"%PDF-1.4\n% a scanned form\n")
    dialog = open_dialog(qtbot, world.services, scan_chooser=lambda _parent: scan)
    dialog.mode_buttons[SignatureKind.PAPER].setChecked(True)
    assert dialog.sign_button.isEnabled()  # a paper form was read on paper
    dialog.password.setText(PASSWORD)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert "scan" in dialog.error.text() and "reason" in dialog.error.text()
    qtbot.mouseClick(dialog.scan_button, Qt.MouseButton.LeftButton)
    dialog.paper_reason.setText("Signed on paper at the front desk")
    dialog.password.setText(PASSWORD)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    consent = dialog.result_consent
    assert consent is not None and consent.signature.scan_type == "application/pdf"
