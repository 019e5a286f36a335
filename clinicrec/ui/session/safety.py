"""Asking the injector for what safety needs: a vial (and a reason when it is expired or old), a reason
for going ahead despite a warning, and whether to replace the map with the last session's.

A collaborator of the session window with its dependencies passed in (like ``DocumentPrinter``); the
decisions and the state stay with the ``SessionController``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from ...domain.enums import WarningKind
from ...domain.errors import ValidationError
from ...domain.models import SafetyWarning
from ...services.app import Services
from ...services.catalogue import VialStatus
from ...services.changes import Change, ChangeEntity
from ..prompts import Prompts
from .controller import SessionController
from .vial_dialog import VialDialog


class SafetyPrompts:
    def __init__(
        self,
        controller: SessionController,
        services: Services,
        prompts: Prompts,
        parent: QWidget,
        status: Callable[[str], None],
        refused: Callable[[], None],
    ) -> None:
        self.c = controller
        self.services = services
        self.prompts = prompts
        self.parent = parent
        self.status = status
        self.refused = refused
        self._reasons: tuple[str, ...] | None = None  # the clinic's common reasons, as last read
        self._reads = 0
        self._read_common_reasons()
        controller.bus.sig_changed.connect(self._on_change)

    # -- the clinic's common reasons (the reason dialog's pick-list) --------------------------------
    def _read_common_reasons(self) -> None:
        """Read on the worker when the window opens, so a reason is asked without reading them first."""
        self._reads += 1
        seq, clinic = self._reads, self.services.clinic

        def done(reasons: tuple[str, ...]) -> None:
            if seq == self._reads:
                self._reasons = reasons

        self.c.worker.run(clinic.common_reasons, done, lambda _e: None)  # failed: read when asked

    def _on_change(self, change: Change) -> None:
        if change.entity == ChangeEntity.CLINIC:  # the clinic's settings: its reasons may have changed
            self._reasons = None
            self._read_common_reasons()

    def common_reasons(self) -> tuple[str, ...]:
        """The clinic's common reasons, read now only when the read at opening has not come back."""
        if self._reasons is None:
            self._reasons = self.services.clinic.common_reasons()
        return self._reasons

    def _refuse_if_signed(self) -> bool:
        if self.c.read_only:
            self.refused()
        return self.c.read_only

    def choose_vial(self) -> None:
        if self._refuse_if_signed():
            return
        status = VialDialog.ask(self.parent, self.services, self.prompts)
        if status is not None:
            self.use_vial(status)

    def use_vial(self, status: VialStatus) -> bool:
        """Add a vial to the session and make it the one new points come from.

        An expired lot or an old reconstitution needs a reason first (recorded with the session).
        """
        if self._refuse_if_signed():
            return False
        reasons: list[tuple[SafetyWarning, str]] = []
        if status.vial.id not in {sv.vial.id for sv in self.c.vials}:
            for w in self.c.warnings_for_new_vial(status):
                reason = self.prompts.reason(
                    self.parent,
                    "This vial needs a reason",
                    f"{w.message}.\n\nWhy use it? The reason is recorded with the session.",
                    choices=self.common_reasons(),
                )
                if reason is None or not reason.strip():
                    self.status("The vial was not added: using it needs a recorded reason.")
                    return False
                reasons.append((w, reason.strip()))
        try:
            self.c.add_vial(status, reasons)
        except ValidationError as e:
            self.prompts.warn(self.parent, "Reason needed", "; ".join(f.message for f in e.errors))
            return False
        self.status(
            f"New points come from {status.product.brand} lot {status.vial.lot_number} at "
            f"{status.vial.concentration.label()}."
        )
        return True

    def give_reason(self, key: tuple[WarningKind, str]) -> bool:
        """Record why the injector goes ahead despite a warning (asked again at signing if missing)."""
        if self._refuse_if_signed():
            return False
        warning = self.c.warning(key)
        if warning is None:
            return False
        reason = self.prompts.reason(
            self.parent,
            "Reason for going ahead",
            f"{warning.message}.\n\nWhy go ahead? The reason is recorded with the session.",
            choices=self.common_reasons(),
        )
        if reason is None:
            return False
        prescriber = ""
        if warning.needs_prescriber:  # a contraindication: on a prescriber's order only
            prescriber = (
                self.prompts.text(
                    self.parent,
                    "Prescriber's order",
                    "A contraindication needs the prescriber's name:",
                    self.c.session.prescriber,
                )
                or ""
            )
        try:
            self.c.acknowledge(warning, reason.strip(), prescriber)
        except ValidationError as e:
            self.prompts.warn(self.parent, "Reason needed", "; ".join(f.message for f in e.errors))
            return False
        return True

    def start_from_last_map(self) -> None:
        if self._refuse_if_signed():
            return
        previous, product_of_vial = self.c.last_map()
        if not previous:
            self.status("There is no earlier signed session to start from.")
            return
        active = self.c.editor.active_vial()
        if active is None:
            self.status("Choose the vial first: the doses are re-derived for its concentration.")
            return
        n = self.c.points_model.rowCount()
        if n and not self.prompts.confirm(
            self.parent,
            "Start from the last map",
            f"Replace the {n} points on the map with the {len(previous)} points "
            "of the last session? (Ctrl+Z undoes it.)",
        ):
            return
        count = self.c.editor.start_from(previous, product_of_vial)
        self.status(
            f"Started from the last session's map: {count} points, doses re-derived at "
            f"{active.concentration.label()}."
        )
