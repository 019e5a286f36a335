"""The session being charted, without a single widget: its state, saving as you go, warnings, vial draws,
signing and amending. The window shows what it says (signals) and asks it to act (methods).

Everything that waits on the database while a nurse charts (the autosave, the warnings and vial-draw
checks) runs on the worker: the state is snapshotted as plain domain values on the GUI thread, the
service call runs in the pool, the result comes back by signal. One save runs at a time, so a new
draft is created once; edits made while it runs are saved by the next one. Deliberate acts (Save now,
signing, printing, an adverse event, closing) save on the worker too, queued behind a save in flight
(``when_saved``), and continue on the GUI thread once it is done.

The form fields live in widgets; the controller reads and fills them through a ``DraftForm``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from ...domain.dosing import VialShortfall
from ...domain.enums import Depth, SessionStatus, WarningKind
from ...domain.errors import ClinicRecError, FieldError, ValidationError
from ...domain.models import (
    Acknowledgement,
    AdverseEvent,
    SafetyWarning,
    ScreeningSnapshot,
    SessionRecord,
    TreatmentSession,
)
from ...domain.safety import acknowledgement_for
from ...domain.vial_draws import VialDraw
from ...services.app import Services
from ...services.base import Change, ChangeEntity
from ...services.catalogue import VialStatus
from ..changes import ChangeBus
from ..date_format import date_text
from ..worker import Worker
from .editor import ChartEditor
from .models import AdverseEventsModel, PointsModel, TotalsModel, vial_colour
from .state import DraftForm, Job, NoForm, SafetyState
from .vial_panel import SessionVial

AUTOSAVE_MS = 1500
#: The warnings check (40-230 ms of a worker's Python on a busy database, the GUI thread's largest
#: competitor for the GIL) runs once the session has been left alone this long: a burst of edits is
#: one check after its last edit, never one per edit, and never beside the repaint an edit causes.
WARNINGS_IDLE_MS = 600


class SessionController(QObject):
    sig_loaded = Signal(object)  # TreatmentSession: opened, or an amendment started
    sig_points_changed = Signal()  # points or vials changed: totals, map and vial panel follow
    sig_saved = Signal(object)  # TreatmentSession as saved
    sig_save_failed = Signal(object, bool)  # list[FieldError] (empty: see last_failure); explicit
    sig_save_state_changed = Signal(str)  # 'Unsaved changes…', 'Saved 10:42:07', 'Not saved'…
    sig_warnings_changed = Signal(object)  # SafetyState
    sig_read_only_changed = Signal(bool)
    sig_busy_changed = Signal(bool)  # signing in progress
    sig_session_signed = Signal(object)  # TreatmentSession
    sig_sign_failed = Signal(object)  # the exception
    sig_amendment_started = Signal(int)
    sig_message = Signal(str)

    def __init__(
        self,
        services: Services,
        bus: ChangeBus,
        worker: Worker,
        *,
        patient_id: int,
        form: DraftForm | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.bus, self.worker = services, bus, worker
        actor = services.actor
        assert actor is not None, "sign in before charting"
        self.actor = actor
        self.form: DraftForm = form or NoForm()
        self.patient = services.patients.get(patient_id)
        self.products = {p.id: p for p in services.products.list(include_inactive=True)}
        self.form_version = services.clinic.get().consent_form_version
        self.points_model = PointsModel(self)
        self.totals_model = TotalsModel(self)
        self.events_model = AdverseEventsModel(self)
        self.undo_stack = QUndoStack(self)
        self.editor = ChartEditor(self.points_model, self.undo_stack, self)
        self.session = TreatmentSession(
            patient_id=patient_id, performed_at=services.ctx.clock(), injector_id=actor.user_id
        )
        self.acks: tuple[Acknowledgement, ...] = ()
        self.screening: ScreeningSnapshot | None = None  # confirmed at this visit, stored with the next save
        self.record: SessionRecord | None = None  # the signed session as stored (signature, amendments)
        self.vials: list[SessionVial] = []
        self.drawn_elsewhere: dict[int, float] = {}
        self.safety = SafetyState()
        self.last_errors: list[FieldError] = []
        self.last_failure = ""
        self.dirty = self.save_failed = self.read_only = False
        self._loading = False
        self._revision = 0
        self._save: Job | None = None
        self._save_again = False
        self._queued: list[Callable[[], None]] = []  # acts waiting for the save in flight
        self._check_seq = 0
        self._checking = False  # a warnings check is on the worker
        self._check_again = False  # asked for while one ran: one more when it is done
        self._check_after_save = False  # the idle check came during a save: it follows the save
        self.autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self.warnings_timer = QTimer(self, singleShot=True, interval=WARNINGS_IDLE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.warnings_timer.timeout.connect(self._check_when_idle)
        self.points_model.sig_points_changed.connect(self._points_changed)
        bus.sig_changed.connect(self._on_change)

    # -- opening -------------------------------------------------------------------------------------
    def open(self, *, session_id: int | None = None, touch_up_of_id: int | None = None) -> None:
        if session_id is not None:
            self.load(self.services.charting.get(session_id))
            return
        self.load(
            TreatmentSession(
                patient_id=self.patient.id or 0,
                performed_at=self.services.ctx.clock(),
                injector_id=self.actor.user_id,
                depth=Depth.INTRADERMAL,
                touch_up_of_id=touch_up_of_id,
            )
        )

    def load(self, session: TreatmentSession) -> None:
        self._loading = True
        try:
            self.session = session
            self.record = None
            self.acks = session.acknowledgements
            self.screening = session.screening
            self.form.load(session, default_form_version=self.form_version, obtained_by=self.actor_name())
            ids = session.all_vial_ids
            statuses = self.services.vials.status(ids, exclude_session_id=session.id) if ids else {}
            self.vials = [
                SessionVial(statuses[v].vial, statuses[v].product, vial_colour(i))
                for i, v in enumerate(ids)
                if v in statuses
            ]
            self.drawn_elsewhere = {v: st.units_drawn for v, st in statuses.items()}
            self.editor.vials = {sv.vial.id: sv.vial for sv in self.vials}  # type: ignore[misc]
            self.editor.active_vial_id = ids[-1] if ids else None
            self.editor.load(session.points)
        finally:
            self._loading = False
        self.last_errors, self.last_failure = [], ""
        self.dirty = self.save_failed = False
        self.set_read_only(session.status == SessionStatus.SIGNED)
        self.refresh_events()
        self.sig_loaded.emit(session)
        self.sig_points_changed.emit()
        self.schedule_warnings()  # once the window has opened and painted, not beside its build
        state = "Signed" if self.read_only else "Saved" if session.id is not None else "Not saved yet"
        self.sig_save_state_changed.emit(state)

    def actor_name(self) -> str:
        return self.actor.signature_name

    @property
    def session_id(self) -> int | None:
        return self.session.id

    def current_session(self) -> tuple[TreatmentSession, list[FieldError]]:
        """The session as charted now, and any input that cannot even be read."""
        base = replace(
            self.session,
            acknowledgements=self.acks,
            screening=self.screening,
            vial_ids=tuple(sv.vial.id for sv in self.vials if sv.vial.id is not None),
            points=tuple(self.points_model.points()),
        )
        return self.form.read(base)

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self.editor.read_only = read_only
        if read_only:
            self.undo_stack.clear()
        self.sig_read_only_changed.emit(read_only)

    # -- changes -------------------------------------------------------------------------------------
    def mark_dirty(self) -> None:
        if self._loading or self.read_only:
            return
        self.dirty = True
        self._revision += 1
        self.sig_save_state_changed.emit("Unsaved changes…")
        self.autosave_timer.start()
        self.warnings_timer.start()

    def _points_changed(self) -> None:
        self.refresh_vials()
        self.sig_points_changed.emit()
        self.mark_dirty()

    def refresh_vials(self) -> None:
        """What is left in each vial after this session's points (and every other session's draws)."""
        drawn: dict[int, float] = {}
        for p in self.points_model.points():
            drawn[p.vial_id] = drawn.get(p.vial_id, 0.0) + p.units
        vials = []
        for sv in self.vials:
            base = self.drawn_elsewhere.get(sv.vial.id or 0)
            remaining = None if base is None else sv.vial.vial_units - base - drawn.get(sv.vial.id or 0, 0.0)
            vials.append(SessionVial(sv.vial, sv.product, sv.colour, remaining))
        self.vials = vials

    def _on_change(self, change: Change) -> None:
        if change.initiator is self:
            return  # our own saves: nothing to reload
        if change.concerns(ChangeEntity.ADVERSE_EVENT, self.patient.id):
            self.refresh_events()
        elif change.entity == ChangeEntity.PRODUCT:
            self.products = {p.id: p for p in self.services.products.list(include_inactive=True)}
            self.sig_points_changed.emit()

    def _call(self, fn: Callable[[], Any]) -> Any:
        """A service call from the GUI thread, its changes marked as ours."""
        with self.bus.initiated_by(self):
            return fn()

    # -- saving --------------------------------------------------------------------------------------
    def autosave(self) -> None:
        """Save the draft on the worker (the timer's job): the window does not wait for it."""
        if self.read_only or not self.dirty:
            return
        if self._save is not None:  # one save at a time: the next one starts when this one is done
            self._save_again = True
            return
        session, problems = self.current_session()
        if problems:
            self._failed_with(problems, explicit=False)
            return
        self._start_save(Job(session, self._revision))

    @property
    def saving(self) -> bool:
        """A save is on the worker."""
        return self._save is not None

    def _start_save(self, job: Job) -> None:
        self._save, self._save_again = job, False
        self.sig_save_state_changed.emit("Saving…")
        charting = self.services.charting

        def run() -> Job:
            try:
                job.result = charting.save_draft(job.session)
            except BaseException as e:  # noqa: BLE001 - handed to the GUI thread, shown there
                job.error = e
            finally:
                job.done.set()
            return job

        self.worker.run(self.bus.call(self, run), self._finish_save, self._finish_save)

    def _wait_for_save(self) -> None:
        job = self._save
        if job is not None:
            job.done.wait()
            self._finish_save(job)

    def _finish_save(self, job: Any) -> None:
        if not isinstance(job, Job) or job.applied:
            return
        job.applied = True
        self._save = None
        if job.then is not None and job.hold:
            self.sig_busy_changed.emit(False)
        if job.error is None:
            self._saved(job.session, job.result, job.revision)
        elif isinstance(job.error, ValidationError):
            self._failed_with(job.error.errors, explicit=job.explicit)
        elif isinstance(job.error, ClinicRecError):
            self._failed(str(job.error), explicit=job.explicit)
        else:  # unexpected: the draft stays in memory and unsaved; the exception hook shows it
            self._failed(str(job.error), explicit=job.explicit)
            self._drop_queued()
            raise job.error
        if job.then is not None:
            job.then(job.error is None)
        queued, self._queued = self._queued, []
        if queued:  # deliberate acts that waited for this save: each continues in turn
            self.sig_busy_changed.emit(False)
            for act in queued:
                act()
        elif self.dirty and self._save_again and not self.save_failed and self._save is None:
            self.autosave()
        if self._check_after_save and self._save is None:
            self._check_after_save = False
            self.schedule_warnings()

    def _drop_queued(self) -> None:
        if self._queued:
            self._queued = []
            self.sig_busy_changed.emit(False)

    def save_now(self, *, explicit: bool = False) -> bool:
        """Save the draft at once; errors go to their fields. True when everything is saved."""
        if self.read_only:
            return True
        self.autosave_timer.stop()
        self._wait_for_save()
        session, problems = self.current_session()
        if problems:
            return self._failed_with(problems, explicit)
        revision = self._revision
        try:
            saved = self._call(lambda: self.services.charting.save_draft(session))
        except ValidationError as e:
            return self._failed_with(e.errors, explicit)
        except ClinicRecError as e:
            return self._failed(str(e), explicit)
        self._saved(session, saved, revision)
        return True

    def _saved(self, sent: TreatmentSession, saved: TreatmentSession, revision: int) -> None:
        self.session = saved
        if self.acks == sent.acknowledgements:  # a reason given while saving stays for the next save
            self.acks = saved.acknowledgements
        if self.screening == sent.screening:  # so does a screening confirmed while saving
            self.screening = saved.screening
        self.dirty = revision != self._revision
        self.save_failed = False
        self.last_errors, self.last_failure = [], ""
        at = self.services.ctx.clock().astimezone()
        self.sig_save_state_changed.emit("Unsaved changes…" if self.dirty else f"Saved {at:%H:%M:%S}")
        self.sig_saved.emit(saved)
        if self.dirty and not self.autosave_timer.isActive():
            self.autosave_timer.start()

    def _failed_with(self, errors: list[FieldError], explicit: bool) -> bool:
        self.save_failed = True
        self.last_errors = list(errors)
        self.last_failure = "; ".join(e.message for e in errors)
        self.sig_save_state_changed.emit("Not saved: see the marked fields")
        self.sig_save_failed.emit(list(errors), explicit)
        return False

    def _failed(self, message: str, explicit: bool) -> bool:
        self.save_failed, self.last_errors, self.last_failure = True, [], message
        self.sig_save_state_changed.emit("Not saved")
        self.sig_save_failed.emit([], explicit)
        return False

    def when_saved(self, then: Callable[[bool], None], *, hold: bool = True) -> None:
        """A stored session for what follows (adverse events and printing need one, signing a saved
        draft), without the window waiting on the database: a new or changed draft is saved on the
        worker, then ``then(saved)`` runs on the GUI thread (errors go to their fields). A save already
        on the worker is not waited for: this one is queued behind it (the window says "Saving…").
        With ``hold`` the window is disabled meanwhile, so nothing is charted between the save and what
        follows (signing, an adverse event); without it (Save now, printing) the nurse charts on, and
        what she charts meanwhile is saved by the next save."""
        if self.read_only or (self.session.id is not None and not self.dirty and self._save is None):
            then(True)
            return
        self.autosave_timer.stop()
        if self._save is not None:  # queued behind the save in flight, not waited for
            self._queue(lambda: self.when_saved(then, hold=hold), hold)
            return
        session, problems = self.current_session()
        if problems:
            then(self._failed_with(problems, explicit=True))
            return
        if hold:
            self.sig_busy_changed.emit(True)
        self._start_save(Job(session, self._revision, explicit=True, then=then, hold=hold))

    def after_save(self, then: Callable[[], None]) -> None:
        """``then()`` now, or once the save on the worker has landed (the window disabled meanwhile)."""
        if self._save is None:
            then()
        else:
            self._queue(then, True)

    def _queue(self, act: Callable[[], None], hold: bool) -> None:
        self._queued.append(act)
        if hold:
            self.sig_busy_changed.emit(True)
        self.sig_save_state_changed.emit("Saving…")

    def flush(self) -> None:
        """Do now what the timers would: the pending save and the warnings check."""
        self.autosave_timer.stop()
        self._wait_for_save()
        if self.dirty:
            self.save_now()
        self.refresh_warnings_now()

    def close(self) -> str:
        """Save what is pending before the window closes; what could not be saved ('' if nothing)."""
        self.warnings_timer.stop()
        self._check_seq += 1  # a check still running answers nobody
        self._check_again = self._check_after_save = False
        if self.read_only:
            return ""
        self.autosave_timer.stop()
        self._wait_for_save()
        if self.dirty:
            self.save_now()
        if self.dirty or self.save_failed:
            return "\n".join(f"• {e.message}" for e in self.last_errors[:6]) or self.last_failure
        return ""

    # -- warnings and vial draws ---------------------------------------------------------------------
    def schedule_warnings(self) -> None:
        """Check the warnings once the session is idle: ``WARNINGS_IDLE_MS`` after the last edit (each
        edit starts the wait again), so a burst of edits is one check of the session as it is then."""
        self.warnings_timer.start()

    @property
    def warnings_pending(self) -> bool:
        """A warnings check is waiting for the session to be idle, or running on the worker."""
        return self.warnings_timer.isActive() or self._checking or self._check_after_save

    def _check_when_idle(self) -> None:
        """The idle timer's check. A save on the worker (and the patient chart's read that follows it)
        is not joined by a check beside it: the check waits for the save to land, then for idle again."""
        if self._save is not None:
            self._check_after_save = True
            return
        self.check_warnings()

    def check_warnings(self) -> None:
        """Check warnings and vial shortfalls on the worker; the newest check's answer is shown.

        One check runs at a time: asked for while one runs (the reasons signing asks, one after the
        other, each ask for one), the running one's answer is dropped and one more check, of the
        session as it is then, follows it. Checks side by side only competed with each other and with
        the GUI thread for Python's lock, for answers nobody would see."""
        self.warnings_timer.stop()
        self._check_after_save = False
        self._check_seq += 1
        if self._checking:
            self._check_again = True
            return
        session, _ = self.current_session()
        seq, charting = self._check_seq, self.services.charting
        self._checking = True

        def run() -> tuple[list[SafetyWarning], list[VialShortfall], list[VialDraw]]:
            return charting.warnings(session), charting.shortfalls(session), charting.vial_draws(session)

        def done(result: tuple[list[SafetyWarning], list[VialShortfall], list[VialDraw]]) -> None:
            self._check_done()
            if seq == self._check_seq:
                self._show_safety(*result)

        # a failed check keeps the last answer; signing re-checks
        self.worker.run(run, done, lambda _e: self._check_done())

    def _check_done(self) -> None:
        self._checking = False
        if self._check_again:
            self._check_again = False
            self.check_warnings()

    def refresh_warnings_now(self) -> None:
        """The same check, waited for (before signing: its answer decides what to ask)."""
        self.warnings_timer.stop()
        self._check_seq += 1
        self._check_again = self._check_after_save = False
        session, _ = self.current_session()
        try:
            warnings = self.services.charting.warnings(session)
            shortfalls = self.services.charting.shortfalls(session)
            draws = self.services.charting.vial_draws(session)
        except ClinicRecError:
            return
        self._show_safety(warnings, shortfalls, draws)

    def _show_safety(
        self,
        warnings: list[SafetyWarning],
        shortfalls: list[VialShortfall],
        draws: list[VialDraw] | None = None,
    ) -> None:
        self.safety = SafetyState(
            tuple(warnings),
            tuple(shortfalls),
            self.acks,
            {sv.vial.id: sv.product.id for sv in self.vials if sv.vial.id is not None and sv.product.id},
            tuple(self.safety.draws if draws is None else draws),
        )
        self.sig_warnings_changed.emit(self.safety)

    def check_new_vial(
        self,
        status: VialStatus,
        then: Callable[[list[SafetyWarning]], None],
        failed: Callable[[Exception], None],
    ) -> None:
        """The warnings adding this vial raises that have no reason yet (an expired lot, an old mix),
        checked on the worker (they read the patient's earlier sessions); ``then(warnings)`` on the GUI
        thread."""
        vial_id = status.vial.id
        session, _ = self.current_session()
        candidate = replace(session, vial_ids=session.vial_ids + (vial_id,))  # type: ignore[operator]
        charting = self.services.charting

        def run() -> list[SafetyWarning]:
            return [
                w
                for w in charting.warnings(candidate)
                if w.subject == f"vial:{vial_id}"
                and acknowledgement_for(w, candidate.acknowledgements) is None
            ]

        self.worker.run(run, then, failed)

    def add_vial(self, status: VialStatus, reasons: list[tuple[SafetyWarning, str]]) -> None:
        """Use the vial (the active one from now on), with the reasons its warnings needed
        (ValidationError if a reason is not acceptable; nothing is changed then)."""
        vial_id = status.vial.id
        assert vial_id is not None
        if vial_id not in {sv.vial.id for sv in self.vials}:
            session, _ = self.current_session()
            for warning, reason in reasons:
                session = self.services.charting.acknowledge(session, warning, reason)
            self.acks = session.acknowledgements
            self.vials.append(SessionVial(status.vial, status.product, vial_colour(len(self.vials))))
            self.drawn_elsewhere[vial_id] = status.units_drawn
            self.editor.vials[vial_id] = status.vial
        self.editor.active_vial_id = vial_id
        self.refresh_vials()
        self.sig_points_changed.emit()
        self.mark_dirty()  # the warnings follow once the session is idle (the grid fill comes next)

    def set_active_vial(self, vial_id: int) -> None:
        self.editor.active_vial_id = vial_id
        self.refresh_vials()
        self.sig_points_changed.emit()

    def acknowledge(self, warning: SafetyWarning, reason: str, prescriber: str = "") -> None:
        """Record why the injector goes ahead (a contraindication: on whose prescription);
        ValidationError if the reason is not acceptable."""
        session, _ = self.current_session()
        self.acks = self.services.charting.acknowledge(session, warning, reason, prescriber).acknowledgements
        self.mark_dirty()
        self._show_safety(list(self.safety.warnings), list(self.safety.shortfalls), list(self.safety.draws))
        self.schedule_warnings()

    def set_screening(self, screening: ScreeningSnapshot | None) -> None:
        """The screening confirmed at this visit: saved with the draft, and the warnings follow it."""
        if self.read_only:
            return
        self.screening = screening
        self.mark_dirty()
        self.check_warnings()  # a deliberate act, once: its warnings at once, not after the idle wait

    def warning(self, key: tuple[WarningKind, str]) -> SafetyWarning | None:
        return next((w for w in self.safety.warnings if w.key == key), None)

    def last_map(self) -> tuple[list[Any], dict[int, int]]:
        """The last signed session's points, and the product of each vial they came from."""
        previous = self.services.records.last_map(self.patient.id or 0, before=self.session.performed_at)
        if not previous:
            return [], {}
        statuses = self.services.vials.status(list({p.vial_id for p in previous}))
        return list(previous), {v: st.vial.product_id for v, st in statuses.items()}

    # -- signing and amending ------------------------------------------------------------------------
    def shortfalls(self) -> list[VialShortfall]:
        return self.services.charting.shortfalls(self.session)

    def signed_record(self) -> SessionRecord | None:
        """The signature and amendments of a signed session (read with the signature when it was signed
        here; otherwise once, when first shown). None for a draft."""
        s = self.session
        if s.status != SessionStatus.SIGNED or s.id is None:
            return None
        if self.record is None or self.record.session.id != s.id:
            self.record = self.services.records.record(s.id)
        return self.record

    def check_before_signing(self, then: Callable[[list[VialShortfall]], None]) -> None:
        """The check signing decides on (shortfalls, warnings, vial draws), run on the worker: the safety
        state is brought up to date, then ``then(shortfalls)`` runs on the GUI thread. A check that fails
        is a sign that failed (sig_sign_failed), never a signature without its check."""
        self.warnings_timer.stop()
        self._check_seq += 1
        self._check_again = self._check_after_save = False  # this check is the newest
        session, _ = self.current_session()
        charting = self.services.charting
        self.sig_busy_changed.emit(True)

        def run() -> tuple[list[VialShortfall], list[SafetyWarning], list[VialDraw]]:
            return charting.shortfalls(session), charting.warnings(session), charting.vial_draws(session)

        def done(result: tuple[list[VialShortfall], list[SafetyWarning], list[VialDraw]]) -> None:
            self.sig_busy_changed.emit(False)
            shortfalls, warnings, draws = result
            self._show_safety(warnings, shortfalls, draws)
            then(shortfalls)

        def failed(error: Exception) -> None:
            self.sig_busy_changed.emit(False)
            self.sig_sign_failed.emit(error)

        self.worker.run(run, done, failed)

    def sign(self, password: str) -> None:
        """Sign the saved draft on the worker: sig_session_signed, or sig_sign_failed with the reason."""
        session_id, reviewed = self.session.id, self.session  # sign exactly what the nurse reviewed
        assert session_id is not None
        charting, records = self.services.charting, self.services.records
        self.warnings_timer.stop()  # checked by check_before_signing; a failed signature checks again
        self._check_after_save = False
        self.sig_busy_changed.emit(True)

        def then_read(signed: TreatmentSession) -> None:  # the signature the banner shows, read once
            self.worker.run(
                lambda: records.record(session_id),
                lambda record: self._signed((signed, record)),
                lambda _error: self._signed((signed, None)),  # read when first asked for instead
            )

        # Argon2id's two threads fill both processors: at a lower priority the window keeps a processor.
        # Only the signature runs there: a thread of low priority that holds the GIL when the machine
        # is busy makes the GUI thread wait for it, so the record is read on the pool.
        run = self.bus.call(self, lambda: charting.sign(session_id, password, reviewed=reviewed))
        self.worker.run_aside(run, then_read, self._sign_failed)

    def _signed(self, result: tuple[TreatmentSession, SessionRecord | None]) -> None:
        signed, self.record = result
        self.sig_busy_changed.emit(False)
        self.session = signed
        self.acks = signed.acknowledgements
        self.set_read_only(True)
        # What was signed is exactly what check_before_signing checked a moment ago: its warnings shown
        # again with the reasons the signature carries, not checked once more on the worker (40-70 ms of
        # Python competing with the window for the GIL just as it redraws the signed session).
        self._check_seq += 1  # a check still running answers for the draft as it was: not shown
        safety = self.safety
        self._show_safety(list(safety.warnings), list(safety.shortfalls), list(safety.draws))
        self.sig_save_state_changed.emit("Signed")
        self.sig_message.emit("Signed. The session is locked.")
        self.sig_session_signed.emit(signed)

    def _sign_failed(self, error: Exception) -> None:
        self.sig_busy_changed.emit(False)
        self.check_warnings()
        self.sig_sign_failed.emit(error)

    def start_amendment(self, reason: str) -> TreatmentSession:
        """Open a draft amendment of this signed session (ClinicRecError if it cannot be)."""
        assert self.session.id is not None
        session_id = self.session.id
        draft: TreatmentSession = self._call(
            lambda: self.services.charting.start_amendment(session_id, reason)
        )
        self.load(draft)
        self.sig_message.emit(
            f"Amendment of the session of {date_text(self.session.performed_at.astimezone())} started; it "
            "saves as you go and is signed like any session."
        )
        self.sig_amendment_started.emit(draft.id)
        return draft

    # -- adverse events ------------------------------------------------------------------------------
    def refresh_events(self) -> None:
        events: tuple[AdverseEvent, ...] = ()
        if self.session.id is not None:
            events = tuple(self.services.records.record(self.session.id).adverse_events)
        self.events_model.set_rows(list(events))
