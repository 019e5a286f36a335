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


def test_a_sign_in_at_once_checks_the_password_on_a_thread_while_the_gui_warms_up(  # type: ignore[no-untyped-def]
    world: World,
    qapp,
    prompts,
    monkeypatch,
    unfrozen,  # noqa: F811
) -> None:
    """Signed in the instant the dialog paints: the Argon2id unwrap runs on a thread of its own and the
    GUI thread takes the warm-up's steps meanwhile (the main window's imports), instead of idling inside
    Argon2id. A wrong password, checked the same way, is refused: no main window, no patient shown."""
    import threading

    from PySide6.QtWidgets import QApplication

    from clinicrec.services import opening
    from clinicrec.ui import startup
    from clinicrec.ui.login_dialog import LoginDialog
    from clinicrec.ui.main_window import MainWindow
    from clinicrec.ui.startup import run

    make_patient(world.services, first_name="Quinta", last_name="Oddname")
    world.services.db.dispose()
    assert world.path is not None
    encryption.encrypt_existing(world.path)
    steps_by: list[str] = []
    checks: list[dict] = []  # type: ignore[type-arg]
    real_step, real_unwrap = startup.GuiWarmUp.step, opening.unwrap_key

    def step(self) -> bool:  # type: ignore[no-untyped-def]
        steps_by.append(threading.current_thread().name)
        return real_step(self)

    filled: list[int] = []  # the warm-up steps taken when each sign-in's text was set

    def unwrap_key(file, username, password, **kw):  # type: ignore[no-untyped-def]
        # (begun ahead, as the text is set: the GUI thread may take its step before this thread runs)
        before = filled[-1] if filled else len(steps_by)
        result = real_unwrap(file, username, password, **kw)  # (kw: where its Argon2id runs)
        # held until the GUI thread has taken a warm-up step meanwhile (never, were this its thread)
        deadline = threading.Event()
        for _ in range(500):
            if len(steps_by) > before:
                break
            deadline.wait(0.01)
        checks.append({"thread": threading.current_thread().name, "steps meanwhile": len(steps_by) - before})
        return result

    monkeypatch.setattr(startup.GuiWarmUp, "step", step)
    monkeypatch.setattr(opening, "unwrap_key", unwrap_key)
    seen: dict = {}  # type: ignore[type-arg]

    def fill_and_sign_in(username: str, password: str):  # type: ignore[no-untyped-def]
        def act(dialog) -> None:  # type: ignore[no-untyped-def]
            filled.append(len(steps_by))
            _fill_and_sign_in(username, password)(dialog)

        return act

    def refused(dialog) -> None:  # type: ignore[no-untyped-def]
        seen["refused"] = dialog.error_label.text()
        seen["windows after refusal"] = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
        ]
        seen["labels after refusal"] = " ".join(
            w.text() for w in QApplication.allWidgets() if hasattr(w, "text") and isinstance(w.text(), str)
        )
        fill_and_sign_in("nurse", PASSWORD)(dialog)

    def showing_refusal():  # type: ignore[no-untyped-def]
        dialog = _visible(LoginDialog, "login_dialog")()
        return dialog if dialog is not None and dialog.error_label.text() else None

    def on_window(window) -> None:  # type: ignore[no-untyped-def]
        seen["rows"] = window.patient_list.model.rowCount()
        window.close()

    done = _drive(
        qapp,
        [
            (
                "wrong at once",
                _visible(LoginDialog, "login_dialog"),
                fill_and_sign_in("nurse", "nope"),
            ),
            ("refused", showing_refusal, refused),
            ("main window", _visible(MainWindow, "main_window"), on_window),
        ],
    )
    assert run(f"sqlite:///{world.path}", prompts=prompts) == 0
    assert done == ["wrong at once", "refused", "main window"]
    assert seen["refused"] == SIGN_IN_REFUSED
    assert seen["windows after refusal"] == [] and "Oddname" not in seen["labels after refusal"]
    assert seen["rows"] == 1
    # (begun as the text was set, ahead of "Sign in": services.opening.UnwrapAhead)
    assert [c["thread"] for c in checks] == ["clinicrec-unwrap-ahead"] * 2
    assert checks[0]["steps meanwhile"] > 0, checks  # the GUI thread worked while Argon2id ran
    assert set(steps_by) == {"MainThread"}
    assert prompts.shown == []


def test_the_key_is_unwrapped_and_the_file_opened_as_the_password_is_typed(  # type: ignore[no-untyped-def]
    world: World,
    qapp,
    prompts,
    monkeypatch,
    unfrozen,  # noqa: F811
) -> None:
    """A person types the password a key at a time and presses Enter a moment after the last key: the
    Argon2id unwrap of the text typed has run by then (services.opening.UnwrapAhead), and the file was
    opened with the key it found (services.opening.OpenAhead), so the sign-in unwraps and opens nothing
    after Enter. A password typed wrong first is refused exactly as before."""
    import threading
    import time

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from clinicrec.services import opening
    from clinicrec.ui.login_dialog import LoginDialog
    from clinicrec.ui.main_window import MainWindow
    from clinicrec.ui.startup import run

    make_patient(world.services, first_name="Typed", last_name="Ahead")
    world.services.db.dispose()
    assert world.path is not None
    encryption.encrypt_existing(world.path)
    real_unwrap = opening.unwrap_key
    unwraps: list[dict] = []  # type: ignore[type-arg]

    def unwrap_key(file, username, password, **kw):  # type: ignore[no-untyped-def]
        entry = {"password": password, "began": time.monotonic(), "thread": threading.current_thread().name}
        unwraps.append(entry)
        try:
            return real_unwrap(file, username, password, **kw)  # (kw: where its Argon2id runs)
        finally:
            entry["ended"] = time.monotonic()

    monkeypatch.setattr(opening, "unwrap_key", unwrap_key)
    from clinicrec.services import unlock

    real_open = unlock._open_checked
    opened_at_sign_in: list[str] = []

    def open_checked(*args, **kwargs):  # type: ignore[no-untyped-def]
        opened_at_sign_in.append(threading.current_thread().name)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(unlock, "_open_checked", open_checked)
    seen: dict = {}  # type: ignore[type-arg]

    def type_and_enter(password: str):  # type: ignore[no-untyped-def]
        def act(dialog) -> None:  # type: ignore[no-untyped-def]
            QTest.keyClicks(dialog.username_edit, "nurse")
            dialog.password_edit.setFocus()
            for key in password:
                QTest.keyClicks(dialog.password_edit, key)
                QTest.qWait(20)
            deadline = time.monotonic() + 10
            while not any(u["password"] == password and "ended" in u for u in unwraps):
                if time.monotonic() > deadline:  # never unwrapped ahead: end the start (the test fails)
                    seen["never ahead"] = password
                    dialog.reject()
                    return
                QTest.qWait(10)
            seen.setdefault("enter", []).append(time.monotonic())
            seen.setdefault("unwraps at enter", []).append(len(unwraps))
            QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)

        return act

    def refused(dialog) -> None:  # type: ignore[no-untyped-def]
        seen["refused"] = dialog.error_label.text()
        seen["unwraps at refusal"] = len(unwraps)
        dialog.username_edit.clear()
        type_and_enter(PASSWORD)(dialog)

    def showing_refusal():  # type: ignore[no-untyped-def]
        dialog = _visible(LoginDialog, "login_dialog")()
        return dialog if dialog is not None and dialog.error_label.text() else None

    def ready_dialog():  # type: ignore[no-untyped-def]
        dialog = _visible(LoginDialog, "login_dialog")()
        return dialog if dialog is not None and dialog.ready else None

    def on_window(window) -> None:  # type: ignore[no-untyped-def]
        seen["rows"] = window.patient_list.model.rowCount()
        window.close()

    done = _drive(
        qapp,
        [
            ("wrong", ready_dialog, type_and_enter("not-" + PASSWORD)),
            ("refused", showing_refusal, refused),
            ("main window", _visible(MainWindow, "main_window"), on_window),
        ],
    )
    assert run(f"sqlite:///{world.path}", prompts=prompts) == 0
    assert "never ahead" not in seen, unwraps
    assert done == ["wrong", "refused", "main window"]
    assert seen["refused"] == SIGN_IN_REFUSED
    assert seen["rows"] == 1
    # every unwrap ran ahead, on its own thread, and none began after Enter was pressed
    assert {u["thread"] for u in unwraps} == {"clinicrec-unwrap-ahead"}
    assert seen["unwraps at refusal"] == seen["unwraps at enter"][0]
    assert len(unwraps) == seen["unwraps at enter"][1]
    assert unwraps[-1]["password"] == PASSWORD
    # the file was opened with the key as soon as it was found (services.opening.OpenAhead): the sign-in
    # took it, and opened nothing after Enter
    assert opened_at_sign_in == []
