"""The patient chart's history follows an open session window: after each autosave, after signing, after
an amendment and a discard its lines are what ``RecordService.history`` reads, and a change to one session
reads that visit's line alone, never the patient's whole history again (issue 10: that re-read, on every
autosave, kept the worker's Python and the GIL busy for 100-450 ms while the nurse charted)."""

from __future__ import annotations

import pytest

from clinicrec.domain import facemap
from clinicrec.domain.enums import SessionStatus, Zone
from clinicrec.services.records import SessionSummary
from clinicrec.ui.patients.history_model import describe
from tests.conftest import PASSWORD

from .conftest import make_signable, status_of

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def chart(services, bus, worker, patient, qtbot):  # type: ignore[no-untyped-def]
    from clinicrec.ui.patients.patient_chart import PatientChart

    chart = PatientChart(services, bus, worker=worker)
    qtbot.addWidget(chart)
    chart.resize(1280, 800)
    chart.set_patient(patient.id)
    return chart


@pytest.fixture
def history_reads(services, monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """The patients whose whole history is read from now on."""
    reads: list[int] = []
    real = services.records.history

    def history(patient_id: int) -> list[SessionSummary]:
        reads.append(patient_id)
        return real(patient_id)

    monkeypatch.setattr(services.records, "history", history)
    return reads


def lines(chart) -> list[SessionSummary]:  # type: ignore[no-untyped-def]
    return [chart.history.summary(row) for row in range(chart.history.rowCount())]


def stored(services, patient) -> list[SessionSummary]:  # type: ignore[no-untyped-def]
    """The history as read from the database (the unpatched service, after the test's reads)."""
    return type(services.records).history(services.records, patient.id)


def test_each_autosave_and_the_signature_update_the_visit_line_alone(  # type: ignore[no-untyped-def]
    chart, window, services, patient, prompts, history_reads
) -> None:
    assert lines(chart) == []
    window.editor.place(*facemap.zone_centroid(Zone.NOSE))
    window.controller.flush()
    [line] = lines(chart)
    assert line.session_id == window.session_id and line.status == SessionStatus.DRAFT
    assert lines(chart) == stored(services, patient)
    totals = line.totals
    window.editor.place(*facemap.zone_centroid(Zone.FOREHEAD))
    window.controller.flush()
    assert lines(chart)[0].totals != totals  # the new point's dose counted
    assert lines(chart) == stored(services, patient)
    assert chart.selected_session_id == window.session_id

    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    assert window.controller.read_only
    [line] = lines(chart)
    assert line.status == SessionStatus.SIGNED
    assert lines(chart) == stored(services, patient)
    assert "Signed" in describe(line)
    assert chart.selected_session_id == window.session_id  # the line changed in place, still selected
    assert history_reads == []  # every change read as one visit


def test_a_new_visit_goes_on_top_and_an_amendment_replaces_its_visit_line(  # type: ignore[no-untyped-def]
    chart, open_window, services, vial, patient, prompts, history_reads, qtbot
) -> None:
    first = open_window()
    assert first.safety.use_vial(status_of(services, vial))
    make_signable(first)
    prompts.queue(PASSWORD)
    first.signing.sign()
    second = open_window()
    assert second.safety.use_vial(status_of(services, vial))
    second.editor.place(*facemap.zone_centroid(Zone.CHIN))
    second.controller.flush()
    assert [s.session_id for s in lines(chart)] == [second.session_id, first.session_id]
    assert lines(chart) == stored(services, patient)

    prompts.queue("Wrong dose recorded on the left cheek")
    first.signing.amend()
    first.editor.place(*facemap.zone_centroid(Zone.CHEEK_RIGHT))
    first.controller.flush()
    assert chart.history.rowCount() == 2  # the amendment's draft is a version of the first visit
    assert lines(chart) == stored(services, patient)
    assert any(s.is_amendment for s in lines(chart))
    chart.show()
    qtbot.waitExposed(chart)
    view = chart.timeline
    for row in range(2):  # the amended visit's card grew a line (its versions): laid out again
        assert view.visualRect(chart.history.index(row, 0)).height() == view.sizeHintForRow(row)
    assert history_reads == []


def test_a_discarded_draft_leaves_the_history(  # type: ignore[no-untyped-def]
    chart, window, services, patient
) -> None:
    window.editor.place(*facemap.zone_centroid(Zone.NOSE))
    window.controller.flush()
    assert chart.history.rowCount() == 1
    session = window.controller.session
    services.charting.delete_draft(session.id, session.version, reason="Charted on the wrong patient")
    assert lines(chart) == [] == stored(services, patient)


def test_an_amended_visit_card_grows_its_versions_line(  # type: ignore[no-untyped-def]
    chart, window, services, patient, prompts, qtbot
) -> None:
    """The line changes in place but its card grows (the versions): the list lays its items out again."""
    chart.show()
    qtbot.waitExposed(chart)
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    view, index = chart.timeline, chart.history.index(0, 0)
    signed_height = view.visualRect(index).height()
    prompts.queue("Wrong dose recorded on the left cheek")
    window.signing.amend()
    window.controller.flush()
    assert lines(chart) == stored(services, patient) and len(lines(chart)[0].versions) == 2
    assert view.visualRect(chart.history.index(0, 0)).height() == view.sizeHintForRow(0) > signed_height


def test_a_visit_saved_again_is_read_once_its_session_is_quiet(services, patient, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An open session window saves every few seconds while the nurse charts: the chart's line for that
    visit is read once the saves stop (each read is a worker's Python, taking the GIL from the window she
    charts in), not after each save; a new visit or a signature is read at once."""
    from clinicrec.domain.models import TreatmentSession
    from clinicrec.services.base import Change, ChangeEntity, ChangeKind
    from clinicrec.ui.patients.history_model import VISIT_QUIET_MS, HistoryModel
    from clinicrec.ui.worker import Worker

    actor = services.actor
    draft = services.charting.save_draft(
        TreatmentSession(patient_id=patient.id, performed_at=services.ctx.clock(), injector_id=actor.user_id)
    )
    pool = Worker()
    model = HistoryModel(services, worker=pool)
    model.set_patient(patient.id)
    qtbot.waitUntil(lambda: not model.reading and model.rowCount() == 1, timeout=10_000)
    reads: list[int] = []
    real = services.records.visit

    def visit(session_id: int) -> SessionSummary | None:
        reads.append(session_id)
        return real(session_id)

    monkeypatch.setattr(services.records, "visit", visit)
    saved = Change(ChangeEntity.SESSION, draft.id, ChangeKind.UPDATED, patient.id)
    for _ in range(4):  # four autosaves, a few hundred ms apart
        model.on_change(saved)
        qtbot.wait(200)
    assert reads == []  # not yet: the session is still being charted
    qtbot.waitUntil(lambda: reads == [draft.id], timeout=VISIT_QUIET_MS + 5_000)
    qtbot.wait(100)
    assert reads == [draft.id]  # once, for the four saves
    model.on_change(Change(ChangeEntity.SESSION, draft.id, ChangeKind.SIGNED, patient.id))
    qtbot.waitUntil(lambda: len(reads) == 2, timeout=VISIT_QUIET_MS // 2)  # at once
    pool.wait()
