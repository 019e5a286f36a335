"""The main window's Reports and Admin menus and the account commands (change password, lock, switch user,
sign out).

Each screen opens once, as its own window, and only for users whose role allows it (the services
refuse anyway). Backups and restores run off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

from ..domain.errors import ClinicRecError
from ..services.app import Services
from ..services.permissions import Action
from .changes import ChangeBus
from .prompts import Prompts
from .shortcut_sheet import ShortcutHelp
from .worker import Worker


class ClinicActions(QObject):
    """Builds the actions, puts them in the window's menus, opens the screens."""

    sig_lock_requested = Signal()
    sig_switch_user_requested = Signal()
    sig_sign_out_requested = Signal()
    sig_database_restored = Signal(str)  # the message shown to the user

    def __init__(
        self, window: QMainWindow, services: Services, bus: ChangeBus, prompts: Prompts, worker: Worker
    ) -> None:
        super().__init__(window)
        self._window = window
        self._services = services
        self._bus = bus
        self._prompts = prompts
        self._worker = worker
        self.screens: dict[str, QWidget] = {}
        self._build_actions()
        self._connect_signals()
        self.update_for_actor()

    # -- building -------------------------------------------------------------------------------
    def _action(self, text: str, name: str, shortcut: str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.setStatusTip(tip or text.replace("&", "").rstrip("…"))
        return action

    def _build_actions(self) -> None:
        self.reports_action = self._action(
            "&Outcome reports…",
            "reports_action",
            "Ctrl+R",
            "Outcomes by product, dilution, zone and injector",
        )
        self.audit_action = self._action("&Audit trail…", "audit_action", None, "Who did what, and when")
        self.users_action = self._action(
            "&Users…", "users_action", None, "Add users, set roles, reset passwords"
        )
        self.products_action = self._action(
            "&Products…", "products_action", None, "The toxin product catalogue"
        )
        self.clinic_action = self._action(
            "&Clinic settings…",
            "clinic_action",
            None,
            "Clinic details, paper size, review interval, idle lock",
        )
        self.backup_action = self._action(
            "&Back up now…", "backup_action", None, "Save a copy of the database"
        )
        self.restore_action = self._action(
            "&Restore from backup…", "restore_action", None, "Replace the database with a checked backup"
        )
        self.password_action = self._action(
            "Change &password…", "change_password_action", None, "Change your own password"
        )
        self.lock_action = self._action(
            "&Lock screen", "lock_action", "Ctrl+L", "Cover the screen until you give your password again"
        )
        self.switch_user_action = self._action(
            "S&witch user…",
            "switch_user_action",
            None,
            "Sign out (open windows are closed) and let another user sign in",
        )
        self.sign_out_action = self._action(
            "Sign &out", "sign_out_action", None, "Sign out and return to the sign-in screen"
        )
        self.shortcut_help = ShortcutHelp(self._window)

    def install(self, file_menu: QMenu) -> None:
        """Add the account commands to ``file_menu`` (before Quit) and the Reports and Admin menus."""
        first = file_menu.actions()[0] if file_menu.actions() else None
        account = [self.password_action, self.lock_action, self.switch_user_action, self.sign_out_action]
        file_menu.insertActions(first, account)  # type: ignore[arg-type]
        file_menu.insertSeparator(first)  # type: ignore[arg-type]
        bar = self._window.menuBar()
        help_action = bar.actions()[-1] if bar.actions() else None
        reports = QMenu("&Reports", bar)
        reports.setObjectName("reports_menu")
        reports.addAction(self.reports_action)
        admin = QMenu("&Admin", bar)
        admin.setObjectName("admin_menu")
        admin.addActions([self.audit_action, self.users_action, self.products_action, self.clinic_action])
        admin.addSeparator()
        admin.addActions([self.backup_action, self.restore_action])
        bar.insertMenu(help_action, reports)  # type: ignore[arg-type]
        bar.insertMenu(help_action, admin)  # type: ignore[arg-type]
        help_menu = help_action.menu() if help_action is not None else None
        if isinstance(help_menu, QMenu):
            first_help = help_menu.actions()[0] if help_menu.actions() else None
            help_menu.insertAction(first_help, self.shortcut_help.action)  # type: ignore[arg-type]
            help_menu.insertSeparator(first_help)  # type: ignore[arg-type]
        self.admin_menu = admin
        self.update_for_actor()

    def _connect_signals(self) -> None:
        self.reports_action.triggered.connect(self.open_reports)
        self.audit_action.triggered.connect(self.open_audit)
        self.users_action.triggered.connect(self.open_users)
        self.products_action.triggered.connect(self.open_products)
        self.clinic_action.triggered.connect(self.edit_clinic)
        self.backup_action.triggered.connect(self.back_up_now)
        self.restore_action.triggered.connect(self.restore_from_backup)
        self.password_action.triggered.connect(self.change_password)
        self.lock_action.triggered.connect(self.sig_lock_requested)
        self.switch_user_action.triggered.connect(self.sig_switch_user_requested)
        self.sign_out_action.triggered.connect(self.sig_sign_out_requested)

    def update_for_actor(self) -> None:
        actor = self._services.actor
        allowed = {
            self.reports_action: Action.VIEW_OWN_REPORTS,
            self.audit_action: Action.VIEW_AUDIT,
            self.users_action: Action.MANAGE_USERS,
            self.products_action: Action.MANAGE_PRODUCTS,
            self.clinic_action: Action.MANAGE_SETTINGS,
            self.backup_action: Action.BACKUP,
            self.restore_action: Action.RESTORE,
        }
        for action, needed in allowed.items():
            action.setVisible(actor is not None and actor.can(needed))
        sqlite = self._services.database_file is not None
        self.backup_action.setEnabled(sqlite)
        self.restore_action.setEnabled(sqlite)
        if hasattr(self, "admin_menu"):
            self.admin_menu.menuAction().setVisible(
                any(a.isVisible() and not a.isSeparator() for a in self.admin_menu.actions())
            )

    # -- screens --------------------------------------------------------------------------------
    def _show(
        self, key: str, make: Callable[[], QWidget], size: tuple[int, int] = (1200, 780)
    ) -> QWidget | None:
        screen = self.screens.get(key)
        if screen is None:
            try:
                screen = make()
            except ClinicRecError as e:
                self._prompts.error(self._window, "ClinicRec", str(e))
                return None
            screen.setWindowFlag(Qt.WindowType.Window, True)
            screen.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
            screen.destroyed.connect(lambda _=None, k=key: self.screens.pop(k, None))
            screen.resize(*size)
            self.screens[key] = screen
        screen.show()
        screen.raise_()
        screen.activateWindow()
        return screen

    def open_reports(self) -> QWidget | None:
        from .reports.reports_screen import ReportsScreen

        def make() -> QWidget:
            screen = ReportsScreen(self._services, self._prompts, self._worker, self._window)
            screen.sig_open_record.connect(self.open_record)
            return screen

        return self._show("reports", make, (1280, 800))

    def open_record(self, patient_id: int, session_id: int | None) -> None:
        """A report row asked for its patient (and session): the chart in the main window, then the
        session's window."""
        window: Any = self._window
        window.show_patient(patient_id)
        window.raise_()
        window.activateWindow()
        if session_id is not None:
            window.open_session(session_id)

    def open_audit(self) -> QWidget | None:
        from .admin.audit_screen import AuditScreen

        return self._show(
            "audit", lambda: AuditScreen(self._services, self._prompts, self._worker, self._window)
        )

    def open_users(self) -> QWidget | None:
        from .admin.users_screen import UsersScreen

        return self._show(
            "users",
            lambda: UsersScreen(self._services, self._prompts, self._window, bus=self._bus),
            (900, 600),
        )

    def open_products(self) -> QWidget | None:
        from .admin.products_screen import ProductsScreen

        return self._show(
            "products",
            lambda: ProductsScreen(self._services, self._prompts, self._window, bus=self._bus),
            (1000, 600),
        )

    def edit_clinic(self) -> None:
        from .admin.clinic_settings_dialog import ClinicSettingsDialog

        if ClinicSettingsDialog.ask(self._window, self._services, self._prompts) is not None:
            self._window.statusBar().showMessage("Clinic settings saved.", 5000)

    def change_password(self) -> None:
        from .admin.password_dialog import ChangePasswordDialog

        if ChangePasswordDialog.ask(self._window, self._services, self._prompts):
            self._window.statusBar().showMessage("Your password was changed.", 5000)

    # -- backups --------------------------------------------------------------------------------
    def back_up_now(self) -> None:
        self._window.statusBar().showMessage("Backing up the database…")
        self._worker.run(
            self._services.maintenance.backup_now,
            lambda info: self._done("Backup made", f"The database was copied to\n{info.path}"),
            lambda e: self._failed("Backup failed", e),
        )

    def restore_from_backup(self) -> None:
        maintenance = self._services.maintenance
        path = self._prompts.open_file(
            self._window, "Restore from backup", "ClinicRec backups (*.sqlite3 *.db);;All files (*)"
        )
        if not path:
            return
        text = (
            f"Replace the current database with the backup\n{path}?\n\nThe backup is checked first; the "
            "current database is kept aside. Everyone must close ClinicRec on other computers first. "
            "You will be signed out afterwards."
        )
        if not self._prompts.confirm(self._window, "Restore from backup", text):
            return
        self._window.statusBar().showMessage("Checking and restoring the backup…")
        self._worker.run(
            lambda: maintenance.restore(Path(path)),
            self._restored,
            lambda e: self._failed("Restore failed", e),
        )

    def _restored(self, result) -> None:  # type: ignore[no-untyped-def]
        self._window.statusBar().clearMessage()
        self._prompts.info(self._window, "Database restored", result.message)
        self.sig_database_restored.emit(result.message)

    def _done(self, title: str, text: str) -> None:
        self._window.statusBar().showMessage(title + ".", 5000)
        self._prompts.info(self._window, title, text)

    def _failed(self, title: str, error: Exception) -> None:
        self._window.statusBar().clearMessage()
        self._prompts.error(self._window, title, str(error))
