"""The measured skin change page of the reports screen on a demo clinic with measured photos: both tables
filled from the report, the grouping recomputes, the models pass Qt's model tester; a screenshot
(docs/screenshots/reports-skin.png) when CLINICREC_SCREENSHOTS=1."""

from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from clinicrec.db.models import UserRow
from clinicrec.demo import build_demo
from clinicrec.domain.report_types import BreakdownBy, ReportFilters
from clinicrec.domain.skin_report import SkinChangeReport
from clinicrec.services.app import Services, open_services
from clinicrec.services.auth import actor_of
from clinicrec.ui.reports.reports_screen import ReportsScreen
from clinicrec.ui.reports.skin_page import SkinChangePage

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
OUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('skin') / 'demo.sqlite3'}"
    build_demo(url, patients=60, today=TODAY, photo_sessions=5)
    return url


def _meeting_pdf_page(services: Services, filters: ReportFilters) -> None:
    """The meeting PDF's measured skin section, as docs/screenshots/report-pdf-skin.png."""
    from clinicrec.pdf.report_pdf import build_report_pdf
    from tests.pdf.test_printed_figures import page_image

    out = io.BytesIO()
    build_report_pdf(services.reports.bundle(filters), out)
    page_image(out.getvalue(), "Measured skin change", OUT / "report-pdf-skin")


def test_the_page_shows_the_demo_s_measured_change(
    qtbot, qapp, demo_url: str, prompts, worker, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("CLINICREC_SCREENSHOTS"):
        from clinicrec.ui.style import apply_style

        apply_style(qapp)
    services = open_services(demo_url, clock=lambda: datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    with services.db.read() as s:
        services.act_as(
            actor_of(s.execute(select(UserRow).where(UserRow.username == "manager")).scalar_one())
        )
    screen = ReportsScreen(services, prompts, worker)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    page = screen.pages["skin-change"]
    assert isinstance(page, SkinChangePage)
    with qtbot.waitSignal(screen.sig_report_ready):
        screen.tabs.setCurrentWidget(page)
    with qtbot.waitSignal(screen.sig_report_ready, timeout=20_000):
        screen.filter_bar.start.setDate(date(2020, 1, 1))  # the demo's first followed-up sessions are old
    result = screen.result("skin-change")
    assert isinstance(result, SkinChangeReport) and result.sessions > 0
    zones, agreement = page.zones.report_model, page.agreement.report_model
    assert zones.rowCount() == len(result.rows) > 0 and agreement.rowCount() == 4
    qtmodeltester.check(zones)
    qtmodeltester.check(agreement)
    shown = zones.data(zones.index(0, 0), Qt.ItemDataRole.DisplayRole)
    assert shown == result.rows[0].group
    if os.environ.get("CLINICREC_SCREENSHOTS"):
        for _ in range(3):
            QApplication.processEvents()
        assert screen.grab().save(str(OUT / "reports-skin.png"))
        _meeting_pdf_page(services, screen.filter_bar.filters())
    with qtbot.waitSignal(screen.sig_report_ready):
        page.by.setCurrentIndex(page.by.findData(BreakdownBy.INJECTOR.value))
    again = screen.result("skin-change")
    assert again.by is BreakdownBy.INJECTOR and again.rows
    assert all(", " in r.group and " · " in r.group for r in again.rows)  # "Maria López, RN · Botox …"
    services.db.dispose()
