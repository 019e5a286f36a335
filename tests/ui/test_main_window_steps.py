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


def test_the_chart_page_is_built_after_the_first_rows_have_painted(
    qtbot, world: World, bus, prompts, patients, pool
) -> None:  # type: ignore[no-untyped-def]
    """No patient is shown at start ("Select a patient ..."): the chart's page (some 16 ms of the GUI
    thread) is built just after the window's first paint, not before the first rows; and whatever needs
    it sooner (a patient opened, a part of the page asked for) builds it then."""
    from PySide6.QtWidgets import QListView

    from clinicrec.ui.patients.patient_chart import PAGE_PARTS

    window = MainWindow(world.services, bus, prompts, pool, stepwise=True)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.building.sig_done, timeout=10_000):
        window.building.start()
    chart = window.chart
    assert not chart.page_built and chart.findChild(QListView, "session_timeline") is None
    assert chart.stack.currentWidget() is chart.empty_label and chart.selected_session_id is None
    assert not window.new_session_action.isEnabled()  # nothing to chart for: no patient yet
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: chart.page_built, timeout=5000)
    assert chart.findChild(QListView, "session_timeline") is chart.timeline
    assert chart.stack.currentWidget() is chart.empty_label  # still no patient shown

    # ...and sooner when needed: a part asked for, or a patient opened, before the paint
    for ask in ("a part", "a patient"):
        other = MainWindow(world.services, bus, prompts, pool, stepwise=True)
        qtbot.addWidget(other)
        with qtbot.waitSignal(other.building.sig_done, timeout=10_000):
            other.building.start()
        assert not other.chart.page_built
        if ask == "a part":
            assert other.chart.print_handout_button.objectName() == "print_handout_button"
        else:
            patient_id = world.services.patients.search("Turing")[0].id
            other.show_patient(patient_id)
            qtbot.waitUntil(lambda o=other: o.chart.patient is not None, timeout=10_000)
            assert other.chart.name_label.text() == "Alan Turing"
            assert other.chart.stack.currentWidget() is other.chart.chart_page
            assert other.new_session_action.isEnabled()
        assert other.chart.page_built
    with pytest.raises(AttributeError):
        chart.no_such_part  # noqa: B018 - only the page's parts build it; anything else is an error
    built_names = {name for name in PAGE_PARTS if name in chart.__dict__}
    assert built_names == PAGE_PARTS  # every part the page makes is listed (else asking for it fails)


def test_the_first_page_read_since_the_sign_in_is_the_list_s_and_is_not_read_twice(
    qtbot, world: World, bus, prompts, patients, pool, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """run_gui reads the list's first page on the worker from the sign-in on (``FirstPageAhead``), while
    the window is made: the list takes those rows and does not search again; a list that asks for
    anything else first (a search typed) reads its own, and the early rows are not shown."""
    from clinicrec.ui.patients.patient_list_model import FirstPageAhead

    searches: list[tuple[str, int, str]] = []
    real_search = world.services.patients.search

    def search(query: str = "", **kw):  # type: ignore[no-untyped-def]
        searches.append((query, kw.get("offset", 0), kw.get("sort", "name")))
        return real_search(query, **kw)

    monkeypatch.setattr(world.services.patients, "search", search)
    ahead = FirstPageAhead(world.services, pool)
    pool.wait()
    qtbot.wait(20)  # its rows have come (the list below takes them at once)
    window = MainWindow(world.services, bus, prompts, pool, stepwise=True, first_page=ahead)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.building.sig_done, timeout=10_000):
        window.building.start()
    assert ahead.taken and searches == [("", 0, "name")]  # read once, ahead of the window
    assert _names(window.patient_list.model) == sorted(
        (f"{last}, {first}" for first, last in NAMES), key=str.lower
    )

    # the same, taken while still on its way
    searches.clear()
    on_its_way = FirstPageAhead(world.services, pool)
    window = MainWindow(world.services, bus, prompts, pool, stepwise=True, first_page=on_its_way)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.building.sig_done, timeout=10_000):
        window.building.start()
    assert on_its_way.taken and searches == [("", 0, "name")]
    assert window.patient_list.model.rowCount() == len(NAMES)

    # a search asked for first: read as usual, the early page not used
    searches.clear()
    unused = FirstPageAhead(world.services, pool)
    pool.wait()
    model = PatientListModel(world.services, worker=pool, first_page=unused)
    with qtbot.waitSignal(model.sig_reloaded, timeout=10_000):
        model.set_query("turing")  # its first page, read on the worker
    assert not unused.taken and _names(model) == ["Turing, Alan"]
    assert searches == [("", 0, "name"), ("turing", 0, "name")]
