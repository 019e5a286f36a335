"""Vials and safety warnings of the session window: choosing a vial, the reasons warnings need."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ...domain.enums import WarningKind
from ...domain.errors import ClinicRecError, ValidationError
from ...domain.safety import acknowledgement_for
from ...services.catalogue import VialStatus
from .models import vial_colour
from .totals_panel import WarningItem
from .vial_dialog import VialDialog
from .vial_panel import SessionVial

if TYPE_CHECKING:
    from .window import SessionWindow

    _Base = SessionWindow
else:
    _Base = object


class SafetyFlows(_Base):
    # -- vials and warnings --------------------------------------------------------------------------
    def choose_vial(self) -> None:
        if self._refuse_if_signed():
            return
        status = VialDialog.ask(self, self._services, self._prompts)
        if status is not None:
            self.use_vial(status)

    def use_vial(self, status: VialStatus) -> bool:
        """Add a vial to the session and make it the one new points come from.

        An expired lot or an old reconstitution needs a reason first (recorded with the session).
        """
        if self._refuse_if_signed():
            return False
        vial_id = status.vial.id
        assert vial_id is not None
        if vial_id not in {sv.vial.id for sv in self._vials}:
            session, _ = self.current_session()
            candidate = replace(session, vial_ids=session.vial_ids + (vial_id,))
            for w in self._services.charting.warnings(candidate):
                if w.subject != f"vial:{vial_id}" or acknowledgement_for(w, candidate.acknowledgements):
                    continue
                reason = self._prompts.text(
                    self,
                    "This vial needs a reason",
                    f"{w.message}.\n\nWhy use it? The reason is recorded with the session.",
                )
                if reason is None or not reason.strip():
                    self._status("The vial was not added: using it needs a recorded reason.")
                    return False
                candidate = self._services.charting.acknowledge(candidate, w, reason.strip())
            self._acks = candidate.acknowledgements
            self._vials.append(SessionVial(status.vial, status.product, vial_colour(len(self._vials))))
            self._drawn_elsewhere[vial_id] = status.units_drawn
            self.editor.vials[vial_id] = status.vial
        self.editor.active_vial_id = vial_id
        self._refresh_points()
        self._status(
            f"New points come from {status.product.brand} lot {status.vial.lot_number} at "
            f"{status.vial.concentration.label()}."
        )
        self._mark_dirty()
        self.refresh_warnings()
        return True

    def start_from_last_map(self) -> None:
        if self._refuse_if_signed():
            return
        previous = self._services.records.last_map(self._patient.id, before=self._session.performed_at)
        if not previous:
            self._status("There is no earlier signed session to start from.")
            return
        active = self.editor.active_vial()
        if active is None:
            self._status("Choose the vial first: the doses are re-derived for its concentration.")
            return
        n = self.points_model.rowCount()
        if n and not self._prompts.confirm(
            self,
            "Start from the last map",
            f"Replace the {n} points on the map with the {len(previous)} points "
            "of the last session? (Ctrl+Z undoes it.)",
        ):
            return
        statuses = self._services.vials.status(list({p.vial_id for p in previous}))
        count = self.editor.start_from(previous, {v: st.vial.product_id for v, st in statuses.items()})
        self._status(
            f"Started from the last session's map: {count} points, doses re-derived at "
            f"{active.concentration.label()}."
        )

    def refresh_warnings(self) -> None:
        """Ask the services for the safety warnings and vial shortfalls of the session as it stands."""
        self._warnings_timer.stop()
        session, _ = self.current_session()
        try:
            warnings = self._services.charting.warnings(session)
            shortfalls = self._services.charting.shortfalls(session)
            draws = self._services.charting.vial_draws(session)
        except ClinicRecError:
            return
        self._warnings = warnings
        product_of = {sv.vial.id: sv.product.id for sv in self._vials}
        items, alerts = [], {}
        for sf in shortfalls:
            items.append(WarningItem(f"{sf.message}. Open another vial for the rest.", "alert"))
            if sf.vial_id in product_of:
                alerts[product_of[sf.vial_id]] = sf.message
        for d in draws:  # live: signed sessions and other open drafts (named); signing decides on signed only
            if d.warning and d.left_after_signed >= -1e-9:
                items.append(WarningItem(d.warning, "warn"))
        for w in warnings:
            ack = acknowledgement_for(w, self._acks)  # covers the warning only as it stands now
            reason = ack.reason if ack is not None else ""
            over = w.kind == WarningKind.OVER_MAX_DOSE or w.needs_prescriber
            items.append(
                WarningItem(w.message, "ok" if reason else "alert" if over else "warn", reason, w.key)
            )
            if over:
                alerts[int(w.subject.split(":")[1])] = w.message
        self.ui.totals.warnings.set_items(items)
        if alerts != self._alerts:
            self._alerts = alerts
            self._refresh_totals()

    def give_reason(self, key: tuple[WarningKind, str]) -> bool:
        """Record why the injector goes ahead despite a warning (asked again at signing if missing)."""
        if self._refuse_if_signed():
            return False
        warning = next((w for w in self._warnings if w.key == key), None)
        if warning is None:
            return False
        reason = self._prompts.text(
            self,
            "Reason for going ahead",
            f"{warning.message}.\n\nWhy go ahead? The reason is recorded with the session.",
        )
        if reason is None:
            return False
        prescriber = ""
        if warning.needs_prescriber:  # a contraindication: on a prescriber's order only
            prescriber = (
                self._prompts.text(
                    self,
                    "Prescriber's order",
                    "A contraindication needs the prescriber's name:",
                    self._session.prescriber,
                )
                or ""
            )
        session, _ = self.current_session()
        try:
            session = self._services.charting.acknowledge(session, warning, reason.strip(), prescriber)
        except ValidationError as e:
            self._prompts.warn(self, "Reason needed", "; ".join(f.message for f in e.errors))
            return False
        self._acks = session.acknowledgements
        self._mark_dirty()
        self.refresh_warnings()
        return True
