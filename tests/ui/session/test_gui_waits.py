"""What the session window reads on the GUI thread (issue 10: it never waits on the database while a
nurse charts): the Photos tab reads its photos and consent only when shown, and signing reads the
signed record once, on the worker, for the banner and the follow-ups tab alike."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication

from tests.conftest import PASSWORD

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _counted(obj: object, name: str, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Count the calls of ``obj.name`` (still made)."""
    calls: list[Any] = []
    real: Callable[..., Any] = getattr(obj, name)

    def counted(*args: Any, **kw: Any) -> Any:
        calls.append(args)
        return real(*args, **kw)

    monkeypatch.setattr(obj, name, counted)
    return calls


def test_the_photos_tab_reads_its_photos_when_first_shown_not_at_each_save(  # type: ignore[no-untyped-def]
    open_window, services, patient, monkeypatch
) -> None:
    reads = _counted(services.photos, "consent_scopes", monkeypatch)
    window = open_window()
    make_signable(window)  # saved: a draft with an id
    assert window.session_id is not None
    assert reads == [] and window.photos.patient_id is None
    window.ui.left_tabs.setCurrentWidget(window.photos)
    assert len(reads) == 1
    assert (window.photos.patient_id, window.photos.session_id) == (patient.id, window.session_id)
    window.ui.left_tabs.setCurrentIndex(0)
    window.ui.details.notes.setPlainText("Tolerated well")
    window.controller.flush()  # saved again: the same session, nothing to read again
    window.ui.left_tabs.setCurrentWidget(window.photos)
    assert len(reads) == 1


def test_signing_reads_the_signed_record_once(window, services, prompts, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    reads = _counted(services.records, "record", monkeypatch)
    prompts.queue(PASSWORD)
    window.signing.sign()
    assert window.controller.read_only
    assert reads == [(window.session_id,)]  # the signing job's read: the banner and follow-ups use it


def test_the_points_list_sizes_its_columns_from_the_rows_in_view(window) -> None:  # type: ignore[no-untyped-def]
    """Not from every row at every change: a hundred points made each dose change cost ~20 ms more."""
    from clinicrec.ui.session.window import POINTS_SIZED_FROM

    header = window.ui.totals.points_view.horizontalHeader()
    assert 0 < header.resizeContentsPrecision() == POINTS_SIZED_FROM < 100


# -- opening: what is out of sight is built after the first paint, what the window reads comes from the worker


@pytest.fixture
def pool(qtbot):  # type: ignore[no-untyped-def]
    """A real thread pool (not the tests' synchronous worker): the reads really leave the GUI thread."""
    from clinicrec.ui.worker import Worker

    worker = Worker()
    yield worker
    worker.wait()


def _held(obj: object, name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, list[bool]]:
    """``obj.name`` waits for the returned gate (then runs); each call notes whether it ran on the GUI
    thread."""
    gate, on_gui = threading.Event(), []
    real: Callable[..., Any] = getattr(obj, name)

    def held(*args: Any, **kw: Any) -> Any:
        on_gui.append(threading.current_thread() is threading.main_thread())
        assert gate.wait(30), "the test never let the read through"
        return real(*args, **kw)

    monkeypatch.setattr(obj, name, held)
    return gate, on_gui


def _use_vial(window, status, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The vial in use, once its check on the worker has answered."""
    added: list[bool] = []
    window.safety.use_vial(status, then=added.append)
    qtbot.waitUntil(lambda: bool(added), timeout=10_000)
    assert added == [True]


def _open_with(pool, services, bus, prompts, patient, qtbot):  # type: ignore[no-untyped-def]
    from clinicrec.ui.session.window import SessionWindow

    window = SessionWindow(services, bus, prompts, pool, patient_id=patient.id)
    qtbot.addWidget(window)
    return window


def test_the_window_opens_and_paints_before_the_screening_and_the_consent_are_read(  # type: ignore[no-untyped-def]
    services, bus, prompts, pool, patient, monkeypatch, qtbot
) -> None:
    changes_gate, changes_on_gui = _held(services.screening, "changes", monkeypatch)
    consent_gate, consent_on_gui = _held(services.consents, "state", monkeypatch)
    try:
        window = _open_with(pool, services, bus, prompts, patient, qtbot)
        assert window.screening_page.built is None  # the tab out of sight: not built with the window
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        painted = window.grab()  # the window paints while both reads wait on the "database"
        assert not painted.isNull()
        qtbot.waitUntil(lambda: window.screening_page.built is not None, timeout=10_000)  # after the paint
        panel = window.screening
        assert panel.summary.text() == "" and window.consent.label.text() == ""
        assert changes_on_gui == [False] and consent_on_gui == [False]
    finally:
        changes_gate.set()
        consent_gate.set()
    qtbot.waitUntil(lambda: "since the last visit" in panel.summary.text(), timeout=10_000)
    qtbot.waitUntil(lambda: window.consent.label.text() != "", timeout=10_000)
    assert "Not yet confirmed at this visit" in panel.asked.text()
    pool.wait()
    window.controller.dirty = False


def test_the_screening_tab_is_built_when_shown_even_before_its_turn(  # type: ignore[no-untyped-def]
    services, bus, prompts, worker, patient, qtbot
) -> None:
    """Shown before the event loop got to it (a nurse fast on the keyboard): built then, showing what was
    read (the tests' synchronous worker has read it already)."""
    window = _open_with(worker, services, bus, prompts, patient, qtbot)
    assert window.screening_page.built is None
    window.ui.left_tabs.setCurrentWidget(window.screening_page.area)
    panel = window.screening_page.built
    assert panel is not None and window.screening is panel
    assert "since the last visit" in panel.summary.text()
    assert panel.isVisibleTo(window.screening_page.area)
    window.controller.dirty = False


def test_a_slow_screening_read_does_not_block_charting(  # type: ignore[no-untyped-def]
    services, bus, prompts, pool, patient, vial, monkeypatch, qtbot
) -> None:
    from .conftest import status_of

    gate, _on_gui = _held(services.screening, "starting_point", monkeypatch)
    try:
        window = _open_with(pool, services, bus, prompts, patient, qtbot)
        window.show()
        qtbot.waitExposed(window)
        _use_vial(window, status_of(services, vial), qtbot)
        window.editor.place(0.5, 0.5)
        assert window.points_model.rowCount() == 1  # charted while the read still waits
        assert window.screening.summary.text() == ""
    finally:
        gate.set()
    qtbot.waitUntil(lambda: window.screening.summary.text() != "", timeout=10_000)
    window.controller.flush()
    pool.wait()


def test_the_patient_chart_reads_the_visits_and_the_photo_consent_on_the_worker(  # type: ignore[no-untyped-def]
    services, bus, pool, patient, monkeypatch, qtbot
) -> None:
    from clinicrec.ui.patients.patient_chart import NO_SESSIONS, READING_SESSIONS, PatientChart

    history_gate, history_on_gui = _held(services.records, "history", monkeypatch)
    consent_gate, consent_on_gui = _held(services.photos, "consent_scopes", monkeypatch)
    chart = PatientChart(services, bus, worker=pool)
    qtbot.addWidget(chart)
    try:
        chart.set_patient(patient.id)  # returns while both reads wait
        qtbot.waitUntil(lambda: chart.patient is not None, timeout=10_000)  # the patient (read aside too)
        assert chart.patient is not None and chart.patient.id == patient.id
        assert chart.history.reading and chart.no_sessions_label.text() == READING_SESSIONS
        assert chart.photos.consent_label.text() == ""
    finally:
        history_gate.set()
        consent_gate.set()
    qtbot.waitUntil(lambda: not chart.history.reading, timeout=10_000)
    qtbot.waitUntil(lambda: chart.photos.consent_label.text() != "", timeout=10_000)
    assert chart.no_sessions_label.text() == NO_SESSIONS
    assert "No photo consent recorded" in chart.photos.consent_label.text()
    assert history_on_gui == [False] and consent_on_gui == [False]
    pool.wait()


def test_the_session_window_code_is_imported_off_the_gui_thread_after_start_up() -> None:
    """In a fresh interpreter (this one has imported it already): ui/app.py's preloading."""
    code = (
        "import sys, threading\n"
        "import clinicrec.ui.main_window\n"
        "assert 'clinicrec.ui.session.window' not in sys.modules, 'imported by the main window'\n"
        "from clinicrec.ui.preload import preload_in_background\n"
        "thread = preload_in_background()\n"
        "assert thread is not threading.current_thread() and thread.daemon\n"
        "thread.join(120)\n"
        "assert not thread.is_alive()\n"
        "assert 'clinicrec.ui.session.window' in sys.modules\n"
        "assert 'clinicrec.ui.session.controller' in sys.modules\n"
        "assert 'clinicrec.services.photos.service' in sys.modules  # a chart's photo strip: Pillow, 22 ms\n"
        "assert 'PIL.Image' in sys.modules\n"
        "from clinicrec.domain import facemap\n"
        "from clinicrec.domain.enums import Zone\n"
        "assert facemap.zone_centroid.cache_info().currsize == len(Zone)  # every zone's centre found\n"
        "print('preloaded')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "preloaded"


def test_a_reason_is_asked_without_reading_the_clinics_common_reasons_then(  # type: ignore[no-untyped-def]
    services, bus, prompts, pool, patient, world, monkeypatch, qtbot
) -> None:
    """Read on the worker when the window opens, and again when the clinic's settings change."""
    from dataclasses import replace

    reasons = ("Discussed with the prescriber",)
    admin = world.as_(world.admin)
    admin.clinic.update(replace(admin.clinic.get(), common_reasons=reasons))
    world.as_(world.injector)
    read_on_gui: list[bool] = []
    real = services.clinic.common_reasons

    def common_reasons() -> tuple[str, ...]:
        read_on_gui.append(threading.current_thread() is threading.main_thread())
        return real()

    monkeypatch.setattr(services.clinic, "common_reasons", common_reasons)
    window = _open_with(pool, services, bus, prompts, patient, qtbot)
    pool.wait()
    qtbot.waitUntil(lambda: window.safety._reasons is not None, timeout=10_000)  # noqa: SLF001
    assert read_on_gui == [False]
    assert window.safety.common_reasons() == reasons and read_on_gui == [False]  # asked: nothing read
    admin = world.as_(world.admin)
    admin.clinic.update(replace(admin.clinic.get(), common_reasons=(*reasons, "Patient insists")))
    world.as_(world.injector)
    qtbot.waitUntil(lambda: len(read_on_gui) == 2, timeout=10_000)
    pool.wait()
    qtbot.waitUntil(lambda: window.safety.common_reasons() == (*reasons, "Patient insists"), timeout=10_000)
    assert read_on_gui == [False, False]
    window.controller.dirty = False


# -- opening a patient's chart: the patient is read (and the view logged) on the worker


def _held_per_patient(services, monkeypatch):  # type: ignore[no-untyped-def]
    """``patients.get`` waits for its patient's gate; each call notes (patient, ran on the GUI thread)."""
    gates: dict[int, threading.Event] = {}
    calls: list[tuple[int, bool]] = []
    real = services.patients.get

    def held(patient_id: int, **kw: Any) -> Any:
        calls.append((patient_id, threading.current_thread() is threading.main_thread()))
        gate = gates.setdefault(patient_id, threading.Event())
        assert gate.wait(30), "the test never let the read through"
        return real(patient_id, **kw)

    monkeypatch.setattr(services.patients, "get", held)
    return gates, calls


def _chart(services, bus, pool, qtbot):  # type: ignore[no-untyped-def]
    from clinicrec.ui.patients.patient_chart import PatientChart

    chart = PatientChart(services, bus, worker=pool)
    qtbot.addWidget(chart)
    chart.resize(1000, 700)
    chart.show()
    return chart


def test_the_patient_chart_reads_the_patient_on_the_worker_and_acts_only_once_it_is_there(  # type: ignore[no-untyped-def]
    services, bus, pool, patient, monkeypatch, qtbot
) -> None:
    from clinicrec.ui.patients.patient_chart import OPENING_CHART

    gates, calls = _held_per_patient(services, monkeypatch)
    chart = _chart(services, bus, pool, qtbot)
    requested: list[int] = []
    chart.sig_new_session_requested.connect(requested.append)
    try:
        chart.set_patient(patient.id)  # returns while the read waits on the "database"
        assert chart.patient is None and chart.opening == patient.id
        assert not chart.new_session_button.isEnabled() and not chart.edit_button.isEnabled()
        assert not chart.can("new_session")
        chart.new_session_button.click()
        assert requested == []  # nothing acts before the patient it acts on is there
        qtbot.waitUntil(lambda: chart.empty_label.text() == OPENING_CHART, timeout=10_000)
        assert chart.stack.currentWidget() is chart.empty_label
        chart.set_patient(patient.id)  # asked again meanwhile (the main window's actions): one read
    finally:
        for gate in gates.values():
            gate.set()
        gates.setdefault(patient.id or 0, threading.Event()).set()
    qtbot.waitUntil(lambda: chart.patient is not None, timeout=10_000)
    assert calls == [(patient.id, False)]
    assert chart.stack.currentWidget() is chart.chart_page and chart.opening is None
    assert chart.name_label.text() == f"{patient.first_name} {patient.last_name}"
    assert chart.new_session_button.isEnabled()
    chart.new_session_button.click()
    assert requested == [patient.id]
    pool.wait()
    qtbot.waitUntil(lambda: not chart.history.reading, timeout=10_000)


def test_a_newer_patient_opened_wins_over_an_older_read_that_answers_later(  # type: ignore[no-untyped-def]
    services, bus, pool, patient, monkeypatch, qtbot
) -> None:
    from tests.conftest import make_patient

    other = make_patient(services, first_name="Grace", last_name="Hopper")
    gates, calls = _held_per_patient(services, monkeypatch)
    for p in (patient, other):
        gates[p.id or 0] = threading.Event()
    chart = _chart(services, bus, pool, qtbot)
    try:
        chart.set_patient(patient.id)
        chart.set_patient(other.id)
        assert chart.opening == other.id and chart.patient is None
        gates[other.id or 0].set()  # the newer read answers first
        qtbot.waitUntil(lambda: chart.patient is not None, timeout=10_000)
        assert chart.patient is not None and chart.patient.id == other.id
    finally:
        for gate in gates.values():
            gate.set()
    pool.wait()
    qtbot.wait(50)  # the older answer is delivered now: it must not replace the chart shown
    assert chart.patient is not None and chart.patient.id == other.id
    assert chart.name_label.text() == "Grace Hopper"
    assert sorted(c[0] for c in calls) == sorted([patient.id, other.id]) and not any(c[1] for c in calls)
    qtbot.waitUntil(lambda: not chart.history.reading, timeout=10_000)
    assert chart.history.patient_id == other.id


def test_a_patient_that_cannot_be_opened_says_why(  # type: ignore[no-untyped-def]
    services, bus, pool, qtbot
) -> None:
    chart = _chart(services, bus, pool, qtbot)
    chart.set_patient(999_999)
    qtbot.waitUntil(lambda: chart.opening is None, timeout=10_000)
    assert chart.patient is None and chart.stack.currentWidget() is chart.empty_label
    assert chart.empty_label.text() == "No patient with id 999999"
    pool.wait()


# -- deliberate acts while an autosave runs: queued behind it on the worker, never waited for


def _saves_held(services, monkeypatch):  # type: ignore[no-untyped-def]
    """``charting.save_draft`` waits for the gate (5 s at most: code that waits for it on the GUI thread
    fails the test instead of hanging it); each call notes whether it ran on the GUI thread."""
    gate, on_gui = threading.Event(), []
    real = services.charting.save_draft

    def held(session: Any) -> Any:
        on_gui.append(threading.current_thread() is threading.main_thread())
        if not gate.wait(5):
            raise AssertionError("the GUI thread waited for a held save")
        return real(session)

    monkeypatch.setattr(services.charting, "save_draft", held)
    return gate, on_gui


def _autosaving(services, bus, prompts, pool, patient, vial, qtbot, monkeypatch):  # type: ignore[no-untyped-def]
    """A window on the real pool, its draft saved once, then an autosave on the worker held at the gate."""
    from .conftest import status_of

    window = _open_with(pool, services, bus, prompts, patient, qtbot)
    window.show()
    qtbot.waitExposed(window)
    _use_vial(window, status_of(services, vial), qtbot)
    make_signable(window)  # saved (flush waits: only the test's set-up)
    pool.wait()
    gate, on_gui = _saves_held(services, monkeypatch)
    window.ui.details.notes.setPlainText("Tolerated well")
    window.controller.autosave()  # the timer's job, now
    assert window.save_state.text() == "Saving…"
    return window, gate, on_gui


def test_save_now_during_an_autosave_is_queued_behind_it(  # type: ignore[no-untyped-def]
    services, bus, prompts, pool, patient, vial, qtbot, monkeypatch
) -> None:
    from .conftest import session_row

    window, gate, on_gui = _autosaving(services, bus, prompts, pool, patient, vial, qtbot, monkeypatch)
    try:
        window.ui.details.notes.setPlainText("Tolerated well; mild erythema")  # charted while it saves
        window.save_action.trigger()  # returns at once: nothing waits for the held save
        assert window.controller.saving and window.controller.dirty
        assert window.save_state.text() == "Saving…" and window.isEnabled()  # Save now holds nothing
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not window.controller.dirty and not window.controller.saving, timeout=10_000)
    assert on_gui == [False, False]  # the autosave, then Save now's save behind it
    assert session_row(services, window.session_id).notes == "Tolerated well; mild erythema"
    assert window.save_state.text().startswith("Saved ")
    pool.wait()


def test_signing_during_an_autosave_waits_for_it_on_the_worker(  # type: ignore[no-untyped-def]
    services, bus, prompts, pool, patient, vial, qtbot, monkeypatch
) -> None:
    window, gate, on_gui = _autosaving(services, bus, prompts, pool, patient, vial, qtbot, monkeypatch)
    prompts.queue(PASSWORD)
    try:
        window.signing.sign()  # returns at once: queued behind the autosave
        assert not window.isEnabled() and not window.controller.read_only  # nothing charted meanwhile
        assert window.save_state.text() == "Saving…"
    finally:
        gate.set()
    qtbot.waitUntil(lambda: window.controller.read_only, timeout=10_000)
    assert window.isEnabled() and window.session.status.name == "SIGNED"
    assert window.session.notes == "Tolerated well"
    assert on_gui == [False]  # the autosave saved what signing needed: nothing left to save again
    pool.wait()


def test_printing_during_an_autosave_prints_what_it_saved(  # type: ignore[no-untyped-def]
    services, bus, prompts, pool, patient, vial, qtbot, monkeypatch, tmp_path
) -> None:
    window, gate, on_gui = _autosaving(services, bus, prompts, pool, patient, vial, qtbot, monkeypatch)
    made: list[int] = []
    monkeypatch.setattr(window.printer, "save_chart", lambda sid, parent=None: made.append(sid))
    try:
        window.printing.save_chart()  # returns at once
        assert made == [] and window.isEnabled()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: made == [window.session_id], timeout=10_000)
    assert on_gui == [False] and not window.controller.dirty
    pool.wait()


def test_closing_during_an_autosave_closes_once_the_draft_is_saved(  # type: ignore[no-untyped-def]
    services, bus, prompts, pool, patient, vial, qtbot, monkeypatch
) -> None:
    from PySide6.QtWidgets import QApplication

    from .conftest import session_row

    window, gate, on_gui = _autosaving(services, bus, prompts, pool, patient, vial, qtbot, monkeypatch)
    last_closed: list[bool] = []
    QApplication.instance().lastWindowClosed.connect(lambda: last_closed.append(True))  # type: ignore[union-attr]
    try:
        assert window.close() is False  # returns at once: the window stays until the save has landed
        assert window.isVisible() and not window.isEnabled() and not last_closed
        assert window.close() is False  # closing again changes nothing
        assert window.isVisible() and not last_closed
        qtbot.wait(100)
        assert window.isVisible() and not last_closed  # not before the save
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert session_row(services, window.session_id).notes == "Tolerated well"  # the draft is not lost
    assert on_gui == [False] and not window.controller.dirty
    assert prompts.shown == []  # nothing to ask: everything was saved
    pool.wait()


def test_a_worker_pool_hands_the_gil_back_to_the_gui_thread_within_a_millisecond(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Its jobs are mostly pure Python; with CPython's 5 ms the GUI thread waited for them again and again
    (benchmarks/bench_session_stall.py: a charting gap's wait p99 75-96 ms with a job running, 31-54 ms
    at 1 ms). Never lengthened, and the tests' synchronous worker changes nothing."""
    from clinicrec.ui.worker import GIL_SWITCH_INTERVAL_S, Worker

    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        Worker(synchronous=True)
        assert sys.getswitchinterval() == pytest.approx(0.005)
        pool = Worker()
        assert GIL_SWITCH_INTERVAL_S <= 0.001
        assert sys.getswitchinterval() == pytest.approx(GIL_SWITCH_INTERVAL_S)
        sys.setswitchinterval(0.0002)
        Worker()
        assert sys.getswitchinterval() == pytest.approx(0.0002)
        pool.wait()
    finally:
        sys.setswitchinterval(before)


def test_quitting_during_an_autosave_quits_once_the_draft_is_saved(  # type: ignore[no-untyped-def]
    services, bus, prompts, pool, patient, vial, qtbot, monkeypatch
) -> None:
    """The main window's close (Quit, the lock's Sign out) with a session window saving: nothing waits on
    the GUI thread, the session window closes once its draft is saved, and the main window then closes
    by itself (a tired nurse's Quit is not lost), signing out, with the sign-in screen still to follow."""
    from clinicrec.ui.main_window import MainWindow

    from .conftest import session_row

    main = MainWindow(services, bus, prompts, pool)
    qtbot.addWidget(main)
    main.show()
    window, gate, on_gui = _autosaving(services, bus, prompts, pool, patient, vial, qtbot, monkeypatch)
    session_id = window.session_id
    main.session_windows.append(window)  # as if the main window had opened it
    try:
        assert main.leave_for_sign_in() is False  # not closed yet: a save is landing
        assert main.isVisible() and window.isVisible() and main.close_pending
        assert main.sign_in_again is not None  # the purpose of the close is kept
        qtbot.wait(100)
        assert main.isVisible() and services.actor is not None  # not before the save
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not main.isVisible(), timeout=10_000)
    assert not main.close_pending and services.actor is None  # signed out
    assert main.sign_in_again is not None and "signed out" in main.sign_in_again
    assert on_gui == [False]
    pool.wait()
    assert session_row(services, session_id).notes == "Tolerated well"  # the draft is not lost


def test_a_vial_is_checked_on_the_worker_before_it_is_used(  # type: ignore[no-untyped-def]
    services, bus, prompts, pool, patient, vial, monkeypatch, qtbot
) -> None:
    """What a new vial raises (an expired lot, an old mix, the patient's earlier toxin) reads the
    patient's earlier sessions: read on the worker, the window charting on meanwhile; the vial is in use
    once the answer is back, and asking twice meanwhile adds it once."""
    from .conftest import status_of

    window = _open_with(pool, services, bus, prompts, patient, qtbot)
    window.show()
    qtbot.waitExposed(window)
    pool.wait()
    gate, on_gui = _held(services.charting, "warnings", monkeypatch)
    added: list[bool] = []
    try:
        assert window.safety.use_vial(status_of(services, vial), then=added.append) is False  # not yet
        assert window.safety.use_vial(status_of(services, vial), then=added.append) is False  # asked twice
        qtbot.wait(20)
        assert added == [] and window.controller.vials == [] and on_gui == [False]
    finally:
        gate.set()
    qtbot.waitUntil(lambda: bool(added), timeout=10_000)
    assert added == [True] and [sv.vial.id for sv in window.controller.vials] == [vial.id]
    pool.wait()
    QCoreApplication.processEvents()
    assert added == [True]
    window.controller.dirty = False
