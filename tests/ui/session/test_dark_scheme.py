"""Issue 14: the session window is legible in the dark scheme too (its colours were fixed light ones):
the header, the totals' product and total rows, the warnings, the banners and the screening badge take
their colours from the scheme in use, and red stays distinct from amber."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QFrame

from clinicrec.ui import style
from clinicrec.ui.session import models
from clinicrec.ui.style import DARK, LIGHT, Scheme, apply_style, tone_css
from tests.ui.test_colour_scheme import contrast, luminance

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")


@pytest.fixture
def schemed(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    qapp.setStyleSheet("")
    qapp.setPalette(qapp.style().standardPalette())
    style._active = LIGHT


def _css_colours(css: str) -> dict[str, QColor]:
    parts = dict(p.strip().split(":", 1) for p in css.split(";") if ":" in p)
    return {
        k.strip(): QColor(v.strip().split()[-1])
        for k, v in parts.items()
        if k.strip() in ("color", "background")
    }


@pytest.mark.parametrize("scheme", [LIGHT, DARK], ids=["light", "dark"])
def test_clinical_tones_read_in_both_schemes(qapp, schemed, scheme: Scheme) -> None:  # type: ignore[no-untyped-def]
    apply_style(qapp, scheme)
    for tone in ("alert", "warn", "ok", "good", "info"):
        c = _css_colours(tone_css(tone))
        assert contrast(c["color"], c["background"]) >= 4.5, f"{scheme.name}: {tone}"
    text = QColor(scheme.text)
    for background in (models.total_bg(), models.product_bg(), models.alert_bg()):
        assert contrast(text, background) >= 4.5
    assert contrast(models.alert_fg(), models.alert_bg()) >= 4.5
    assert abs(models.alert_fg().hslHue() - QColor(scheme.warn_text).hslHue()) >= 25  # red is not amber


def test_a_session_window_opened_in_the_dark_scheme_is_dark(qapp, schemed, open_window) -> None:  # type: ignore[no-untyped-def]
    apply_style(qapp, DARK)
    window = open_window()
    window.resize(1280, 800)
    window.show()
    QApplication.processEvents()
    header = window.findChild(QFrame, "session_header")
    image = header.grab().toImage()
    assert luminance(image.pixelColor(image.width() - 6, image.height() // 2)) < 0.1  # was white
    name = window.ui.patient_label
    assert contrast(name.palette().color(name.foregroundRole()), QColor(DARK.surface)) >= 4.5
