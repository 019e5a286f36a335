"""Dark-scheme screenshots of the reports screen (docs/screenshots/reports*-dark.png), beside the light ones
of test_screenshots.py. Run with ``CLINICREC_SCREENSHOTS=1``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clinicrec.ui import style
from clinicrec.ui.style import DARK, LIGHT, apply_style
from tests.ui.reports.test_screenshots import OUT, _save, _screen, demo_url  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.skipif(
        not __import__("os").environ.get("CLINICREC_SCREENSHOTS"), reason="set CLINICREC_SCREENSHOTS=1"
    ),
    pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)"),
]


@pytest.fixture
def dark(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    apply_style(qapp, LIGHT)
    style._active = LIGHT


def test_reports_dark_screenshots(qtbot, qapp, dark, demo_url: str, prompts, worker) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    screen = _screen(qtbot, qapp, demo_url, "manager", prompts, worker)
    apply_style(qapp, DARK)
    screen.refresh()  # charts are drawn in the scheme in use
    qtbot.waitUntil(lambda: screen.result("outcomes") is not None)
    _save(screen, "reports-dark.png")
    screen.tabs.setCurrentIndex(list(screen.pages).index("breakdown"))
    qtbot.waitUntil(lambda: screen.result("breakdown") is not None)
    _save(screen, "reports-breakdown-dark.png")
    screen.tabs.setCurrentIndex(list(screen.pages).index("product-use"))
    qtbot.waitUntil(lambda: screen.result("product-use") is not None)
    _save(screen, "reports-product-use-dark.png")
