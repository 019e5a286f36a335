"""The reports window's title, the lot recall by part of a lot with suggestions, and report rows that open
the patient and session behind them."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from clinicrec.domain.enums import Zone
from tests.conftest import World
from tests.services.test_reports import Scenario, build_scenario
from tests.ui.reports.test_reports_screen import cells, make_screen, show_tab

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise|grabbing)")


@pytest.fixture
def scenario(world: World) -> Scenario:
    return build_scenario(world)


def test_reports_window_has_a_title(qtbot, scenario: Scenario, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    assert screen.windowTitle() == "Outcome reports · ClinicRec"


def test_recall_by_part_of_a_lot_with_suggestions(qtbot, scenario: Scenario, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    show_tab(screen, "recall")
    page = screen.pages["recall"]
    assert page.suggestions.stringList() == ["C1111AA", "C7777GG", "D3333CC", "X2222BB", "X5555EE", "X8888HH"]
    completer = page.lot.completer()
    completer.setCompletionPrefix("222b")  # any part, any case
    assert completer.currentCompletion() == "X2222BB"
    qtbot.keyClicks(page.lot, "1111a")
    with qtbot.waitSignal(screen.sig_report_ready):
        qtbot.mouseClick(page.find_button, Qt.MouseButton.LeftButton)
    assert page.headline.text().startswith("Lot C1111AA: 2 patients, 3 sessions, 2 vials.")
    assert cells(page.table, 1)[0] == "Brown, Ben"


def test_a_recall_row_opens_the_patient_and_session(qtbot, scenario: Scenario, prompts, worker, bus) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.main_window import MainWindow

    world = scenario.world
    window = MainWindow(world.services, bus, prompts, worker)
    qtbot.addWidget(window)
    screen = window.clinic_actions.open_reports()
    show_tab(screen, "recall")
    page = screen.pages["recall"]
    page.lot.setText("C1111AA")
    with qtbot.waitSignal(screen.sig_report_ready):
        page.find_button.click()
    row = page.table.report_model.row(1)
    assert row.patient_name == "Brown, Ben"
    page.table.activated.emit(page.table.report_model.index(1, 0))
    assert window.current_patient_id == row.patient_id
    assert [w.session_id for w in window.session_windows] == [row.session_id]
    for w in list(window.session_windows):
        w.close()


def test_exports_record_the_filters_in_header_and_name(
    qtbot, scenario: Scenario, prompts, worker, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    bar = screen.filter_bar
    bar.set_combo(bar.product, bar.product.itemData(bar.product.findText("Xeomin")))
    bar.set_combo(bar.zone, Zone.NOSE)
    with qtbot.waitSignal(screen.sig_report_ready, timeout=5000):
        screen.refresh()
    csv_path, pdf_path = tmp_path / "a.csv", tmp_path / "a.pdf"
    prompts.queue(str(csv_path), str(pdf_path))
    with qtbot.waitSignal(screen.sig_exported):
        screen.export_current_csv()
    assert prompts.shown[-1][2] == "outcomes_2025-06-30-to-2026-06-30_xeomin_nose.csv"
    head = [x for x in csv_path.read_text(encoding="utf-8-sig").splitlines() if x.startswith("#")]
    assert "# Product: Xeomin" in head and "# Zone: Nose" in head and "# Injector: All injectors" in head
    with qtbot.waitSignal(screen.sig_exported, timeout=10_000):
        screen.export_pdf()
    assert prompts.shown[-1][2] == "outcome-report_2025-06-30-to-2026-06-30_xeomin_nose.pdf"
    text = " ".join(p.extract_text() for p in PdfReader(str(pdf_path)).pages[:1])
    assert "Xeomin" in text and "Nose" in text and "2025-06-30 to 2026-06-30" in text


def _drill(qtbot, screen, table, row: int, column: int = 0):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(screen.sig_sessions_shown) as shown:
        table.activated.emit(table.report_model.index(row, column))
    dialog = shown.args[0]
    qtbot.addWidget(dialog)
    return dialog


def test_every_report_row_drills_down_to_its_sessions(qtbot, scenario: Scenario, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    with qtbot.waitSignal(screen.sig_report_ready):
        screen.refresh()
    outcomes = screen.pages["outcomes"]
    dialog = _drill(qtbot, screen, outcomes.change_table, 3)  # week 4, pores
    assert dialog.table.report_model.rowCount() == 4  # the four sessions followed up at week 4
    assert dialog.summary.text().startswith("followed up at week 4: 4 signed sessions.")
    assert _drill(qtbot, screen, outcomes.gais_table, 0, 2).table.report_model.rowCount() == 4
    show_tab(screen, "breakdown")
    page = screen.pages["breakdown"]
    qtbot.waitUntil(lambda: page.table.report_model.rowCount() == 3)
    for r in range(3):
        row = page.table.report_model.row(r)
        d = _drill(qtbot, screen, page.table, r)
        assert d.table.report_model.rowCount() == row.sessions
        assert d.windowTitle() == f"Sessions behind: product {row.label} · ClinicRec"
    with qtbot.waitSignal(screen.sig_report_ready):
        show_tab(screen, "safety")
    safety = screen.pages["safety"]
    kind = safety.kinds.report_model.row(0)
    assert _drill(qtbot, screen, safety.kinds, 0).table.report_model.rowCount() == kind.sessions_affected
    with qtbot.waitSignal(screen.sig_report_ready):
        show_tab(screen, "product-use")
    use = screen.pages["product-use"]
    lot = use.lots.report_model.row(0)
    lots = _drill(qtbot, screen, use.lots, 0)
    assert lots.table.report_model.rowCount() == lot.sessions
    first = lots.table.report_model.row(0)
    with qtbot.waitSignal(screen.sig_open_record) as opened:
        lots.table.activated.emit(lots.table.report_model.index(0, 0))
    assert opened.args == [first.patient_id, first.session_id]


def test_a_follow_up_gap_row_opens_its_session(qtbot, scenario: Scenario, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    with qtbot.waitSignal(screen.sig_report_ready):
        show_tab(screen, "gaps")
    page = screen.pages["gaps"]
    row = page.table.report_model.row(0)
    with qtbot.waitSignal(screen.sig_open_record) as opened:
        page.table.activated.emit(page.table.report_model.index(0, 0))
    assert opened.args == [row.patient_id, row.session_id]
