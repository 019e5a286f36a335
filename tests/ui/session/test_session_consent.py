"""The session window shows from its start whether a valid signed consent exists, and follows changes."""

from __future__ import annotations

from clinicrec.domain.consent import ConsentSettings
from clinicrec.ui.session.window import SessionWindow
from tests.conftest import PASSWORD
from tests.services.oversight_helpers import drawn


def test_consent_status_shows_at_the_start_and_follows_a_signature(
    open_window, services, patient, qtbot
) -> None:  # type: ignore[no-untyped-def]
    nurse = services.ctx.actor
    services.act_as(services.auth.sign_in("admin", PASSWORD))
    services.consents.update_settings(ConsentSettings("microbotox_treatment", required_for_signing=True))
    services.act_as(nurse)
    window: SessionWindow = open_window()
    label = window.consent.label
    assert label.text().startswith("⚠ No signed consent") and "bold" in label.styleSheet()
    prepared = services.consents.prepare(patient.id)
    services.consents.record(prepared, drawn(), PASSWORD)
    qtbot.waitUntil(lambda: label.text().startswith("✔ Consent MBX-TREAT-1 in force until"))
    assert window.consent.action.objectName() == "consent_action"
    assert window.consent.action in window.menuBar().actions()[0].menu().actions()


def test_the_signed_consent_is_previewed_for_printing(open_window, services, patient, qtbot, prompts) -> None:  # type: ignore[no-untyped-def]
    window: SessionWindow = open_window()
    assert not window.consent.print_action.isEnabled()  # nothing signed yet
    services.consents.record(services.consents.prepare(patient.id), drawn(), PASSWORD)
    qtbot.waitUntil(window.consent.print_action.isEnabled)
    shown: list = []  # type: ignore[type-arg]
    window.printer.previewer = shown.append
    with qtbot.waitSignal(window.printer.sig_preview_shown):
        window.consent.print_action.trigger()
    assert prompts.shown == []
    assert len(shown) == 1
    shown[0].close()
