"""The main window built in steps, its patient list's first page read on the worker pool
(issue 10's main-window phase): the same rows as the list read on the GUI thread, a search typed while
the first page is on its way wins, and the window is never shown half-built."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QTableView

from clinicrec.ui.main_window import MainWindow
from clinicrec.ui.patients.patient_list import PatientListPanel
from clinicrec.ui.patients.patient_list_model import NAME, PatientListModel
from clinicrec.ui.worker import Worker
from tests.conftest import World, make_patient

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

NAMES = (
    ("Ada", "Lovelace"),
    ("Grace", "Hopper"),
    ("Zoey", "Adams"),
    ("Mary", "Somerville"),
    ("Alan", "Turing"),
)


@pytest.fixture
def patients(world: World) -> None:
    for i, (first, last) in enumerate(NAMES):
        make_patient(world.services, first_name=first, last_name=last, date_of_birth=date(1970 + i, 1, 2))


@pytest.fixture
def pool(qtbot):  # type: ignore[no-untyped-def]
    """The application's worker: a thread pool (the tests' usual one runs jobs inline)."""
    worker = Worker()
    yield worker
    worker.wait()


def _names(model: PatientListModel) -> list[str]:
    return [str(model.data(model.index(r, NAME))) for r in range(model.rowCount())]


def test_the_first_page_read_on_the_worker_is_the_page_read_here(qtbot, world: World, patients, pool) -> None:  # type: ignore[no-untyped-def]
    here = PatientListModel(world.services, page_size=3)
    here.sort(NAME)  # what the view's sorting does: the first page, read on this thread
    on_pool = PatientListModel(world.services, page_size=3, worker=pool)
    with qtbot.waitSignal(on_pool.sig_reloaded, timeout=10_000):
        on_pool.sort(NAME)
        assert on_pool.loading and on_pool.rowCount() == 0  # nothing until the page arrives
        assert not on_pool.canFetchMore(on_pool.index(-1, -1))
    assert not on_pool.loading
    assert _names(on_pool) == _names(here) and len(_names(here)) == 3
    # the total of a full page is counted after the rows, as here
    assert not on_pool.total_known
    with qtbot.waitSignal(on_pool.sig_total_changed, timeout=10_000) as counted:
        on_pool.count_now()
    assert counted.args == [here.total] == [len(NAMES)]
    # later pages as before
    on_pool.fetchMore(on_pool.index(-1, -1))
    here.fetchMore(here.index(-1, -1))
    assert _names(on_pool) == _names(here) and len(_names(here)) == len(NAMES)


def test_a_search_typed_while_the_first_page_is_on_its_way_wins(qtbot, world: World, patients, pool) -> None:  # type: ignore[no-untyped-def]
    model = PatientListModel(world.services, worker=pool)
    model.sort(NAME)
    assert model.loading
    model.set_query("turing")  # read here at once; the first page, when it comes, is dropped
    assert not model.loading and _names(model) == ["Turing, Alan"]
    qtbot.wait(50)
    pool.wait()
    qtbot.wait(50)  # the late page's signal delivered
    assert _names(model) == ["Turing, Alan"] and model.query == "turing"


def test_the_panel_says_it_is_loading_then_counts_after_the_rows(
    qtbot, world: World, bus, patients, pool
) -> None:  # type: ignore[no-untyped-def]
    panel = PatientListPanel(world.services, bus, worker=pool)
    qtbot.addWidget(panel)
    assert panel.count_label.text() == "Loading patients…" and panel.model.rowCount() == 0
    panel.resize(600, 500)
    panel.show()
    qtbot.waitUntil(lambda: panel.count_label.text() == f"{len(NAMES)} patients", timeout=10_000)
    assert panel.model.rowCount() == len(NAMES)


def test_a_first_page_that_cannot_be_read_is_said_in_the_list(qtbot, world: World, bus, pool) -> None:  # type: ignore[no-untyped-def]
    world.services.auth.sign_out()  # no one signed in: the service refuses to list patients
    panel = PatientListPanel(world.services, bus, worker=pool)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: "could not be read" in panel.count_label.text(), timeout=10_000)
    assert panel.model.rowCount() == 0 and panel.count_label.property("role") == "error"


def test_the_window_built_in_steps_is_whole_when_done(
    qtbot, world: World, bus, prompts, patients, pool
) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(world.services, bus, prompts, pool, stepwise=True)
    qtbot.addWidget(window)
    assert window.building.pending and window.findChild(QTableView, "patient_table") is None
    assert window.building.step() and window.findChild(QTableView, "patient_table") is None
    with qtbot.waitSignal(window.building.sig_done, timeout=10_000):
        window.building.start()
    assert window.building.steps_run >= 3  # the event loop ran between the parts
    assert window.findChild(QTableView, "patient_table") is window.patient_list.table
    assert window.user_label.text() and window.new_patient_action.isEnabled()
    # ready to show with its rows: the first page (read on the worker) has arrived
    assert not window.patient_list.model.loading
    assert window.patient_list.model.rowCount() == len(NAMES)
    qtbot.waitUntil(lambda: window.windowTitle() == "ClinicRec — Test Clinic", timeout=10_000)


def test_a_window_closed_before_it_was_built_signs_out_and_builds_no_more(
    qtbot, world: World, bus, prompts, pool
) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(world.services, bus, prompts, pool, stepwise=True)
    qtbot.addWidget(window)
    window.building.start()
    window.close()
    assert not window.building.pending and world.services.actor is None
    qtbot.wait(30)
    assert window.findChild(QTableView, "patient_table") is None
