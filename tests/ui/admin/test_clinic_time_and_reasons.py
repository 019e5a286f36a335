"""Issue 11: the clinic's time zone (default: this computer's at setup) and its common reasons."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel

from clinicrec.services.app import Services
from clinicrec.ui.admin.clinic_settings_dialog import ClinicSettingsDialog
from clinicrec.ui.setup_dialog import SetupDialog
from tests.conftest import World
from tests.ui.test_app_shell import _fill_setup, empty_services  # noqa: F401 (a fixture)

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",  # the offscreen platform, when the zone completer pops up
    "This plugin does not support grabbing the keyboard",
)


def test_time_zone_and_common_reasons_are_edited_and_saved(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    dialog = ClinicSettingsDialog(world.services, prompts, world.services.clinic.get())
    qtbot.addWidget(dialog)
    dialog.resize(1280, 800)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.time_zone.currentText() == "UTC"
    dialog.time_zone.setCurrentText("")
    qtbot.keyClicks(dialog.time_zone.lineEdit(), "Australia/Sydney")
    for line in ("Reviewed with the prescriber", "Patient informed and consented", ""):
        qtbot.keyClicks(dialog.common_reasons, line)
        qtbot.keyClick(dialog.common_reasons, Qt.Key.Key_Return)
    assert dialog.save()
    saved = world.services.clinic.get()
    assert saved.time_zone == "Australia/Sydney"
    assert world.services.clinic.common_reasons() == (
        "Reviewed with the prescriber",
        "Patient informed and consented",
    )
    dialog.grab().save("/tmp/safety-clinic-settings.png")


def test_an_unknown_time_zone_is_refused_beside_the_field(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    dialog = ClinicSettingsDialog(world.services, prompts, world.services.clinic.get())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.time_zone.setCurrentText("Mars/Olympus")
    assert not dialog.save()
    assert "known zone name" in dialog.findChild(QLabel, "time_zone_error").text()
    assert world.services.clinic.get().time_zone == "UTC"


def test_setup_starts_from_this_computers_time_zone(qtbot, empty_services: Services, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    monkeypatch.setattr("clinicrec.ui.setup_dialog.workstation_zone", lambda: "America/Los_Angeles")
    dialog = SetupDialog(empty_services)
    qtbot.addWidget(dialog)
    assert dialog.clinic_time_zone.currentText() == "America/Los_Angeles"
    _fill_setup(qtbot, dialog)
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    assert dialog.recovery_key  # a new database is encrypted: its recovery key is shown once first
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert empty_services.clinic.get().time_zone == "America/Los_Angeles"
