"""Clinic settings dialog: every setting saved through ClinicService.update; logo chosen and previewed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from clinicrec.domain.enums import PaperSize
from clinicrec.ui.admin.clinic_settings_dialog import MAX_LOGO_BYTES, ClinicSettingsDialog
from tests.conftest import World

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def png(path: Path, width: int = 300, height: int = 100) -> Path:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#0f766e"))
    assert image.save(str(path), "PNG")
    return path


@pytest.fixture
def dialog(qtbot, world: World, prompts) -> ClinicSettingsDialog:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    d = ClinicSettingsDialog(world.services, prompts, world.services.clinic.get())
    qtbot.addWidget(d)
    return d


def test_shows_the_current_settings(dialog: ClinicSettingsDialog) -> None:
    assert dialog.name.text() == "Test Clinic" and dialog.address.toPlainText() == "1 Test Street"
    assert dialog.idle_lock_minutes.value() == 10 and dialog.review_days.value() == 14
    assert dialog.backups_kept.value() == 14 and dialog.paper_size.currentData() == PaperSize.A4
    assert dialog.logo_preview.text() == "No logo" and not dialog.remove_logo_button.isEnabled()


def test_every_setting_is_saved(
    qtbot,
    dialog: ClinicSettingsDialog,
    world: World,
    prompts,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    dialog.name.setText("Lumière Skin & Laser Clinic")
    dialog.address.setPlainText("12 Harbour Road\nBrighton BN1 2AB")
    dialog.phone.setText("+44 1273 555 014")
    dialog.email.setText("hello@lumiere.example")
    dialog.website.setText("lumiere.example")
    dialog.paper_size.setCurrentIndex(dialog.paper_size.findData(PaperSize.LETTER))
    dialog.review_days.setValue(21)
    dialog.consent_form_version.setText("MB-CONSENT-4")
    dialog.idle_lock_minutes.setValue(5)
    dialog.backups_kept.setValue(30)
    logo = png(tmp_path / "logo.png")
    prompts.queue(str(logo))
    qtbot.mouseClick(dialog.choose_logo_button, Qt.MouseButton.LeftButton)
    assert not dialog.logo_preview.pixmap().isNull() and dialog.remove_logo_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    s = world.services.clinic.get()
    assert (s.name, s.address, s.phone, s.email, s.website) == (
        "Lumière Skin & Laser Clinic",
        "12 Harbour Road\nBrighton BN1 2AB",
        "+44 1273 555 014",
        "hello@lumiere.example",
        "lumiere.example",
    )
    assert (s.paper_size, s.review_days, s.consent_form_version, s.idle_lock_minutes, s.backups_kept) == (
        PaperSize.LETTER,
        21,
        "MB-CONSENT-4",
        5,
        30,
    )
    assert s.logo_png == logo.read_bytes()


def test_logo_can_be_removed(
    qtbot,
    dialog: ClinicSettingsDialog,
    world: World,
    prompts,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    prompts.queue(str(png(tmp_path / "logo.png")))
    dialog.choose_logo()
    assert dialog.save()
    assert world.services.clinic.get().logo_png is not None
    again = ClinicSettingsDialog(world.services, prompts, world.services.clinic.get())
    qtbot.addWidget(again)
    assert not again.logo_preview.pixmap().isNull()
    again.remove_logo_button.click()
    assert again.logo is None and again.save()
    assert world.services.clinic.get().logo_png is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a not a png", "is not a PNG image"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_LOGO_BYTES, "it must be at most 2 MB"),
        (b"\x89PNG\r\n\x1a\ngarbage", "could not be read as an image"),
    ],
)
def test_unusable_logos_are_refused_beside_the_field(
    dialog: ClinicSettingsDialog,
    prompts,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    content: bytes,
    message: str,
) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(content)
    prompts.queue(str(path))
    dialog.choose_logo()
    assert message in dialog.error_for("logo_png") and dialog.logo is None


def test_choosing_nothing_changes_nothing(dialog: ClinicSettingsDialog, prompts) -> None:  # type: ignore[no-untyped-def]
    prompts.queue(None)
    dialog.choose_logo()
    assert dialog.logo is None and not dialog.has_errors


def test_invalid_values_are_explained_beside_their_fields(dialog: ClinicSettingsDialog, world: World) -> None:
    dialog.name.setText("")
    dialog.email.setText("not an email")
    dialog.phone.setText("call me maybe")
    dialog.consent_form_version.setText("")
    assert not dialog.save()
    for field in ("name", "email", "phone", "consent_form_version"):
        assert dialog.error_for(field), field
    assert world.services.clinic.get().name == "Test Clinic"


def test_an_injector_is_told_plainly_and_the_service_refuses(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.injector)
    d = ClinicSettingsDialog(world.services, prompts, world.services.clinic.get())
    qtbot.addWidget(d)
    assert "Nina Nurse (Injector) may not manage clinic settings" in d.banner.text()
    assert not d.save_button.isEnabled()
    d.idle_lock_minutes.setValue(240)
    assert not d.save() and d.banner.text().startswith("Not saved.")
    assert world.services.clinic.get().idle_lock_minutes == 10
