"""Start the desktop application: style, change bus, setup or sign-in, then the main window."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from ..paths import APP_NAME
from ..services.app import Services
from ..services.permissions import Action
from .changes import ChangeBus
from .login_dialog import LoginDialog
from .main_window import MainWindow
from .prompts import Prompts
from .setup_dialog import SetupDialog
from .style import apply_style
from .worker import Worker


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    """The one QApplication, styled; reused if one exists (tests, the benchmark)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    apply_style(app)
    return app


def sign_in_or_set_up(
    services: Services, prompts: Prompts, *, demo_credentials: tuple[str, str] | None = None
) -> bool:
    """First start: the setup dialog; otherwise sign in (then finish an interrupted setup).

    True once someone is signed in; False if the user quit.
    """
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


def run_gui(
    services: Services, *, demo_credentials: tuple[str, str] | None = None, argv: Sequence[str] | None = None
) -> int:
    """Run the application until the main window closes (which signs the user out). The exit code."""
    app = make_application(argv)
    bus = ChangeBus()
    services.subscribe(bus.publish)
    prompts = Prompts()
    worker = Worker()
    if not sign_in_or_set_up(services, prompts, demo_credentials=demo_credentials):
        return 0
    window = MainWindow(services, bus, prompts, worker)
    window.resize(1280, 800)
    window.show()
    try:
        return app.exec()
    finally:
        window.sign_out()  # closeEvent signs out; this covers a quit that bypassed it
        worker.wait()
