"""The report registry (services/reports): every registered report computes, exports as CSV, prints in the
meeting PDF (or says why not), and shows on its page of the reports screen. A report forgotten in any of
these places fails here, whatever its name."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from clinicrec.domain.errors import ClinicRecError
from clinicrec.domain.report_kinds import ReportKind
from clinicrec.domain.report_types import OutcomeSummary, ReportBundle
from clinicrec.pdf.report_pdf import SECTIONS, build_report_pdf
from clinicrec.services.permissions import Action
from clinicrec.services.reports import REPORTS, ReportDefinition, ReportRequest, definitions, registry
from clinicrec.services.reports.export import csv_text, export_csv, table
from clinicrec.ui.reports.page_parts import ReportTable
from clinicrec.ui.reports.pages import PAGES
from clinicrec.ui.reports.reports_screen import ReportsScreen
from tests.services.test_reports import PERIOD, Scenario, build_scenario

LOT = "C1111AA"  # a lot of the scenario, for the reports that need one

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
ALL = [pytest.param(d, id=d.kind) for d in definitions()]


def request_for(d: ReportDefinition[Any]) -> ReportRequest:
    return ReportRequest(PERIOD, lot=LOT if "lot" in d.requires else "")


@pytest.fixture
def scenario(world) -> Scenario:  # type: ignore[no-untyped-def]
    return build_scenario(world)  # acts as the manager afterwards


def test_the_registry_is_the_list_everyone_reads() -> None:
    assert [d.kind for d in definitions()] == [d.kind for d in REPORTS]
    assert {d.kind for d in definitions()} == {k.value for k in ReportKind}  # the command line's --kind
    assert set(PAGES) == {d.page for d in definitions()}  # no page without a report, no report without one
    printed = {d.pdf_section for d in definitions() if d.pdf_section is not None}
    assert printed == set(SECTIONS)
    for d in definitions():
        assert d.title and d.tab_title and d.csv_columns and len(set(d.csv_columns)) == len(d.csv_columns)
        assert d.pdf_section is not None or d.pdf_left_out  # printed, or why not


@pytest.mark.parametrize("d", ALL)
def test_every_report_computes_and_exports_csv(scenario: Scenario, d: ReportDefinition[Any]) -> None:
    reports = scenario.world.services.reports
    result = d.run(reports, request_for(d))
    assert type(result) is d.result_type
    names, rows = table(result)
    assert names == list(d.csv_columns) and rows, d.kind
    for row in rows:  # no figure is computed and then silently dropped from the file
        assert set(row) <= set(names), set(row) - set(names)
    out = io.StringIO()
    assert export_csv(reports, result, out) == len(rows)
    read = list(csv.reader(io.StringIO(out.getvalue())))
    assert read[0] == names and len(read) == len(rows) + 1
    assert csv_text(result) == out.getvalue()


@pytest.mark.parametrize("d", ALL)
def test_every_report_prints_in_the_meeting_pdf_or_says_why_not(
    scenario: Scenario, d: ReportDefinition[Any]
) -> None:
    reports = scenario.world.services.reports
    bundle = reports.bundle(PERIOD)
    mine = tuple(s for s in bundle.sections if s.kind == d.kind)
    if d.pdf_section is None:
        assert not mine and d.pdf_left_out
        return
    assert mine and all(type(s.result) is d.result_type and s.pdf_section == d.pdf_section for s in mine)
    summary = next(s for s in bundle.sections if isinstance(s.result, OutcomeSummary))

    def text(b: ReportBundle) -> str:
        out = io.BytesIO()
        build_report_pdf(b, out)
        return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(out).pages)

    title_only = text(replace(bundle, sections=(summary,) if d.kind != summary.kind else ()))
    with_report = text(replace(bundle, sections=(summary, *mine) if d.kind != summary.kind else mine))
    assert len(with_report) > len(title_only) + 40, d.kind  # its section adds its figures


@pytest.mark.parametrize("d", ALL)
def test_every_report_shows_on_its_page(
    qtbot, scenario: Scenario, prompts, worker, d: ReportDefinition[Any]
) -> None:  # type: ignore[no-untyped-def]
    screen = ReportsScreen(scenario.world.services, prompts, worker)
    qtbot.addWidget(screen)
    page = screen.pages[d.page]
    assert isinstance(page, PAGES[d.page])
    assert screen.tabs.tabText(screen.tabs.indexOf(page)) == d.tab_title
    screen.tabs.setCurrentWidget(page)
    with qtbot.waitSignal(screen.sig_report_ready) as ready:
        screen.run_report(d.page, request_for(d))
    assert ready.args[0] == d.page and type(ready.args[1]) is d.result_type
    tables = page.findChildren(ReportTable)
    assert tables and any(t.report_model.rowCount() > 0 for t in tables), d.kind
    first = next(t for t in tables if t.report_model.rowCount() > 0).report_model
    assert first.data(first.index(0, 0), Qt.ItemDataRole.DisplayRole)


def test_a_report_needing_an_input_says_which(scenario: Scenario) -> None:
    needs = [d for d in definitions() if d.requires]
    assert needs
    for d in needs:
        with pytest.raises(ClinicRecError, match=d.requires[0]):
            d.run(scenario.world.services.reports, ReportRequest(PERIOD))


def test_reports_an_injector_may_not_see_have_no_tab(qtbot, scenario: Scenario, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    scenario.world.services.act_as(scenario.world.injector2)
    screen = ReportsScreen(scenario.world.services, prompts, worker)
    qtbot.addWidget(screen)
    hidden = {d.page for d in definitions() if d.permission is Action.VIEW_ALL_REPORTS}
    assert hidden and not hidden & set(screen.pages)
    assert screen.tabs.count() == len(definitions()) - len(hidden)


def test_registering_a_second_report_of_a_kind_or_an_unexplained_missing_pdf_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    summary = registry.definition("summary")
    with pytest.raises(ValueError, match="registered already"):
        registry.register(summary)
    with pytest.raises(ValueError, match="why it is left out"):
        registry.register(replace(summary, kind="new", page="new", result_type=dict, pdf_section=None))
    with pytest.raises(ValueError, match="two reports return"):
        registry.register(replace(summary, kind="new", page="new"))


def test_an_input_of_blanks_is_missing(scenario: Scenario) -> None:
    recall = registry.definition("recall")
    with pytest.raises(ClinicRecError, match="needs a lot"):
        recall.run(scenario.world.services.reports, ReportRequest(PERIOD, lot="   "))
