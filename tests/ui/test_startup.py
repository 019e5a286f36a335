"""Start-up on a damaged database: the user is told plainly and offered the latest good backup."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from clinicrec.db import crypto, encryption
from clinicrec.db.engine import Database, make_engine
from clinicrec.db.models import AuditRow, PatientRow
from clinicrec.services.maintenance import check_database
from tests.conftest import PASSWORD, World, make_patient
from tests.db.test_integrity import damage, fingerprint


def _damaged_with_backup(world: World):  # type: ignore[no-untyped-def]
    svc = world.services
    make_patient(svc)
    svc.act_as(world.admin)
    backup = svc.maintenance.backup_now()
    make_patient(svc)  # after the backup
    svc.db.dispose()
    assert world.path is not None
    damage(world.path, "patients")
    return world.path, backup


def test_damaged_database_restored_from_the_latest_backup(world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.app import offer_restore

    path, backup = _damaged_with_backup(world)
    url = f"sqlite:///{path}"
    result = check_database(url)
    assert not result.ok and result.latest_backup is not None and result.latest_backup.path == backup.path
    prompts.queue(True, "admin", PASSWORD)
    assert offer_restore(result, url, prompts) is True
    kinds = [k for k, _title, _text in prompts.shown]
    assert kinds[0] == "error" and "damaged" in prompts.shown[0][2]
    assert kinds[-1] == "info" and "Restored" in prompts.shown[-1][2]
    assert check_database(url).ok
    db = Database(make_engine(url))
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(PatientRow)).scalar_one() == 1  # as in the backup
    db.dispose()


def test_wrong_administrator_password_restores_nothing(world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.app import offer_restore

    path, _backup = _damaged_with_backup(world)
    url = f"sqlite:///{path}"
    before = fingerprint(path)
    prompts.queue(True, "admin", "not the password")
    assert offer_restore(check_database(url), url, prompts) is False
    assert prompts.shown[-1][0] == "error"
    assert fingerprint(path)[0] == before[0]  # the damaged file was not touched


def test_declining_the_restore_leaves_the_file_alone(world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.app import offer_restore

    path, _backup = _damaged_with_backup(world)
    url = f"sqlite:///{path}"
    before = fingerprint(path)
    prompts.queue(False)
    assert offer_restore(check_database(url), url, prompts) is False
    assert fingerprint(path)[0] == before[0]


def test_the_command_hands_the_start_up_the_database_it_names(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import clinicrec.ui.startup as startup_module
    from clinicrec import cli

    seen: dict = {}  # type: ignore[type-arg]
    monkeypatch.setattr(startup_module, "run", lambda url, **kw: seen.update(url=url, **kw) or 0)
    path = tmp_path / "clinic.sqlite3"
    assert cli.main(["--db", str(path)]) == 2  # no database there, and --new not given: nothing starts
    assert seen == {} and not path.exists()
    assert cli.main(["--db", str(path), "--new"]) == 0
    assert seen == {"url": f"sqlite:///{path}", "demo_credentials": None}
    assert not path.exists()  # the command itself opens nothing


# -- the staged start-up: the sign-in dialog first, the database checked and opened behind it ------------
def _drive(qapp, steps) -> list[str]:  # type: ignore[no-untyped-def]
    """Poll the application's windows every 10 ms; each step (a predicate-and-action) runs once, in order.

    Returns the names of the steps that ran (a step that never ran shows which screen never came)."""
    from PySide6.QtCore import QTimer

    done: list[str] = []
    pending = list(steps)
    timer = QTimer()
    timer.setInterval(10)

    def tick() -> None:
        while pending:
            name, when, action = pending[0]
            widget = when()
            if widget is None:
                return
            pending.pop(0)
            done.append(name)
            action(widget)
        timer.stop()

    timer.timeout.connect(tick)
    timer.start()
    _drive.timer = timer  # type: ignore[attr-defined]  # kept alive while run() runs
    return done


def _visible(kind, name: str):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    def find():  # type: ignore[no-untyped-def]
        for w in QApplication.topLevelWidgets():
            if isinstance(w, kind) and w.objectName() == name and w.isVisible():
                return w
        return None

    return find


def _fill_and_sign_in(username: str, password: str):  # type: ignore[no-untyped-def]
    def act(dialog) -> None:  # type: ignore[no-untyped-def]
        dialog.username_edit.setText(username)
        dialog.password_edit.setText(password)
        dialog.sign_in_button.click()

    return act


@pytest.fixture
def unfrozen():  # type: ignore[no-untyped-def]
    """run_gui freezes the start-up objects out of the collector; undo that after the test."""
    import gc

    yield
    gc.unfreeze()


def test_start_up_shows_sign_in_at_once_and_signs_in_when_the_database_is_open(  # type: ignore[no-untyped-def]
    world: World, qapp, prompts, unfrozen, monkeypatch
) -> None:
    """Sign in is pressed the moment the dialog appears (before the check has finished): it waits for the
    database, then signs in once; the main window lists the patients, in the style applied once, before
    the dialog (not again between "Sign in" and the first rows)."""
    from clinicrec.ui import style
    from clinicrec.ui.login_dialog import LoginDialog
    from clinicrec.ui.main_window import MainWindow
    from clinicrec.ui.startup import run

    styled: list[str] = []
    real_style = style.apply_style
    monkeypatch.setattr(
        style, "apply_style", lambda app, scheme=None: styled.append("styled") or real_style(app, scheme)
    )

    make_patient(world.services)
    world.services.act_as(None)
    with world.services.db.read() as s:
        last_entry = s.execute(select(func.max(AuditRow.id))).scalar_one()
    world.services.db.dispose()
    assert world.path is not None
    seen: dict = {}  # type: ignore[type-arg]

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        seen["ready_when_shown"] = dialog.ready
        _fill_and_sign_in("nurse", PASSWORD)(dialog)
        seen["waiting"] = not dialog.username_edit.isEnabled() and dialog.status_label.isVisibleTo(dialog)

    def on_window(window) -> None:  # type: ignore[no-untyped-def]
        seen["rows"] = window.patient_list.model.rowCount()
        seen["user"] = window.user_label.text()
        seen["style sheet"] = bool(qapp.styleSheet())
        seen["styled"] = list(styled)
        window.close()

    done = _drive(
        qapp,
        [
            ("sign-in", _visible(LoginDialog, "login_dialog"), on_dialog),
            ("main window", _visible(MainWindow, "main_window"), on_window),
        ],
    )
    assert run(f"sqlite:///{world.path}", prompts=prompts) == 0
    assert done == ["sign-in", "main window"]
    assert seen["style sheet"] and seen["styled"] == ["styled"]
    assert seen["ready_when_shown"] is False and seen["waiting"] is True
    assert seen["rows"] == 1 and "Nurse" in seen["user"]
    assert prompts.shown == []
    # The plain database (of an earlier version) was encrypted at this first start, the nurse's password
    # opening it as before.
    assert crypto.is_encrypted(world.path)
    key = encryption.unlock(world.path, "nurse", PASSWORD)
    db = Database(make_engine(f"sqlite:///{world.path}", key=key))
    with db.read() as s:
        since = select(AuditRow.action).where(AuditRow.id > last_entry).order_by(AuditRow.id)
        actions = s.execute(since).scalars().all()
    db.dispose()
    sessions = [a for a in actions if a in ("sign_in", "sign_out", "sign_in_failed")]
    # One sign-in, though it was asked for before the database was open.
    assert sessions == ["sign_in", "sign_out"]
    assert "backup" in actions  # the day's backup and the one on exit, as in any run


@pytest.mark.parametrize("check", ["within the grace", "still reading"])
def test_start_up_on_a_damaged_database_withdraws_the_sign_in_and_writes_nothing(  # type: ignore[no-untyped-def]
    world: World, qapp, prompts, monkeypatch, check: str
) -> None:
    """ "still reading": the check had not ended when the database opened for reading (a large file; here
    the grace is nil), and the start went on to encrypt the plain file of an earlier version while the
    check still read it: the damaged file's encryption broke down and its error ended the application
    (one run in six of this test before, by chance of timing)."""
    from clinicrec.ui.login_dialog import LoginDialog
    from clinicrec.ui.startup import StartupLoader, run

    if check == "still reading":  # as on a large file: the check reads on after the opening
        from clinicrec.db import integrity

        checked = integrity.check_remembering

        def slow_check(*args, **kwargs):  # type: ignore[no-untyped-def]
            time.sleep(0.3)
            return checked(*args, **kwargs)

        monkeypatch.setattr(integrity, "check_remembering", slow_check)
        monkeypatch.setattr(StartupLoader, "CHECK_GRACE_S", 0.0)
    path, _backup = _damaged_with_backup(world)
    before = fingerprint(path)
    shown: list[bool] = []

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        shown.append(dialog.ready)
        _fill_and_sign_in("admin", PASSWORD)(dialog)

    done = _drive(qapp, [("sign-in", _visible(LoginDialog, "login_dialog"), on_dialog)])
    prompts.queue(False)  # "Restore the latest good backup?" - no
    assert run(f"sqlite:///{path}", prompts=prompts) == 1
    assert done == ["sign-in"] and shown == [False]  # the dialog came, and never got the services
    kinds = [k for k, _title, _text in prompts.shown]
    assert kinds == ["error", "confirm"] and "damaged" in prompts.shown[0][2]
    assert fingerprint(path)[0] == before[0]  # not a byte written: no sign-in recorded, no migration


def test_start_up_on_a_database_without_users_goes_to_the_setup(  # type: ignore[no-untyped-def]
    tmp_path, qapp, prompts, monkeypatch
) -> None:
    from clinicrec.services.app import open_services
    from clinicrec.ui import app as app_module
    from clinicrec.ui.login_dialog import LoginDialog
    from clinicrec.ui.startup import run

    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    open_services(url, create=True).db.dispose()  # created and migrated, but set up never finished
    asked: list[object] = []
    monkeypatch.setattr(app_module.SetupDialog, "ask", lambda parent, services, **kw: asked.append(kw))
    from PySide6.QtCore import QEvent, QObject

    class Shows(QObject):
        """Every sign-in dialog shown (an event, not a poll: a loaded machine's poll could miss it)."""

        seen: list[str] = []

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Show and isinstance(obj, LoginDialog):
                self.seen.append(obj.objectName())
            return False

    shows = Shows()
    qapp.installEventFilter(shows)
    try:
        assert run(url, prompts=prompts) == 0  # the setup was cancelled
    finally:
        qapp.removeEventFilter(shows)
    assert shows.seen[:1] == ["login_dialog"] and asked == [{}]


def test_quitting_while_the_database_opens_lets_the_opening_finish(world: World, qapp, prompts) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.login_dialog import LoginDialog
    from clinicrec.ui.startup import run

    world.services.db.dispose()
    done = _drive(qapp, [("quit", _visible(LoginDialog, "login_dialog"), lambda d: d.cancel_button.click())])
    assert run(f"sqlite:///{world.path}", prompts=prompts) == 0
    assert done == ["quit"] and prompts.shown == []


def test_the_collector_runs_less_while_the_start_loads_and_as_before_after(  # type: ignore[no-untyped-def]
    world: World, qapp, prompts
) -> None:
    import gc

    from clinicrec.ui.login_dialog import LoginDialog
    from clinicrec.ui.startup import START_GC_THRESHOLD, collecting_less, run

    before = gc.get_threshold()
    world.services.db.dispose()
    during: list[tuple[int, ...]] = []

    def quit_(dialog) -> None:  # type: ignore[no-untyped-def]
        during.append(gc.get_threshold())
        dialog.cancel_button.click()

    done = _drive(qapp, [("quit", _visible(LoginDialog, "login_dialog"), quit_)])
    assert run(f"sqlite:///{world.path}", prompts=prompts) == 0
    assert done == ["quit"]
    assert during == [(START_GC_THRESHOLD, *before[1:])] and before[0] < START_GC_THRESHOLD
    assert gc.get_threshold() == before
    # What the start made is out of the collector's young generations (frozen): no pass over it follows.
    with collecting_less():
        made = [[] for _ in range(5_000)]  # objects the collector tracks, alive past the block
    assert gc.get_count()[1] == 0 and all(gc.is_tracked(o) for o in made)
    in_generations = {id(o) for o in gc.get_objects()}  # every tracked object not frozen
    assert not any(id(o) in in_generations for o in made)
    with pytest.raises(RuntimeError), collecting_less():
        raise RuntimeError("the start broke down")
    assert gc.get_threshold() == before


def test_a_sign_in_asked_for_early_waits_for_the_services(world: World, qtbot) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.login_dialog import LoginDialog

    world.services.act_as(None)
    dialog = LoginDialog(None)
    qtbot.addWidget(dialog)
    assert not dialog.ready and dialog.status_label.isVisibleTo(dialog)
    dialog.password_edit.setText(PASSWORD)
    dialog.sign_in_button.click()
    assert dialog.error_label.text() == "Enter your user name."  # checked at once, database or not
    dialog.username_edit.setText("nurse")
    dialog.sign_in_button.click()
    assert dialog.actor is None and not dialog.password_edit.isEnabled()
    assert "as soon as" in dialog.status_label.text()
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.attach(world.services, "Harbour Skin Clinic")
    assert dialog.actor is not None and dialog.actor.username == "nurse"
    assert dialog.clinic_label.text() == "Harbour Skin Clinic" and not dialog.status_label.isVisibleTo(dialog)


def test_the_loader_leaves_only_qt_work_to_the_gui_thread() -> None:
    """After the loader's imports, importing the main window's modules loads nothing of the layers below
    (their loading belongs on the loader's thread; only Qt work may remain for the GUI thread)."""
    import subprocess
    import sys

    code = (
        "import importlib, sys\n"
        "from clinicrec.ui.startup import StartupLoader\n"
        "for name in StartupLoader.MODULES: importlib.import_module(name)\n"
        "before = set(sys.modules)\n"
        "import clinicrec.ui.app\n"
        "print(sorted(m for m in set(sys.modules) - before"
        " if m.startswith('clinicrec.') and not m.startswith('clinicrec.ui')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("kind", ["empty", "another program's"])
def test_start_up_refuses_an_empty_or_foreign_file_and_offers_no_set_up(  # type: ignore[no-untyped-def]
    tmp_path, qapp, prompts, monkeypatch, kind
) -> None:
    """An empty file (or another program's database) where the clinic's records should be is refused:
    nobody gets to set up "a new clinic" over it, and it is not written."""
    import sqlite3

    from clinicrec.ui import app as app_module
    from clinicrec.ui.startup import run

    path = tmp_path / "clinic.sqlite3"
    path.touch()
    if kind != "empty":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE albums (id INTEGER PRIMARY KEY)")
        conn.commit()
        conn.close()
    before = path.read_bytes()
    monkeypatch.setattr(app_module.SetupDialog, "ask", lambda *a, **kw: pytest.fail("the setup was offered"))
    assert run(f"sqlite:///{path}", prompts=prompts) == 1
    [(shown_kind, _title, text)] = prompts.shown
    assert shown_kind == "error" and ("empty file" in text or "another program" in text)
    assert path.read_bytes() == before
