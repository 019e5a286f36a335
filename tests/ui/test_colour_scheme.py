"""Light and dark colour schemes: the desktop's choice is followed, every label on the key screens reads
against its background in both (WCAG contrast), and the clinical red and amber stay distinct."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from clinicrec.ui import style
from clinicrec.ui.style import DARK, LIGHT, Scheme, apply_style
from tests.conftest import World
from tests.ui.legibility import contrast, luminance

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")


@pytest.fixture
def styled(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    qapp.setStyleSheet("")  # leave the process as other tests expect it
    qapp.setPalette(qapp.style().standardPalette())
    style._active = LIGHT


@pytest.mark.parametrize("scheme", [LIGHT, DARK], ids=["light", "dark"])
def test_scheme_colours_read_and_stay_distinct(scheme: Scheme) -> None:
    c = {k: QColor(v) for k, v in scheme.__dict__.items() if k != "name"}
    for fg, bg in [
        ("text", "window"),
        ("text", "surface"),
        ("text", "alt_row"),
        ("muted", "window"),
        ("muted", "surface"),
        ("muted", "header"),
        ("danger", "window"),
        ("danger", "surface"),
        ("danger", "danger_bg"),
        ("warn_text", "warn_bg"),
        ("good", "surface"),
        ("on_accent", "accent"),
        ("text", "accent_soft"),
        ("text", "button"),
        ("text", "tooltip"),
    ]:
        assert contrast(c[fg], c[bg]) >= 4.5, f"{scheme.name}: {fg} on {bg}"
    # red warnings and amber cautions: different hues, and neither banner looks like the page
    assert abs(c["danger"].hslHue() - c["warn_text"].hslHue()) >= 25
    assert abs(c["danger_bg"].hslHue() - c["warn_bg"].hslHue()) >= 25
    assert contrast(c["warn_border"], c["window"]) >= 1.5 and contrast(c["danger_border"], c["window"]) >= 1.5


def _labels(root: QWidget) -> list[QLabel]:
    return [w for w in root.findChildren(QLabel) if w.isVisible() and w.text().strip() and w.isEnabled()]


@pytest.mark.parametrize("scheme", [LIGHT, DARK], ids=["light", "dark"])
def test_key_screens_are_legible_in_both_schemes(
    qtbot, qapp, styled, world: World, prompts, worker, bus, scheme: Scheme
) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.main_window import MainWindow

    assert apply_style(qapp, scheme) is scheme and style.active() is scheme
    world.services.act_as(world.manager)
    window = MainWindow(world.services, bus, prompts, worker)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    screens = [window, window.clinic_actions.open_reports(), window.clinic_actions.open_audit()]
    QApplication.processEvents()
    checked = 0
    for screen in screens:
        assert screen is not None
        page = screen.grab().toImage()
        corner = page.pixelColor(page.width() - 3, page.height() - 3)
        assert (luminance(corner) < 0.1) == (scheme is DARK), f"{screen.objectName()} follows the scheme"
        for label in _labels(screen):
            pal = label.palette()
            fg = pal.color(QPalette.ColorGroup.Active, label.foregroundRole())
            bg = pal.color(QPalette.ColorGroup.Active, label.backgroundRole())
            assert contrast(fg, bg) >= 4.5, f"{scheme.name}: {label.objectName() or label.text()!r}"
            checked += 1
    assert checked > 20


def test_the_desktop_scheme_is_followed(qapp, styled) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    expected = DARK if qapp.styleHints().colorScheme() == Qt.ColorScheme.Dark else LIGHT
    assert style.desktop_scheme(qapp) is expected
    assert apply_style(qapp) is expected
    assert qapp.palette().color(QPalette.ColorRole.Window) == QColor(expected.window)
