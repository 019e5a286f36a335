"""The desktop application after start-up: setup or sign-in, then the main window until it closes.

``startup.run`` is the entry (``clinicrec`` with no command): it shows the sign-in dialog while the
database is checked and opened, then hands over to ``run_gui``.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from ..services.app import Services
from ..services.permissions import Action
from .changes import ChangeBus
from .closing import close_down
from .date_format import follow_clinic
from .error_hook import ErrorReporter
from .first_paint import AfterFirstPaint
from .login_dialog import LoginDialog
from .main_window import MainWindow
from .patients.patient_list_model import FirstPageAhead
from .preload import preload_in_background
from .prompts import Prompts
from .setup_dialog import SetupDialog
from .startup import make_application
from .window_sizes import WindowSizes
from .worker import Worker

if TYPE_CHECKING:
    from ..domain.errors import ClinicRecError
    from ..services.maintenance import IntegrityResult
    from .idle_lock import IdleLock

__all__ = ["make_application", "offer_restore", "run_gui", "sign_in_or_set_up"]


def sign_in_or_set_up(
    services: Services,
    prompts: Prompts,
    *,
    demo_credentials: tuple[str, str] | None = None,
    signed_in: bool = False,
) -> bool:
    """First start: the setup dialog; otherwise sign in (then finish an interrupted setup).

    ``signed_in``: the start-up's sign-in dialog has signed the user in already. True once someone is
    signed in; False if the user quit.
    """
    if not signed_in:
        if not services.auth.has_users():
            return SetupDialog.ask(None, services) is not None
        if LoginDialog.ask(None, services, demo_credentials=demo_credentials) is None:
            return False
    if not services.clinic.is_set_up():
        actor = services.actor
        if actor is not None and actor.can(Action.MANAGE_SETTINGS):
            return SetupDialog.ask(None, services, with_admin=False) is not None
        prompts.warn(
            None,
            "Clinic not set up",
            "The clinic's details have not been entered yet. An administrator must sign in first "
            "to finish setting up ClinicRec.",
        )
        services.auth.sign_out()
        return False
    return True


def offer_restore(result: IntegrityResult, url: str, prompts: Prompts) -> bool:
    """Tell the user plainly that the database is damaged; restore the latest good backup if they agree."""
    from pathlib import Path

    from ..domain.errors import ClinicRecError
    from ..services.maintenance import restore_damaged

    prompts.error(None, "The database is damaged", result.message)
    backup = result.latest_backup
    if backup is None:
        return False
    if not prompts.confirm(None, "Restore the latest good backup?", f"Restore the backup of {backup.label}?"):
        return False
    username = prompts.text(None, "Administrator", "An administrator's user name (as in the backup):")
    password = prompts.password(None, "Administrator", "Password:") if username else None
    if not username or password is None:
        return False
    try:
        restored = restore_damaged(url, Path(backup.path), username=username, password=password)
    except ClinicRecError as e:
        prompts.error(None, "Restore failed", str(e))
        return False
    prompts.info(None, "Database restored", restored.message)
    return True


def run_gui(
    services: Services,
    *,
    demo_credentials: tuple[str, str] | None = None,
    argv: Sequence[str] | None = None,
    prompts: Prompts | None = None,
    signed_in: bool = False,
    window_sizes: WindowSizes | None = None,
    styled: bool = False,
) -> int:
    """Run the application until the main window closes (which signs the user out). The exit code.

    ``signed_in``: someone is signed in to ``services`` already (the start-up's sign-in dialog).
    ``window_sizes``: where window sizes are remembered (default: the workstation user's settings).
    ``styled``: the start-up has made and styled the application (``make_application``): it is not
    styled a second time between "Sign in" and the first rows (some ms of palette and style sheet).
    """
    existing = QApplication.instance()
    app = existing if styled and isinstance(existing, QApplication) else make_application(argv)
    bus = ChangeBus()
    services.subscribe(bus.publish)
    prompts = prompts or Prompts()
    errors = ErrorReporter(prompts, QApplication.activeWindow)
    errors.install()  # unexpected errors: a dialog, and the application (with any open draft) carries on
    worker = Worker()
    if not sign_in_or_set_up(services, prompts, demo_credentials=demo_credentials, signed_in=signed_in):
        errors.uninstall()
        return 0
    # The patient list's first page, read on the worker from now while the main window is made.
    first_page: FirstPageAhead | None = FirstPageAhead(services, worker)
    follow_clinic(services, bus)  # the clinic's date format and dose precision, kept up to date
    code, first = 0, True
    sizes = window_sizes or WindowSizes.for_user()
    try:
        while True:  # one pass per signed-in user: Sign out and Switch user come back to the sign-in
            if first:
                # The start-up objects (the imported modules above all: about a million) never die:
                # frozen out of the collector before the window is built, or a full collection of them
                # (~55 ms at once) falls in the middle of building or painting it.
                gc.freeze()
            # Built one step per turn of the event loop (~10 ms each: the loop never waits long), the
            # patient list's first page read on the worker meanwhile; shown once whole, with its rows.
            if first_page is None:  # (signed in again: the next user's first page)
                first_page = FirstPageAhead(services, worker)
            window = MainWindow(
                services, bus, prompts, worker, window_sizes=sizes, stepwise=True, first_page=first_page
            )
            first_page = None
            window.resize(1280, 800)
            locks: list[IdleLock] = []

            def show(window: MainWindow = window, locks: list[IdleLock] = locks) -> None:
                locks.append(_install_idle_lock(services, bus, window))
                sizes.show(window, "main")

            window.building.sig_done.connect(show)
            window.building.sig_failed.connect(lambda e: _window_failed(prompts, app, e))
            if first:
                # Secondary work waits for the first rows to be painted: it would compete with them for
                # Python's lock (the preloading imports ~40 modules) and for the disk (a backup).
                AfterFirstPaint(
                    window, lambda w=window: _after_first_paint(services, worker, w), at_latest_ms=3000
                )
                first = False
            window.building.start()
            try:
                code = app.exec()
            finally:
                for lock in locks:
                    lock.stop()
                worker.wait()
                window.sign_out()  # closeEvent signs out; this covers a quit that bypassed it
            notice = window.sign_in_again
            window.deleteLater()
            if code != 0 or notice is None or LoginDialog.ask(None, services, notice=notice) is None:
                return code
    finally:
        errors.uninstall()
        # The day's last state kept as the automatic backup, the file checked for the next start: on a
        # large file minutes of work, said on screen while it runs (ui/closing.py).
        close_down(services, prompts)


def _window_failed(prompts: Prompts, app: QApplication, error: ClinicRecError) -> None:
    """The main window could not be built (a step's database read failed): said, and the application ends."""
    prompts.error(None, "ClinicRec", f"The main window could not be opened: {error}")
    app.exit(1)


def _after_first_paint(services: Services, worker: Worker, window: MainWindow) -> None:
    """What the first start does once the patient list has painted: the daily backup (if due) on the
    worker, and the session window's code imported in the background (its first opening only builds)."""
    worker.run(
        services.maintenance.auto_backup_if_due,
        lambda info: info and window.statusBar().showMessage(f"Daily backup saved: {info.path.name}", 5000),
        lambda e: window.statusBar().showMessage(f"The daily backup failed: {e}"),
    )
    preload_in_background()


def _install_idle_lock(services: Services, bus: ChangeBus, window: MainWindow) -> IdleLock:
    from . import idle_lock

    lock = idle_lock.IdleLock(services, [window], parent=window)
    bus.sig_changed.connect(lock.on_change)

    def sign_out_to_sign_in() -> None:
        """The lock's Sign out (or too many wrong passwords): signed out, the sign-in screen next."""
        lock.release()
        if not window.leave_for_sign_in():
            lock.lock()  # a session window kept it open: nothing is shown without the password

    def sign_out_and_close() -> None:
        lock.release()
        window.close()

    lock.sig_sign_out_requested.connect(sign_out_to_sign_in)
    window.clinic_actions.sig_lock_requested.connect(lock.lock_by_hand)
    window.clinic_actions.sig_sign_out_requested.connect(window.leave_for_sign_in)
    window.clinic_actions.sig_switch_user_requested.connect(lambda: window.leave_for_sign_in(switching=True))
    window.clinic_actions.sig_database_restored.connect(lambda _message: sign_out_and_close())
    lock.start()
    return lock
