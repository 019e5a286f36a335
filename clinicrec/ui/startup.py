"""Start the desktop application so that the user can begin signing in at once.

The order, and why:

1. Qt loads and the sign-in dialog is painted: this module imports nothing of the database layer, so the
   dialog is up in about the time a bare Qt window takes. Nor does anything before that paint ask for
   PySide6's ``Qt`` namespace, whose 125 enum types are made at its first use (some 45 ms): the dialog
   is styled in the scheme the desktop had when last asked, and the desktop is asked after the paint
   (``style.style_before_paint``; tests/ui/test_start_before_qt_namespace.py starts a process to check).
2. Once it is painted, the integrity check of the SQLite file starts on a thread of its own
   (``services.opening.start_check``: SQLite reads the file without holding Python's lock), and a loader
   thread imports the database layer and the services (SQLAlchemy above all), waits for the check's
   verdict, and only if the database passed opens it (which may migrate, and so write) and hands the
   services to the dialog. The user types meanwhile. (Started any earlier, the check's reading of the
   whole file slows Qt's loading by about as much as it would save.)
   Everything that touches Qt stays on the GUI thread: PySide6 builds its Python types lazily and not
   safely from two threads at once. Once the loader has imported its part, the GUI thread imports the
   main window's modules and has PySide6 build its types, in short steps between the user's keystrokes
   (``GuiWarmUp``), so that nothing is left to load when "Sign in" is pressed.
3. A sign-in asked for before that waits for it. A damaged database is never opened: the dialog is
   withdrawn and the user is told plainly and offered the latest good backup (``app.offer_restore``),
   exactly as before the dialog existed. A database without users withdraws it for the first-start setup.
4. An encrypted file (the usual case) cannot be read before the password gives its key: the loader says
   so before it loads anything, and a sign-in (even one asked for the instant the dialog painted) unwraps
   the key at once, on a thread of its own (``beside_warm_up``: Argon2id releases Python's lock, so the
   loading goes on beside it and the GUI thread imports the main window's modules meanwhile), then waits
   for the loading and opens the file. As a person types, the unwrap runs ahead of "Sign in" with the
   text typed so far (``services.opening.UnwrapAhead``; only the exact text at "Sign in" is used), so
   that Enter finds it done, and the key it finds opens the file (``services.opening.OpenAhead``: as the
   sign-in opens it, nothing written), so that Enter finds the file open too. While the dialog is up the
   cyclic collector runs rarely (``collecting_less``). The dialog is ``ready`` once the loading is done.
   The main window's first paint comes before secondary work: the daily backup and the preloading of
   the session window's code begin after it (``AfterFirstPaint`` in ``app.run_gui``).
5. A plain database of an earlier version passes its check, is opened (migrated), and is then encrypted
   in place (``services.unlock.encrypt_if_plain``: an encrypted backup first); the sign-in then opens
   it like any encrypted database, and the first administrator is shown the new recovery key.

Nothing at all is written before the check has passed. A file provably unchanged since its last clean
check (``db.integrity.check_remembering``: a sidecar records the file's identity) is not read again; on a
large file still being checked the database opens for reading at once and writes wait behind a gate.
"""

from __future__ import annotations

import gc
import importlib
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog

from ..paths import APP_NAME
from .first_paint import AfterFirstPaint
from .login_dialog import LoginDialog
from .style import apply_style, follow_desktop_now, style_before_paint

if TYPE_CHECKING:
    from pathlib import Path

    from ..services.app import Services
    from ..services.maintenance import IntegrityResult
    from ..services.opening import BackgroundCheck
    from .prompts import Prompts

T = TypeVar("T")

#: The collector's youngest-generation threshold while the application starts (``collecting_less``).
START_GC_THRESHOLD = 50_000


def make_application(argv: Sequence[str] | None = None, *, scheme_after_paint: bool = False) -> QApplication:
    """The one QApplication, styled; reused if one exists (tests, the benchmark). ``scheme_after_paint``:
    styled in the scheme the desktop had when last asked, the desktop asked once the first window has
    painted (``style.style_before_paint``; the start's sign-in dialog).

    (Qt 6 rounds no scale factor by default, as ClinicRec wants: a 150% display is drawn at 150%.)"""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    if scheme_after_paint:
        style_before_paint(app)
    else:
        apply_style(app)
    return app


@dataclass
class Opened:
    """What the loader found: the open services, or why there are none."""

    services: Services | None = None
    has_users: bool = False
    clinic_name: str = ""
    damaged: IntegrityResult | None = None  # the check failed: nothing was opened
    error: BaseException | None = None  # the database could not be opened (a ClinicRecError says why)
    encrypted: Path | None = None  # an encrypted file: the sign-in opens it (services.unlock)
    per_user: str | None = None  # PostgreSQL, no user in the URL: the sign-in connects (services.pg_sign_in)


class StartupLoader(QObject):
    """Loads the application and opens the database on a thread of its own; ``sig_done`` on the GUI thread.

    ``start()`` once; ``wait()`` blocks until the database is open (it is never abandoned mid-way:
    opening may migrate, and a migration is let finish). When the integrity check is still running at
    that moment, the database is opened for reading at once and its writes wait for the verdict (a write
    gate: ``open_services(defer_check=True)``); the thread stays for the verdict, and a damaged file
    replaces ``result`` with the verdict and emits ``sig_damaged`` (the dialog is withdrawn for the
    restore offer; any write, the sign-in's included, was refused meanwhile).
    """

    sig_loaded = Signal()  # the modules are imported; the check may still be running
    sig_done = Signal(object)  # Opened
    sig_damaged = Signal()  # the check that was still running when the database opened has failed
    #: How long the opening waits for a check about to end (a small file's) rather than gate the writes.
    CHECK_GRACE_S = 0.02

    #: What the loader imports (no Qt in any of them): the services, and what the main window's modules
    #: use of the layers below them, so that the GUI thread's share of the loading is Qt's alone.
    MODULES = (
        "clinicrec.services.app",
        "clinicrec.services.maintenance",
        "clinicrec.services.charting",
        "clinicrec.services.records",
        "clinicrec.services.printing",
        "clinicrec.services.patient_search",
        "clinicrec.pdf.templates",
        "clinicrec.domain.dosing",
        "clinicrec.domain.date_text",
        # what the sign-in and the first rows use: the sign-in while the file's check runs, the rights
        # check's access tokens (each some ms, at the first use, after "Sign in" was pressed)
        "clinicrec.services.early_sign_in",
        "clinicrec.services.tokens",
    )

    def __init__(
        self, url: str, parent: QObject | None = None, *, create: bool = False, encrypt: bool = True
    ) -> None:
        super().__init__(parent)
        self.url = url
        self.create = create  # the first start: the setup that follows creates the database
        self.encrypt = encrypt  # a plain database (of an earlier version) is encrypted at its first start
        self.result: Opened | None = None
        self._opened = threading.Event()
        self._loaded = threading.Event()  # the loading is over (imported, or failed: ``_load_error``)
        self._load_error: BaseException | None = None
        self._pending_check: BackgroundCheck | None = None
        self._thread = threading.Thread(target=self._run, name="clinicrec-startup", daemon=True)

    def start(self) -> None:
        if not self._thread.is_alive() and self.result is None:
            self._thread.start()

    def wait(self) -> Opened:
        self.start()
        self._opened.wait()
        assert self.result is not None
        return self.result

    @property
    def loaded(self) -> bool:
        """The loading is over (``sig_loaded`` has been emitted, or the loading failed)."""
        return self._loaded.is_set()

    def wait_loaded(self) -> None:
        """Block until the loading is over; raise what broke it, if anything did."""
        self.start()
        self._loaded.wait()
        if self._load_error is not None:
            raise self._load_error

    def _done(self, opened: Opened) -> None:
        self.result = opened
        self._opened.set()
        self.sig_done.emit(opened)

    def _run(self) -> None:
        try:
            opened = self._open()
        except BaseException as e:  # noqa: BLE001 - handed to the GUI thread, which reports it
            self._load_error = e
            opened = Opened(error=e)
        finally:
            self._loaded.set()
        if not self._opened.is_set():  # an encrypted file's was announced before the loading
            self._done(opened)
        check = self._pending_check
        if check is None:
            return
        try:
            report = check.report()
        except BaseException:  # noqa: BLE001 - a check that broke down: the gate refuses every write
            return
        if not report.ok:
            from ..services.maintenance import check_database

            self.result = Opened(damaged=check_database(self.url, started=check))
            self.sig_damaged.emit()

    def _open(self) -> Opened:
        from ..services.opening import (
            DatabaseRefused,
            check_grace,
            encrypted_file,
            sqlite_file_of,
            start_check,
        )

        if sqlite_file_of(self.url) is None:
            from ..services.pg_sign_in import signs_in_per_user  # (SQLAlchemy: not for a SQLite file)

            if signs_in_per_user(self.url):
                # The workstation holds no credentials: the sign-in connects as the user's own role.
                for name in self.MODULES:
                    importlib.import_module(name)
                self.sig_loaded.emit()
                return Opened(has_users=True, per_user=self.url)
        path = encrypted_file(self.url)
        if path is not None:
            # Nothing of an encrypted file can be read before the sign-in gives its key. Say so at once:
            # a sign-in can then unwrap the key (Argon2id, which releases Python's lock) while the
            # application loads here (``wait_loaded``), instead of after it.
            opened = Opened(has_users=True, encrypted=path)
            self._done(opened)
            for name in self.MODULES:
                importlib.import_module(name)
            importlib.import_module("clinicrec.services.unlock").load_driver()
            self.sig_loaded.emit()
            return opened
        check = start_check(self.url)
        # Load (Python code) while SQLite reads the file on the check's thread...
        for name in self.MODULES:
            importlib.import_module(name)
        self.sig_loaded.emit()
        from ..services.app import open_services

        # ...then open: at once for reading when the check is still reading a large file (writes wait for
        # its verdict); a damaged file is never written.
        if check is not None and not check.done(check_grace(check.path, self.CHECK_GRACE_S)):
            self._pending_check = check
        try:
            services = open_services(self.url, started=check, create=self.create, defer_check=True)
        except DatabaseRefused as e:
            if e.damaged is None:
                raise
            return Opened(damaged=e.damaged)  # type: ignore[arg-type]
        if self.encrypt and services.database_file is not None and not services.encrypted:
            # Encrypting a plain file writes an encrypted copy in its place: never before its check has
            # passed (opened at once for reading above, the check may still be reading a large file).
            pending, self._pending_check = self._pending_check, None
            if pending is not None and not pending.report().ok:
                services.db.dispose()
                from ..services.maintenance import check_database

                return Opened(damaged=check_database(self.url, started=pending))
        if self.encrypt:
            from ..services.opening import encrypted_file as needs_password
            from ..services.unlock import encrypt_if_plain

            converted = encrypt_if_plain(services)  # a plain database of an earlier version
            if converted is not None:
                if needs_password(self.url) is not None:
                    return Opened(has_users=True, encrypted=converted)
                services = open_services(self.url)  # no user yet: opened with the setup's key
        has_users = services.auth.has_users()
        clinic = ""
        if has_users and services.clinic.is_set_up():
            clinic = services.clinic.get().name
        return Opened(services, has_users, clinic)


class GuiWarmUp(QObject):
    """On the GUI thread, in steps of a few milliseconds between events: import the main window's modules,
    then have PySide6 build the Python types (and their enums) of Qt's widget modules.

    PySide6 builds those lazily: the main window's first paint would otherwise spend some 30 ms building
    about 130 of them after "Sign in" was pressed. ``stop()`` drops what is left (nothing breaks if the
    warm-up never finishes: the same work is then done on first use).
    """

    STEP = 120  # names visited per step (a few ms)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps = self._plan()
        self.finished = False

    def start(self) -> None:
        QTimer.singleShot(0, self._next)

    def stop(self) -> None:
        self._steps = iter(())

    def step(self) -> bool:
        """Take the next step now; False once there is none left (or the step failed: the same work is
        then done, and fails with its message, where it is really used)."""
        try:
            return next(self._steps, StopIteration) is not StopIteration
        except Exception:  # noqa: BLE001
            self.stop()
            return False

    def _plan(self) -> Iterator[None]:
        importlib.import_module("clinicrec.ui.app")
        yield
        importlib.import_module("clinicrec.ui.idle_lock")  # (installed as the main window is shown)
        yield
        from PySide6 import QtCore, QtGui, QtWidgets

        for module in (QtCore, QtGui, QtWidgets):
            names = dir(module)
            for first in range(0, len(names), self.STEP):
                for name in names[first : first + self.STEP]:
                    getattr(module, name)
                yield
        self.finished = True

    def _next(self) -> None:
        if self.step():
            QTimer.singleShot(0, self._next)


def beside_warm_up(work: Callable[[], T], loader: StartupLoader, warm_up: GuiWarmUp) -> T:
    """``work()`` (the sign-in's Argon2id, which releases Python's lock) on a thread of its own, while
    this (the GUI) thread takes the warm-up's steps once the loader has loaded: a sign-in asked for
    the instant the dialog painted then finds the main window's modules imported when the key is
    unwrapped, instead of importing them after it. No event is handled meanwhile (the dialog is
    waiting, as it did while Argon2id ran here); what ``work`` raises is raised here."""
    outcome: list[Any] = []

    def run_work() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as e:  # noqa: BLE001 - raised again on the calling thread
            outcome.append((False, e))

    thread = threading.Thread(target=run_work, name="clinicrec-sign-in-check", daemon=True)
    thread.start()
    warming = True
    while thread.is_alive():
        if warming and loader.loaded:
            warming = warm_up.step()  # a few ms each (the first: the main window's imports)
        else:
            thread.join(0.002)
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def run(
    url: str,
    *,
    demo_credentials: tuple[str, str] | None = None,
    argv: Sequence[str] | None = None,
    prompts: Prompts | None = None,
) -> int:
    """The ``clinicrec`` command's start: sign-in dialog at once, the database checked and opened behind it.

    The exit code: 0 after the user quits, 1 when the database cannot be used.
    """
    app = make_application(argv, scheme_after_paint=True)
    with collecting_less():
        outcome = _open_and_sign_in(url, demo_credentials)
    if not app.property("clinicrec_follows_scheme"):  # no sign-in dialog was painted (a first start)
        follow_desktop_now(app)
    if isinstance(outcome, int):
        return outcome
    if prompts is None:
        from .prompts import Prompts  # (after the dialog: some 2 ms of Qt types it does not need)

        prompts = Prompts()
    opened, signed_in = outcome
    return _carry_on(url, opened, prompts, demo_credentials, argv, signed_in=signed_in)


@contextmanager
def collecting_less(threshold: int = START_GC_THRESHOLD) -> Iterator[None]:
    """Python's cyclic collector runs its youngest generation every ``threshold`` allocations instead of
    every 700 meanwhile. The start's imports (SQLAlchemy's and the models' above all) make about a million
    objects that all live on; collecting them every 700 allocations (some 200 times, and the older
    generations with them) was about a tenth of the loading's time, for nothing. The threshold is put
    back as it was afterwards, and the start-up objects are frozen out of the collector first (as
    ``run_gui`` does again before the main window): with the usual threshold back, the next pass of the
    young generations would otherwise walk the hundreds of thousands of objects the big threshold let
    gather there, some 30 ms between "Sign in" and the main window, and find nothing to free (measured
    with ``gc.callbacks``: 0 collected)."""
    before = gc.get_threshold()
    gc.set_threshold(threshold, *before[1:])
    try:
        yield
    except BaseException:
        gc.set_threshold(*before)
        raise
    gc.freeze()
    gc.set_threshold(*before)


def _open_and_sign_in(url: str, demo_credentials: tuple[str, str] | None) -> tuple[Opened, bool] | int:
    """The sign-in dialog at once, the database checked and opened behind it: what was opened and
    whether the user is signed in already, or the exit code when the start ends here."""
    from ..services.opening import sqlite_file_of

    path = sqlite_file_of(url)
    first_start = path is not None and not path.exists()
    loader = StartupLoader(url, create=first_start)
    if first_start:
        # A first start: nothing to sign in to; the setup follows once the file is made.
        return loader.wait(), False

    dialog = LoginDialog(None, demo_credentials=demo_credentials)
    dialog.resize(dialog.sizeHint())

    def on_done(opened: Opened) -> None:
        if opened.encrypted is not None:
            from ..services.opening import OpenAhead, UnwrapAhead

            where = opened.encrypted
            # begun as the user types (``dialog.attach_unlock(typed=...)``); the file is opened once a
            # key is found, when the application has loaded
            opens = OpenAhead(where, ready=loader.wait_loaded)
            ahead = UnwrapAhead(where, opens=opens)
            dialog.finished.connect(ahead.forget)

            def unlock(username: str, password: str) -> Services:
                # Argon2id (when not done as they typed) on a thread of its own, while the loader loads
                # and this thread warms up
                unwrap = beside_warm_up(lambda: ahead.unwrap(username, password), loader, warm_up)
                loader.wait_loaded()
                from ..services.unlock import sign_in_encrypted

                return sign_in_encrypted(
                    where,
                    username,
                    password,
                    unwrap=unwrap,
                    opened=lambda key: opens.take((username, password), key),
                )

            # Ready once loaded (``sig_loaded`` comes after this for a file found encrypted; a plain file
            # just encrypted by the loader was loaded before it was opened).
            dialog.attach_unlock(unlock, loading=not loader.loaded, typed=ahead.typed)
        elif opened.per_user is not None:
            from ..services.pg_sign_in import sign_in_pg_role

            server = opened.per_user
            dialog.attach_unlock(lambda username, password: sign_in_pg_role(server, username, password))
        elif opened.services is not None and opened.has_users:
            dialog.attach(opened.services, opened.clinic_name)
        else:
            dialog.withdraw()

    warm_up = GuiWarmUp(dialog)
    # (emitted on the loader's thread: queued to this one)
    loader.sig_loaded.connect(warm_up.start)
    loader.sig_loaded.connect(dialog.loaded)
    loader.sig_done.connect(on_done)
    loader.sig_damaged.connect(dialog.withdraw)

    def painted() -> None:
        loader.start()
        follow_desktop_now(QApplication.instance())  # type: ignore[arg-type]

    AfterFirstPaint(dialog, painted)
    code = dialog.exec()
    warm_up.stop()
    opened = loader.wait()  # a quit while the database is still opening lets the opening finish
    opens_at_sign_in = opened.encrypted is not None or opened.per_user is not None
    unlocked = dialog.services if opens_at_sign_in else None
    dialog.deleteLater()
    if code == QDialog.DialogCode.Rejected:  # the user quit (a withdrawn dialog ends with WITHDRAWN)
        return 0
    signed_in = code == QDialog.DialogCode.Accepted
    if opens_at_sign_in:
        if not signed_in or unlocked is None:
            return 0
        opened = Opened(unlocked, True)
    return opened, signed_in


def _carry_on(
    url: str,
    opened: Opened,
    prompts: Prompts,
    demo_credentials: tuple[str, str] | None,
    argv: Sequence[str] | None,
    *,
    signed_in: bool,
) -> int:
    from ..domain.errors import ClinicRecError
    from . import app

    if opened.error is not None:
        if not isinstance(opened.error, ClinicRecError):
            raise opened.error
        prompts.error(None, "ClinicRec cannot open the database", str(opened.error))
        return 1
    services = opened.services
    if opened.damaged is not None:
        if not app.offer_restore(opened.damaged, url, prompts):
            return 1
        try:
            from ..services.app import open_services

            services = open_services(url)
        except ClinicRecError as e:
            prompts.error(None, "ClinicRec cannot open the database", str(e))
            return 1
    assert services is not None
    return app.run_gui(
        services,
        demo_credentials=demo_credentials,
        argv=argv,
        prompts=prompts,
        signed_in=signed_in,
        styled=True,  # (``run`` made the application, styled, before the sign-in dialog)
    )
