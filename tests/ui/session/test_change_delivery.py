"""Changes reach the views on the GUI thread with their initiator; an autosave does not make the patient
chart reload its history on the GUI thread; unexpected errors are shown in a dialog and the draft stays."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtCore import QThread, QTimer

from clinicrec.domain import facemap
from clinicrec.domain.enums import Zone
from clinicrec.services.base import Change, ChangeEntity, ChangeKind
from clinicrec.ui.error_hook import TITLE, ErrorReporter
from clinicrec.ui.session.controller import SessionController
from clinicrec.ui.worker import Worker

from .conftest import db_points, status_of

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def pool(qtbot):  # type: ignore[no-untyped-def]
    worker = Worker()
    yield worker
    worker.wait()


def test_a_change_made_on_a_worker_is_delivered_on_the_gui_thread_with_its_initiator(  # type: ignore[no-untyped-def]
    services, bus, pool, qtbot
) -> None:
    from tests.conftest import make_patient

    delivered: list[tuple[Change, bool]] = []
    bus.sig_changed.connect(lambda c: delivered.append((c, QThread.currentThread() == bus.thread())))
    token = object()
    made: list[int] = []
    pool.run(bus.call(token, lambda: make_patient(services).id), made.append, lambda e: None)
    qtbot.waitUntil(lambda: bool(delivered) and bool(made), timeout=10_000)
    [(change, on_gui_thread)] = delivered
    assert change == Change(ChangeEntity.PATIENT, made[0], ChangeKind.CREATED, made[0], initiator=token)
    assert on_gui_thread
    make_patient(services)  # not inside a call of ours: no initiator
    assert delivered[-1][0].initiator is None


def test_the_autosave_does_not_reload_the_chart_history_on_the_gui_thread(  # type: ignore[no-untyped-def]
    services, bus, pool, patient, vial, monkeypatch, qtbot
) -> None:
    from clinicrec.ui.patients.patient_chart import PatientChart

    chart = PatientChart(services, bus, worker=pool)
    qtbot.addWidget(chart)
    chart.set_patient(patient.id)
    read = lambda: chart.history.patient_id == patient.id and not chart.history.reading  # noqa: E731
    qtbot.waitUntil(read, timeout=10_000)  # the patient's (empty) history read on the worker
    assert chart.history.rowCount() == 0
    on_gui: list[bool] = []
    real = services.records.visit  # a change to one session: its visit's line alone is read again

    def visit(session_id: int):  # type: ignore[no-untyped-def]
        on_gui.append(threading.current_thread() is threading.main_thread())
        return real(session_id)

    monkeypatch.setattr(services.records, "visit", visit)
    c = SessionController(services, bus, pool, patient_id=patient.id)
    c.open()
    c.add_vial(status_of(services, vial), [])
    seen: list[Change] = []
    bus.sig_changed.connect(seen.append)
    c.editor.place(*facemap.zone_centroid(Zone.NOSE))
    c.autosave()
    qtbot.waitUntil(lambda: chart.history.rowCount() == 1, timeout=10_000)
    assert on_gui and not any(on_gui)  # reloaded, off the GUI thread
    assert [ch.initiator for ch in seen] == [c]  # the controller's own change, marked as such
    c.autosave_timer.stop()
    c.warnings_timer.stop()


def test_many_qt_calls_do_not_exhaust_none_true_or_false() -> None:
    from clinicrec.ui import qt_compat

    probe = qt_compat._Probe()
    for _ in range(50_000):  # more than their references in a fresh interpreter
        probe.sig_probe.emit()
        probe.setObjectName("probe")
        probe.signalsBlocked()
    assert min(sys.getrefcount(x) for x in (None, True, False)) > 1_000


@pytest.mark.qt_no_exception_capture
def test_an_unexpected_error_is_shown_and_the_draft_is_kept(  # type: ignore[no-untyped-def]
    services, bus, prompts, worker, patient, vial, monkeypatch, qtbot
) -> None:
    reporter = ErrorReporter(prompts)
    reporter.install()
    try:
        c = SessionController(services, bus, worker, patient_id=patient.id)
        c.open()
        c.add_vial(status_of(services, vial), [])
        real = services.charting.save_draft

        def broken(_session):  # type: ignore[no-untyped-def]
            raise RuntimeError("the disk controller hiccuped")

        monkeypatch.setattr(services.charting, "save_draft", broken)
        c.editor.place(*facemap.zone_centroid(Zone.NOSE))
        with qtbot.waitSignal(c.sig_save_failed):
            QTimer.singleShot(0, c.autosave)  # as the autosave timer runs it: inside Qt's event loop
        assert prompts.shown[-1][:2] == ("error", TITLE)
        assert "RuntimeError: the disk controller hiccuped" in prompts.shown[-1][2]
        assert "Nothing you charted is lost" in prompts.shown[-1][2]
        assert c.dirty and c.save_failed and c.points_model.rowCount() == 1  # the draft, in memory

        thread = threading.Thread(target=lambda: 1 / 0)  # an error on another thread: shown too
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: "ZeroDivisionError" in prompts.shown[-1][2], timeout=10_000)

        monkeypatch.setattr(services.charting, "save_draft", real)
        c.flush()  # once saving works again, nothing was lost
        assert not c.dirty and len(db_points(services, c.session_id)) == 1
    finally:
        reporter.uninstall()
    assert sys.excepthook is not reporter._excepthook
