"""Product use and follow-up gaps list a page (issue 17: a big clinic has a lot per vial and tens of
thousands of gaps): each product's first lots and one 'other lots' row adding up the rest, the most overdue
gaps and their count; 'Show more' lists more; Export CSV writes every row whatever the page."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from clinicrec.domain.enums import Zone
from clinicrec.ui.reports.list_pages import GapsPage, ProductUsePage
from clinicrec.ui.reports.reports_screen import ReportsScreen
from tests.conftest import World
from tests.services.test_reports import Scenario, build_scenario
from tests.ui.reports.test_reports_screen import cells, make_screen, show_tab

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def scenario(world: World) -> Scenario:
    return build_scenario(world)


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))


def paged(screen: ReportsScreen, key: str, size: int) -> ProductUsePage | GapsPage:
    page = screen.pages[key]
    assert isinstance(page, (ProductUsePage, GapsPage))
    page.paged.page_size = page.paged.limit = size  # the scenario is small: a page of one
    return page


def test_product_use_lists_each_products_first_lots_and_adds_up_the_rest(
    qtbot, scenario: Scenario, prompts, worker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    page = paged(screen, "product-use", 1)
    assert isinstance(page, ProductUsePage)
    with qtbot.waitSignal(screen.sig_report_ready):
        show_tab(screen, "product-use")
        screen.refresh()
    assert [cells(page.lots, r) for r in range(page.lots.report_model.rowCount())] == [
        ["Botox Cosmetic", "C1111AA", "13.0 U", "2", "3"],
        ["Dysport", "D3333CC", "6.0 U", "1", "1"],
        ["Xeomin", "X2222BB", "2.8 U", "1", "2"],
        ["Xeomin", "1 other lot", "2.0 U", "1", "—"],  # 4.8 U and 2 vials in all: the rows add up
    ]
    assert page.waste.report_model.rowCount() == 4
    assert cells(page.waste, 2) == ["Xeomin", "X8888HH", "1", "100.0 U", "0.0 U", "100.0 U"]
    assert cells(page.waste, 3) == ["Xeomin", "2 other lots", "2", "200.0 U", "4.8 U", "195.2 U"]
    assert cells(page.products, 2) == ["Xeomin", "4.8 U", "2", "2", "3"]  # exact, whatever the page
    assert not page.more_button.isHidden() and "Export CSV writes every lot" in page.lots_note.text()
    # an 'other lots' row has no sessions of its own to list
    page.lots.setCurrentIndex(page.lots.report_model.index(3, 0))
    qtbot.keyClick(page.lots, Qt.Key.Key_Return)
    assert not screen.busy_now

    target = tmp_path / "lots.csv"
    prompts.queue(str(target))
    with qtbot.waitSignal(screen.sig_exported):
        qtbot.mouseClick(screen.export_csv_button, Qt.MouseButton.LeftButton)
    rows = [
        r for r in csv.reader(target.read_text(encoding="utf-8-sig").splitlines()) if r[0] in ("lot", "waste")
    ]
    assert [(r[0], r[2]) for r in rows] == [  # every lot, no 'other lots' row, in the screen's order
        ("lot", "C1111AA"),
        ("lot", "D3333CC"),
        ("lot", "X2222BB"),
        ("lot", "X5555EE"),
        ("waste", "C1111AA"),
        ("waste", "D3333CC"),
        ("waste", "X8888HH"),
        ("waste", "X5555EE"),
        ("waste", "X2222BB"),
    ]

    with qtbot.waitSignal(screen.sig_report_ready):
        page.more_button.click()
    assert cells(page.lots, 3) == ["Xeomin", "X5555EE", "2.0 U", "1", "1"]  # every lot drawn from
    assert cells(page.waste, 4) == ["Xeomin", "1 other lot", "1", "100.0 U", "2.8 U", "97.2 U"]
    with qtbot.waitSignal(screen.sig_report_ready):
        page.more_button.click()
    assert cells(page.waste, 4) == ["Xeomin", "X2222BB", "1", "100.0 U", "2.8 U", "97.2 U"]
    assert page.more_button.isHidden() and page.lots_note.text() == "Every lot is listed: 4 lots drawn from."


def test_follow_up_gaps_list_the_most_overdue_and_count_them_all(
    qtbot, scenario: Scenario, prompts, worker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    page = paged(screen, "gaps", 1)
    assert isinstance(page, GapsPage)
    with qtbot.waitSignal(screen.sig_report_ready):
        show_tab(screen, "gaps")
        screen.refresh()
    assert [cells(page.table, r)[:3] for r in range(page.table.report_model.rowCount())] == [
        ["Overdue", "62", "Evans, Eve"]
    ]
    assert "1 due and 1 overdue" in page.headline.text()  # counted, not listed
    assert page.shown_note.text() == "The 1 most overdue of 2 sessions listed. Export CSV writes every one."
    target = tmp_path / "gaps.csv"
    prompts.queue(str(target))
    with qtbot.waitSignal(screen.sig_exported):
        qtbot.mouseClick(screen.export_csv_button, Qt.MouseButton.LeftButton)
    data = [
        r for r in csv.reader(target.read_text(encoding="utf-8-sig").splitlines()) if not r[0].startswith("#")
    ]
    assert [r[2] for r in data[1:]] == ["Evans, Eve", "Ñúñez-Øster, Zoë"]
    with qtbot.waitSignal(screen.sig_report_ready):
        page.more_button.click()
    assert page.table.report_model.rowCount() == 2 and page.more_button.isHidden()
    # new filters: the first page again
    with qtbot.waitSignal(screen.sig_report_ready, timeout=3000):
        screen.filter_bar.set_combo(screen.filter_bar.zone, Zone.NOSE)
    assert page.paged.limit == 1
