"""Screenshots of the reports screen on a 5,000-patient demo clinic (docs/screenshots/reports*.png).

Run with ``CLINICREC_SCREENSHOTS=1``; skipped otherwise (they apply the app style to the whole process
and build a demo database, a few seconds).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from clinicrec.db.models import UserRow
from clinicrec.demo import build_demo
from clinicrec.domain.report_types import BreakdownBy
from clinicrec.services.app import open_services
from clinicrec.services.auth import actor_of
from clinicrec.ui.reports.reports_screen import ReportsScreen

pytestmark = [
    pytest.mark.skipif(not os.environ.get("CLINICREC_SCREENSHOTS"), reason="set CLINICREC_SCREENSHOTS=1"),
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]
OUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo5k.sqlite3'}"
    build_demo(url, patients=5000, today=TODAY)
    return url


def _screen(qtbot, qapp, url: str, username: str, prompts, worker) -> ReportsScreen:  # type: ignore[no-untyped-def]
    from clinicrec.ui.style import apply_style

    apply_style(qapp)
    services = open_services(url, clock=lambda: datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    with services.db.read() as s:
        services.act_as(actor_of(s.execute(select(UserRow).where(UserRow.username == username)).scalar_one()))
    screen = ReportsScreen(services, prompts, worker)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    qtbot.waitUntil(lambda: screen.result("outcomes") is not None)
    return screen


def _save(screen: ReportsScreen, name: str) -> None:
    for _ in range(3):  # let the layouts and the charts' scenes catch up before grabbing
        QApplication.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    assert screen.grab().save(str(OUT / name))


def test_reports_screenshots(qtbot, qapp, demo_url: str, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    screen = _screen(qtbot, qapp, demo_url, "manager", prompts, worker)
    _save(screen, "reports.png")
    screen.tabs.setCurrentIndex(list(screen.pages).index("breakdown"))
    page = screen.pages["breakdown"]
    page.by.setCurrentIndex(page.by.findData(BreakdownBy.DILUTION.value))
    _save(screen, "reports-breakdown.png")
    page.by.setCurrentIndex(page.by.findData(BreakdownBy.MONTH.value))
    _save(screen, "reports-trend.png")
    screen.tabs.setCurrentIndex(list(screen.pages).index("safety"))
    _save(screen, "reports-safety.png")
    screen.tabs.setCurrentIndex(list(screen.pages).index("product-use"))
    _save(screen, "reports-product-use.png")
    screen.tabs.setCurrentIndex(list(screen.pages).index("recall"))
    lot = screen.result("product-use").lots[0].lot_number
    screen.pages["recall"].lot.setText(lot)
    screen.look_up_lot(lot)
    _save(screen, "reports-recall.png")


def test_injector_screenshot(qtbot, qapp, demo_url: str, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    screen = _screen(qtbot, qapp, demo_url, "maria", prompts, worker)
    bar = screen.filter_bar
    bar.period.setCurrentIndex(bar.period.findData("Last 3 months"))
    bar.product.setCurrentIndex(bar.product.findText("Daxxify"))
    screen.refresh()
    _save(screen, "reports-injector-few.png")
