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
        self._vials_checked: set[int | None] = set()  # vials whose check is on the worker
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
        status = VialDialog.ask(self.parent, self.services, self.prompts, self.c.worker)
        if status is not None:
            self.use_vial(status)

    def use_vial(self, status: VialStatus, then: Callable[[bool], None] | None = None) -> bool:
        """Add a vial to the session and make it the one new points come from.

        An expired lot or an old reconstitution needs a reason first (recorded with the session). What
        the vial raises is checked on the worker (it reads the patient's earlier sessions), so the window
        does not wait on the database: True if the vial is in use when this returns (a vial in use
        already, or the tests' synchronous worker), and ``then(added)`` once it is known.
        """
        if self._refuse_if_signed():
            return self._answer(False, then)
        vial_id = status.vial.id
        if vial_id in {sv.vial.id for sv in self.c.vials}:
            return self._answer(self._add(status, []), then)
        if vial_id in self._vials_checked:  # asked twice (a double click): the first check answers
            return False
        self._vials_checked.add(vial_id)
        answer: list[bool] = []

        def checked(warnings: list[SafetyWarning]) -> None:
            self._vials_checked.discard(vial_id)
            answer.append(not self.c.read_only and self._ask_and_add(status, warnings))
            if then is not None:
                then(answer[0])

        def failed(error: Exception) -> None:
            self._vials_checked.discard(vial_id)
            self.status(f"The vial was not added: it could not be checked ({error}).")
            answer.append(False)
            if then is not None:
                then(False)

        self.c.check_new_vial(status, checked, failed)
        return bool(answer) and answer[0]

    @staticmethod
    def _answer(added: bool, then: Callable[[bool], None] | None) -> bool:
        if then is not None:
            then(added)
        return added

    def _ask_and_add(self, status: VialStatus, warnings: list[SafetyWarning]) -> bool:
        reasons: list[tuple[SafetyWarning, str]] = []
        for w in warnings:
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
        return self._add(status, reasons)

    def _add(self, status: VialStatus, reasons: list[tuple[SafetyWarning, str]]) -> bool:
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
