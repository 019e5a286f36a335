"""The main window's "Chart review…" command: the review queue, returned charts and the review report."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from ...domain.errors import ClinicRecError
from ...services.app import Services
from ...services.permissions import Action
from ..changes import ChangeBus
from ..prompts import Prompts
from .review_screen import ReviewScreen


class ReviewActions:
    def __init__(
        self,
        window: QWidget,
        services: Services,
        bus: ChangeBus,
        prompts: Prompts,
        open_session: Callable[[int, int], object],
    ) -> None:
        self._window, self._services, self._bus, self._prompts = window, services, bus, prompts
        self._open_session = open_session
        self.screen: ReviewScreen | None = None
        self.action = QAction("Chart &review…", window)
        self.action.setObjectName("chart_review_action")
        self.action.setToolTip("Charts waiting for the medical director, returned charts, review report")
        self.action.triggered.connect(self.open)

        self.settings_action = QAction("Consent and &review settings…", window)
        self.settings_action.setObjectName("consent_settings_action")
        self.settings_action.triggered.connect(self.edit_settings)

    def install(self, menu: QMenu, admin_menu: QMenu | None = None) -> None:
        menu.addSeparator()
        menu.addAction(self.action)
        if admin_menu is not None:
            admin_menu.addAction(self.settings_action)
        self.update_for_actor()

    def update_for_actor(self) -> None:
        """Show what the signed-in user may use (the services refuse the rest anyway)."""
        actor = self._services.actor
        may = (Action.REVIEW_CHARTS, Action.CHART, Action.VIEW_REVIEW_REPORT)
        self.action.setVisible(actor is not None and any(actor.can(a) for a in may))
        self.settings_action.setVisible(actor is not None and actor.can(Action.MANAGE_SETTINGS))

    def edit_settings(self) -> bool:
        from ..consent.settings_dialog import ConsentSettingsDialog

        try:
            return ConsentSettingsDialog.ask(self._window, self._services)
        except ClinicRecError as e:
            self._prompts.error(self._window, "Consent and review settings", str(e))
            return False

    def open(self) -> ReviewScreen | None:
        if self.screen is None:
            try:
                screen = ReviewScreen(self._services, self._bus, self._prompts, self._window)
            except ClinicRecError as e:
                self._prompts.error(self._window, "Chart review", str(e))
                return None
            screen.setWindowFlag(Qt.WindowType.Window, True)
            screen.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
            screen.destroyed.connect(self._closed)
            screen.sig_open_session_requested.connect(lambda p, s: self._open_session(p, s))
            screen.setWindowTitle("Chart review")
            screen.resize(1280, 800)
            self.screen = screen
        self.screen.show()
        self.screen.raise_()
        return self.screen

    def _closed(self, *_args: object) -> None:
        self.screen = None
