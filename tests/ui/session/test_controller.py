"""The session controller without a single widget: saving as you go on the worker (one save at a time),
warnings and vial draws checked off the GUI thread, signing and amending, problems reported by signal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

import pytest
from PySide6.QtCore import QCoreApplication
from sqlalchemy import func, select

from clinicrec.db.models import SessionRow
from clinicrec.domain import facemap
from clinicrec.domain.enums import Indication, TimePoint, WarningKind, Zone
from clinicrec.domain.errors import ValidationError
from clinicrec.domain.models import Assessment, Consent, SafetyScreening, TreatmentSession
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.domain.validation import FieldError
from clinicrec.ui.session.controller import SessionController
from clinicrec.ui.session.state import SafetyState
from clinicrec.ui.worker import Worker
from tests.conftest import PASSWORD

from .conftest import db_points, status_of


@pytest.fixture
def pool(qtbot):  # type: ignore[no-untyped-def]
    """A real thread pool (not the tests' synchronous worker): the calls really leave the GUI thread."""
    worker = Worker()
    yield worker
    worker.wait()


@pytest.fixture
def make_controller(services, bus, pool, patient, vial):  # type: ignore[no-untyped-def]
    made: list[SessionController] = []

    def make(**kw: object) -> SessionController:
        c = SessionController(services, bus, pool, patient_id=patient.id, **kw)  # type: ignore[arg-type]
        c.open()
        c.add_vial(status_of(services, vial), [])
        while True:  # its warnings checks are done (one at a time: the vial's follows the opening's)
            pool.wait()
            QCoreApplication.processEvents()
            if not getattr(c, "_checking", False):  # one check at a time
                break
        made.append(c)
        return c

    yield make
    pool.wait()
    for c in made:
        c.autosave_timer.stop()
        c.warnings_timer.stop()


def on_gui_thread(monkeypatch, obj, name: str) -> list[bool]:  # type: ignore[no-untyped-def]
    """Record, for each call of ``obj.name`` (the real one runs), whether it ran on the GUI thread."""
    calls: list[bool] = []
    real: Callable[..., object] = getattr(obj, name)

    def recorded(*args: object, **kw: object) -> object:
        calls.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kw)

    monkeypatch.setattr(obj, name, recorded)
    return calls


def held_saves(monkeypatch, services) -> tuple[threading.Event, threading.Event]:  # type: ignore[no-untyped-def]
    """Saves wait for ``gate``; ``started`` tells that one is running."""
    started, gate = threading.Event(), threading.Event()
    real = services.charting.save_draft

    def held(session: TreatmentSession) -> TreatmentSession:
        started.set()
        assert gate.wait(30)
        return real(session)

    monkeypatch.setattr(services.charting, "save_draft", held)
    return started, gate


def sessions_of(services, patient_id: int) -> int:  # type: ignore[no-untyped-def]
    with services.db.read() as s:
        return s.execute(
            select(func.count(SessionRow.id)).where(SessionRow.patient_id == patient_id)
        ).scalar_one()


def test_the_autosave_runs_on_the_worker(make_controller, services, monkeypatch, qtbot) -> None:  # type: ignore[no-untyped-def]
    c = make_controller()
    calls = on_gui_thread(monkeypatch, services.charting, "save_draft")
    states: list[str] = []
    c.sig_save_state_changed.connect(states.append)
    c.editor.place(*facemap.zone_centroid(Zone.NOSE))
    assert c.dirty and c.autosave_timer.isActive()
    with qtbot.waitSignal(c.sig_saved, timeout=10_000):
        c.autosave()  # what the timer does
        assert c.dirty  # the GUI thread did not wait for it
    assert calls == [False]
    assert not c.dirty and c.session_id is not None
    assert states[-2:][0] == "Saving…" and states[-1].startswith("Saved ")
    assert len(db_points(services, c.session_id)) == 1


def test_one_save_at_a_time_and_edits_made_meanwhile_are_saved_next(  # type: ignore[no-untyped-def]
    make_controller, services, patient, monkeypatch, qtbot
) -> None:
    c = make_controller()
    started, gate = held_saves(monkeypatch, services)
    c.editor.place(*facemap.zone_centroid(Zone.NOSE))
    c.autosave()
    assert started.wait(30)
    c.editor.place(*facemap.zone_centroid(Zone.CHIN))  # charting goes on while the first save runs
    c.autosave()  # no second save of a session that has no id yet
    gate.set()
    qtbot.waitUntil(lambda: not c.dirty and c.session_id is not None, timeout=10_000)
    assert sessions_of(services, patient.id) == 1
    assert [p[0] for p in db_points(services, c.session_id)] == ["nose", "chin"]


def test_a_deliberate_save_waits_for_the_one_in_flight(  # type: ignore[no-untyped-def]
    make_controller, services, patient, pool, monkeypatch
) -> None:
    c = make_controller()
    saved: list[int] = []
    c.sig_saved.connect(lambda s: saved.append(s.id))
    started, gate = held_saves(monkeypatch, services)
    c.editor.place(*facemap.zone_centroid(Zone.NOSE))
    c.autosave()
    assert started.wait(30)
    gate.set()
    c.flush()  # the worker's answer has not been delivered: flush takes it, then saves the rest
    assert not c.dirty and sessions_of(services, patient.id) == 1
    pool.wait()
    QCoreApplication.processEvents()  # the late delivery of the same save changes nothing
    assert len(saved) == 1 and saved[0] == c.session_id


def test_warnings_and_vial_draws_are_checked_off_the_gui_thread(  # type: ignore[no-untyped-def]
    make_controller, services, patient, monkeypatch, qtbot
) -> None:
    services.patients.update(replace(patient, screening=SafetyScreening(recent_toxin=True)))
    c = make_controller()
    warnings = on_gui_thread(monkeypatch, services.charting, "warnings")
    shortfalls = on_gui_thread(monkeypatch, services.charting, "shortfalls")
    c.editor.grid_fill(Zone.FOREHEAD, 0.5)
    assert c.warnings_timer.isActive()
    with qtbot.waitSignal(c.sig_warnings_changed, timeout=10_000) as blocker:
        c.check_warnings()  # what the timer does
    state: SafetyState = blocker.args[0]
    assert warnings == [False] and shortfalls == [False]
    assert [w.kind for w in state.unacknowledged()] == [WarningKind.POSITIVE_SCREENING]
    c.acknowledge(state.warnings[0], "Last toxin 5 months ago")
    assert c.safety.unacknowledged() == []


def test_one_warnings_check_at_a_time_and_the_newest_is_shown(  # type: ignore[no-untyped-def]
    make_controller, services, monkeypatch, qtbot
) -> None:
    """Checks asked for while one runs (signing's reasons each ask for one) do not run beside it: the
    running one's answer is dropped and one more check, of the session as it is then, follows."""
    c = make_controller()
    gate, running, most = threading.Event(), [0], [0]
    checked: list[int] = []  # the number of points each check saw
    real = services.charting.warnings

    def held(session: TreatmentSession) -> object:
        running[0] += 1
        most[0] = max(most[0], running[0])
        try:
            assert gate.wait(30)
            checked.append(len(session.points))
            return real(session)
        finally:
            running[0] -= 1

    monkeypatch.setattr(services.charting, "warnings", held)
    shown: list[SafetyState] = []
    c.sig_warnings_changed.connect(shown.append)
    c.check_warnings()
    c.editor.grid_fill(Zone.FOREHEAD, 0.5)
    c.autosave_timer.stop()  # this test asks for the checks itself
    c.warnings_timer.stop()
    points = c.points_model.rowCount()
    for _ in range(3):
        c.check_warnings()
    qtbot.wait(50)
    assert running[0] == 1 and checked == []  # the others wait for it, none beside it
    gate.set()
    qtbot.waitUntil(lambda: len(checked) >= 2 and not getattr(c, "_checking", False), timeout=10_000)
    c.worker.wait()
    QCoreApplication.processEvents()
    assert most[0] == 1 and checked == [0, points]
    assert len(shown) == 1  # the first answer was dropped: only the newest is shown
    drawn = sum(d.this_session_units for d in shown[0].draws)
    assert points > 0 and drawn == pytest.approx(sum(p.units for p in c.points_model.points()))


def test_input_that_cannot_be_read_is_reported_and_not_saved(make_controller, services, patient) -> None:  # type: ignore[no-untyped-def]
    class UnreadableForm:
        def load(self, session: TreatmentSession, **_kw: object) -> None:
            pass

        def read(self, base: TreatmentSession) -> tuple[TreatmentSession, list[FieldError]]:
            return base, [FieldError("baseline.erythema_index", "Erythema index must be a number")]

    c = make_controller(form=UnreadableForm())
    failures: list[tuple[list[FieldError], bool]] = []
    c.sig_save_failed.connect(lambda errors, explicit: failures.append((errors, explicit)))
    c.editor.place(*facemap.zone_centroid(Zone.NOSE))
    c.autosave()
    assert [e.field for e in failures[-1][0]] == ["baseline.erythema_index"] and failures[-1][1] is False
    assert c.save_failed and c.dirty and sessions_of(services, patient.id) == 0
    assert c.close() == "• Erythema index must be a number"  # the window asks before closing


class SignableForm:
    """What the details and baseline forms add: indication, consent, baseline ratings."""

    def load(self, session: TreatmentSession, **_kw: object) -> None:
        pass

    def read(self, base: TreatmentSession) -> tuple[TreatmentSession, list[FieldError]]:
        at = base.performed_at
        return (
            replace(
                base,
                indications=frozenset({Indication.PORES}),
                consent=Consent("MB-CONSENT-1", at, "Nina Nurse, RN"),
                baseline=Assessment(TimePoint.BASELINE, at.date(), 3, 2, 1, CURRENT_SCALE_VERSION),
            ),
            [],
        )


def test_signing_and_amending_without_a_window(make_controller, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    c = make_controller(form=SignableForm())
    c.editor.place(*facemap.zone_centroid(Zone.NOSE))
    assert c.save_now(explicit=True)
    with qtbot.waitSignal(c.sig_sign_failed, timeout=10_000) as failed:
        c.sign("not my password")
    assert isinstance(failed.args[0], ValidationError) and not c.read_only
    busy: list[bool] = []
    c.sig_busy_changed.connect(busy.append)
    with qtbot.waitSignal(c.sig_session_signed, timeout=10_000):
        c.sign(PASSWORD)
    assert busy == [True, False] and c.read_only and services.charting.get(c.session_id).status == "signed"
    assert c.editor.place(*facemap.zone_centroid(Zone.CHIN)) is None  # locked
    original = c.session_id
    with qtbot.waitSignal(c.sig_amendment_started):
        c.start_amendment("Dose at one point was mistyped")
    assert not c.read_only and c.session.amends_id == original and c.session_id != original


def test_a_signed_session_shows_its_checked_warnings_with_their_reasons_without_checking_again(  # type: ignore[no-untyped-def]
    make_controller, services, patient, monkeypatch, qtbot
) -> None:
    """Signing checks the session first (check_before_signing); what is signed is exactly that session,
    so once signed its warnings are shown with the reasons the signature carries, and no further check
    runs on the worker (it competed with the window's redraw for the GIL: the sign phase's longest stall)."""
    services.patients.update(replace(patient, screening=SafetyScreening(recent_toxin=True)))
    c = make_controller(form=SignableForm())
    c.editor.place(*facemap.zone_centroid(Zone.NOSE))
    with qtbot.waitSignal(c.sig_warnings_changed, timeout=10_000) as blocker:
        c.check_warnings()
    (warning,) = blocker.args[0].warnings
    c.acknowledge(warning, "Last toxin 5 months ago")
    assert c.save_now(explicit=True)
    checked: list[bool] = []
    with qtbot.waitSignal(c.sig_warnings_changed, timeout=10_000):
        c.check_before_signing(lambda _shortfalls: checked.append(True))
    assert checked == [True]
    real, calls = services.charting.warnings, [0]

    def counted(session: TreatmentSession) -> object:
        calls[0] += 1
        return real(session)

    monkeypatch.setattr(services.charting, "warnings", counted)
    with qtbot.waitSignal(c.sig_session_signed, timeout=10_000):
        c.sign(PASSWORD)
    c.worker.wait()
    QCoreApplication.processEvents()
    assert calls == [0]
    assert [w.kind for w in c.safety.warnings] == [WarningKind.POSITIVE_SCREENING]
    assert c.safety.unacknowledged() == [] and c.safety.acks == c.session.acknowledgements
    assert [a.reason for a in c.safety.acks] == ["Last toxin 5 months ago"]


def counted_checks(monkeypatch, services) -> list[int]:  # type: ignore[no-untyped-def]
    """The number of points each warnings check saw (the real check runs)."""
    seen: list[int] = []
    real = services.charting.warnings

    def counted(session: TreatmentSession) -> object:
        seen.append(len(session.points))
        return real(session)

    monkeypatch.setattr(services.charting, "warnings", counted)
    return seen


def idle(c: SessionController, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Wait until no warnings check waits or runs, and its answer has been delivered."""
    qtbot.waitUntil(lambda: not c.warnings_pending, timeout=10_000)
    c.worker.wait()
    QCoreApplication.processEvents()


def test_opening_and_a_new_vial_are_checked_once_the_session_is_idle(  # type: ignore[no-untyped-def]
    services, bus, pool, patient, vial, monkeypatch, qtbot
) -> None:
    """Opening (the window is still being built and painted) and adding a vial (the grid fill comes next)
    ask for one check when the session is left alone, not a check at once beside that work."""
    seen = counted_checks(monkeypatch, services)
    c = SessionController(services, bus, pool, patient_id=patient.id)
    shown: list[SafetyState] = []
    c.sig_warnings_changed.connect(shown.append)
    c.open()
    c.add_vial(status_of(services, vial), [])
    c.editor.grid_fill(Zone.FOREHEAD, 0.5)
    assert seen == [] and c.warnings_pending  # nothing checked yet: it waits for the session to be idle
    idle(c, qtbot)
    points = c.points_model.rowCount()
    assert points > 0 and seen == [points]  # one check, of the session as it is now
    drawn = sum(d.this_session_units for d in shown[-1].draws)
    assert drawn == pytest.approx(sum(p.units for p in c.points_model.points()))
    c.autosave_timer.stop()


def test_a_burst_of_edits_is_checked_once_after_the_last(  # type: ignore[no-untyped-def]
    make_controller, services, monkeypatch, qtbot
) -> None:
    """A nurse placing a point every 300 ms: the warnings are checked once she stops (the check is the
    worker's longest Python, the GUI thread's main competitor for the GIL), and they are of her last
    point. (At most two: a machine slow enough to miss the idle wait once may check one more time.)"""
    c = make_controller()
    idle(c, qtbot)
    seen = counted_checks(monkeypatch, services)
    shown: list[SafetyState] = []
    c.sig_warnings_changed.connect(shown.append)
    c.autosave_timer.stop()
    spots = [facemap.zone_centroid(z) for z in (Zone.NOSE, Zone.CHIN, Zone.FOREHEAD, Zone.GLABELLA)]
    for x, y in spots * 2:
        c.editor.place(x, y)
        c.autosave_timer.stop()  # this test is about the check: no save beside it
        qtbot.wait(300)
    idle(c, qtbot)
    assert 1 <= len(seen) <= 2 and seen[-1] == len(spots) * 2
    drawn = sum(d.this_session_units for d in shown[-1].draws)
    assert drawn == pytest.approx(sum(p.units for p in c.points_model.points()))


def test_the_idle_check_waits_for_a_save_in_flight(  # type: ignore[no-untyped-def]
    make_controller, services, monkeypatch, qtbot
) -> None:
    """A save on the worker is not joined by a check beside it: the check follows once it has landed."""
    c = make_controller()
    idle(c, qtbot)
    started, gate = held_saves(monkeypatch, services)
    seen = counted_checks(monkeypatch, services)
    c.editor.place(*facemap.zone_centroid(Zone.NOSE))
    c.autosave()
    assert started.wait(30)
    qtbot.waitUntil(lambda: not c.warnings_timer.isActive(), timeout=10_000)  # the idle wait is over
    qtbot.wait(50)
    assert seen == [] and c.warnings_pending  # still waiting: the save runs
    gate.set()
    qtbot.waitUntil(lambda: not c.saving, timeout=10_000)
    idle(c, qtbot)
    assert seen == [1]
