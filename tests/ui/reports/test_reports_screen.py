"""The reports screen on the known scenario of tests/services/test_reports.py: figures as shown, filters,
permissions, exports, every table model through qtmodeltester, and a window that stays responsive."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from clinicrec.db.models import AuditRow
from clinicrec.domain.enums import TimePoint, Zone
from clinicrec.domain.report_types import BreakdownBy, ReportFilters
from clinicrec.ui.reports.page_parts import ReportTable
from clinicrec.ui.reports.reports_screen import ReportsScreen
from clinicrec.ui.rows_model import FEW_ROLE, SORT_ROLE, Column, RowsModel
from clinicrec.ui.worker import Worker
from tests.conftest import World
from tests.services.test_reports import Scenario, build_scenario
from tests.ui.conftest import ScriptedPrompts

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)"
)  # offscreen platform


@pytest.fixture
def scenario(world: World) -> Scenario:
    return build_scenario(world)  # acts as the manager afterwards


def make_screen(qtbot, world: World, prompts: ScriptedPrompts, worker: Worker) -> ReportsScreen:  # type: ignore[no-untyped-def]
    screen = ReportsScreen(world.services, prompts, worker)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    return screen


def cells(table: ReportTable, row: int) -> list[str]:
    m = table.report_model
    return [m.data(m.index(row, c)) for c in range(m.columnCount())]


def show_tab(screen: ReportsScreen, key: str) -> None:
    screen.tabs.setCurrentIndex(list(screen.pages).index(key))


def test_outcomes_tab_shows_the_exact_figures(qtbot, scenario: Scenario, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    assert screen.filters == ReportFilters(start=date(2025, 6, 30), end=date(2026, 6, 30))  # last 12 months
    with qtbot.waitSignal(screen.sig_report_ready) as ready:
        screen.refresh()
    assert ready.args[0] == "outcomes"
    page = screen.pages["outcomes"]
    assert "7 signed sessions" in page.headline.text()
    table = page.change_table
    assert [c.title for c in table.report_model.columns] == [
        "Time point",
        "Measure",
        "n",
        "Mean change",
        "95% CI",
        "Improved ≥1 grade",
    ]
    assert table.report_model.rowCount() == 6  # day 14 and week 4, three measures each
    assert cells(table, 3)[:4] == ["Week 4", "Pores", "4 · few", "\u22120.75"]
    assert cells(table, 3)[5] == "50% (2)"
    assert cells(table, 4)[3] == "\u22121.00" and cells(table, 4)[5] == "75% (3)"  # oil
    low = scenario.world.services.reports.summary(screen.filters).outcomes[1].measures[0].change.low
    assert cells(table, 3)[4].startswith(f"\u2212{abs(low):.2f} to ")  # type: ignore[arg-type]
    index = table.report_model.index(3, 3)
    assert table.report_model.data(index, FEW_ROLE) is True
    assert "Fewer than 10 sessions" in table.report_model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert table.report_model.data(index, Qt.ItemDataRole.FontRole).italic()
    gais = page.gais_table.report_model
    assert [gais.headerData(i, Qt.Orientation.Horizontal) for i in range(gais.columnCount())] == [
        "GAIS / satisfaction",
        "Day 14",
        "Week 4",
    ]
    assert cells(page.gais_table, 2) == ["Much improved", "0% (0)", "50% (2)"]
    assert cells(page.gais_table, 6)[2] == "4.50"
    assert page.trend_chart.few_shown and "Hollow points" in page.trend_chart.note.text()
    assert page.trend_chart.tooltip(0, 1).startswith("Pores · Week 4: \u22120.75 (")


def test_filters_recompute_the_visible_tab(qtbot, scenario: Scenario, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    screen.refresh()
    bar = screen.filter_bar
    with qtbot.waitSignal(screen.sig_report_ready, timeout=3000):
        bar.set_combo(bar.zone, Zone.NOSE)
    assert screen.filters.zone is Zone.NOSE
    assert "2 signed sessions" in screen.pages["outcomes"].headline.text()
    with qtbot.waitSignal(screen.sig_report_ready, timeout=3000):
        bar.set_combo(bar.time_point, TimePoint.DAY_14)
    assert [cells(screen.pages["outcomes"].change_table, r)[0] for r in range(3)] == ["Day 14"] * 3
    with qtbot.waitSignal(screen.sig_report_ready, timeout=3000):
        bar.reset()
    assert screen.filters.zone is None and screen.filters.time_point is None


def test_breakdown_safety_product_and_gap_tabs(qtbot, scenario: Scenario, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    screen.refresh()
    show_tab(screen, "breakdown")
    page = screen.pages["breakdown"]
    assert page.dimension is BreakdownBy.PRODUCT
    assert [cells(page.table, r)[:3] for r in range(3)] == [
        ["Botox Cosmetic", "3", "2 · few"],
        ["Dysport", "1", "0"],
        ["Xeomin", "3", "2 · few"],
    ]
    page.by.setCurrentIndex(page.by.findData(BreakdownBy.MONTH.value))
    assert [cells(page.table, r)[0] for r in range(3)] == ["2026-03", "2026-04", "2026-06"]
    assert cells(page.table, 0)[-1] == "75.0"  # adverse events per 100 sessions in March
    show_tab(screen, "safety")
    s = screen.pages["safety"]
    assert "3 adverse events in 7 signed sessions: 42.9 per 100" in s.headline.text()
    assert cells(s.kinds, 0) == ["Bruising", "2", "2", "1", "28.6"]
    assert cells(s.by_injector, 0) == ["Nina Nurse", "4 · few", "1", "1", "25.0"]
    show_tab(screen, "product-use")
    p = screen.pages["product-use"]
    assert cells(p.products, 0) == ["Botox Cosmetic", "13.0 U", "2", "1", "3"]  # the clinic's 0.1 U
    assert cells(p.waste, 2) == ["Xeomin", "X8888HH", "1", "100.0 U", "0.0 U", "100.0 U"]  # most wasted first
    assert p.lots_note.text() == "Every lot is listed: 4 lots drawn from." and p.more_button.isHidden()
    show_tab(screen, "gaps")
    g = screen.pages["gaps"]
    assert "1 due and 1 overdue as of 2026-06-30" in g.headline.text()
    assert [cells(g.table, r)[:3] for r in range(2)] == [  # most overdue first
        ["Overdue", "62", "Evans, Eve"],
        ["Due", "4", "Ñúñez-Øster, Zoë"],
    ]
    assert g.shown_note.text() == "All 2 sessions listed, most overdue first." and g.more_button.isHidden()
    overdue = g.table.report_model.data(g.table.report_model.index(0, 0), Qt.ItemDataRole.ForegroundRole)
    assert overdue.color().name() == "#b3261e"


def test_every_report_model_passes_qtmodeltester(
    qtbot, qtmodeltester, scenario: Scenario, prompts, worker
) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    screen.refresh()
    for key in ("breakdown", "safety", "product-use", "gaps"):
        show_tab(screen, key)
    show_tab(screen, "recall")
    screen.look_up_lot("C1111AA")
    # the measured skin page's tables (empty without measured photos) are checked in test_skin_page.py
    tables = [t for t in screen.findChildren(ReportTable) if not t.objectName().startswith("skin_")]
    assert len(tables) == 11
    for table in tables:
        assert table.report_model.rowCount() > 0, table.objectName()
        qtmodeltester.check(table.report_model, force_py=True)
        table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        qtmodeltester.check(table.report_model, force_py=True)


def test_lazy_loading_and_sorting_of_long_lists(qtbot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RowsModel(
        [Column("n", lambda r: str(r), sort=lambda r: r, numeric=True)], list(range(450)), batch=200
    )
    assert model.rowCount() == 200 and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 450 and not model.canFetchMore(QModelIndex())
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)) == "449" and model.data(model.index(0, 0), SORT_ROLE) == (0, 449)
    qtmodeltester.check(model, force_py=True)


def test_recall_lookup_and_audited_export(qtbot, scenario: Scenario, prompts, worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    show_tab(screen, "recall")
    page = screen.pages["recall"]
    qtbot.keyClicks(page.lot, "c1111aa")
    with qtbot.waitSignal(screen.sig_report_ready):
        qtbot.mouseClick(page.find_button, Qt.MouseButton.LeftButton)
    assert page.headline.text().startswith("Lot C1111AA: 2 patients, 3 sessions, 2 vials.")
    assert [cells(page.table, r)[0] for r in range(3)] == [
        "Ñúñez-Øster, Zoë",
        "Brown, Ben",
        "Ñúñez-Øster, Zoë",
    ]
    target = tmp_path / "recall.csv"
    prompts.queue(str(target))
    with qtbot.waitSignal(screen.sig_exported):
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    written = target.read_text(encoding="utf-8-sig")
    assert written.count("\n") == 5 and written.startswith("# Report: recall lot c1111aa\nlot_number,")
    assert prompts.shown[-1][2] == "recall-lot-c1111aa.csv"
    with scenario.world.services.db.read() as s:
        assert s.execute(select(AuditRow.entity_id).where(AuditRow.action == "export")).scalars().all() == [
            "recall lot c1111aa"
        ]


def test_csv_and_pdf_export_buttons(qtbot, scenario: Scenario, prompts, worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    screen.refresh()
    csv_path, pdf_path = tmp_path / "summary.csv", tmp_path / "report.pdf"
    prompts.queue(str(csv_path), str(pdf_path))
    with qtbot.waitSignal(screen.sig_exported):
        qtbot.mouseClick(screen.export_csv_button, Qt.MouseButton.LeftButton)
    assert prompts.shown[-1][2] == "outcomes_2025-06-30-to-2026-06-30.csv"  # the filters in the name
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[:3] == [
        "# Report: Outcome summary",
        "# Period: 2025-06-30 to 2026-06-30",
        "# Product: All products",
    ]
    data = lines.index(next(x for x in lines if not x.startswith("#")))
    assert lines[data + 2].startswith("7,week_4,4,4,-0.75,")
    with qtbot.waitSignal(screen.sig_exported, timeout=10_000):
        qtbot.mouseClick(screen.export_pdf_button, Qt.MouseButton.LeftButton)
    text = " ".join(page.extract_text() for page in PdfReader(str(pdf_path)).pages)
    assert "Outcome report" in text and "Test Clinic" in text
    assert screen.status.text() == "Saved PDF report to report.pdf"


def test_injector_sees_own_figures_without_recall_or_export(
    qtbot, scenario: Scenario, prompts, worker
) -> None:  # type: ignore[no-untyped-def]
    scenario.world.services.act_as(scenario.world.injector2)
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    screen.show()
    qtbot.waitUntil(lambda: screen.result("outcomes") is not None)
    assert screen.scope_label.text() == "Your own sessions only (Olga Other)"
    assert "recall" not in screen.pages and screen.tabs.count() == 6  # the measured skin page too
    assert not screen.export_csv_button.isVisible() and not screen.export_pdf_button.isVisible()
    assert not screen.filter_bar.injector.isEnabled()
    assert screen.filter_bar.injector.currentText() == "Olga Other"
    assert "3 signed sessions" in screen.pages["outcomes"].headline.text()
    for name in ("filter_product", "filter_zone", "filter_time_point", "reports_refresh", "change_table"):
        child = screen.findChild(QWidget, name)
        assert child is not None and child.accessibleName(), name


def test_failure_is_shown_not_raised(qtbot, scenario: Scenario, prompts, worker, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)

    def broken(_f):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(scenario.world.services.reports, "summary", broken)
    screen.refresh()
    assert screen.error_label.text() == "The report could not be computed: disk on fire"
    assert not screen.busy_now


#: How long each report takes in the responsiveness test: far longer than the screen may ever block.
SLOW_S = 1.2


def test_window_stays_responsive_and_drops_stale_results(
    qtbot, scenario: Scenario, prompts, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """With the real (threaded) worker a slow report leaves the event loop running, and a result that
    arrives for filters no longer chosen is not shown."""
    worker = Worker()
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    reports = scenario.world.services.reports
    real = reports.summary

    def slow(f: ReportFilters):  # type: ignore[no-untyped-def]
        time.sleep(SLOW_S)
        return real(f)

    monkeypatch.setattr(reports, "summary", slow)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    screen.refresh()  # starts a slow job for the default filters ...
    screen.filter_bar.set_combo(screen.filter_bar.zone, Zone.NOSE)  # ... which this change makes stale
    with qtbot.waitSignal(screen.sig_report_ready, timeout=15_000) as ready:
        pass
    timer.stop()
    assert ready.args[1].filters.zone is Zone.NOSE and ready.args[1].sessions == 2
    assert "2 signed sessions" in screen.pages["outcomes"].headline.text()
    assert len(ticks) >= 15, "the event loop kept running while the reports were computed"
    # A loop that waited for a job would miss its ticks for the whole job; the pages' own painting, on a
    # slow machine, stays well under it (0.26 s seen on a loaded two-core machine).
    assert max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) < SLOW_S / 2
    qtbot.waitUntil(lambda: not screen.busy_now)
    assert worker.wait(5000)
