"""A signed session's fields read as a record: not white boxes, no focus ring, no placeholders; an
amendment's draft makes them look editable again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QPlainTextEdit

from clinicrec.ui.session.form_helpers import set_read_only
from clinicrec.ui.style import SURFACE, apply_style
from tests.conftest import PASSWORD

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _fill_colour(widget) -> QColor:  # type: ignore[no-untyped-def]
    """The colour painted just inside the field's left edge, halfway down (where a white box shows)."""
    image = widget.grab().toImage()
    return image.pixelColor(4, image.height() // 2)


def test_signed_fields_do_not_look_editable(qapp, window, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    apply_style(qapp)
    make_signable(window)
    d = window.ui.details
    d.needle_gauge.setFocus()
    before = _fill_colour(d.prescriber)
    assert before == QColor(SURFACE)  # a draft's field is a white box
    prompts.queue(PASSWORD)
    window.signing.sign()
    assert window.controller.read_only
    texts = [d.consent_form_version, d.prescriber, d.order_reference, d.notes]
    # restyled in the event loop's next turn (signing's own turn has enough to do)
    qtbot.waitUntil(lambda: _fill_colour(d.notes) != QColor(SURFACE), timeout=5_000)
    for field in [*texts, d.needle_gauge]:
        assert field.focusPolicy() == Qt.FocusPolicy.NoFocus, field.objectName()
        assert not field.hasFocus()
        assert _fill_colour(field) != QColor(SURFACE), field.objectName()
    for field in texts:
        assert field.placeholderText() == "", field.objectName()
    # the depth, a choice, reads as text too: not in the greyed ink of a disabled control (was 1.8:1)
    assert not d.depth.isEnabled() and _strongest_contrast(d.depth) >= 4.5


def _strongest_contrast(widget) -> float:  # type: ignore[no-untyped-def]
    """The contrast of the field's strongest ink against its own background."""
    from tests.ui.legibility import contrast, dominant

    image = widget.grab().toImage()
    bg = dominant(image, image.rect())
    return max(
        contrast(image.pixelColor(x, y), bg)
        for y in range(1, image.height() - 1)
        for x in range(1, image.width() - 1)
    )


def test_editable_again_keeps_focus_and_placeholder(qtbot) -> None:  # type: ignore[no-untyped-def]
    line, notes, spin = QLineEdit(), QPlainTextEdit(), QAbstractSpinBox()
    for w in (line, notes, spin):
        qtbot.addWidget(w)
    line.setPlaceholderText("As on the order")
    set_read_only([line, notes, spin], True)
    assert line.placeholderText() == "" and line.isReadOnly()
    set_read_only([line, notes, spin], False)
    assert line.placeholderText() == "As on the order" and not line.isReadOnly()
    assert line.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert spin.hasFrame() and spin.styleSheet() == ""
