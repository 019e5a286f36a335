"""The shell: first-start setup, sign-in, the main window's status bar, shortcuts and sign-out."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from sqlalchemy import select

from clinicrec.db.models import AuditRow
from clinicrec.services.app import Services, open_services
from clinicrec.ui.login_dialog import LoginDialog
from clinicrec.ui.main_window import MainWindow
from clinicrec.ui.setup_dialog import SetupDialog
from clinicrec.ui.style import ACCENT, apply_style
from tests.conftest import PASSWORD, World, make_patient

# The offscreen platform (headless test runs) cannot pass a window's size hints on; Qt says so on every
# top-level resize. It is not a warning about this code.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def empty_services(tmp_path: Path) -> Iterator[Services]:
    svc = open_services(f"sqlite:///{tmp_path / 'first-start.sqlite3'}", create=True)
    yield svc
    svc.db.dispose()


def _fill_setup(qtbot, dialog: SetupDialog, *, password_again: str = "a long enough secret") -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(dialog.clinic_name, "Harbour Skin Clinic")
    qtbot.keyClicks(dialog.clinic_address, "12 Quay Street")
    qtbot.keyClicks(dialog.clinic_phone, "+64 4 555 0100")
    qtbot.keyClicks(dialog.clinic_email, "front@harbour.example")
    qtbot.keyClicks(dialog.username, "nina")
    qtbot.keyClicks(dialog.full_name, "Nina Nurse")
    qtbot.keyClicks(dialog.credentials, "RN")
    qtbot.keyClicks(dialog.password, "a long enough secret")
    qtbot.keyClicks(dialog.password_again, password_again)


def test_setup_creates_admin_and_clinic_and_signs_in(qtbot, empty_services: Services) -> None:  # type: ignore[no-untyped-def]
    assert not empty_services.auth.has_users()
    dialog = SetupDialog(empty_services)
    qtbot.addWidget(dialog)
    _fill_setup(qtbot, dialog)
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    # A new clinic database is encrypted: its recovery key is shown this once before the setup ends.
    assert empty_services.encrypted and len(dialog.recovery_key.replace("-", "")) == 32
    assert dialog.result() != QDialog.DialogCode.Accepted
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)  # "I have kept the recovery key"
    assert dialog.result() == QDialog.DialogCode.Accepted
    [user] = empty_services.auth.list_users()
    assert (user.username, user.full_name, user.credentials, user.role.value) == (
        "nina",
        "Nina Nurse",
        "RN",
        "admin",
    )
    clinic = empty_services.clinic.get()
    assert (clinic.name, clinic.address, clinic.email) == (
        "Harbour Skin Clinic",
        "12 Quay Street",
        "front@harbour.example",
    )
    assert empty_services.actor is not None and empty_services.actor.username == "nina"
    assert dialog.actor == empty_services.actor
    assert empty_services.products.list(), "setup seeds the product catalogue"
    # A new clinic starts with the patient's signed treatment consent required to sign a session (issue 16).
    from clinicrec.domain.consent import TREATMENT_FORM

    assert empty_services.consents.settings(TREATMENT_FORM).required_for_signing


def test_setup_errors_show_next_to_fields_and_store_nothing(qtbot, empty_services: Services) -> None:  # type: ignore[no-untyped-def]
    dialog = SetupDialog(empty_services)
    qtbot.addWidget(dialog)
    _fill_setup(qtbot, dialog, password_again="something else entirely")
    dialog.clinic_email.setText("not an email")
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != QDialog.DialogCode.Accepted
    again = dialog.findChild(QWidget, "admin_password_again_error")
    email = dialog.findChild(QWidget, "clinic_email_error")
    assert not again.isHidden() and "not the same" in again.text()
    assert not email.isHidden() and "name@example.com" in email.text()
    assert dialog.clinic_email.property("invalid") is True
    assert not empty_services.auth.has_users() and not empty_services.clinic.is_set_up()


def test_sign_in_accepts_right_password(qtbot, world: World) -> None:  # type: ignore[no-untyped-def]
    world.services.act_as(None)
    dialog = LoginDialog(world.services)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.clinic_label.text() == "Test Clinic"
    qtbot.keyClicks(dialog.username_edit, "nurse")
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.full_name == "Nina Nurse"
    assert world.services.actor == dialog.actor


def test_sign_in_refuses_wrong_password_in_the_dialog(qtbot, world: World) -> None:  # type: ignore[no-untyped-def]
    world.services.act_as(None)
    dialog = LoginDialog(world.services)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username_edit, "nurse")
    qtbot.keyClicks(dialog.password_edit, "wrong password!")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert not dialog.error_label.isHidden()
    assert "password is wrong" in dialog.error_label.text()
    assert dialog.password_edit.text() == "", "the wrong password is cleared for the next try"
    assert world.services.actor is None
    with world.services.db.read() as s:
        assert s.execute(select(AuditRow).where(AuditRow.action == "sign_in_failed")).first() is not None


def test_demo_mode_shows_its_sign_in_details(qtbot, world: World) -> None:  # type: ignore[no-untyped-def]
    world.services.act_as(None)
    dialog = LoginDialog(world.services, demo_credentials=("nurse", PASSWORD))
    qtbot.addWidget(dialog)
    assert "nurse" in dialog.demo_label.text() and PASSWORD in dialog.demo_label.text()
    qtbot.mouseClick(dialog.fill_demo_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert world.services.actor is not None and world.services.actor.username == "nurse"


def test_no_demo_box_outside_demo_mode(qtbot, world: World) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(world.services)
    qtbot.addWidget(dialog)
    assert dialog.demo_box.isHidden()


@pytest.fixture
def window(qtbot, world: World, bus, prompts, worker) -> MainWindow:  # type: ignore[no-untyped-def]
    apply_style(QApplication.instance())  # type: ignore[arg-type]
    w = MainWindow(world.services, bus, prompts, worker)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    with qtbot.waitActive(w):
        w.activateWindow()
    return w


def test_status_bar_shows_user_and_database(window: MainWindow, world: World) -> None:
    assert window.user_label.text() == "Nina Nurse, RN — Injector"
    assert str(world.path) in window.database_label.text()
    assert window.windowTitle() == "ClinicRec — Test Clinic"
    assert QApplication.instance().palette().highlight().color().name() == ACCENT  # type: ignore[union-attr]


def test_menus_hold_every_action_with_its_shortcut(window: MainWindow) -> None:
    menus = {
        a.text().replace("&", ""): [x.objectName() for x in a.menu().actions() if x.objectName()]
        for a in window.menuBar().actions()
    }
    assert menus["File"] == [
        "change_password_action",
        "lock_action",
        "switch_user_action",
        "sign_out_action",
        "quit_action",
    ]
    assert menus["Reports"] == ["reports_action"]
    assert {"new_patient_action", "find_action"} <= set(menus["Patients"])
    assert "new_session_action" in menus["Session"]
    assert menus["Help"] == [
        "shortcut_sheet_action",
        "print_leaflet_action",
        "preview_leaflet_action",
        "save_leaflet_action",
        "about_action",
    ]
    shortcuts = {
        a.objectName(): a.shortcut().toString() for a in window.findChildren(type(window.quit_action))
    }
    assert shortcuts["new_patient_action"] == "Ctrl+Shift+N"
    assert shortcuts["new_session_action"] == "Ctrl+N"
    assert shortcuts["find_action"] == "Ctrl+F"
    assert shortcuts["lock_action"] == "Ctrl+L"
    assert shortcuts["reports_action"] == "Ctrl+R"


def test_ctrl_f_focuses_search(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.patient_list.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.patient_list.search_edit.hasFocus())


def test_ctrl_shift_n_asks_for_a_new_patient(qtbot, window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = []
    monkeypatch.setattr(
        "clinicrec.ui.main_window.PatientEditor.ask",
        lambda parent, services, prompts, patient_id=None: calls.append(patient_id),
    )
    qtbot.keyClick(
        window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert calls == [None]


class _FakeSessionWindow(QWidget):
    """Stands in for clinicrec.ui.session.window.SessionWindow with the agreed constructor."""

    opened: list[dict[str, object]] = []

    def __init__(
        self,
        services,
        bus,
        prompts,
        worker,
        *,
        patient_id,
        session_id=None,
        touch_up_of_id=None,  # type: ignore[no-untyped-def]
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.session_id = session_id
        _FakeSessionWindow.opened.append(
            dict(patient_id=patient_id, session_id=session_id, touch_up_of_id=touch_up_of_id)
        )


@pytest.fixture
def fake_session_window(monkeypatch) -> type[_FakeSessionWindow]:  # type: ignore[no-untyped-def]
    package = types.ModuleType("clinicrec.ui.session")
    package.__path__ = []  # type: ignore[attr-defined]
    module = types.ModuleType("clinicrec.ui.session.window")
    module.SessionWindow = _FakeSessionWindow  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "clinicrec.ui.session", package)
    monkeypatch.setitem(sys.modules, "clinicrec.ui.session.window", module)
    _FakeSessionWindow.opened = []
    return _FakeSessionWindow


def test_ctrl_n_opens_a_session_window_for_the_patient(
    qtbot,
    window: MainWindow,
    world: World,  # type: ignore[no-untyped-def]
    fake_session_window,
) -> None:
    patient = make_patient(world.services)
    window.show_patient(patient.id)
    with qtbot.waitSignal(window.sig_session_window_opened):
        qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert fake_session_window.opened == [dict(patient_id=patient.id, session_id=None, touch_up_of_id=None)]
    assert len(window.session_windows) == 1
    window.session_windows[0].close()
    qtbot.waitUntil(lambda: not window.session_windows)


def test_closing_the_main_window_signs_out(qtbot, window: MainWindow, world: World) -> None:  # type: ignore[no-untyped-def]
    assert world.services.actor is not None
    window.close()
    assert world.services.actor is None
    with world.services.db.read() as s:
        assert s.execute(select(AuditRow).where(AuditRow.action == "sign_out")).first() is not None


def test_first_start_runs_setup_and_later_starts_sign_in(
    monkeypatch,
    empty_services: Services,
    world: World,  # type: ignore[no-untyped-def]
    prompts,
) -> None:
    from clinicrec.ui import app as app_module

    asked: list[tuple[str, object]] = []
    monkeypatch.setattr(
        app_module.SetupDialog,
        "ask",
        lambda parent, services, with_admin=True: asked.append(("setup", with_admin)) or object(),
    )
    monkeypatch.setattr(
        app_module.LoginDialog,
        "ask",
        lambda parent, services, demo_credentials=None: (
            asked.append(("login", demo_credentials)) or services.auth.sign_in("nurse", PASSWORD)
        ),
    )
    assert app_module.sign_in_or_set_up(empty_services, prompts)
    world.services.act_as(None)
    assert app_module.sign_in_or_set_up(world.services, prompts, demo_credentials=("nurse", PASSWORD))
    assert asked == [("setup", True), ("login", ("nurse", PASSWORD))]
