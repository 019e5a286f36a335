"""Start-up on an encrypted database: the sign-in dialog's user name and password open the file."""

from __future__ import annotations

from clinicrec.db import encryption
from clinicrec.services.auth import SIGN_IN_REFUSED
from tests.conftest import PASSWORD, World, make_patient
from tests.ui.test_startup import _drive, _fill_and_sign_in, _visible, unfrozen  # noqa: F401


def test_start_up_opens_an_encrypted_database_with_the_password_typed(  # type: ignore[no-untyped-def]
    world: World,
    qapp,
    prompts,
    unfrozen,  # noqa: F811
) -> None:
    from clinicrec.ui.login_dialog import LoginDialog
    from clinicrec.ui.main_window import MainWindow
    from clinicrec.ui.startup import run

    make_patient(world.services)
    world.services.db.dispose()
    assert world.path is not None
    encryption.encrypt_existing(world.path)
    seen: dict = {}  # type: ignore[type-arg]

    def wrong_then_right(dialog) -> None:  # type: ignore[no-untyped-def]
        _fill_and_sign_in("nurse", "not the password")(dialog)
        seen["refused"] = dialog.error_label.text()
        _fill_and_sign_in("nurse", PASSWORD)(dialog)

    def on_window(window) -> None:  # type: ignore[no-untyped-def]
        seen["rows"] = window.patient_list.model.rowCount()
        seen["user"] = window.user_label.text()
        window.close()

    def ready_dialog():  # type: ignore[no-untyped-def]
        dialog = _visible(LoginDialog, "login_dialog")()
        return dialog if dialog is not None and dialog.ready else None

    done = _drive(
        qapp,
        [
            ("sign-in", ready_dialog, wrong_then_right),
            ("main window", _visible(MainWindow, "main_window"), on_window),
        ],
    )
    assert run(f"sqlite:///{world.path}", prompts=prompts) == 0
    assert done == ["sign-in", "main window"]
    assert seen["refused"] == SIGN_IN_REFUSED
    assert seen["rows"] == 1 and "Nurse" in seen["user"]
    assert prompts.shown == []
